"""The `keras-condgan` command line (also `python -m keras_condgan`).

Subcommands: `presets`, `generate`, `translate`, `synthesize`, `app`, `train`, `evaluate`,
`publish`; `keras-condgan --help` lists them, `keras-condgan COMMAND --help` explains each.
"""

from keras_condgan.cli.main import main

__all__ = ["main"]
