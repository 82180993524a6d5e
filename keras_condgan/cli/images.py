"""Reading the user's image files for the command line (Pillow), with a note for each
conversion, and writing results."""

import os
import sys

import numpy as np
from PIL import Image, UnidentifiedImageError

from keras_condgan.cli.errors import UserError
from keras_condgan.datasets.paired_images import IMAGE_EXTENSIONS

def note(message):
    print(f"keras-condgan: note: {message}", file=sys.stderr)


def image_files(inputs):
    """The image files named by `inputs`: files as given, folders as their image files
    (sorted, not recursive). A missing path or a folder without images is a `UserError`."""
    files = []
    for path in inputs:
        if os.path.isdir(path):
            found = sorted(
                os.path.join(path, name) for name in os.listdir(path)
                if name.lower().endswith(IMAGE_EXTENSIONS) and os.path.isfile(os.path.join(path, name))
            )
            if not found:
                raise UserError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) in the folder {path}")
            files.extend(found)
        elif os.path.isfile(path):
            files.append(path)
        else:
            raise UserError(f"{path}: no such file or folder")
    return files


def check_readable(files):
    """Opens each file's header (no pixels decoded), so that a file that is not an image is
    reported before a model is loaded."""
    for path in files:
        try:
            with Image.open(path):
                pass
        except (UnidentifiedImageError, OSError) as error:
            raise UserError(f"cannot read {path} as an image ({error})") from None


def open_image(path):
    """The image at `path`, loaded (a `PIL.Image`); an unreadable file is a `UserError`."""
    try:
        with Image.open(path) as image:
            image.load()
            return image
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (UnidentifiedImageError, OSError) as error:
        raise UserError(f"cannot read {path} as an image ({error})") from None


def read_rgb(path):
    """uint8 RGB `(H, W, 3)` of an image file; other modes are converted with a note (RGBA:
    the alpha channel is dropped; grayscale: the channel is repeated)."""
    image = open_image(path)
    if image.mode != "RGB":
        how = {
            "RGBA": "its alpha channel dropped",
            "LA": "its gray channel repeated, alpha dropped",
            "L": "its gray channel repeated",
            "P": "its palette colours looked up",
        }.get(image.mode, "converted by Pillow")
        note(f"{path} is {image.mode}, read as RGB ({how})")
        image = image.convert("RGB")
    return np.asarray(image)


def save_png(array, path):
    """Writes a uint8 image `(H, W, C)` (C = 1 or 3) as a PNG."""
    array = np.asarray(array)
    Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(path, format="PNG")
    return path


def output_names(files):
    """PNG names for the outputs of `files`: `<stem>.png`, or `<name>.png` where two inputs
    share a stem (`a.jpg` and `a.png` become `a.jpg.png` and `a.png.png`)."""
    stems = [os.path.splitext(os.path.basename(f))[0] for f in files]
    names = []
    for file, stem in zip(files, stems):
        names.append(f"{stem}.png" if stems.count(stem) == 1 else f"{os.path.basename(file)}.png")
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise UserError(f"two inputs would both be written as {duplicate}: give files with different names")
    return names
