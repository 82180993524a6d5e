"""The files of a preset folder, as KerasHub's `save_to_preset` writes them."""

import json

from keras_condgan.presets_io.errors import PresetError

CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
WEIGHTS_FILE = "model.weights.h5"
# KerasHub writes this index instead of WEIGHTS_FILE when the weights are sharded.
SHARDED_WEIGHTS_FILE = "model.weights.json"


def read_json(path, what):
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PresetError(f"Could not read the {what} {path}: {error}") from error
