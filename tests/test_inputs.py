"""Inference takes what people have: `Pix2Pix.translate` and `GauGAN.synthesize` on single
images, batches, files, PIL images, lists, RGBA and grayscale, any size, uint8 or floats in a
stated range, colour label maps (keras_condgan.utils.inputs). One untrained model of each
family per module: the checks compare inputs given in different forms, not image quality."""

import warnings

import numpy as np
import pytest
from conftest import tiny_pix2pix
from PIL import Image

import keras_condgan
from keras_condgan.datasets import facades

SIZE = 32


@pytest.fixture(scope="module")
def pix2pix():
    return tiny_pix2pix()


@pytest.fixture(scope="module")
def gaugan():
    # 12 classes: colour label maps decode with the facades palette by default.
    return keras_condgan.GauGAN(
        image_shape=(SIZE, SIZE, 3), num_classes=facades.NUM_CLASSES, latent_dim=4, generator_filters=2,
        discriminator_filters=2, encoder_filters=2, spade_filters=4, num_upsamples=2, discriminator_layers=2,
        perceptual_network=None,
    )


def blocks(height, width, channels=3, seed=0):
    """A uint8 image of 4 x 4 random colour blocks (smooth enough to resize)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (4, 4, channels), dtype="uint8")
    return np.asarray(Image.fromarray(small.squeeze()).resize((width, height), Image.NEAREST)).reshape(
        height, width, channels
    )


def levels(a, b):
    return np.abs(np.asarray(a, int) - np.asarray(b, int))


class NoRangeWarning(warnings.catch_warnings):
    """Fails if the block draws the package's warning about the range of float images
    (other libraries' warnings pass)."""

    def __init__(self):
        super().__init__(record=True)

    def __enter__(self):
        self.record = super().__enter__()
        warnings.simplefilter("always")
        return self.record

    def __exit__(self, *exc):
        super().__exit__(*exc)
        assert not [w for w in self.record if "image_range" in str(w.message)], [str(w.message) for w in self.record]


# --- Pix2Pix.translate ------------------------------------------------------------------------


def test_a_uint8_batch_of_the_model_size_translates_as_before(pix2pix):
    images = np.stack([blocks(SIZE, SIZE, seed=s) for s in range(3)])
    translated = pix2pix.translate(images)
    assert translated.shape == (3, SIZE, SIZE, 3) and translated.dtype == np.uint8
    expected = pix2pix.generator.predict_on_batch(images.astype("float32") / 127.5 - 1.0)
    assert levels(translated, np.clip(np.round((expected + 1) * 127.5), 0, 255)).max() <= 1


def test_a_300_by_300_image_is_resized_to_the_model_and_back(pix2pix):
    image = blocks(300, 300)
    translated = pix2pix.translate(image)
    assert translated.shape == (300, 300, 3) and translated.dtype == np.uint8
    at_model_size = pix2pix.translate(image, output_size="model")
    assert at_model_size.shape == (SIZE, SIZE, 3)
    # Resizing is Pillow's antialiased bicubic: as if the user had resized the image first.
    resized = np.asarray(Image.fromarray(image).resize((SIZE, SIZE), Image.BICUBIC))
    assert levels(at_model_size, pix2pix.translate(resized)).mean() < 1.0
    back = np.asarray(Image.fromarray(at_model_size).resize((300, 300), Image.BICUBIC))
    np.testing.assert_array_equal(translated, back)


def test_an_rgba_png_path_drops_its_alpha(pix2pix, tmp_path):
    rgba = np.concatenate([blocks(SIZE, SIZE), np.random.default_rng(1).integers(0, 256, (SIZE, SIZE, 1), "uint8")], -1)
    path = tmp_path / "condition.png"
    Image.fromarray(rgba, "RGBA").save(path)
    expected = pix2pix.translate(rgba[..., :3])
    np.testing.assert_array_equal(pix2pix.translate(path), expected)  # pathlib.Path
    np.testing.assert_array_equal(pix2pix.translate(str(path)), expected)
    np.testing.assert_array_equal(pix2pix.translate(rgba), expected)  # an RGBA array too


def test_a_pil_grayscale_image_is_repeated_over_rgb(pix2pix):
    gray = blocks(SIZE, SIZE, channels=1)[..., 0]
    expected = pix2pix.translate(np.repeat(gray[..., None], 3, axis=-1))
    np.testing.assert_array_equal(pix2pix.translate(Image.fromarray(gray, "L")), expected)
    np.testing.assert_array_equal(pix2pix.translate(gray), expected)  # (H, W) array
    np.testing.assert_array_equal(pix2pix.translate(gray[..., None]), expected)  # (H, W, 1)


def test_an_unbatched_image_gives_an_unbatched_result(pix2pix):
    image = blocks(SIZE, SIZE, seed=2)
    single = pix2pix.translate(image)
    assert single.shape == (SIZE, SIZE, 3)
    np.testing.assert_array_equal(single, pix2pix.translate(image[None])[0])


def test_a_list_of_mixed_inputs_gives_a_list_at_each_input_size(pix2pix):
    first, second = blocks(40, 50, seed=3), blocks(SIZE, SIZE, seed=4)
    translated = pix2pix.translate([first, Image.fromarray(second)])
    assert isinstance(translated, list) and [t.shape for t in translated] == [(40, 50, 3), (SIZE, SIZE, 3)]
    np.testing.assert_array_equal(translated[1], pix2pix.translate(second))
    assert pix2pix.translate([]) == []


def test_float_images_in_a_stated_range(pix2pix):
    image = blocks(SIZE, SIZE, seed=5)
    from_uint8 = pix2pix.translate(image)
    for image_range, scaled in [((0, 1), image / 255.0), ((0, 255), image.astype("float32")),
                                ((-1, 1), image / 127.5 - 1.0)]:
        with NoRangeWarning():  # a stated range never warns
            assert levels(pix2pix.translate(scaled, image_range=image_range), from_uint8).max() <= 1
    with pytest.raises(ValueError, match=r"look like \[0, 255\] images .*image_range=\(0, 255\)"):
        pix2pix.translate(image.astype("float32"))


def test_translate_warns_once_about_images_in_0_1(pix2pix):
    image = blocks(SIZE, SIZE, seed=6) / 255.0
    with pytest.warns(UserWarning, match=r"look like \[0, 1\] images.*image_range=\(0, 1\).*x \* 2 - 1") as record:
        pix2pix.translate(image)
    ours = [w for w in record if "image_range" in str(w.message)]
    assert len(ours) == 1 and ours[0].filename == __file__  # points at the caller's line
    with NoRangeWarning():
        pix2pix.translate(image)  # once per model


# --- GauGAN.synthesize ------------------------------------------------------------------------


def class_map(height, width, seed=0):
    rng = np.random.default_rng(seed)
    small = rng.integers(0, facades.NUM_CLASSES, (4, 4)).astype("uint8")
    return np.asarray(Image.fromarray(small).resize((width, height), Image.NEAREST)).astype("int32")


def test_synthesize_an_unbatched_class_id_map(gaugan):
    ids = class_map(SIZE, SIZE)
    single = gaugan.synthesize(ids, seed=0)
    assert single.shape == (SIZE, SIZE, 3) and single.dtype == np.uint8
    np.testing.assert_array_equal(single, gaugan.synthesize(ids[None], seed=0)[0])
    one_hot = np.eye(facades.NUM_CLASSES, dtype="float32")[ids]
    np.testing.assert_array_equal(single, gaugan.synthesize(one_hot, seed=0))


def test_synthesize_an_unbatched_colour_map_of_another_size(gaugan, tmp_path):
    ids = class_map(48, 40, seed=1)
    colours = facades.colors_from_labels(ids)  # the facades palette, as the bundled data
    from_ids = gaugan.synthesize(ids, seed=0)
    assert from_ids.shape == (48, 40, 3)
    np.testing.assert_array_equal(gaugan.synthesize(colours, seed=0), from_ids)
    Image.fromarray(colours).save(tmp_path / "colours.png")
    Image.fromarray(ids.astype("uint8"), "L").save(tmp_path / "ids.png")  # class ids as gray levels
    np.testing.assert_array_equal(gaugan.synthesize(tmp_path / "colours.png", seed=0), from_ids)
    np.testing.assert_array_equal(gaugan.synthesize(str(tmp_path / "ids.png"), seed=0), from_ids)
    at_model_size = gaugan.synthesize(colours, seed=0, output_size="model")
    assert at_model_size.shape == (SIZE, SIZE, 3)
    # Another palette decodes by nearest colour.
    palette = np.roll(facades.PALETTE, 1, axis=0)
    np.testing.assert_array_equal(gaugan.synthesize(palette[ids], seed=0, palette=palette), from_ids)


def test_a_style_image_given_as_people_have_it(gaugan, tmp_path):
    maps = np.stack([class_map(SIZE, SIZE, seed=s) for s in (2, 3)])
    style = blocks(60, 70, seed=7)
    resized = np.asarray(Image.fromarray(style).resize((SIZE, SIZE), Image.BICUBIC))
    Image.fromarray(style).save(tmp_path / "style.png")
    # One style image for every label map, from a file of another size.
    from_file = gaugan.synthesize(maps, style_image=tmp_path / "style.png")
    from_batch = gaugan.synthesize(maps, style_image=np.stack([resized, resized]))
    assert from_file.shape == (2, SIZE, SIZE, 3)
    assert levels(from_file, from_batch).mean() < 1.0
    mean, log_variance = gaugan.encode(style)
    assert mean.shape == log_variance.shape == (4,)
