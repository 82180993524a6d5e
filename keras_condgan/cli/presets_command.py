"""`keras-condgan presets`: the named presets of every family."""

import json
import os

from keras_condgan.cli.models import COMMANDS

TASKS = {
    "ConditionalGAN": "class label -> image",
    "Pix2Pix": "image -> image",
    "GauGAN": "label map (+ style photo) -> image",
}


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def describe(name, metadata):
    """What the listing shows of one preset: `keras_condgan.presets()`'s metadata, and for a
    bundled preset its folder's config.json, metadata.json and weights file."""
    family = metadata["family"]
    row = {
        "preset": name,
        "family": family,
        "command": f"keras-condgan {COMMANDS.get(family, 'evaluate')}",
        "task": TASKS.get(family, ""),
        "image_size": None,
        "classes": None,
        "parameters": metadata.get("params"),
        "weights_bytes": None,
        "quality": None,
        "description": metadata.get("description", ""),
        "location": metadata["location"],
    }
    folder = metadata["location"]
    if "://" in folder or not os.path.isdir(folder):
        return row  # on a hub: nothing to read before it is downloaded
    config = read_json(os.path.join(folder, "config.json")).get("config", {})
    saved = read_json(os.path.join(folder, "metadata.json"))
    row["image_size"] = config.get("image_shape")
    row["classes"] = config.get("num_classes")  # Pix2Pix has none
    row["parameters"] = saved.get("parameter_count", row["parameters"])
    row["weights_bytes"] = os.path.getsize(os.path.join(folder, "model.weights.h5"))
    quality = saved.get("quality")
    row["quality"] = quality.get("summary") if isinstance(quality, dict) else quality
    return row


def run(args):
    import keras_condgan

    listing = [describe(name, metadata) for name, metadata in keras_condgan.presets().items()]
    if args.json:
        print(json.dumps(listing, indent=2, ensure_ascii=False))
        return 0
    for row in listing:
        size = "x".join(str(d) for d in row["image_size"]) if row["image_size"] else "size unknown"
        weights = f"{row['weights_bytes'] / 1e6:.1f} MB" if row["weights_bytes"] else f"on the hub ({row['location']})"
        parameters = f"{row['parameters']:,}" if row["parameters"] else "unknown"
        classes = f", {row['classes']} classes" if row["classes"] else ""
        print(f"{row['preset']}  ({row['family']}; run it with `{row['command']}`)")
        print(f"  task:        {row['task']}, {size}{classes}")
        print(f"  parameters:  {parameters}")
        print(f"  weights:     {weights}")
        print(f"  quality:     {row['quality'] or 'not measured'}")
        print(f"  about:       {row['description']}")
        print()
    return 0
