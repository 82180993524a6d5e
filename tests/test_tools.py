"""Publishing (up to the network call: `keras_condgan.cli.publish_command`) and the scripts in
tools/, thin wrappers of the package: publishing, the demo, GauGAN training."""

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import BACKEND, ROOT, tiny_cgan

import keras_condgan
from keras_condgan.cli import main as command_line
from keras_condgan.cli import publish_command


@pytest.fixture
def preset_folder(tmp_path):
    folder = str(tmp_path / "tiny")
    tiny_cgan().save_to_preset(folder)
    with open(os.path.join(folder, "README.md"), "w") as f:
        f.write("# our model card\n")
    return folder


def test_publish_dry_run_lists_exactly_the_files(preset_folder, capsys):
    assert command_line(["publish", preset_folder, "hf://someone/tiny", "--dry-run"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.splitlines()[1:]]
    assert listed == sorted(os.listdir(preset_folder))


def test_publish_refuses_incomplete_folder_and_bad_handle(preset_folder, capsys):
    os.remove(os.path.join(preset_folder, "README.md"))
    assert command_line(["publish", preset_folder, "hf://someone/tiny", "--dry-run"]) == 2
    assert "missing README.md" in capsys.readouterr().err
    assert command_line(["publish", preset_folder, "s3://bucket/tiny", "--dry-run"]) == 2
    assert "Expected an hf://org/name" in capsys.readouterr().err


@pytest.mark.skipif(BACKEND != "tensorflow", reason="the tool only forwards its arguments: checked on one backend")
def test_publish_tool_is_the_command(preset_folder):
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tools", "publish_preset.py"), preset_folder, "hf://someone/tiny", "--dry-run"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Would upload" in result.stdout and "model.weights.h5" in result.stdout


def test_publish_to_hf_keeps_our_card_and_reaches_the_network_call(preset_folder, monkeypatch):
    # Point huggingface_hub at a closed local port: the upload must get as
    # far as the HTTP request, and our README.md must survive the attempt.
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setattr("huggingface_hub.constants.ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("HF_TOKEN", "hf_dummy_token_for_tests")
    with pytest.raises(Exception) as info:
        publish_command.publish(preset_folder, "hf://someone/tiny")
    assert any(word in repr(info.value) + str(info.value.__context__) for word in ("Connect", "connect", "127.0.0.1"))
    with open(os.path.join(preset_folder, "README.md")) as f:
        assert f.read() == "# our model card\n"


def test_demo_writes_grid_and_gif(tmp_path):
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tools", "demo.py"), "--out", str(tmp_path), "--per-digit", "3"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(os.listdir(tmp_path)) == ["mnist_cgan_digits.png", "mnist_cgan_interpolation.gif"]


def test_train_gaugan_trains_resumes_and_writes_a_preset(tmp_path, facades_dir):
    """tools/train_gaugan.py (`keras_condgan.training.train_gaugan`) on 2 facades pairs (4 with
    mirroring) at 32 x 32 with tiny networks: one epoch, then the same command with --epochs 2
    continues from the backup (it runs epoch 2 only) and writes a preset that loads and
    synthesizes."""
    out = str(tmp_path / "run")
    command = [
        sys.executable, os.path.join(ROOT, "tools", "train_gaugan.py"), "--image-size", "32", "--num-upsamples", "2",
        "--latent-dim", "8", "--generator-filters", "2", "--discriminator-filters", "2", "--encoder-filters", "2",
        "--spade-filters", "4", "--perceptual-network", "none", "--limit", "2", "--batch-size", "2",
        "--facades-dir", facades_dir, "--out", out,
    ]
    first = subprocess.run(command + ["--epochs", "1"], capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr[-2000:]
    second = subprocess.run(command + ["--epochs", "2"], capture_output=True, text=True, cwd=ROOT)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "Epoch 2/2" in second.stdout and "Epoch 1/2" not in second.stdout
    assert sorted(os.listdir(os.path.join(out, "samples"))) == ["epoch_001.png", "epoch_002.png"]
    model = keras_condgan.GauGAN.from_preset(os.path.join(out, "preset"))
    label_maps = np.zeros((3, 32, 32), "int32")
    assert model.synthesize(label_maps, seed=0).shape == (3, 32, 32, 3)
