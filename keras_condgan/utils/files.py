"""File helpers: checksums, and writes that an interruption cannot leave half done."""

import hashlib
import os
import shutil
import tempfile


def sha256_of(path):
    """The hex sha256 of a file, read 1 MB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
