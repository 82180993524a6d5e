"""Bad input at every public entry point gets an exception of a fitting type whose message
says what was expected (on every backend: run once per KERAS_BACKEND).

Each case is `(entry point, call, exception type, regex of the message)`; the models are
tiny and built once per module. Presets with damaged files, untrusted configs and
unreachable hubs are in tests/test_untrusted_presets.py and tests/test_presets.py."""

import numpy as np
import pytest
from conftest import tiny_cgan, tiny_pix2pix

import keras_condgan
from keras_condgan import PresetError
from keras_condgan.presets_io.registry import bundled_presets_dir
from keras_condgan.datasets import facades

NAN_IMAGES = np.full((2, 8, 8, 1), np.nan, "float32")
INF_IMAGES = np.full((2, 32, 32, 3), np.inf, "float32")


@pytest.fixture(scope="module")
def models():
    cgan, pix2pix = tiny_cgan(), tiny_pix2pix()
    cgan.compile()
    pix2pix.compile()
    gaugan = keras_condgan.GauGAN(
        image_shape=(32, 32, 3), num_classes=3, latent_dim=4, generator_filters=2, discriminator_filters=2,
        encoder_filters=2, spade_filters=4, num_upsamples=2, discriminator_layers=2, perceptual_network=None,
    )
    return {"cgan": cgan, "pix2pix": pix2pix, "gaugan": gaugan}


def images(shape, dtype="uint8"):
    return np.zeros(shape, dtype)


def labels(values):
    return np.asarray(values)


CASES = [
    # ConditionalGAN.generate
    ("cgan.generate", lambda m: m["cgan"].generate(labels([0.5, 1.0])), TypeError, r"integer class labels in \[0, 3\)"),
    ("cgan.generate", lambda m: m["cgan"].generate(labels([0, 3])), ValueError, r"must be in \[0, 3\); got \[3\]"),
    ("cgan.generate", lambda m: m["cgan"].generate(labels([-1, 2])), ValueError, r"must be in \[0, 3\); got \[-1\]"),
    ("cgan.generate", lambda m: m["cgan"].generate(labels([[0, 1], [1, 2]])), ValueError, r"shape \(batch,\)"),
    ("cgan.generate", lambda m: m["cgan"].generate(np.eye(5)[[0, 1]]), ValueError, r"one column per class \(3\)"),
    ("cgan.generate", lambda m: m["cgan"].generate(np.array([[0.5, 0.5, 0.0]])), ValueError, r"single 1 .*row 0 is \[0.5, 0.5, 0.0\]"),
    ("cgan.interpolate", lambda m: m["cgan"].interpolate([0, 1, 1], [0, 0, 1]), ValueError, r"single 1"),
    # ConditionalGAN.fit
    ("cgan.fit", lambda m: m["cgan"].fit(images((4, 8)), labels([0, 1, 2, 0]), verbose=0), ValueError, r"shape \(batch, 8, 8, 1\)"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((4, 9, 9, 1)), labels([0, 1, 2, 0]), verbose=0), ValueError, r"shape \(batch, 8, 8, 1\); got \(1, 9, 9, 1\)"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((4, 8, 8, 3)), labels([0, 1, 2, 0]), verbose=0), ValueError, r"shape \(batch, 8, 8, 1\)"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((4, 8, 8, 1), "int64"), labels([0, 1, 2, 0]), verbose=0), TypeError, r"uint8 images in \[0, 255\] or float"),
    ("cgan.fit", lambda m: m["cgan"].fit(NAN_IMAGES, labels([0, 1]), verbose=0), ValueError, r"NaN or infinite"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((2, 8, 8, 1), "float32") + 200, labels([0, 1]), verbose=0), ValueError, r"must be in \[-1, 1\].*uint8"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((2, 8, 8, 1), "float32") + 200, labels([0, 1]), verbose=0), ValueError, r"look like \[0, 255\] images .*image_range=\(0, 255\)"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((2, 8, 8, 1), "float32") + 300, labels([0, 1]), verbose=0), ValueError, r"got values in \[300, 300\]. Pass uint8"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((2, 8, 8, 1)), np.eye(4)[[0, 1]], verbose=0), ValueError, r"one column per class \(3\)"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((2, 8, 8, 1)), np.full((2, 3), 1 / 3), verbose=0), ValueError, r"One-hot labels must have a single 1"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((0, 8, 8, 1)), labels([]).astype(int), verbose=0), ValueError, r"empty"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((2, 8, 8, 1)), labels([0, 7]), verbose=0), ValueError, r"must be in \[0, 3\)"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((2, 8, 8, 1)), labels([0, -2]), verbose=0), ValueError, r"must be in \[0, 3\)"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((2, 8, 8, 1)), labels([0.0, 1.0]), verbose=0), TypeError, r"integer class labels"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((2, 8, 8, 1)), labels([[0, 1], [1, 2]]), verbose=0), ValueError, r"shape \(batch,\)"),
    ("cgan.fit", lambda m: m["cgan"].fit(images((2, 8, 8, 1)), verbose=0), ValueError, r"needs \(images, labels\)"),
    # Pix2Pix.translate and fit
    ("pix2pix.translate", lambda m: m["pix2pix"].translate(images((2, 32, 32))), ValueError, r"got shape \(2, 32, 32\)\. A batch of grayscale images needs its channel axis"),
    ("pix2pix.translate", lambda m: m["pix2pix"].translate(images((2, 32, 32, 5))), ValueError, r"1, 3 or 4 channels"),
    ("pix2pix.translate", lambda m: m["pix2pix"].translate(["no_such_image.png"]), FileNotFoundError, r"No image file at 'no_such_image.png'"),
    ("pix2pix.translate", lambda m: m["pix2pix"].translate(__file__), ValueError, r"Cannot read .* as an image"),
    ("pix2pix.translate", lambda m: m["pix2pix"].translate(images((32, 32, 3)), output_size="same"), ValueError, r"`output_size` must be one of \('input', 'model'\)"),
    ("pix2pix.translate", lambda m: m["pix2pix"].translate(images((32, 32, 3), "float32"), image_range=(1, 0)), ValueError, r"low < high"),
    ("pix2pix.translate", lambda m: m["pix2pix"].translate(images((32, 32, 3), "float32") + 2, image_range=(0, 1)), ValueError, r"must be in \[0, 1\]; got values in \[2, 2\]"),
    ("pix2pix.translate", lambda m: m["pix2pix"].translate(images((2, 32, 32, 3), bool)), TypeError, r"uint8 .* or float"),
    ("pix2pix.translate", lambda m: m["pix2pix"].translate(INF_IMAGES), ValueError, r"NaN or infinite"),
    ("pix2pix.fit", lambda m: m["pix2pix"].fit(images((2, 32, 32, 3)), INF_IMAGES, verbose=0), ValueError, r"NaN or infinite"),
    ("pix2pix.fit", lambda m: m["pix2pix"].fit(images((2, 32, 32, 3)), images((2, 16, 16, 3)), verbose=0), ValueError, r"shape \(batch, 32, 32, 3\)"),
    ("pix2pix.fit", lambda m: m["pix2pix"].fit(images((0, 32, 32, 3)), images((0, 32, 32, 3)), verbose=0), ValueError, r"empty"),
    # GauGAN.synthesize and fit
    ("gaugan.synthesize", lambda m: m["gaugan"].synthesize(labels(np.full((2, 32, 32), 3))), ValueError, r"class ids in \[0, 3\); got values in \[3, 3\]"),
    ("gaugan.synthesize", lambda m: m["gaugan"].synthesize(labels(np.full((2, 32, 32), -1))), ValueError, r"class ids in \[0, 3\)"),
    ("gaugan.synthesize", lambda m: m["gaugan"].synthesize(np.zeros((2, 32, 32), "float32")), ValueError, r"class ids need an integer dtype"),
    ("gaugan.synthesize", lambda m: m["gaugan"].synthesize(images((2, 16, 16, 3))), ValueError, r"need the colour of each of the 3 classes: pass palette="),
    ("gaugan.synthesize", lambda m: m["gaugan"].synthesize(images((16, 16, 3)), palette=[[0, 0, 0]]), ValueError, r"one RGB colour per class, shape \(3, 3\); got \(1, 3\)"),
    ("gaugan.synthesize", lambda m: m["gaugan"].synthesize(np.zeros((2, 32, 32, 4), "float32")), ValueError, r"float one-hot maps \(batch, 32, 32, 3\)"),
    ("gaugan.synthesize", lambda m: m["gaugan"].synthesize(np.full((2, 32, 32, 3), 0.5, "float32")), ValueError, r"one-hot"),
    ("gaugan.synthesize", lambda m: m["gaugan"].synthesize(labels(np.zeros((2, 32, 32), int)), images((3, 32, 32, 3))), ValueError, r"one style image per label map"),
    ("gaugan.synthesize", lambda m: m["gaugan"].synthesize(labels(np.zeros((2, 32, 32), int)), INF_IMAGES), ValueError, r"NaN or infinite"),
    ("gaugan.synthesize", lambda m: m["gaugan"].synthesize(labels(np.zeros((2, 32, 32), int)), images((2, 32, 32, 2))), ValueError, r"style images .*1, 3 or 4 channels"),
    ("gaugan.fit", lambda m: m["gaugan"].fit(labels(np.full((2, 32, 32), 5)), images((2, 32, 32, 3)), verbose=0), ValueError, r"class ids in \[0, 3\)"),
    ("gaugan.fit", lambda m: m["gaugan"].fit(labels(np.zeros((2, 32, 32), int)), verbose=0), ValueError, r"\(label_maps, images\) pairs"),
    # Presets and data helpers
    ("from_preset", lambda m: keras_condgan.GauGAN.from_preset("gaugan_facade"), PresetError, r"Available presets: gaugan_facades"),
    ("from_preset", lambda m: keras_condgan.GauGAN.from_preset("pix2pix_facades"), PresetError, r"'pix2pix_facades' is a Pix2Pix preset, not a GauGAN one"),
    ("from_preset", lambda m: keras_condgan.GauGAN.from_preset(str(bundled_presets_dir() / "pix2pix_facades")),
     ValueError, r"has type `Pix2Pix` which is not a subclass of calling class `GauGAN`"),
    ("from_preset", lambda m: keras_condgan.Pix2Pix.from_preset(42), TypeError, r"a name, a folder path or a hub handle"),
    ("labels_from_colors", lambda m: facades.labels_from_colors(np.zeros((2, 8, 8, 3), "float32")), ValueError, r"uint8 RGB"),
]


@pytest.mark.parametrize("entry, call, error, message", CASES, ids=[f"{i}-{c[0]}" for i, c in enumerate(CASES)])
def test_bad_input_is_explained(models, entry, call, error, message):
    with pytest.raises(error, match=message):
        call(models)
