import contextlib
import functools
import http.server
import os
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
