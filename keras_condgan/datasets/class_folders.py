"""Labelled images from a folder of class subfolders (`cats/`, `dogs/`, ...), the layout of
`keras.utils.image_dataset_from_directory`, read with Pillow into NumPy arrays (no TensorFlow
needed) for `ConditionalGAN.fit`."""

import os

import numpy as np
from PIL import Image

from keras_condgan.datasets.paired_images import IMAGE_EXTENSIONS

GRAYSCALE_MODES = ("1", "L", "LA", "I", "I;16", "F")


def class_folders(path):
    """The class names (sorted subfolder names holding images) of `path`."""
    if not os.path.isdir(path):
        raise FileNotFoundError(f"Image folder {path!r} does not exist.")
    names = sorted(
        name for name in os.listdir(path)
        if os.path.isdir(os.path.join(path, name))
        and any(f.lower().endswith(IMAGE_EXTENSIONS) for f in os.listdir(os.path.join(path, name)))
    )
    if len(names) < 2:
        raise ValueError(
            f"{path!r} needs one subfolder of images per class (at least two classes, "
            f"images {', '.join(IMAGE_EXTENSIONS)}); found {len(names)}."
        )
    return names


def load_class_folders(path, image_size=None, channels=None):
    """Reads every image of every class subfolder of `path`.

    Args:
        path: folder whose subfolders are the classes, in sorted order (class id 0 is the first).
        image_size: side of the square images returned (bicubic resize); None keeps the
            images' own size, which must then be square and the same for all.
        channels: 1 (grayscale) or 3 (RGB); None: 1 when every image is grayscale, else 3.

    Returns:
        `(images, labels, class_names)`: uint8 `(N, size, size, channels)`, int32 `(N,)`
        and the list of class names.
    """
    names = class_folders(path)
    files, labels = [], []
    for label, name in enumerate(names):
        folder = os.path.join(path, name)
        for filename in sorted(os.listdir(folder)):
            if filename.lower().endswith(IMAGE_EXTENSIONS):
                files.append(os.path.join(folder, filename))
                labels.append(label)
    pictures = []
    for file in files:
        try:
            with Image.open(file) as image:
                image.load()
                pictures.append(image)
        except OSError as error:
            raise ValueError(f"Cannot read image {file}: {error}") from error
    if channels is None:
        channels = 1 if all(p.mode in GRAYSCALE_MODES for p in pictures) else 3
    if channels not in (1, 3):
        raise ValueError(f"`channels` must be 1 or 3; got {channels}.")
    if image_size is None:
        sizes = {p.size for p in pictures}
        if len(sizes) > 1 or next(iter(sizes))[0] != next(iter(sizes))[1]:
            raise ValueError(
                f"The images in {path!r} are not all square and of one size ({len(sizes)} sizes, "
                f"e.g. {sorted(sizes)[:3]}); give an image size to resize them to."
            )
        image_size = next(iter(sizes))[0]
    mode = "L" if channels == 1 else "RGB"
    arrays = [
        np.asarray(p.convert(mode).resize((image_size, image_size), Image.BICUBIC)).reshape(
            image_size, image_size, channels
        )
        for p in pictures
    ]
    return np.stack(arrays), np.asarray(labels, dtype="int32"), names
