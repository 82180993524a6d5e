"""Finding presets by name, and clear errors when a preset cannot be had.

A preset is a KerasHub preset folder (config.json, metadata.json,
model.weights.h5, README.md). `from_preset` accepts:

- a bare name from the model class's `backbone_presets` (bundled folders ship
  inside the package, under `keras_condgan/presets/`);
- a local folder path;
- `hf://org/name` and `kaggle://org/model/keras/variant[/version]` handles,
  fetched by KerasHub through huggingface_hub / kagglehub.
"""

import importlib.resources
import json
import os
import shutil
import tempfile
import warnings

from keras_condgan.utils.files import sha256_of

HUB_SCHEMES = ("hf", "kaggle", "modelscope", "gs")
CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
WEIGHTS_FILE = "model.weights.h5"
# The packages whose classes a preset's config may name. Keras imports the module a
# config names to find its class, which runs that module's code: a preset naming any
# other module is refused before Keras sees it.
TRUSTED_PACKAGES = ("keras", "keras_hub", "keras_condgan")


class PresetError(ValueError):
    """A preset that cannot be found or read."""


class PresetUnreachableError(ConnectionError):
    """A hub preset that could not be downloaded (no network, unknown repo...)."""


def bundled_presets_dir():
    return importlib.resources.files("keras_condgan.presets")


def resolve_preset(preset, presets, class_name):
    """Maps `preset` to something KerasHub's loader takes: a folder or a handle."""
    if not isinstance(preset, (str, os.PathLike)):
        raise TypeError(f"A preset is a name, a folder path or a hub handle; got {type(preset).__name__}.")
    preset = os.fspath(preset)
    if "://" in preset:
        scheme = preset.split("://", 1)[0].lower()
        if scheme not in HUB_SCHEMES:
            raise PresetError(
                f"Unknown preset handle scheme {scheme!r} in {preset!r}; expected one of "
                f"{', '.join(s + '://' for s in HUB_SCHEMES)}."
            )
        return preset
    if os.path.isdir(preset):
        return preset
    if preset in presets:
        entry = presets[preset]
        if "bundled" in entry:
            return str(bundled_presets_dir() / entry["bundled"])
        return entry["handle"]
    available = ", ".join(sorted(presets)) or "(none)"
    raise PresetError(
        f"Unknown preset {preset!r} for {class_name}. Available presets: {available}. "
        "A preset can also be a local preset folder, 'hf://org/name' or "
        "'kaggle://org/model/keras/variant'."
    )


def _causes(error):
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


# Errors that mean "the hub could not be asked", as opposed to "the hub
# answered that the file is not there".
NETWORK_ERRORS = {
    "LocalEntryNotFoundError",  # huggingface_hub: offline or no connection, nothing cached
    "OfflineModeIsEnabled",
    "ConnectError",
    "ConnectTimeout",
    "TimeoutException",
    "NewConnectionError",
    "MaxRetryError",
    "RepositoryNotFoundError",
    "GatedRepoError",
    "KaggleApiHTTPError",
}


def is_network_failure(error):
    return any(
        type(e).__name__ in NETWORK_ERRORS or isinstance(e, (ConnectionError, TimeoutError)) for e in _causes(error)
    )


def preset_file(handle, name):
    """The local path of one file of a preset folder or hub handle (downloading it, or
    finding it in the hub's cache)."""
    from keras_hub.src.utils.preset_utils import get_file

    return get_file(handle, name)


def fetch_hub_config(handle):
    """Downloads (or finds cached) the preset's config.json before KerasHub
    does, because KerasHub reports any failure there as "has no config.json"
    and drops the reason."""
    try:
        preset_file(handle, CONFIG_FILE)
    except Exception as error:
        if is_network_failure(error):
            reason = next((str(e) for e in _causes(error) if str(e)), type(error).__name__)
            raise PresetUnreachableError(
                f"Could not download preset {handle!r}: the hub could not be reached, or has no such "
                f"repository ({reason.splitlines()[0][:300]}). Check the handle and your network; "
                "offline, huggingface_hub serves cached copies with HF_HUB_OFFLINE=1, or pass a "
                "local preset folder."
            ) from error
        if isinstance(error, FileNotFoundError):
            raise PresetError(f"Preset {handle!r} exists but has no {CONFIG_FILE}: not a KerasHub preset.") from error
        raise


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


def read_json(path, what):
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PresetError(f"Could not read the {what} {path}: {error}") from error


def check_config_is_trusted(config, path):
    """Refuses a config that names a class or function outside `TRUSTED_PACKAGES`
    (Keras would import its module, running code from anywhere) or a lambda."""
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

    if not isinstance(config, dict) or "class_name" not in config:
        raise PresetError(f"{path} is not a Keras object config (no 'class_name').")
    walk(config, "")


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
    """Fetches (for hub handles) and checks a preset before any of it is deserialised:
    its config names only trusted classes, and its weights match their checksum.
    Returns the path of the weights file."""
    paths = {}
    for name in (CONFIG_FILE, METADATA_FILE, WEIGHTS_FILE):
        try:
            paths[name] = preset_file(handle, name)
        except FileNotFoundError as error:
            raise PresetError(f"Preset {handle!r} has no {name}: {error}") from error
        if not os.path.isfile(paths[name]):
            raise PresetError(f"Preset {handle!r} has no {name} (looked for {paths[name]}).")
    check_config_is_trusted(read_json(paths[CONFIG_FILE], "preset config"), paths[CONFIG_FILE])
    verify_weights(paths[WEIGHTS_FILE], read_json(paths[METADATA_FILE], "preset metadata"), handle)
    return paths[WEIGHTS_FILE]


def record_weights_checksum(preset_dir):
    """Adds the sha256 of the weights file to metadata.json."""
    metadata_path = os.path.join(preset_dir, METADATA_FILE)
    metadata = read_json(metadata_path, "preset metadata")
    metadata["weights_sha256"] = {WEIGHTS_FILE: sha256_of(os.path.join(preset_dir, WEIGHTS_FILE))}
    with open(metadata_path, "w", encoding="utf-8") as file:
        json.dump(metadata, file, indent=4)


def replace_folder_atomically(write, folder):
    """Calls `write(staging_folder)` and then puts the result at `folder`.

    An interruption or error while writing leaves any previous `folder` untouched and no
    half-written folder under its name. Files of the previous folder that the writer does
    not produce (a model card, pictures) are carried over. The old copy is moved aside
    and removed only once the new one is in place (between the two renames, `folder` is
    missing for an instant, the old copy still on disk beside it).
    """
    folder = os.path.abspath(folder)
    parent = os.path.dirname(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise NotADirectoryError(f"Cannot save a preset to {folder}: a file of that name exists.")
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(folder)}.writing-", dir=parent)
    try:
        write(staging)
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                source, target = os.path.join(folder, name), os.path.join(staging, name)
                if not os.path.exists(target):
                    (shutil.copytree if os.path.isdir(source) else shutil.copy2)(source, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if not os.path.isdir(folder):
        os.replace(staging, folder)
        return
    previous = tempfile.mkdtemp(prefix=f".{os.path.basename(folder)}.previous-", dir=parent)
    os.replace(folder, os.path.join(previous, "old"))
    os.replace(staging, folder)
    shutil.rmtree(previous, ignore_errors=True)


def write_file_atomically(write, path, overwrite=True):
    """Calls `write(temporary_path)` and renames the result to `path`: an interruption
    leaves any previous file at `path` whole. The temporary name keeps the file's
    suffix (`.weights.h5`, `.keras`), which Keras checks."""
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path} exists and overwrite=False.")
    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    suffix = next((s for s in (".weights.h5", ".keras", ".h5") if name.endswith(s)), "")
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.writing-", suffix=suffix, dir=folder)
    os.close(handle)
    os.remove(temporary)  # Keras writes the file itself
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
