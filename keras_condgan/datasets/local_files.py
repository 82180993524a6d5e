"""Where a dataset's files are: a folder given by the caller or an environment variable."""

import os


def local_data_dir(path, env_var, dataset):
    """The folder `path`, else the one named by `env_var`; None when neither is
    set (the caller then downloads). A folder named but missing is an error,
    not a silent download."""
    folder = path or os.environ.get(env_var)
    if folder and not os.path.isdir(folder):
        raise FileNotFoundError(f"{dataset} folder {folder!r} does not exist.")
    return folder or None
