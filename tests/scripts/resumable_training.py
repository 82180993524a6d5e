"""A small training run for tests/test_faults.py: a tiny cGAN, `BackupAndRestore` in
`<out>/backup`, final weights (with both optimizers' states and the noise state) in
`<out>/final.weights.h5`. With `--kill-at EPOCH BATCH` the process SIGKILLs itself
after that training batch (1-based), as a crash or an out-of-memory kill would."""

import argparse
import os
import signal
import sys

import keras

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from conftest import synthetic_digits, tiny_cgan  # noqa: E402


class KillAt(keras.callbacks.Callback):
    def __init__(self, epoch, batch):
        super().__init__()
        self.target, self.epoch = (epoch, batch), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch + 1) == self.target:
            os.kill(os.getpid(), signal.SIGKILL)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--kill-at", type=int, nargs=2, default=None)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    model = tiny_cgan(seed=3)
    model.compile()
    images, labels = synthetic_digits(count=96)
    callbacks = [keras.callbacks.BackupAndRestore(os.path.join(args.out, "backup"))]
    if args.kill_at:
        callbacks.append(KillAt(*args.kill_at))
    # Keras' shuffling of arrays is not replayed after a resume: fixed order here.
    model.fit(images, labels, batch_size=32, epochs=args.epochs, shuffle=False, verbose=0, callbacks=callbacks)
    model.save_weights(os.path.join(args.out, "final.weights.h5"))


if __name__ == "__main__":
    main()
