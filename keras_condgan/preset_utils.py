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
import os

HUB_SCHEMES = ("hf", "kaggle", "modelscope", "gs")


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


def fetch_hub_config(handle):
    """Downloads (or finds cached) the preset's config.json before KerasHub
    does, because KerasHub reports any failure there as "has no config.json"
    and drops the reason."""
    from keras_hub.src.utils.preset_utils import CONFIG_FILE, get_file

    try:
        get_file(handle, CONFIG_FILE)
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
