"""`GAN.export`: each family's generator (and GauGAN's style encoder) written in each format
that works on the running backend, served through the format's own runtime
(`scripts/serve_exported.py`: tf.saved_model, the LiteRT interpreter, onnxruntime,
torch.export) with its inputs given by their documented names, and compared with the Keras
network (float32, atol 1e-4) and with `generate` / `translate` / `synthesize` (uint8, at most 1
level apart). One test serves every format in a process where Keras cannot be imported. A
format that cannot work on this backend, or whose package is not installed, is skipped with
the reason. openvino (Keras' exporter as is, package not installed here) is not tested.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import BACKEND, ROOT, tiny_cgan, tiny_gaugan, tiny_pix2pix, toy_data

from keras_condgan import export as exporting
from keras_condgan.layers.spade import resize_nearest
from keras_condgan.utils.images import to_uint8

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "scripts"))
from serve_exported import serve  # noqa: E402

SERVED_FORMATS = ("tf_saved_model", "onnx", "litert", "torch")
SUFFIXES = {"tf_saved_model": "", "onnx": ".onnx", "litert": ".tflite", "torch": ".pt2"}


def skip_unless_exportable(format):
    if BACKEND not in exporting.NEEDS[format]:
        pytest.skip(f"{format} does not work on {BACKEND}: {exporting.CANNOT[(format, BACKEND)]}")
    missing = exporting.missing_packages(format, BACKEND)
    if missing:
        pytest.skip(f"{format} on {BACKEND} needs {', '.join(missing)} (not installed)")


def formats_here():
    return [f for f in SERVED_FORMATS if BACKEND in exporting.NEEDS[f] and not exporting.missing_packages(f, BACKEND)]


def export(model, tmp_path, format, network="generator"):
    path = str(tmp_path / f"{network}{SUFFIXES[format]}")
    assert model.export(path, format=format, network=network, verbose=False) == path
    return path


def keras_outputs(network, feeds):
    """The Keras network's outputs for named inputs, in inference mode."""
    outputs = network([feeds[x.name] for x in network.inputs] if len(network.inputs) > 1 else feeds[network.inputs[0].name],
                      training=False)
    return [keras.ops.convert_to_numpy(y) for y in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]


def assert_served_like_keras(served, network, feeds, output_names):
    assert sorted(served) == sorted(output_names)
    for name, expected in zip(output_names, keras_outputs(network, feeds)):
        np.testing.assert_allclose(served[name], expected, atol=1e-4, err_msg=name)


def assert_same_images(served_images, expected_uint8):
    images = to_uint8(served_images)
    assert images.shape == expected_uint8.shape
    assert np.abs(images.astype(int) - expected_uint8.astype(int)).max() <= 1


# --- the models and what their inference methods give --------------------------------------


@pytest.fixture(scope="module")
def cgan():
    model = tiny_cgan()
    labels = np.array([0, 2, 1, 2])
    feeds = {"noise": model.latents(len(labels), seed=3), "labels": np.eye(3, dtype="float32")[labels]}
    return model, feeds, model.generate(labels, seed=3)


@pytest.fixture(scope="module")
def pix2pix():
    model = tiny_pix2pix()
    conditions = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    feeds = {"condition": (conditions / 127.5 - 1.0).astype("float32")}
    return model, feeds, model.translate(conditions)


@pytest.fixture(scope="module")
def gaugan():
    model = tiny_gaugan()
    label_maps, photos = toy_data(3)
    one_hot = np.eye(model.num_classes, dtype="float32")[label_maps]
    latents = np.random.default_rng(5).standard_normal((3, model.latent_dim)).astype("float32")
    feeds = {"latent": latents, "label_map": one_hot}
    styled = {"style_image": (photos / 127.5 - 1.0).astype("float32")}
    expected = model.synthesize(label_maps, seed=5), model.synthesize(label_maps, style_image=photos)
    return model, feeds, styled, expected


# --- each family, each format ------------------------------------------------------------------


@pytest.mark.parametrize("format", SERVED_FORMATS)
def test_conditional_gan_served_like_generate(format, cgan, tmp_path):
    skip_unless_exportable(format)
    model, feeds, generated = cgan
    served = serve(format, export(model, tmp_path, format), feeds)
    assert_served_like_keras(served, model.generator, feeds, ["images"])
    assert_same_images(served["images"], generated)


@pytest.mark.parametrize("format", SERVED_FORMATS)
def test_pix2pix_served_like_translate(format, pix2pix, tmp_path):
    skip_unless_exportable(format)
    model, feeds, translated = pix2pix
    served = serve(format, export(model, tmp_path, format), feeds)
    assert_served_like_keras(served, model.generator, feeds, ["images"])
    assert_same_images(served["images"], translated)


@pytest.mark.parametrize("format", SERVED_FORMATS)
def test_gaugan_generator_and_style_encoder_served_like_synthesize(format, gaugan, tmp_path):
    skip_unless_exportable(format)
    model, feeds, styled, (random_style, photo_style) = gaugan
    generator = export(model, tmp_path, format)
    served = serve(format, generator, feeds)
    assert_served_like_keras(served, model.generator, feeds, ["images"])
    assert_same_images(served["images"], random_style)
    # The style encoder: its mean is the latent `synthesize` uses for a style image.
    encoded = serve(format, export(model, tmp_path, format, network="encoder"), styled)
    assert_served_like_keras(encoded, model.encoder, styled, ["mean", "log_variance"])
    in_style = serve(format, generator, {"latent": encoded["mean"], "label_map": feeds["label_map"]})
    assert_same_images(in_style["images"], photo_style)


def test_served_in_a_process_that_cannot_import_keras(cgan, tmp_path):
    """Every format this backend writes, loaded and run by a process in which `import keras`
    fails: the artifacts need nothing of Keras or of this package."""
    formats = formats_here()
    if not formats:
        pytest.skip(f"no servable format is installed for {BACKEND}")
    model, feeds, generated = cgan
    np.savez(tmp_path / "feeds.npz", **feeds)
    jobs = [
        {"format": f, "path": export(model, tmp_path / f, f), "feeds": str(tmp_path / "feeds.npz"),
         "out": str(tmp_path / f"{f}.npz")}
        for f in formats
    ]
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tests", "scripts", "serve_exported.py"), str(tmp_path / "jobs.json")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for job in jobs:
        assert_same_images(np.load(job["out"])["images"], generated)


def test_input_signature_fixes_shapes_and_keeps_the_names(cgan, tmp_path):
    """A fixed batch size (as LiteRT from torch needs); the names stay the network's."""
    formats = formats_here()
    if not formats:
        pytest.skip(f"no servable format is installed for {BACKEND}")
    model, feeds, generated = cgan
    signature = [keras.InputSpec(shape=(4, 8), dtype="float32"), keras.InputSpec(shape=(4, 3), dtype="float32")]
    path = str(tmp_path / f"fixed{SUFFIXES[formats[-1]]}")
    model.export(path, format=formats[-1], input_signature=signature, verbose=False)
    assert_same_images(serve(formats[-1], path, feeds)["images"], generated)


# --- mistakes ------------------------------------------------------------------------------


def test_unknown_format_lists_the_formats_of_this_backend(cgan, tmp_path):
    model = cgan[0]
    with pytest.raises(ValueError, match=f"Unknown export format 'onx'. On the {BACKEND} backend, the formats are: ") as error:
        model.export(str(tmp_path / "g.onnx"), format="onx")
    listed = str(error.value).split("the formats are: ")[1]
    assert "onnx" in listed and "openvino" in listed
    assert ("tf_saved_model" in listed) == (BACKEND != "torch") and ("torch" in listed.split(", ")) == (BACKEND == "torch")
    assert not os.listdir(tmp_path)


def test_a_format_of_another_backend_says_why(cgan, tmp_path):
    other = "tf_saved_model" if BACKEND == "torch" else "torch"
    with pytest.raises(ValueError, match=f"format='{other}' does not work on the {BACKEND} backend: .*the formats are"):
        cgan[0].export(str(tmp_path / "g"), format=other)


def test_a_missing_package_says_what_to_install(cgan, tmp_path, monkeypatch):
    monkeypatch.setitem(exporting.NEEDS["onnx"], BACKEND, {"no_such_module_for_tests": "no-such-package"})
    with pytest.raises(ImportError, match=f"format='onnx' on the {BACKEND} backend needs no-such-package: pip install no-such-package"):
        cgan[0].export(str(tmp_path / "g.onnx"), format="onnx")
    monkeypatch.setitem(exporting.NEEDS["onnx"], BACKEND, {"no_such_module_for_tests": "tf2onnx"})
    with pytest.raises(ImportError, match=r'pip install tf2onnx \(or pip install "keras-condgan\[export\]"\)'):
        cgan[0].export(str(tmp_path / "g.onnx"), format="onnx")


def test_unknown_network_and_bad_signature_are_refused(cgan, tmp_path):
    model = cgan[0]
    with pytest.raises(ValueError, match="ConditionalGAN.export\\(\\) writes one of its networks: 'generator'; got network='encoder'"):
        model.export(str(tmp_path / "e.onnx"), format="onnx", network="encoder")
    with pytest.raises(ValueError, match="one spec per input of the generator \\(noise, labels\\); got 1"):
        exporting.input_specs(model.generator, [keras.InputSpec(shape=(None, 8), dtype="float32")])


# --- the command ---------------------------------------------------------------------------


def test_export_command_writes_a_servable_file(preset_dir, tmp_path):
    formats = formats_here()
    if not formats:
        pytest.skip(f"no servable format is installed for {BACKEND}")
    model, preset = preset_dir
    format = "onnx" if "onnx" in formats else formats[0]
    out = str(tmp_path / f"exported{SUFFIXES[format]}")
    result = subprocess.run(
        [sys.executable, "-m", "keras_condgan", "--backend", BACKEND, "export", "--preset", preset,
         "--format", format, "--out", out],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"wrote {out} ({format}): inputs noise (N, 8), labels (N, 3); outputs images" in result.stdout
    labels = np.array([1, 0, 2])
    feeds = {"noise": model.latents(3, seed=0), "labels": np.eye(3, dtype="float32")[labels]}
    assert_same_images(serve(format, out, feeds)["images"], model.generate(labels, seed=0))


def test_export_command_mistakes_print_one_line(capsys):
    from keras_condgan.cli import main

    # The format is checked before the preset loads.
    assert main(["export", "--preset", "mnist_cgan", "--format", "onx"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("keras-condgan: error: Unknown export format 'onx'"), errors


def test_export_command_has_help_with_examples(capsys):
    from keras_condgan.cli.main import build_parser

    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["export", "--help"])
    assert exit_info.value.code == 0
    assert "keras-condgan export --preset pix2pix_facades --format onnx" in capsys.readouterr().out


# --- what made the GauGAN generator exportable ------------------------------------------------


def test_resize_nearest_by_whole_factors_picks_the_same_pixels():
    """SPADE's label-map resizing takes a strided slice for whole factors (which every exporter
    converts); it picks the pixels `floor(i * H / h)`, as the general gather does."""
    images = np.arange(2 * 12 * 8 * 3, dtype="float32").reshape(2, 12, 8, 3)
    tensor = keras.ops.convert_to_tensor(images)
    for size in ((12, 8), (6, 4), (3, 2), (4, 8), (5, 3)):
        rows = np.floor(np.arange(size[0]) * 12 / size[0]).astype(int)
        cols = np.floor(np.arange(size[1]) * 8 / size[1]).astype(int)
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(resize_nearest(tensor, size)), images[:, rows][:, :, cols])
