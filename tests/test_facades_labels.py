"""Class ids recovered from the colour-coded facades label maps (`facades.labels_from_colors`)."""

import os

import numpy as np
import pytest
from scipy import ndimage

from keras_condgan.datasets import facades


@pytest.fixture(scope="module")
def test_split(facades_dir):
    label_maps, _ = facades.load_data("test", facades_dir)
    return label_maps, facades.labels_from_colors(label_maps)


@pytest.fixture(scope="module")
def facades_dir():
    # Module-scoped (the conftest fixture is per test): the split is read once.
    folder = os.environ.get("KERAS_CONDGAN_FACADES_DIR")
    if not folder or not os.path.isdir(folder):
        pytest.skip("facades files not found: set KERAS_CONDGAN_FACADES_DIR")
    return folder


def colour_distance(label_maps, labels):
    return np.sqrt(((label_maps.astype(float) - facades.PALETTE[labels].astype(float)) ** 2).sum(-1))


def test_every_pixel_gets_one_of_the_12_classes(test_split):
    label_maps, labels = test_split
    assert labels.dtype == np.int32 and labels.shape == label_maps.shape[:3]
    np.testing.assert_array_equal(np.unique(labels), np.arange(12))
    assert len(facades.CLASS_NAMES) == len(facades.PALETTE) == facades.NUM_CLASSES == 12


def test_uniform_regions_sit_on_their_palette_colour(test_split):
    # Inside uniform regions (every channel varies by less than 12 over 7 x 7 pixels) the
    # JPEG noise is small: each such pixel is within 20 of its class colour.
    label_maps, labels = test_split
    x = label_maps.astype("int16")
    spread = ndimage.maximum_filter(x, size=(1, 7, 7, 1)) - ndimage.minimum_filter(x, size=(1, 7, 7, 1))
    uniform = spread.max(-1) < 12
    assert uniform.mean() > 0.25  # 29% of the test split
    assert colour_distance(label_maps, labels)[uniform].max() < 20


def test_region_interiors_are_stable(test_split):
    # Away from region borders (where the resized, chroma-subsampled JPEG blends colours),
    # pixels are near their class colour, and JPEG-like noise does not change the classes.
    label_maps, labels = test_split
    interior = ndimage.minimum_filter(labels, size=(1, 7, 7)) == ndimage.maximum_filter(labels, size=(1, 7, 7))
    assert interior.mean() > 0.5
    assert np.mean(colour_distance(label_maps, labels)[interior] < 40) > 0.98  # 98.99% on the test split
    rng = np.random.default_rng(0)
    noisy = np.clip(label_maps[:20].astype(int) + rng.integers(-8, 9, label_maps[:20].shape), 0, 255)
    again = facades.labels_from_colors(noisy.astype("uint8"))
    assert np.mean(again == labels[:20]) > 0.97  # 97.8%: blended border pixels may flip
    assert np.mean((again == labels[:20])[interior[:20]]) > 0.999  # 99.96%


def test_class_layout_matches_the_names(test_split):
    # The facts the class names were matched on (see facades.PALETTE).
    _, labels = test_split
    area = np.bincount(labels.ravel(), minlength=12)
    assert facades.CLASS_NAMES[area.argmax()] == "facade"
    border = np.concatenate([labels[:, 0], labels[:, -1], labels[:, :, 0], labels[:, :, -1]], axis=1)
    assert facades.CLASS_NAMES[np.bincount(border.ravel(), minlength=12).argmax()] == "background"
    rows = np.arange(labels.shape[1])[None, :, None]
    mean_row = [(rows * (labels == c)).sum() / max((labels == c).sum(), 1) for c in range(12)]
    assert facades.CLASS_NAMES[int(np.argmax(mean_row))] == "door"  # lowest in the image
    window, sill = facades.CLASS_NAMES.index("window"), facades.CLASS_NAMES.index("sill")
    below_windows = labels[:, 1:][labels[:, :-1] == window]
    below_windows = below_windows[below_windows != window]
    assert sill in np.bincount(below_windows, minlength=12).argsort()[-2:]  # after facade


def test_palette_round_trip_and_single_maps():
    labels = np.random.default_rng(0).integers(0, 12, (2, 16, 16))
    colours = facades.colors_from_labels(labels)
    assert colours.dtype == np.uint8 and colours.shape == (2, 16, 16, 3)
    np.testing.assert_array_equal(facades.labels_from_colors(colours), labels)
    np.testing.assert_array_equal(facades.labels_from_colors(colours[0]), labels[0])


@pytest.mark.parametrize(
    "maps, message",
    [(np.zeros((1, 8, 8, 3), "float32"), "uint8 RGB"), (np.zeros((1, 8, 8), "uint8"), r"\(1, 8, 8\)")],
)
def test_bad_label_maps_are_explained(maps, message):
    with pytest.raises(ValueError, match=message):
        facades.labels_from_colors(maps)
    with pytest.raises(ValueError, match=r"class ids in \[0, 12\)"):
        facades.colors_from_labels(np.full((2, 2), 12))


def test_class_maps_at_a_lower_resolution(test_split, facades_dir):
    """`load_class_maps` resizes class ids by nearest neighbour (the centre pixel of each
    4 x 4 block at 64 x 64: ids are never blended) and photos by box filtering."""
    colour_maps, labels = test_split
    small_labels, small_photos = facades.load_class_maps("test", 64, facades_dir)
    assert small_labels.dtype == np.int32 and small_labels.shape == (len(labels), 64, 64)
    np.testing.assert_array_equal(small_labels, labels[:, 2::4, 2::4])
    _, photos = facades.load_data("test", facades_dir)
    block_means = photos.reshape(len(photos), 64, 4, 64, 4, 3).astype(float).mean(axis=(2, 4))
    assert small_photos.dtype == np.uint8 and small_photos.shape == (len(photos), 64, 64, 3)
    assert np.abs(small_photos - block_means).max() <= 1.0
    full_labels, full_photos = facades.load_class_maps("test", 256, facades_dir)
    np.testing.assert_array_equal(full_labels, labels)
    np.testing.assert_array_equal(full_photos, photos)
