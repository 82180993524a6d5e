"""Training callbacks shared by the training tools."""

import math
import threading
import time

import keras
import numpy as np


class TimeLimit(keras.callbacks.Callback):
    """Stops training at the end of the first epoch that ends after `seconds`
    (for a fixed time budget; the log says how many epochs ran)."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_train_begin(self, logs=None):
        self.start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if time.time() - self.start > self.seconds:
            print(f"time limit of {self.seconds:.0f} s reached after epoch {epoch + 1}")
            self.model.stop_training = True


class NonFiniteLossError(FloatingPointError):
    """A GAN loss became NaN or infinite during training."""


class TerminateOnNonFiniteLoss(keras.callbacks.Callback):
    """Keras' `TerminateOnNaN` for both networks of a GAN, keeping the last good weights.

    After every training batch, checks the discriminator's and the generator's losses
    (`d_loss`, `g_loss`: running means over the epoch, so one bad step is enough). On a
    NaN or infinite value, it puts back the weights the model had at the start of the
    epoch (the last ones known to give finite losses) and raises `NonFiniteLossError`
    naming the network and the step. Raising, rather than quietly ending `fit`, also
    keeps `ModelCheckpoint` and `BackupAndRestore` from recording the broken epoch as
    done: their last files stay those of the last good epoch (`GAN.fit` puts this
    callback first, so its `on_epoch_end` runs before theirs).

    It never stalls the training loop: reading a loss waits for the device, so the check
    runs in Keras' callback thread (`async_safe`), while the next steps are already
    queued; the main thread then stops the epoch, restores the weights and raises at the
    epoch's end. The epoch's starting weights are kept as copies on the device, not on the host.

    `GAN.fit` adds one unless the callbacks hold one already.
    """

    # `on_train_batch_end` only reads the logs and records what it found.
    async_safe = True

    def __init__(self, loss_names=(("d_loss", "discriminator"), ("g_loss", "generator"))):
        super().__init__()
        self.loss_names = loss_names
        self._good_weights = None
        self._epoch = 0
        self._steps_before_epoch = 0
        self._found = None
        self._lock = threading.Lock()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._found = None
        self._steps_before_epoch = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        # Copies, not references: JAX's `fit` donates (frees) the buffers of the state it trains.
        self._good_weights = [keras.ops.copy(keras.ops.stop_gradient(w.value)) for w in self.model.weights]

    def on_train_batch_end(self, batch, logs=None):
        if not logs:
            return
        bad = [
            (name, network, value)
            for name, network in self.loss_names
            if name in logs and not math.isfinite(value := float(logs[name]))
        ]
        if bad:
            # Keras' callback threads can check several batches at once: keep the first.
            with self._lock:
                if self._found is None or batch < self._found[0]:
                    self._found = (batch, bad)

    def on_train_batch_begin(self, batch, logs=None):
        # Set from the main thread only: Keras' JAX loop loses its state when a callback
        # thread sets `stop_training` while the loop runs (measured on Keras 3.15).
        if self._found is not None:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        # `stop_training` has ended the epoch early, Keras has waited for every pending
        # `on_train_batch_end`, and on JAX the trained state is back in the variables.
        self._raise_if_found()

    def _raise_if_found(self):
        if self._found is None:
            return
        batch, bad = self._found
        self._found = None
        if self._good_weights is not None:
            self.model.set_weights([keras.ops.convert_to_numpy(w) for w in self._good_weights])
        self.model.stop_training = True
        name, network, value = bad[0]
        step = self._steps_before_epoch + batch + 1
        also = "".join(f"; the {n} loss ({k}) is {v} too" for k, n, v in bad[1:])
        raise NonFiniteLossError(
            f"The {network} loss ({name}) became {value} at step {step} (epoch {self._epoch + 1}, "
            f"batch {batch + 1}){also}. Training stopped; the model holds the weights from the start "
            f"of epoch {self._epoch + 1}, the last with finite losses. Lower the learning rates, check "
            "the data for extreme values, or resume from the last checkpoint."
        )
