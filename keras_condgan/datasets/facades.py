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
from PIL import Image

from keras_condgan.datasets.local_files import local_data_dir
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
    return local_data_dir(path, ENV_VAR, "Facades") or download(url)


def load_data(split="train", path=None):
    """Returns `(label_maps, photos)` of one split: uint8 arrays `(N, 256, 256, 3)`
    of the colour-coded label maps (the pix2pix condition) and the photos."""
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; expected one of {SPLITS}.")
    folder = os.path.join(data_dir(path), split)
    # Photo on the left (A), label map on the right (B): labels -> photo is BtoA.
    label_maps, photos = load_paired_images(folder, "side_by_side", direction="BtoA")
    return np.stack(label_maps), np.stack(photos)


# --- class ids from the colour-coded label maps ----------------------------------------

# The 12 classes of the CMP Facade Database, in the order of its label ids 1..12 (here 0..11).
CLASS_NAMES = (
    "background", "facade", "window", "door", "cornice", "sill",
    "balcony", "blind", "deco", "molding", "pillar", "shop",
)

# The colour of each class in the pix2pix label maps, CLASS_NAMES order. Derived from the
# 400 training maps, not from documentation: the maps are JPEGs, so their pixels scatter
# around the true colours, and the blending of neighbouring colours at region borders (the
# maps were resized and JPEG-compressed with 4:2:0 chroma subsampling) leaves about 10% of
# the pixels more than 80 away (Euclidean RGB) from every class colour. Restricted to
# pixels inside uniform regions (every channel varies by less than 12 over a 7 x 7 window;
# about a third of all pixels), the quantised colour histogram has exactly 12 peaks; each
# value below is the per-channel median of the uniform pixels nearest that peak (all lie
# within 17 of it). They are 12 samples of a jet colour map, dark blue to dark red, and we
# take that order to be the label order. The names come from the database's label list,
# and the layout of the classes agrees with them (measured on the training maps): the
# first colour touches the image border far more than any other (78% of the border
# pixels: background); the second covers the largest area (34%) and surrounds the third
# (facade around windows); the third forms about 30 regions per image (windows), the
# fourth about one, low in the image (mean height 0.80 of the way down: door); the sixth
# lies most often directly below windows (sill); the fifth and tenth form wide horizontal
# bands (cornice, molding); the eighth and eleventh narrow vertical ones, in about half of
# the images (blind, pillar), pillars mostly beside the last class, which lies low in the
# image (shop).
PALETTE = np.array(
    [
        (0, 0, 222),      # background
        (0, 48, 255),     # facade
        (0, 128, 255),    # window
        (1, 207, 255),    # door
        (32, 255, 224),   # cornice
        (112, 254, 142),  # sill
        (192, 255, 63),   # balcony
        (255, 240, 1),    # blind
        (255, 159, 0),    # deco
        (255, 80, 0),     # molding
        (253, 0, 0),      # pillar
        (174, 0, 1),      # shop
    ],
    dtype="uint8",
)
NUM_CLASSES = len(CLASS_NAMES)

# A pixel within this distance of a class colour is taken to be that class outright; the
# uniform regions' pixels all are (see PALETTE), and 99% of the pixels 3 or more pixels
# away from a region border.
CONFIDENT_DISTANCE = 40.0


def _dilate(mask, radius):
    """Binary dilation of `(N, H, W, K)` masks by a (2r+1) x (2r+1) square, per channel:
    a row pass then a column pass of shifted ORs."""
    for axis in (1, 2):
        grown = mask.copy()
        for shift in range(1, radius + 1):
            ahead = [slice(None)] * axis + [slice(shift, None)]
            behind = [slice(None)] * axis + [slice(None, -shift)]
            grown[tuple(ahead)] |= mask[tuple(behind)]
            grown[tuple(behind)] |= mask[tuple(ahead)]
        mask = grown
    return mask


def labels_from_colors(label_maps, radius=3, chunk=16):
    """Recovers the class ids of colour-coded facades label maps.

    Each pixel takes the class of the nearest `PALETTE` colour (Euclidean RGB). A pixel
    farther than `CONFIDENT_DISTANCE` from every class colour is a blend of the classes
    that meet there, and its nearest colour is often a third class (background blended
    half and half with molding is nearest to shop's dark red), which would draw one-pixel
    halos of wrong classes along region borders. Such a pixel takes instead the class,
    among those with a confidently assigned pixel in its (2 radius + 1)^2 neighbourhood,
    whose colour is nearest its own (the plain nearest colour when the neighbourhood has
    none). On the test split this changes about 10% of the pixels and removes about 80%
    of the regions smaller than 6 pixels; blended borders are up to about 3 pixels wide,
    hence `radius=3`.

    Args:
        label_maps: uint8 RGB label maps `(N, H, W, 3)` or one `(H, W, 3)`, as
            `load_data` returns them.
        radius: neighbourhood radius for the blended pixels (0: nearest colour only).
        chunk: label maps processed at a time (memory: about 5 MB per 256 x 256 map).

    Returns:
        int32 class ids in [0, 12) (`CLASS_NAMES` order), `(N, H, W)` or `(H, W)`.
    """
    rgb = np.asarray(label_maps)
    if rgb.dtype != np.uint8 or rgb.ndim not in (3, 4) or rgb.shape[-1] != 3:
        raise ValueError(
            f"Expected uint8 RGB label maps (N, H, W, 3) or (H, W, 3); got {rgb.dtype} of shape {rgb.shape}."
        )
    if rgb.ndim == 3:
        return labels_from_colors(rgb[None], radius, chunk)[0]
    palette = PALETTE.astype("int32")
    labels = np.empty(rgb.shape[:3], dtype="int32")
    for start in range(0, len(rgb), chunk):  # (n, H, W, 12) distances, a chunk at a time
        pixels = rgb[start : start + chunk].astype("int32")
        squared = ((pixels[..., None, :] - palette) ** 2).sum(-1)
        nearest = squared.argmin(-1)
        if radius:
            confident = squared.min(-1) <= CONFIDENT_DISTANCE**2
            one_hot = (nearest[..., None] == np.arange(NUM_CLASSES)) & confident[..., None]
            nearby = _dilate(one_hot, radius)
            candidates = np.where(nearby, squared, np.iinfo("int32").max).argmin(-1)
            blended = ~confident & nearby.any(-1)
            nearest = np.where(blended, candidates, nearest)
        labels[start : start + chunk] = nearest
    return labels


def colors_from_labels(labels):
    """Colour-codes class ids `(..., H, W)` with `PALETTE`: uint8 `(..., H, W, 3)`."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu" or labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise ValueError(f"Expected integer class ids in [0, {NUM_CLASSES}); got {labels.dtype} values.")
    return PALETTE[labels]


def load_class_maps(split="train", image_size=256, path=None):
    """Returns `(label_maps, photos)` of one split for semantic synthesis: int32 class ids
    `(N, image_size, image_size)` (`labels_from_colors` of the colour-coded maps) and uint8
    photos `(N, image_size, image_size, 3)`.

    Below 256 x 256, class ids are resized with nearest neighbour (as SPADE's code does: a
    class id cannot be averaged) and photos with box filtering (the mean of each pixel's
    footprint, free of aliasing)."""
    colour_maps, photos = load_data(split, path)
    labels = labels_from_colors(colour_maps)
    if image_size != labels.shape[1]:
        size = (image_size, image_size)
        labels = np.stack(
            [np.asarray(Image.fromarray(m.astype("uint8")).resize(size, Image.NEAREST)) for m in labels]
        ).astype("int32")
        photos = np.stack([np.asarray(Image.fromarray(p).resize(size, Image.BOX)) for p in photos])
    return labels, photos
