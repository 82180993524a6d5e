"""Preset files on a hub (`hf://`, `kaggle://`), fetched through KerasHub, with clear errors.

KerasHub reports any failure to fetch a preset's config.json as "has no config.json" and
drops the reason, and huggingface_hub retries a connection that failed for about 23 s
before giving up. `fetch_hub_config` asks first, once and briefly, so that a hub that
cannot be reached is reported within seconds, and says why a download failed.
"""

import os
import pathlib

from keras_condgan.presets_io.errors import PresetError, PresetUnreachableError
from keras_condgan.presets_io.folder import CONFIG_FILE

HUB_SCHEMES = ("hf", "kaggle", "modelscope", "gs")
# How long the one reachability check of a Hugging Face download may wait for an answer.
# A reachable hub answers a HEAD request in well under a second; the download itself then
# runs with huggingface_hub's own timeouts and retries.
HF_PROBE_TIMEOUT_S = 4.0

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


def _causes(error):
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def is_network_failure(error):
    return any(
        type(e).__name__ in NETWORK_ERRORS or isinstance(e, (ConnectionError, TimeoutError)) for e in _causes(error)
    )


def preset_file(handle, name):
    """The local path of one file of a preset folder or hub handle (downloading it, or
    finding it in the hub's cache)."""
    from keras_hub.src.utils.preset_utils import get_file

    return get_file(handle, name)


def check_hf_reachable(repo_id, filename, revision=None, cache_dir=None):
    """Asks the Hugging Face Hub once, without retries, about `filename` unless it is
    cached or huggingface_hub is offline. Raises what huggingface_hub raises when the hub
    cannot be reached (in at most `HF_PROBE_TIMEOUT_S`) or has no such repository or file."""
    import huggingface_hub
    from huggingface_hub import constants
    from huggingface_hub.errors import EntryNotFoundError

    if constants.HF_HUB_OFFLINE:  # huggingface_hub then serves its cache, without asking
        return
    cached = huggingface_hub.try_to_load_from_cache(repo_id, filename, cache_dir=cache_dir, revision=revision)
    if isinstance(cached, str):  # a cached copy is used even when the hub is down
        return
    url = huggingface_hub.hf_hub_url(repo_id, filename, revision=revision)
    try:
        huggingface_hub.get_hf_file_metadata(url, timeout=HF_PROBE_TIMEOUT_S)
    except EntryNotFoundError as error:
        raise FileNotFoundError(f"{filename} is not in the Hugging Face repository {repo_id}.") from error


def unreachable_error(handle, error):
    reason = next((str(e) for e in _causes(error) if str(e)), type(error).__name__)
    return PresetUnreachableError(
        f"Could not download preset {handle!r}: the hub could not be reached, or has no such "
        f"repository ({reason.splitlines()[0][:300]}). Check the handle and your network; "
        "offline, huggingface_hub serves cached copies with HF_HUB_OFFLINE=1, or pass a "
        "local preset folder."
    )


def fetch_hub_config(handle):
    """Downloads (or finds cached) the preset's config.json before KerasHub does, so that
    a failure is reported with its reason, and quickly when the hub cannot be reached."""
    try:
        if handle.lower().startswith("hf://"):
            check_hf_reachable(handle[len("hf://"):], CONFIG_FILE)
        preset_file(handle, CONFIG_FILE)
    except Exception as error:
        if is_network_failure(error):
            raise unreachable_error(handle, error) from error
        if isinstance(error, FileNotFoundError):
            raise PresetError(f"Preset {handle!r} exists but has no {CONFIG_FILE}: not a KerasHub preset.") from error
        raise


def hf_cache_origin(folder):
    """`(cache_dir, repo_id, revision)` when `folder` is a snapshot folder of huggingface_hub's
    cache (`CACHE/models--ORG--NAME/snapshots/COMMIT`), else None."""
    parts = pathlib.Path(os.path.abspath(folder)).parts
    if len(parts) < 4 or parts[-2] != "snapshots" or not parts[-3].startswith("models--"):
        return None
    repo_id = parts[-3][len("models--"):].replace("--", "/")
    return os.path.join(*parts[:-3]), repo_id, parts[-1]


def kaggle_cache_origin(folder):
    """The model handle `OWNER/MODEL/FRAMEWORK/VARIATION/VERSION` when `folder` is a model
    version folder of kagglehub's cache, else None."""
    try:
        from kagglehub.config import get_cache_folder
    except ImportError:
        return None
    root = os.path.join(os.path.abspath(get_cache_folder()), "models")
    relative = os.path.relpath(os.path.abspath(folder), root)
    parts = pathlib.Path(relative).parts
    if relative.startswith(os.pardir) or len(parts) != 5:
        return None
    return "/".join(parts)


def fetch_beside(path, name):
    """The local path of the file `name` of the same hub repository (and version) as the
    downloaded file `path`, downloading it when needed; None when `path` is in neither
    huggingface_hub's nor kagglehub's cache.

    KerasHub's own loader fetches only a preset's config and weights; the checks need its
    metadata.json too."""
    folder = os.path.dirname(os.path.abspath(path))
    hf_origin = hf_cache_origin(folder)
    kaggle_handle = None if hf_origin else kaggle_cache_origin(folder)
    if hf_origin is None and kaggle_handle is None:
        return None
    handle = f"hf://{hf_origin[1]}" if hf_origin else f"kaggle://{kaggle_handle}"
    try:
        if hf_origin:
            import huggingface_hub

            cache_dir, repo_id, revision = hf_origin
            check_hf_reachable(repo_id, name, revision=revision, cache_dir=cache_dir)
            return huggingface_hub.hf_hub_download(repo_id, name, revision=revision, cache_dir=cache_dir)
        import kagglehub

        return kagglehub.model_download(kaggle_handle, name)
    except Exception as error:
        if is_network_failure(error):
            raise unreachable_error(handle, error) from error
        raise PresetError(f"Preset {handle!r} has no {name}: {error}") from error
