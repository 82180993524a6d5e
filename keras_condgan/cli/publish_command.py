"""`keras-condgan publish`: uploads a preset folder to Hugging Face or Kaggle, keeping our model card.

KerasHub's `upload_preset` checks the folder (config.json, weights) and uploads it; on Hugging
Face, when the remote repository has no README.md, it replaces the local one with a generated
card. So the folder is uploaded from a copy without README.md, and the model card is then
uploaded on its own. `--dry-run` validates the folder and lists what would be sent, then stops
before any network call.
"""

import json
import os
import shutil
import tempfile

REQUIRED = ("config.json", "metadata.json", "model.weights.h5", "README.md")
SCHEMES = ("hf", "kaggle")


def check_preset_folder(folder):
    """Returns the files to send; raises ValueError when the folder is not a preset."""
    if not os.path.isdir(folder):
        raise ValueError(f"{folder!r} is not a folder.")
    missing = [name for name in REQUIRED if not os.path.isfile(os.path.join(folder, name))]
    if missing:
        raise ValueError(f"{folder!r} is not a complete preset: missing {', '.join(missing)}.")
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    if "registered_name" not in config:
        raise ValueError(f"{folder}/config.json has no 'registered_name': not a Keras preset config.")
    return sorted(
        name for name in os.listdir(folder) if os.path.isfile(os.path.join(folder, name)) and not name.startswith(".")
    )


def plan(folder, handle):
    """`(scheme, files)` of an upload; raises ValueError for a bad handle or folder."""
    scheme = handle.split("://", 1)[0] if "://" in handle else None
    if scheme not in SCHEMES:
        raise ValueError(f"Expected an hf://org/name or kaggle://org/model/keras/variant handle; got {handle!r}.")
    files = check_preset_folder(folder)
    return scheme, files


def publish(folder, handle):
    """Uploads the preset folder to `handle`, keeping its README.md."""
    import keras_hub

    scheme, _ = plan(folder, handle)
    if scheme == "kaggle":
        # Kaggle keeps the folder as sent, model card included.
        keras_hub.upload_preset(handle, folder)
        return
    import huggingface_hub

    # KerasHub would overwrite (then delete) our README.md with a generated card when the
    # repository has none yet: upload a copy without it, then put our card over whatever the
    # repository holds.
    with tempfile.TemporaryDirectory() as staging:
        copy = os.path.join(staging, os.path.basename(os.path.normpath(folder)))
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("README.md", ".*"))
        keras_hub.upload_preset(handle, copy)
    huggingface_hub.upload_file(
        path_or_fileobj=os.path.join(folder, "README.md"),
        path_in_repo="README.md",
        repo_id=handle.removeprefix("hf://"),
        repo_type="model",
    )


def run(args):
    scheme, files = plan(args.folder, args.handle)
    print(f"{'Would upload' if args.dry_run else 'Uploading'} {args.folder} to {args.handle}:")
    for name in files:
        size = os.path.getsize(os.path.join(args.folder, name))
        print(f"  {name}  ({size:,} bytes)")
    if args.dry_run:
        return 0
    publish(args.folder, args.handle)
    print("done")
    return 0
