"""Preset folders: finding them, fetching them from a hub, checking them, writing them.

A preset is a KerasHub preset folder (config.json, metadata.json, model.weights.h5,
README.md). One module per job:

- `registry`: the named presets of every family; a name, a folder path or a hub handle
  mapped to what KerasHub's loader takes; the names registered with KerasHub.
- `hub`: `hf://` and `kaggle://` downloads through KerasHub, failing fast and clearly when
  the hub cannot be reached.
- `trust`: the checks every load runs before anything is used: the config names only
  trusted classes, the weights match the sha256 recorded when the preset was saved.
- `weights_file`: storing the weights at another precision, recording their checksum.
- `folder`: the file names of a preset folder and reading its JSON files.

Atomic writes of files and folders are in `keras_condgan.utils.files`.
"""

from keras_condgan.presets_io.errors import PresetError, PresetUnreachableError

__all__ = ["PresetError", "PresetUnreachableError"]
