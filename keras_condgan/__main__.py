"""`python -m keras_condgan ...`: the `keras-condgan` command line."""

import sys

from keras_condgan.cli import main

if __name__ == "__main__":
    sys.exit(main())
