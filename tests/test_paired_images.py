"""Paired-image loading for Pix2Pix: layouts, direction, jitter, and the facades split."""

import os
import tarfile

import numpy as np
import pytest
from conftest import serve_folder
from PIL import Image

from keras_condgan.datasets import facades
from keras_condgan.datasets.paired_images import PairedImageDataset, jitter, load_paired_images


def write_png(path, array):
    Image.fromarray(array).save(path)


def solid(colour, size=(8, 8)):
    return np.full(size + (3,), colour, dtype="uint8")


@pytest.fixture
def side_by_side(tmp_path):
    # Pair i: A is a solid red-ish image of value i, B a solid blue-ish one.
    for i in range(3):
        write_png(tmp_path / f"{i}.png", np.concatenate([solid((10 * i, 0, 0)), solid((0, 0, 10 * i))], axis=1))
    return tmp_path


def test_side_by_side_splits_left_a_right_b(side_by_side):
    a, b = load_paired_images(str(side_by_side), "side_by_side", "AtoB")
    assert len(a) == len(b) == 3
    assert a[2].shape == (8, 8, 3) and (a[2] == (20, 0, 0)).all() and (b[2] == (0, 0, 20)).all()
    b_first, a_second = load_paired_images(str(side_by_side), "side_by_side", "BtoA")
    assert (b_first[2] == (0, 0, 20)).all() and (a_second[2] == (20, 0, 0)).all()


def test_two_folders_pair_files_by_name(tmp_path):
    (tmp_path / "A").mkdir(), (tmp_path / "B").mkdir()
    for i in range(2):
        write_png(tmp_path / "A" / f"{i}.png", solid((i, 1, 1)))
        write_png(tmp_path / "B" / f"{i}.png", solid((i, 2, 2)))
    conditions, targets = load_paired_images(str(tmp_path / "A"), "two_folders", "BtoA", path_b=str(tmp_path / "B"))
    assert (conditions[1] == (1, 2, 2)).all() and (targets[1] == (1, 1, 1)).all()
    write_png(tmp_path / "B" / "extra.png", solid((0, 0, 0)))
    with pytest.raises(ValueError, match="same file names.*extra.png"):
        load_paired_images(str(tmp_path / "A"), "two_folders", path_b=str(tmp_path / "B"))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(layout="grid"), ValueError, "layout"),
        (dict(direction="AtoC"), ValueError, "direction"),
        (dict(layout="two_folders"), ValueError, "path_b"),
    ],
)
def test_bad_loader_arguments_are_explained(side_by_side, kwargs, error, message):
    with pytest.raises(error, match=message):
        load_paired_images(str(side_by_side), **kwargs)


def test_missing_or_empty_folders_are_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_paired_images(str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="No images"):
        load_paired_images(str(tmp_path))


def gradient_image(size=16):
    """An image whose every pixel is distinct, so crops and flips are visible."""
    rows, cols = np.mgrid[0:size, 0:size]
    return np.stack([rows * 8, cols * 8, np.full_like(rows, 100)], axis=-1).astype("uint8")


def test_jitter_crops_and_mirrors_both_images_alike():
    image = gradient_image()
    seen_mirrored = seen_plain = False
    offsets = set()
    for seed in range(40):
        condition, target = jitter(image, image.copy(), 12, 14, np.random.default_rng(seed))
        assert condition.shape == (12, 12, 3)
        np.testing.assert_array_equal(condition, target)
        mirrored = condition[0, 0, 1] > condition[0, -1, 1]  # column ramp runs backwards
        seen_mirrored |= mirrored
        seen_plain |= not mirrored
        offsets.add(int(condition[0, 0, 0]))  # the row ramp tells the vertical offset
    assert seen_mirrored and seen_plain
    assert len(offsets) > 1


def test_training_batches_are_seeded_shuffled_and_scaled():
    images = [gradient_image() + i for i in range(5)]
    dataset = PairedImageDataset(images, images, batch_size=2, image_size=8, augment=True, seed=3)
    assert len(dataset) == 3
    conditions, targets = dataset[0]
    assert conditions.shape == (2, 8, 8, 3) and conditions.dtype == np.float32
    assert -1.0 <= conditions.min() and conditions.max() <= 1.0
    np.testing.assert_array_equal(conditions, targets)
    again = PairedImageDataset(images, images, batch_size=2, image_size=8, augment=True, seed=3)
    np.testing.assert_array_equal(again[0][0], conditions)
    orders = set()
    for epoch in range(4):
        dataset.epoch = epoch
        orders.add(tuple(dataset.order()))
    assert len(orders) > 1
    assert dataset[2][0].shape == (1, 8, 8, 3)  # the last, partial batch
    with pytest.raises(IndexError):
        dataset[3]


def test_evaluation_batches_are_deterministic_resizes():
    images = [gradient_image(16)]
    dataset = PairedImageDataset(images, images, image_size=8)
    first, second = dataset[0][0], dataset[0][0]
    np.testing.assert_array_equal(first, second)
    expected = np.asarray(Image.fromarray(images[0]).resize((8, 8), Image.BICUBIC)) / 127.5 - 1.0
    np.testing.assert_allclose(first[0], expected, atol=1e-6)


def test_dataset_arguments_are_checked():
    with pytest.raises(ValueError, match="2 condition images but 1"):
        PairedImageDataset([solid(0)] * 2, [solid(0)], image_size=8)
    with pytest.raises(ValueError, match="at least one pair"):
        PairedImageDataset([], [], image_size=8)


def test_facades_labels_to_photo(facades_dir):
    label_maps, photos = facades.load_data("test", facades_dir)
    assert label_maps.shape == photos.shape == (106, 256, 256, 3)

    # The condition is the colour-coded map, in saturated colours (min 0.84
    # over the split); the photos of buildings are much greyer (max 0.40).
    def saturation(image):
        image = image.astype("float32")
        return np.mean((image.max(-1) - image.min(-1)) / (image.max(-1) + 1))

    assert min(map(saturation, label_maps)) > 0.7 > 0.5 > max(map(saturation, photos))
    train_maps, _ = facades.load_data("train", facades_dir)
    assert len(train_maps) == 400
    with pytest.raises(ValueError, match="split"):
        facades.load_data("validation", facades_dir)


def test_facades_download_extracts_the_archive(facades_dir, tmp_path):
    # The archive layout of the pix2pix authors' facades.tar.gz, with a few real pairs.
    archive = tmp_path / "mirror" / "facades.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        for split in ("train", "test"):
            for name in sorted(os.listdir(os.path.join(facades_dir, split)))[:2]:
                tar.add(os.path.join(facades_dir, split, name), arcname=f"facades/{split}/{name}")
    with serve_folder(archive.parent) as url:
        folder = facades.download(url + "facades.tar.gz", cache_dir=str(tmp_path / "cache"))
    label_maps, photos = facades.load_data("test", folder)
    assert label_maps.shape == (2, 256, 256, 3)


def test_facades_download_failure_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv(facades.ENV_VAR, raising=False)
    with pytest.raises(ConnectionError, match=facades.ENV_VAR):
        facades.download("http://127.0.0.1:9/facades.tar.gz", cache_dir=str(tmp_path))
