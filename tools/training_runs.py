"""What tools/train_pix2pix.py and tools/train_gaugan.py share: the run folder's callbacks
and the end of a run (timing, the preset)."""

import os
import time

import keras

from keras_condgan.callbacks import TimeLimit


def run_callbacks(out, time_limit=None):
    """Callbacks that keep a run in `out`: `backup/` for resuming, `latest.weights.h5`,
    `history.csv`, and a `TimeLimit` when `time_limit` (seconds) is given."""
    callbacks = [
        # Kept after the run ends, so that a run stopped by --time-limit
        # continues where it stopped when the same command is run again.
        keras.callbacks.BackupAndRestore(os.path.join(out, "backup"), delete_checkpoint=False),
        keras.callbacks.ModelCheckpoint(os.path.join(out, "latest.weights.h5"), save_weights_only=True),
        keras.callbacks.CSVLogger(os.path.join(out, "history.csv"), append=True),
    ]
    if time_limit:
        callbacks.append(TimeLimit(time_limit))
    return callbacks


def fit_and_save_preset(model, out, weights_dtype, *fit_args, **fit_kwargs):
    """`model.fit(...)`, then the preset in `<out>/preset` with weights stored as `weights_dtype`."""
    start = time.time()
    model.fit(*fit_args, **fit_kwargs)
    print(f"trained in {time.time() - start:.0f} s on {keras.backend.backend()}")
    preset_dir = os.path.join(out, "preset")
    model.save_to_preset(preset_dir, weights_dtype=weights_dtype)
    print(f"preset written to {preset_dir}")
