"""Writing a preset's weights file: another precision, and the checksum loading verifies."""

import json
import os

from keras_condgan.presets_io.folder import METADATA_FILE, WEIGHTS_FILE, read_json
from keras_condgan.utils.files import sha256_of


def cast_weights_file(path, dtype):
    """Rewrites the floating-point arrays of a Keras `.weights.h5` file as
    `dtype` (e.g. float16, to halve a preset's size), atomically: the file is
    written under a temporary name and then renamed over the original."""
    import h5py
    import numpy as np

    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"Weights can only be stored as a floating-point dtype; got {dtype}.")
    temporary = f"{path}.tmp"
    with h5py.File(path, "r") as source, h5py.File(temporary, "w") as target:
        def copy(name, item):
            if isinstance(item, h5py.Dataset):
                data = item[()]
                if np.issubdtype(data.dtype, np.floating):
                    data = data.astype(dtype)
                target.create_dataset(name, data=data)
                attributes = target[name].attrs
            else:
                attributes = target.require_group(name).attrs
            attributes.update(item.attrs)

        target.attrs.update(source.attrs)
        source.visititems(copy)
    os.replace(temporary, path)


def record_weights_checksum(preset_dir):
    """Adds the sha256 of the weights file to metadata.json (`trust.verify_weights` checks it)."""
    metadata_path = os.path.join(preset_dir, METADATA_FILE)
    metadata = read_json(metadata_path, "preset metadata")
    metadata["weights_sha256"] = {WEIGHTS_FILE: sha256_of(os.path.join(preset_dir, WEIGHTS_FILE))}
    with open(metadata_path, "w", encoding="utf-8") as file:
        json.dump(metadata, file, indent=4)
