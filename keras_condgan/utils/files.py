"""File helpers shared by the preset code and the weight downloads."""

import hashlib


def sha256_of(path):
    """The hex sha256 of a file, read 1 MB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
