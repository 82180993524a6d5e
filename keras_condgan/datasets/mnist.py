"""MNIST from the four standard IDX files.

Where the files come from, first found wins:
1. the `path` argument;
2. the folder in the `KERAS_CONDGAN_MNIST_DIR` environment variable;
3. the Keras cache (`~/.keras/datasets/mnist_idx`), downloading the standard
   files there (with checksums) when they are missing.
"""

import gzip
import hashlib
import os

import keras
import numpy as np

from keras_condgan.datasets.local_files import local_data_dir

ENV_VAR = "KERAS_CONDGAN_MNIST_DIR"
MIRROR = "https://storage.googleapis.com/cvdf-datasets/mnist/"
# md5 of the decompressed files, as published with MNIST.
FILES = {
    "train_images": ("train-images-idx3-ubyte.gz", "6bbc9ace898e44ae57da46a324031adb"),
    "train_labels": ("train-labels-idx1-ubyte.gz", "a25bea736e30d166cdddb491f175f624"),
    "test_images": ("t10k-images-idx3-ubyte.gz", "2646ac647ad5339dbf082846283269ea"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", "27ae3e4e09519cfbb04c329615203637"),
}


def parse_idx(raw):
    """Decodes an IDX file (big-endian header, then uint8 values)."""
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError("Not an IDX file of unsigned bytes.")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=header)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"IDX file is truncated: header says {shape}, found {data.size} values.")
    return data.reshape(shape)


def _read(folder, key, verify):
    filename, md5 = FILES[key]
    path = os.path.join(folder, filename)
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if verify and hashlib.md5(raw).hexdigest() != md5:
        raise ValueError(f"{path} does not match the MNIST checksum {md5}.")
    return parse_idx(raw)


def download(cache_dir=None, mirror=MIRROR):
    """Downloads the four files into the Keras cache and returns the folder."""
    for filename, _ in FILES.values():
        try:
            path = keras.utils.get_file(
                filename,
                origin=mirror + filename,
                cache_dir=cache_dir,
                cache_subdir=os.path.join("datasets", "mnist_idx"),
            )
        except Exception as error:
            raise ConnectionError(
                f"Could not download {mirror + filename} ({error}). Without internet, point "
                f"{ENV_VAR} (or `path=`) at a folder holding the four MNIST IDX files."
            ) from error
    return os.path.dirname(path)


def data_dir(path=None, mirror=MIRROR):
    """The folder holding the IDX files, downloading them if needed."""
    return local_data_dir(path, ENV_VAR, "MNIST") or download(mirror=mirror)


def load_data(path=None, verify=True):
    """Returns `(x_train, y_train), (x_test, y_test)`: uint8 images
    `(N, 28, 28)` and uint8 labels `(N,)`, like `keras.datasets.mnist`."""
    folder = data_dir(path)
    return (
        (_read(folder, "train_images", verify), _read(folder, "train_labels", verify)),
        (_read(folder, "test_images", verify), _read(folder, "test_labels", verify)),
    )
