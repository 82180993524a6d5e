"""Uploads a preset folder to Hugging Face or Kaggle, keeping our model card.

    python tools/publish_preset.py presets/mnist_cgan hf://keras-condgan/mnist_cgan --dry-run
    python tools/publish_preset.py presets/mnist_cgan kaggle://org/mnist-cgan/keras/mnist_cgan

The same as `keras-condgan publish FOLDER HANDLE [--dry-run]`
(`keras_condgan.cli.publish_command`): KerasHub's `upload_preset` would replace the model
card on Hugging Face, so the folder goes up without README.md and the card on its own.
`--dry-run` validates the folder and lists what would be sent, then stops before any
network call.
"""

import sys

from keras_condgan.cli import main as command_line
from keras_condgan.cli.publish_command import check_preset_folder, plan, publish

__all__ = ["check_preset_folder", "main", "plan", "publish"]


def main(argv=None):
    return command_line(["publish", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
