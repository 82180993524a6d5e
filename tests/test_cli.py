"""The `keras-condgan` command line, run as a user runs it: `python -m keras_condgan ...` in a
subprocess, with `--backend` set to the backend of this test run.

Each subprocess pays for importing Keras (5-10 s), and on JAX for compiling the initializers of
the model it builds: the commands that every user runs first (presets, generate, translate)
run on every backend; the longer jobs (training, evaluation, synthesis), whose code above the
model does not depend on the backend, on one backend each (named in each skip reason). Users'
mistakes go through the command's entry point in this process (cheap, every backend), and
through the real command once.
"""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import BACKEND
from PIL import Image

from keras_condgan.datasets import facades

ERROR_PREFIX = "keras-condgan: error:"


@pytest.fixture(scope="module")
def jax_cache(tmp_path_factory):
    """The command keeps JAX's compiled programs between runs; here, between this module's runs
    (not in the user's cache)."""
    return str(tmp_path_factory.mktemp("jax_compilation_cache"))


@pytest.fixture
def run(jax_cache, tmp_path):
    """`run(*arguments, backend=BACKEND, env=None)`: the command's CompletedProcess, run from
    `tmp_path` with `--backend backend` and `env` added to the environment."""

    def run_command(*arguments, backend=BACKEND, env=None):
        environment = dict(os.environ, JAX_COMPILATION_CACHE_DIR=jax_cache, **(env or {}))
        return subprocess.run(
            [sys.executable, "-m", "keras_condgan", "--backend", backend, *map(str, arguments)],
            capture_output=True, text=True, cwd=tmp_path, env=environment,
        )

    return run_command


def succeeded(result):
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-3000:])
    return result


def assert_one_line_error(result, expected):
    """A user mistake: a non-zero exit, no traceback, and one error line, the last."""
    assert result.returncode != 0, result.stdout[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith(ERROR_PREFIX)]
    assert len(errors) == 1, result.stderr[-3000:]
    assert result.stderr.rstrip().splitlines()[-1] == errors[0]
    assert expected in errors[0], errors[0]


def image_size(path):
    with Image.open(path) as image:
        return image.size


# --- the first commands a user runs: on every backend --------------------------------------


def test_presets_lists_every_bundled_preset_with_size_and_quality(run):
    out = succeeded(run("presets")).stdout
    for name, command, size, quality in (
        ("mnist_cgan", "keras-condgan generate", "28x28x1", "98.30%"),
        ("pix2pix_facades", "keras-condgan translate", "256x256x3", "FID 170.8"),
        ("gaugan_facades", "keras-condgan synthesize", "64x64x3", "FID 164.0"),
    ):
        block = out[out.index(name):].split("\n\n")[0]
        assert command in block and size in block and quality in block, block
        assert "parameters:" in block and " MB" in block


def test_generate_writes_a_labelled_grid_and_a_morph(run, tmp_path):
    succeeded(run("generate", "--labels", 3, 5, 7, "--per-label", 4, "--seed", 0, "--out", "digits.png"))
    # Three rows of four 28 x 28 digits at scale 2, 2-pixel gaps, a label margin on the left.
    width, height = image_size(tmp_path / "digits.png")
    assert height == 3 * (56 + 2) + 2 and width > 4 * (56 + 2)
    succeeded(run("generate", "--gif", 3, 8, "--steps", 5, "--out", "morph.gif"))
    with Image.open(tmp_path / "morph.gif") as gif:
        assert gif.n_frames == 5 + 3  # forwards, then back without repeating the ends


def test_translate_takes_files_of_any_size_and_mode(run, tmp_path):
    rng = np.random.default_rng(0)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    Image.fromarray(rng.integers(0, 256, (300, 300, 4), dtype=np.uint8), "RGBA").save(inputs / "rgba.png")
    Image.fromarray(rng.integers(0, 256, (120, 200), dtype=np.uint8), "L").save(inputs / "gray.png")
    result = succeeded(run("translate", "--preset", "pix2pix_facades", inputs, "--out", "photos"))
    assert image_size(tmp_path / "photos" / "rgba.png") == (300, 300)
    assert image_size(tmp_path / "photos" / "gray.png") == (200, 120)
    assert "rgba.png is RGBA" in result.stderr and "gray.png is L" in result.stderr


# --- longer or backend-independent checks: on one backend each (see each reason) -----------


@pytest.mark.skipif(BACKEND != "jax", reason="the option is read before any backend is imported: checked on one")
def test_backend_option_overrides_the_environment(run):
    result = succeeded(run("--version", env={"KERAS_BACKEND": "tensorflow"}))
    assert "backend jax" in result.stdout


@pytest.mark.skipif(BACKEND != "torch", reason="--size is Pillow code around the model: checked on one backend")
def test_translate_at_the_model_size(run, tmp_path):
    Image.fromarray(np.zeros((50, 70, 3), "uint8")).save(tmp_path / "small.jpg")
    succeeded(run("translate", "small.jpg", "--size", "model", "--out", "photos"))
    assert image_size(tmp_path / "photos" / "small.png") == (256, 256)


@pytest.mark.skipif(BACKEND != "torch", reason="label maps are read with Pillow and NumPy: checked on one backend")
def test_synthesize_from_a_colour_label_map_and_from_class_ids(run, tmp_path):
    class_ids = np.repeat(np.repeat(np.arange(12).reshape(3, 4), 50, axis=0), 25, axis=1)  # 150 x 100
    Image.fromarray(facades.colors_from_labels(class_ids)).save(tmp_path / "labels.png")
    Image.fromarray(np.full((80, 90, 3), 180, "uint8")).save(tmp_path / "style.jpg")
    result = succeeded(run("synthesize", "labels.png", "--style", "style.jpg", "--out", "photo.png"))
    assert image_size(tmp_path / "photo.png") == (100, 150)
    assert "colour label map" in result.stderr
    Image.fromarray(class_ids.astype("uint8")).save(tmp_path / "ids.png")  # grayscale: class ids
    succeeded(run("synthesize", "ids.png", "--seed", 1, "--size", "model", "--out", "random_style.png"))
    assert image_size(tmp_path / "random_style.png") == (64, 64)


@pytest.mark.skipif(BACKEND != "jax", reason="error reporting does not depend on the backend: checked on one")
def test_user_mistakes_in_the_real_command_print_one_line(run):
    assert_one_line_error(run("translate", "missing.png", "--out", "out"), "missing.png: no such file")
    # Refused before Keras is imported.
    assert_one_line_error(run("presets", backend="theano"), "invalid choice: 'theano'")


MISTAKES = {
    "folder without images": (["translate", "empty", "--out", "out"], "no images"),
    "unreadable image": (["translate", "broken.png", "--out", "out"], "cannot read broken.png as an image"),
    "unknown preset": (["generate", "--preset", "no_such_preset"], "unknown preset 'no_such_preset'"),
    "missing preset folder": (["evaluate", "./no_such_run"], "./no_such_run: no such folder"),
    "missing data folder": (["train", "pix2pix", "--data", "no_such_folder"], "no_such_folder: no such folder"),
    "bad option value": (["generate", "--per-label", "0"], "expected a positive integer"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_user_mistakes_print_one_line(mistake, tmp_path, monkeypatch, capsys):
    """The command's own entry point, in this process (the real command's stderr is checked
    above): a mistake returns status 2 and prints one line, without raising."""
    from keras_condgan.cli import main

    (tmp_path / "empty").mkdir()
    (tmp_path / "broken.png").write_bytes(b"not an image")
    monkeypatch.chdir(tmp_path)
    arguments, expected = MISTAKES[mistake]
    assert main(arguments) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith(ERROR_PREFIX) and expected in errors[0], errors


@pytest.mark.skipif(BACKEND != "torch", reason="loads the mnist_cgan preset in this process: checked on one backend")
def test_label_out_of_range_prints_one_line(capsys):
    from keras_condgan.cli import main

    assert main(["generate", "--labels", "3", "12"]) == 2
    assert capsys.readouterr().err.strip() == f"{ERROR_PREFIX} label 12 is out of range: mnist_cgan draws classes 0 to 9"


def paired_folder(root, train=4, test=2, size=40):
    """A pix2pix folder of side-by-side pairs (A | B, B the negative of A): train/ and test/."""
    rng = np.random.default_rng(0)
    for split, count in (("train", train), ("test", test)):
        (root / split).mkdir(parents=True)
        for i in range(count):
            a = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            Image.fromarray(np.concatenate([a, 255 - a], axis=1)).save(root / split / f"{i}.png")
    return root


def history_rows(run_dir):
    with open(run_dir / "history.csv") as f:
        return list(csv.DictReader(f))


@pytest.mark.skipif(BACKEND != "tensorflow", reason="training and evaluation run the same code above `fit` on "
                    "every backend (the backends' steps are tested in test_trainer.py): one backend")
def test_train_on_own_pairs_resume_and_evaluate(run, tmp_path, capsys):
    pairs = paired_folder(tmp_path / "pairs", test=4)  # KID needs 4 held-out pairs
    train = ["train", "pix2pix", "--data", pairs, "--image-size", 32, "--filters", 4, "--out", "run", "--quality-every", 1]
    succeeded(run(*train, "--epochs", 1))
    run_dir = tmp_path / "run"
    rows = history_rows(run_dir)
    assert len(rows) == 1 and float(rows[0]["val_lpips"]) > 0 and "val_kid" in rows[0]  # measured on test/
    assert os.listdir(run_dir / "samples") == ["epoch_001.png"]
    # TensorBoard (TensorFlow is installed here): the losses and the sample grid in one run
    from tensorboard.backend.event_processing import event_accumulator

    events = event_accumulator.EventAccumulator(str(run_dir / "logs" / "train"))
    events.Reload()
    assert {"samples", "epoch_g_loss"} <= set(events.Tags()["tensors"])

    # The same command with more epochs continues from the backup: only epoch 2 runs.
    second = succeeded(run(*train, "--epochs", 2))
    assert "Epoch 2/2" in second.stdout and "Epoch 1/2" not in second.stdout
    assert [row["epoch"] for row in history_rows(run_dir)] == ["0", "1"]
    assert sorted(os.listdir(run_dir / "samples")) == ["epoch_001.png", "epoch_002.png"]
    assert sorted(os.listdir(run_dir / "preset")) >= ["config.json", "metadata.json", "model.weights.h5"]

    # Resuming with another architecture is refused before training (in this process: cheaper).
    from keras_condgan.cli import main

    other = [str(a) for a in train] + ["--epochs", "3"]
    other[other.index("--filters") + 1], other[other.index("run")] = "8", str(run_dir)
    assert main(other) == 2
    assert "filters: 4 then 8" in capsys.readouterr().err

    succeeded(run("evaluate", "run", "--data", pairs, "--limit", 4))
    with open(run_dir / "evaluation" / "evaluation.json") as f:
        summary = json.load(f)
    assert summary["test_pairs"] == 4 and summary["image_size"] == 32
    assert set(summary["results"]["model"]) == {"l1", "psnr", "ssim", "lpips", "fid", "kid", "kid_standard_error"}
    assert "real_training_photos" in summary["results"]  # the FID floor, from the train/ photos
    assert os.path.isfile(run_dir / "evaluation" / "comparison.jpg")


@pytest.mark.skipif(BACKEND != "tensorflow", reason="the cGAN's run folder code is shared with Pix2Pix: one backend")
def test_train_conditional_gan_on_class_folders(tmp_path):
    from keras_condgan.training import train_conditional_gan

    rng = np.random.default_rng(0)
    for c, name in enumerate(("bottom", "middle", "top")):
        (tmp_path / "data" / name).mkdir(parents=True)
        for i in range(8):
            image = rng.integers(0, 40, (12, 12), dtype=np.uint8)
            image[8 - 4 * c : 12 - 4 * c] = 230
            Image.fromarray(image).save(tmp_path / "data" / name / f"{i}.png")
    model = train_conditional_gan(
        str(tmp_path / "run"), data=str(tmp_path / "data"), image_size=8, latent_dim=8,
        generator_filters=(16, 8, 8), discriminator_filters=(8, 16), epochs=1, batch_size=8, verbose=0,
    )
    assert model.num_classes == 3 and model.image_shape == (8, 8, 1)  # grayscale files: one channel
    with open(tmp_path / "run" / "run.json") as f:
        assert json.load(f)["class_names"] == ["bottom", "middle", "top"]
    assert image_size(tmp_path / "run" / "samples" / "epoch_001.png")[1] == 3 * (8 * 8 + 2) + 2  # a row per class
    assert os.path.isdir(tmp_path / "run" / "preset")


@pytest.mark.parametrize(
    "command", [[], ["presets"], ["generate"], ["translate"], ["synthesize"], ["train"], ["train", "cgan"],
                ["train", "pix2pix"], ["train", "gaugan"], ["evaluate"], ["publish"], ["app"], ["export"]],
)
def test_every_command_has_help_with_examples(command, capsys):
    from keras_condgan.cli.main import build_parser

    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    assert "examples:" in capsys.readouterr().out
