"""The checks every preset load runs before anything in the preset is used.

- The config names only classes and functions of `TRUSTED_PACKAGES`, and no lambda: Keras
  imports the module a config names to find its class, which runs that module's code.
- The weights file matches the sha256 that `save_to_preset` recorded in metadata.json.

`GAN.from_preset` checks the config before KerasHub deserialises anything. KerasHub's own
loader (`keras_hub.models.Backbone.from_preset`) bypasses it and reaches the model classes
through calls that run the same checks: `GAN.from_config` and `GAN.compile_from_config`
(the config and a top-level `compile_config`, before anything in them is deserialised) and
`GAN.load_weights` (`check_preset_weights`, before the weights are read; `from_preset`
relies on it too).
"""

import os
import warnings

from keras_condgan.presets_io import hub
from keras_condgan.presets_io.errors import PresetError
from keras_condgan.presets_io.folder import (
    CONFIG_FILE,
    METADATA_FILE,
    SHARDED_WEIGHTS_FILE,
    WEIGHTS_FILE,
    read_json,
)
from keras_condgan.utils.files import sha256_of

# The packages whose classes a preset's config may name. Keras imports the module a
# config names to find its class, which runs that module's code: a preset naming any
# other module is refused before Keras sees it.
TRUSTED_PACKAGES = ("keras", "keras_hub", "keras_condgan")


def check_config_is_trusted(config, path):
    """Refuses a config that names a class or function outside `TRUSTED_PACKAGES`
    (Keras would import its module, running code from anywhere) or a lambda. `path`
    names the config in the error."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise PresetError(f"{path} is not a Keras object config (no 'class_name').")
    check_objects_are_trusted(config, path)


def check_objects_are_trusted(node, path):
    """The check of `check_config_is_trusted` on any part of a config (e.g. a compile config)."""
    def walk(node, where):
        if isinstance(node, dict):
            module = node.get("module")
            registered = node.get("registered_name")
            package = None
            if isinstance(module, str) and module.split(".")[0] not in TRUSTED_PACKAGES:
                package = module
            if isinstance(registered, str) and ">" in registered:
                if registered.split(">")[0] not in TRUSTED_PACKAGES:
                    package = registered.split(">")[0]
            if package is not None:
                raise PresetError(
                    f"Refusing to load {path}: {where or 'its top level'} names "
                    f"{node.get('class_name')!r} from {package!r}, outside "
                    f"{', '.join(TRUSTED_PACKAGES)}; loading it would run that package's code."
                )
            if node.get("class_name") == "__lambda__":
                raise PresetError(f"Refusing to load {path}: {where or 'its top level'} holds a lambda (Python code).")
            for key, value in node.items():
                walk(value, f"{where}.{key}" if where else key)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(node, "")


def verify_weights(weights_path, metadata, handle):
    """Checks the weights file against the sha256 that `save_to_preset` records in
    metadata.json; a preset without one loads with a warning."""
    expected = (metadata.get("weights_sha256") or {}).get(WEIGHTS_FILE)
    if expected is None:
        warnings.warn(
            f"Preset {handle!r} records no weights checksum in {METADATA_FILE}; its "
            f"{WEIGHTS_FILE} cannot be checked for damage.",
            stacklevel=3,
        )
        return
    actual = sha256_of(weights_path)
    if actual != expected:
        raise PresetError(
            f"The weights file {weights_path} is damaged or not the preset's own: its sha256 is "
            f"{actual}, metadata.json records {expected} (size now {os.path.getsize(weights_path)} "
            "bytes). Download or copy the preset again."
        )


def checked_preset_files(handle):
    """Fetches (for hub handles) a preset's config, metadata and weights files and checks
    its config before any of it is deserialised. The weights are checked when they are
    loaded (`check_preset_weights`). Returns the path of the weights file."""
    paths = {}
    for name in (CONFIG_FILE, METADATA_FILE, WEIGHTS_FILE):
        try:
            paths[name] = hub.preset_file(handle, name)
        except FileNotFoundError as error:
            raise PresetError(f"Preset {handle!r} has no {name}: {error}") from error
        if not os.path.isfile(paths[name]):
            raise PresetError(f"Preset {handle!r} has no {name} (looked for {paths[name]}).")
    check_config_is_trusted(read_json(paths[CONFIG_FILE], "preset config"), paths[CONFIG_FILE])
    return paths[WEIGHTS_FILE]


def check_preset_weights(path):
    """Before a model loads the weights file `path`: when it is a preset's (named
    model.weights.h5, with the preset's config.json beside it), checks it against the
    sha256 in the preset's metadata.json. Other weights files (a user's checkpoints) pass."""
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    if name not in (WEIGHTS_FILE, SHARDED_WEIGHTS_FILE) or not os.path.isfile(os.path.join(folder, CONFIG_FILE)):
        return
    if name == SHARDED_WEIGHTS_FILE:
        raise PresetError(
            f"Refusing to load the sharded weights of the preset {folder}: this package's presets "
            f"keep their weights in one {WEIGHTS_FILE}, whose sha256 {METADATA_FILE} records."
        )
    metadata_path = os.path.join(folder, METADATA_FILE)
    if not os.path.isfile(metadata_path):
        # A hub download of which KerasHub fetched only the config and the weights.
        metadata_path = hub.fetch_beside(path, METADATA_FILE)
        if metadata_path is None:
            raise PresetError(
                f"The preset folder {folder} has no {METADATA_FILE}, which records the sha256 "
                f"its {WEIGHTS_FILE} is checked against: copy the whole preset folder."
            )
    verify_weights(path, read_json(metadata_path, "preset metadata"), folder)
