"""Training runs: a model trained into a run folder (checkpoints, resumption, sample grids,
history, TensorBoard logs) that ends with a preset. The `keras-condgan train` command and the
repository's tools/ scripts call these functions.

- `train_conditional_gan`: MNIST or a folder of class subfolders.
- `train_pix2pix`: the facades, or a folder of your own paired images.
- `train_gaugan`: the facades class maps.
- `run_folder`: what a run folder holds (`run_callbacks`, `fit_and_save_preset`, ...).
"""

from keras_condgan.training import run_folder
from keras_condgan.training.conditional_gan import train_conditional_gan
from keras_condgan.training.gaugan import train_gaugan
from keras_condgan.training.pix2pix import train_pix2pix
from keras_condgan.training.run_folder import RunFolderError, fit_and_save_preset, run_callbacks

__all__ = [
    "RunFolderError",
    "fit_and_save_preset",
    "run_callbacks",
    "run_folder",
    "train_conditional_gan",
    "train_gaugan",
    "train_pix2pix",
]
