"""Picking the Keras backend from the command line, before Keras is imported.

Keras reads `KERAS_BACKEND` once, when it is imported, and `keras-condgan` (or
`python -m keras_condgan`) imports this package, and with it Keras, before the command
line's own code runs. So the package's `__init__` calls `select_backend_for_command_line()`
first: when the process is the command line, it reads `--backend` from the arguments and sets
`KERAS_BACKEND`. This module imports nothing but the standard library.
"""

import importlib.util
import os
import sys

PROG = "keras-condgan"
BACKENDS = ("tensorflow", "jax", "torch")


def command_line_arguments():
    """The arguments after the program name when this process is the command line
    (`keras-condgan ...` or `python -m keras_condgan ...`), else None."""
    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    if program.split(".")[0] in (PROG, f"{PROG}-script"):
        return sys.argv[1:]
    # While `python -m` locates the module it imports the package, with sys.argv[0] == "-m".
    if program == "-m":
        original = list(getattr(sys, "orig_argv", []))
        for index, argument in enumerate(original[:-1]):
            if argument == "-m" and original[index + 1] == "keras_condgan":
                return sys.argv[1:]
    return None


def backend_option(arguments):
    """The value of the global `--backend` option (`--backend jax` or `--backend=jax`), or
    None. Only the options before the subcommand are global."""
    for index, argument in enumerate(arguments):
        if argument == "--backend":
            return arguments[index + 1] if index + 1 < len(arguments) else ""
        if argument.startswith("--backend="):
            return argument.split("=", 1)[1]
        if not argument.startswith("-"):
            return None  # the subcommand: what follows is its own
    return None


def use_jax_compilation_cache():
    """Keeps JAX's compiled programs between runs of the command (JAX's persistent compilation
    cache), unless the user configured it. On JAX, building a model compiles a program per
    weight shape for its initializers: a preset took 20-40 s to load on a 2-core CPU, and
    about 10 s once the cache held them. The cache is `$XDG_CACHE_HOME/keras_condgan/jax`
    (`~/.cache/...`); `JAX_COMPILATION_CACHE_DIR` puts it elsewhere."""
    if "JAX_COMPILATION_CACHE_DIR" in os.environ:
        return
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = os.path.join(cache_home, "keras_condgan", "jax")
    # JAX caches only programs that took over a second to compile by default; the
    # initializers' programs are many small ones.
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")


def select_backend_for_command_line():
    """Sets `KERAS_BACKEND` from `--backend` when this process is the command line; a name
    that is not a backend ends the program with one line, before Keras is imported."""
    arguments = command_line_arguments()
    if arguments is None:
        return
    # Fewer of TensorFlow's C++ start-up notices around the command's output (those that TF 2.21
    # logs before absl is initialised are printed whatever this says).
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    use_jax_compilation_cache()
    backend = backend_option(arguments)
    if backend is None:
        return
    if backend not in BACKENDS:
        sys.stderr.write(
            f"{PROG}: error: argument --backend: invalid choice: {backend!r} (choose from {', '.join(BACKENDS)})\n"
        )
        raise SystemExit(2)
    # Each backend's package has its name; without it, importing Keras would end in a traceback.
    if importlib.util.find_spec(backend) is None:
        sys.stderr.write(f"{PROG}: error: the {backend} backend needs the {backend} package: pip install {backend}\n")
        raise SystemExit(2)
    if "keras" in sys.modules and os.environ.get("KERAS_BACKEND", backend) != backend:
        sys.stderr.write(f"{PROG}: error: Keras was imported before --backend {backend} could be applied.\n")
        raise SystemExit(2)
    os.environ["KERAS_BACKEND"] = backend
