"""Paired images for image-to-image translation, in the common pix2pix layouts.

- `"side_by_side"`: one file per pair, image A on the left and image B on the
  right (facades, maps, cityscapes, edges2shoes, ...).
- `"two_folders"`: parallel folders A and B holding files of the same names.

`direction="AtoB"` makes A the condition and B the target; `"BtoA"` the
reverse. `PairedImageDataset` feeds `model.fit` on every backend (a Keras
`PyDataset`; no TensorFlow needed) with the paper's training augmentation:
resize to 286 x 286, random 256 x 256 crop, random mirroring, the same for
both images of a pair (the sizes scale with `image_size`).
"""

import math
import os

import keras
import numpy as np
from PIL import Image

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
LAYOUTS = ("side_by_side", "two_folders")
DIRECTIONS = ("AtoB", "BtoA")


def list_images(folder):
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Image folder {folder!r} does not exist.")
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(IMAGE_EXTENSIONS))
    if not names:
        raise FileNotFoundError(f"No images ({', '.join(IMAGE_EXTENSIONS)}) in {folder!r}.")
    return names


def read_rgb(path):
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def split_side_by_side(pair, path="image"):
    width = pair.shape[1]
    if width % 2:
        raise ValueError(f"{path}: a side-by-side pair needs an even width; got {width}.")
    return pair[:, : width // 2], pair[:, width // 2 :]


def load_paired_images(path, layout="side_by_side", direction="AtoB", path_b=None):
    """Reads every pair; returns `(conditions, targets)`, two lists of uint8
    RGB arrays `(H, W, 3)` (the images may differ in size).

    Args:
        path: folder of side-by-side files, or folder A for `"two_folders"`.
        layout: `"side_by_side"` or `"two_folders"`.
        direction: `"AtoB"` (condition = A, the left image / folder A) or `"BtoA"`.
        path_b: folder B for `"two_folders"`.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}; expected one of {LAYOUTS}.")
    if direction not in DIRECTIONS:
        raise ValueError(f"Unknown direction {direction!r}; expected one of {DIRECTIONS}.")
    a_images, b_images = [], []
    if layout == "side_by_side":
        for name in list_images(path):
            a, b = split_side_by_side(read_rgb(os.path.join(path, name)), os.path.join(path, name))
            a_images.append(a)
            b_images.append(b)
    else:
        if path_b is None:
            raise ValueError('The "two_folders" layout needs `path_b`, the folder of B images.')
        names_a, names_b = list_images(path), list_images(path_b)
        if names_a != names_b:
            unmatched = sorted(set(names_a) ^ set(names_b))
            raise ValueError(
                f"Folders {path!r} and {path_b!r} must hold the same file names; "
                f"{len(unmatched)} have no partner, e.g. {unmatched[:3]}."
            )
        for name in names_a:
            a, b = read_rgb(os.path.join(path, name)), read_rgb(os.path.join(path_b, name))
            if a.shape != b.shape:
                raise ValueError(f"{name}: image A is {a.shape[:2]} but image B is {b.shape[:2]}.")
            a_images.append(a)
            b_images.append(b)
    return (a_images, b_images) if direction == "AtoB" else (b_images, a_images)


def resize(image, size):
    """Bicubic resize to `size x size`, as the paper's code does for both images."""
    if image.shape[:2] == (size, size):
        return image
    return np.asarray(Image.fromarray(image).resize((size, size), Image.BICUBIC))


def jitter(condition, target, image_size, load_size, rng):
    """The paper's random jitter: resize to `load_size`, take the same random
    `image_size` crop of both images and mirror both with probability 1/2."""
    condition, target = resize(condition, load_size), resize(target, load_size)
    top, left = rng.integers(0, load_size - image_size + 1, size=2)
    window = np.s_[top : top + image_size, left : left + image_size]
    condition, target = condition[window], target[window]
    if rng.random() < 0.5:
        condition, target = condition[:, ::-1], target[:, ::-1]
    return condition, target


class PairedImageDataset(keras.utils.PyDataset):
    """Batches of `(conditions, targets)`, float32 in [-1, 1], for `model.fit`.

    Args:
        conditions, targets: sequences of uint8 RGB arrays (from
            `load_paired_images`, or any aligned pair of lists/arrays).
        batch_size: pairs per batch (the paper uses 1 for facades).
        image_size: side of the square images produced.
        augment: random jitter and mirroring (training); otherwise a
            deterministic resize to `image_size` (evaluation).
        load_size: side before the random crop; `image_size * 286 / 256`.
        shuffle: reshuffle every epoch (defaults to `augment`).
        seed: seed of the shuffling and the jitter. Batch `i` of epoch `e`
            depends only on `(seed, e, i)`, so batches can be made in any order
            (or by parallel workers) and are the same every run.
        **kwargs: `workers`, `use_multiprocessing`, `max_queue_size` of
            `keras.utils.PyDataset`.
    """

    def __init__(self, conditions, targets, batch_size=1, image_size=256, augment=False, load_size=None,
                 shuffle=None, seed=0, **kwargs):
        super().__init__(**kwargs)
        if len(conditions) != len(targets):
            raise ValueError(f"Got {len(conditions)} condition images but {len(targets)} targets.")
        if len(conditions) == 0:
            raise ValueError("A PairedImageDataset needs at least one pair.")
        self.conditions, self.targets = conditions, targets
        self.batch_size = int(batch_size)
        self.image_size = int(image_size)
        self.augment = bool(augment)
        self.load_size = int(load_size or round(self.image_size * 286 / 256))
        if self.load_size < self.image_size:
            raise ValueError(f"load_size ({self.load_size}) must be at least image_size ({self.image_size}).")
        self.shuffle = self.augment if shuffle is None else bool(shuffle)
        self.seed = int(seed)
        self.epoch = 0

    def __len__(self):
        return math.ceil(len(self.conditions) / self.batch_size)

    def order(self):
        """The order of the pairs in the current epoch."""
        if not self.shuffle:
            return np.arange(len(self.conditions))
        return np.random.default_rng((self.seed, self.epoch)).permutation(len(self.conditions))

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"Batch {index} out of range for {len(self)} batches.")
        indices = self.order()[index * self.batch_size : (index + 1) * self.batch_size]
        rng = np.random.default_rng((self.seed, self.epoch, index))
        pairs = []
        for i in indices:
            condition, target = np.asarray(self.conditions[i]), np.asarray(self.targets[i])
            if self.augment:
                pairs.append(jitter(condition, target, self.image_size, self.load_size, rng))
            else:
                pairs.append((resize(condition, self.image_size), resize(target, self.image_size)))
        conditions = np.stack([c for c, _ in pairs]).astype("float32") / 127.5 - 1.0
        targets = np.stack([t for _, t in pairs]).astype("float32") / 127.5 - 1.0
        return conditions, targets

    def on_epoch_end(self):
        self.epoch += 1
