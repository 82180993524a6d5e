"""The CMP Facades pairs as prepared for pix2pix (Tylecek & Sara, 2013).

Each 512 x 256 JPEG holds a photo on the left and its colour-coded label map
on the right; `train/` has 400 pairs and `test/` 106. Where the folder comes
from, first found wins:
1. the `path` argument;
2. the folder in the `KERAS_CONDGAN_FACADES_DIR` environment variable;
3. the Keras cache (`~/.keras/datasets/facades`), downloading the pix2pix
   authors' `facades.tar.gz` there when it is missing.
"""

import os

import keras
import numpy as np

from keras_condgan.datasets.paired_images import load_paired_images

ENV_VAR = "KERAS_CONDGAN_FACADES_DIR"
URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/facades.tar.gz"
SPLITS = ("train", "val", "test")


def download(url=URL, cache_dir=None):
    """Downloads and extracts the archive into the Keras cache; returns the folder holding `train/`."""
    try:
        extracted = keras.utils.get_file("facades.tar.gz", origin=url, extract=True, cache_dir=cache_dir)
    except Exception as error:
        raise ConnectionError(
            f"Could not download {url} ({error}). Without internet, point {ENV_VAR} "
            "(or `path=`) at a folder holding the facades train/ and test/ folders."
        ) from error
    # The archive holds a top-level `facades/` folder.
    nested = os.path.join(extracted, "facades")
    return nested if os.path.isdir(nested) else extracted


def data_dir(path=None, url=URL):
    """The folder holding `train/` and `test/`, downloading them if needed."""
    folder = path or os.environ.get(ENV_VAR)
    if folder:
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"Facades folder {folder!r} does not exist.")
        return folder
    return download(url)


def load_data(split="train", path=None):
    """Returns `(label_maps, photos)` of one split: uint8 arrays `(N, 256, 256, 3)`
    of the colour-coded label maps (the pix2pix condition) and the photos."""
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; expected one of {SPLITS}.")
    folder = os.path.join(data_dir(path), split)
    # Photo on the left (A), label map on the right (B): labels -> photo is BtoA.
    label_maps, photos = load_paired_images(folder, "side_by_side", direction="BtoA")
    return np.stack(label_maps), np.stack(photos)
