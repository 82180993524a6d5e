"""ConditionalGAN: networks, conditioning, generation API and its errors."""

import keras
import numpy as np
import pytest
from conftest import tiny_cgan
from PIL import Image

import keras_condgan
from keras_condgan.models.conditional_gan.conditional_gan_discriminator import label_planes


def test_label_planes_are_constant_one_hot_planes():
    images = np.zeros((2, 5, 4, 1), "float32")
    labels = np.eye(3, dtype="float32")[[2, 0]]
    planes = keras.ops.convert_to_numpy(label_planes(images, labels))
    assert planes.shape == (2, 5, 4, 3)
    for i, c in enumerate([2, 0]):
        for k in range(3):
            np.testing.assert_array_equal(planes[i, :, :, k], np.full((5, 4), float(k == c)))


@pytest.mark.parametrize("architecture", ["dcgan", "mlp"])
@pytest.mark.parametrize("conditioning", ["concat", "embedding"])
def test_network_shapes(architecture, conditioning):
    filters = {} if architecture == "dcgan" else dict(generator_filters=(16,), discriminator_filters=(8, 4, 8))
    model = tiny_cgan(architecture=architecture, conditioning=conditioning, **filters)
    noise = keras.ops.zeros((4, 8))
    labels = keras.ops.convert_to_tensor(np.eye(3, dtype="float32")[[0, 1, 2, 0]])
    images = model.generator([noise, labels])
    assert tuple(images.shape) == (4, 8, 8, 1)
    assert tuple(model.discriminator([images, labels]).shape) == (4, 1)
    values = keras.ops.convert_to_numpy(images)
    assert values.min() >= -1 and values.max() <= 1


def test_embedding_conditioning_multiplies_noise():
    model = tiny_cgan(conditioning="embedding")
    names = [layer.name for layer in model.generator.layers]
    assert "label_embedding" in names and "noise_times_label" in names
    assert "label_projection" in [layer.name for layer in model.discriminator.layers]


def test_generator_output_depends_on_label():
    model = tiny_cgan()
    latents = np.repeat(model.latents(1, seed=0), 3, axis=0)
    images = model.generate([0, 1, 2], latents=latents)
    assert not np.array_equal(images[0], images[1])


def test_generate_and_interpolate_shapes():
    model = tiny_cgan()
    images = model.generate(np.array([0, 2, 1, 1, 0]), seed=1)
    assert images.shape == (5, 8, 8, 1) and images.dtype == np.uint8
    assert model.generate(np.zeros((0,), int)).shape == (0, 8, 8, 1)
    frames = model.interpolate(0, 2, steps=7, seed=3)
    assert frames.shape == (7, 8, 8, 1) and frames.dtype == np.uint8
    np.testing.assert_array_equal(frames[0], model.generate([0], latents=model.latents(1, seed=3))[0])
    np.testing.assert_array_equal(frames[-1], model.generate([2], latents=model.latents(1, seed=3))[0])


@pytest.mark.parametrize(
    "labels, error, message",
    [
        ([0, 3], ValueError, r"\[0, 3\)"),
        ([-1], ValueError, r"\[0, 3\)"),
        ([0.5, 1.0], TypeError, "integer"),
        ([[0, 1], [1, 2]], ValueError, "shape"),
    ],
)
def test_generate_rejects_bad_labels(labels, error, message):
    with pytest.raises(error, match=message):
        tiny_cgan().generate(np.array(labels))


def test_generate_rejects_bad_latents():
    model = tiny_cgan()
    with pytest.raises(ValueError, match=r"\(N, 8\)"):
        model.generate([0, 1], latents=np.zeros((2, 5)))
    with pytest.raises(ValueError, match="NaN"):
        model.generate([0], latents=np.full((1, 8), np.nan))


def test_fit_rejects_bad_images_and_labels(data):
    model = tiny_cgan()
    model.compile()
    images, labels = data
    with pytest.raises(ValueError, match=r"\(batch, 8, 8, 1\)"):
        model.fit(np.zeros((32, 9, 8, 1), "uint8"), labels[:32], batch_size=32, verbose=0)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        model.fit(images, labels + 1, batch_size=32, verbose=0)
    with pytest.raises(ValueError, match="needs \\(images, labels\\)"):
        model.fit(images, batch_size=32, verbose=0)
    # A dataset batch of the wrong shape fails while the step is traced; the
    # model keeps its weights and trains on good data afterwards.
    import tensorflow as tf

    weights = [keras.ops.convert_to_numpy(w) for w in model.weights]
    bad = tf.data.Dataset.from_tensor_slices((np.zeros((32, 9, 8, 1), "uint8"), labels[:32])).batch(32)
    with pytest.raises(ValueError, match=r"\(batch, 8, 8, 1\)"):
        model.fit(bad, verbose=0)
    for before, after in zip(weights, model.weights):
        np.testing.assert_array_equal(before, keras.ops.convert_to_numpy(after))
    model.fit(images, labels, batch_size=32, verbose=0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(architecture="vae"), "architecture"),
        (dict(conditioning="film"), "conditioning"),
        (dict(adversarial_loss="wasserstein"), "adversarial loss"),
        (dict(image_shape=(10, 10, 1)), "divisible by 4"),
        (dict(num_classes=1), "num_classes"),
        (dict(discriminator_steps=-1), "discriminator_steps"),
    ],
)
def test_bad_configuration_is_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tiny_cgan(**kwargs)


def test_grid_png_and_gif_helpers(tmp_path):
    model = tiny_cgan()
    images = model.generate(np.repeat(np.arange(3), 4), seed=0)
    png = keras_condgan.save_image_grid(images, str(tmp_path / "grid.png"), rows=3, row_labels=range(3))
    with Image.open(png) as grid:
        assert grid.size[1] == 3 * (16 + 2) + 2
    gif = keras_condgan.save_gif(model.interpolate(0, 1, steps=5), str(tmp_path / "morph.gif"))
    with Image.open(gif) as anim:
        assert anim.n_frames == 8  # 5 frames forwards, 3 back
