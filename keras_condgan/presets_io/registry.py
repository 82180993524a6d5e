"""The named presets of every model family, and what a `from_preset` argument refers to.

Each family class lists its presets in a `backbone_presets` class attribute (from its
`*_presets.py`): `{name: {"metadata": {...}, "bundled": folder name}}` for a folder shipped
inside the package (`keras_condgan/bundled_presets/`), or `{"metadata": ..., "handle":
"hf://..."}` for one on a hub. A class's presets are its own and its subclasses', so
`GAN.from_preset(name)` finds the preset of any family and builds that family.
"""

import importlib.resources
import os
import pathlib

from keras_condgan.presets_io.errors import PresetError
from keras_condgan.presets_io.hub import HUB_SCHEMES


def bundled_presets_dir():
    """The folder of the presets that ship inside the package: `keras_condgan.bundled_presets`
    once installed, or the repository's `presets/` when the package runs from a checkout on
    `PYTHONPATH` without being installed (as the GPU scripts run it)."""
    try:
        return importlib.resources.files("keras_condgan.bundled_presets")
    except ModuleNotFoundError:
        checkout = pathlib.Path(__file__).resolve().parents[2] / "presets"
        if checkout.is_dir():
            return checkout
        raise


def _with_subclasses(cls):
    classes, pending = [], [cls]
    while pending:
        klass = pending.pop(0)
        if klass not in classes:
            classes.append(klass)
            pending.extend(klass.__subclasses__())
    return classes


def presets_of(cls):
    """`{name: (family class, entry)}` for the presets of `cls` and of its subclasses."""
    found = {}
    for family in _with_subclasses(cls):
        for name, entry in family.__dict__.get("backbone_presets", {}).items():
            found.setdefault(name, (family, entry))
    return found


def location(entry):
    """Where a preset entry loads from: a local folder (bundled) or a hub handle."""
    if "bundled" in entry:
        return str(bundled_presets_dir() / entry["bundled"])
    return entry["handle"]


def describe_presets(cls):
    """`{name: metadata}` for the presets `cls.from_preset` takes by name; each metadata dict
    also says the `family` (the class the preset builds) and its `location`."""
    return {
        name: {**entry["metadata"], "family": family.__name__, "location": location(entry)}
        for name, (family, entry) in sorted(presets_of(cls).items())
    }


def _root_family(cls):
    # The most basic class that lists presets (`GAN`): its presets are every family's.
    return [klass for klass in cls.__mro__ if "backbone_presets" in klass.__dict__][-1]


def looks_like_a_path(preset):
    separators = [os.sep] + ([os.altsep] if os.altsep else [])
    return any(s in preset for s in separators) or preset.startswith((".", "~"))


def resolve_preset(preset, cls):
    """Maps `preset` (a name, a folder path or a hub handle) to what KerasHub's loader
    takes: a folder or a handle. Raises `PresetError` saying what is wrong otherwise."""
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
    path = os.path.expanduser(preset)
    if os.path.isdir(path):
        return path
    if os.path.exists(path):
        raise PresetError(
            f"{preset!r} is a file; a preset is the folder that holds config.json, metadata.json "
            "and model.weights.h5: give the folder."
        )
    known = presets_of(cls)
    if preset in known:
        return location(known[preset][1])
    if looks_like_a_path(preset):
        raise PresetError(
            f"The preset folder {preset!r} does not exist (looked for {os.path.abspath(path)}). "
            "Check the path, or give a preset name or a hub handle."
        )
    elsewhere = presets_of(_root_family(cls)).get(preset)
    if elsewhere is not None:
        family = elsewhere[0].__name__
        raise PresetError(
            f"{preset!r} is a {family} preset, not a {cls.__name__} one: load it with "
            f"{family}.from_preset({preset!r}) (or GAN.from_preset, which builds any family)."
        )
    available = ", ".join(sorted(known)) or "(none)"
    raise PresetError(
        f"Unknown preset {preset!r} for {cls.__name__}. Available presets: {available}. "
        "A preset can also be a local preset folder, 'hf://org/name' or "
        "'kaggle://org/model/keras/variant'."
    )


def register_with_keras_hub(cls):
    """Registers the named presets of `cls` and its subclasses with KerasHub, so that
    `keras_hub.models.Backbone.from_preset(name)` finds them too. A name KerasHub already
    has for one of its own models keeps KerasHub's meaning there."""
    from keras_hub.src.utils import preset_utils as keras_hub_presets

    for name, (family, entry) in presets_of(cls).items():
        registered = keras_hub_presets.BUILTIN_PRESETS.get(name)
        if registered is not None and registered.get("kaggle_handle") != location(entry):
            continue
        # KerasHub's loader replaces a registered name by its "kaggle_handle", whatever it is
        # (a folder here for the bundled presets).
        keras_hub_presets.register_presets(
            {name: {"metadata": entry["metadata"], "kaggle_handle": location(entry)}}, family
        )
