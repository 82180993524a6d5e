import contextlib
import functools
import http.server
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(ROOT, "..", "shared", "data")
# Tests read the real data shipped beside the checkout unless told otherwise.
for env_var, folder in (("KERAS_CONDGAN_MNIST_DIR", "mnist"), ("KERAS_CONDGAN_FACADES_DIR", "facades")):
    if env_var not in os.environ and os.path.isdir(os.path.join(SHARED_DATA, folder)):
        os.environ[env_var] = os.path.abspath(os.path.join(SHARED_DATA, folder))

import keras  # noqa: E402

import keras_condgan  # noqa: E402

BACKEND = keras.backend.backend()
BACKENDS = ("tensorflow", "jax", "torch")


def tiny_cgan(**overrides):
    """A small ConditionalGAN on 8 x 8 images, quick to compile on every backend."""
    config = dict(
        image_shape=(8, 8, 1),
        num_classes=3,
        latent_dim=8,
        generator_filters=(16, 8, 8),
        discriminator_filters=(8, 16),
        seed=1,
    )
    config.update(overrides)
    return keras_condgan.ConditionalGAN(**config)


@pytest.fixture
def preset_dir(tmp_path):
    """A tiny cGAN and the preset folder it was saved to."""
    model = tiny_cgan()
    path = str(tmp_path / "tiny_preset")
    model.save_to_preset(path)
    return model, path


def synthetic_digits(count=96, seed=0, size=8, num_classes=3):
    """uint8 images (count, size, size) whose class c is a bright horizontal band
    in the c-th third of the image, plus labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, num_classes, count)
    images = rng.integers(0, 40, (count, size, size)).astype("uint8")
    band = size // num_classes
    for i, c in enumerate(labels):
        images[i, c * band : (c + 1) * band, :] = 215 + rng.integers(0, 40, (band, size))
    return images, labels.astype("int64")


@pytest.fixture
def data():
    return synthetic_digits()


def tiny_pix2pix(**overrides):
    """A narrow Pix2Pix on 32 x 32 images (depth 5), quick to compile on every backend."""
    config = dict(image_shape=(32, 32, 3), filters=4, seed=1)
    config.update(overrides)
    return keras_condgan.Pix2Pix(**config)


GAUGAN_SIZE = 32
GAUGAN_CLASSES = 3


def tiny_gaugan(**overrides):
    """A narrow GauGAN on 32 x 32 images: an 8 x 8 grid and two upsamplings; discriminators
    of three layers at 32 and 16 pixels; the encoder halves three times, to 4 x 4. The initial
    weights are seeded ($GAUGAN_TEST_SEED, default 0) so that a failure can be replayed."""
    config = dict(
        image_shape=(GAUGAN_SIZE, GAUGAN_SIZE, 3),
        num_classes=GAUGAN_CLASSES,
        latent_dim=8,
        generator_filters=2,
        discriminator_filters=4,
        encoder_filters=4,
        spade_filters=8,
        num_upsamples=2,
        discriminator_layers=3,
        perceptual_network=None,
        seed=1,
    )
    config.update(overrides)
    keras.utils.set_random_seed(int(os.environ.get("GAUGAN_TEST_SEED", 0)))  # the initial weights
    return keras_condgan.GauGAN(**config)


GAUGAN_COLOURS = np.array([(200, 40, 40), (40, 200, 40), (40, 40, 200)], "uint8")


def toy_data(count=4, seed=0):
    """GauGAN data for `tiny_gaugan`: label maps of random 8 x 8 blocks of classes, and images
    painting each class in its colour with a little per-image brightness (a style the encoder
    can pick up)."""
    rng = np.random.default_rng(seed)
    size = GAUGAN_SIZE // 8
    label_maps = rng.integers(0, GAUGAN_CLASSES, (count, size, size)).repeat(8, 1).repeat(8, 2)
    shift = rng.integers(-30, 30, (count, 1, 1, 1))
    images = np.clip(GAUGAN_COLOURS[label_maps].astype(int) + shift, 0, 255).astype("uint8")
    return label_maps.astype("int32"), images


def run_on(backend, script, preset, tmp_path):
    """Runs `script PRESET OUT.npy` under another backend, from the repository root; returns
    the saved array."""
    out = str(tmp_path / f"{backend}.npy")
    env = dict(os.environ, KERAS_BACKEND=backend)
    result = subprocess.run(
        [sys.executable, "-c", script, preset, out], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return np.load(out)


@pytest.fixture
def facades_dir():
    folder = os.environ.get("KERAS_CONDGAN_FACADES_DIR")
    if not folder or not os.path.isdir(folder):
        pytest.skip("facades files not found: set KERAS_CONDGAN_FACADES_DIR")
    return folder


@pytest.fixture
def mnist_dir():
    folder = os.environ.get("KERAS_CONDGAN_MNIST_DIR")
    if not folder or not os.path.isdir(folder):
        pytest.skip("MNIST files not found: set KERAS_CONDGAN_MNIST_DIR")
    return folder


@contextlib.contextmanager
def serve_folder(folder):
    """Serves `folder` over HTTP on localhost; yields the base URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
