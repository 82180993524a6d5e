import os

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_MNIST = os.path.join(ROOT, "..", "shared", "data", "mnist")
# Tests read the real MNIST files shipped beside the checkout unless told otherwise.
if "KERAS_CONDGAN_MNIST_DIR" not in os.environ and os.path.isdir(SHARED_MNIST):
    os.environ["KERAS_CONDGAN_MNIST_DIR"] = os.path.abspath(SHARED_MNIST)

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


@pytest.fixture
def mnist_dir():
    folder = os.environ.get("KERAS_CONDGAN_MNIST_DIR")
    if not folder or not os.path.isdir(folder):
        pytest.skip("MNIST files not found: set KERAS_CONDGAN_MNIST_DIR")
    return folder
