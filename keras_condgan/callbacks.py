"""Training callbacks shared by the training tools."""

import math
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
    done: their last files stay those of the last good epoch.

    `GAN.fit` adds one unless the callbacks hold one already.
    """

    def __init__(self, loss_names=(("d_loss", "discriminator"), ("g_loss", "generator"))):
        super().__init__()
        self.loss_names = loss_names
        self._good_weights = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._good_weights = [np.array(w) for w in self.model.get_weights()]

    def on_train_batch_end(self, batch, logs=None):
        bad = [
            (name, network, float(logs[name]))
            for name, network in self.loss_names
            if logs and name in logs and not math.isfinite(float(logs[name]))
        ]
        if not bad:
            return
        step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        if self._good_weights is not None:
            self.model.set_weights(self._good_weights)
        self.model.stop_training = True
        name, network, value = bad[0]
        also = "".join(f"; the {n} loss ({k}) is {v} too" for k, n, v in bad[1:])
        raise NonFiniteLossError(
            f"The {network} loss ({name}) became {value} at step {step} (epoch {self._epoch + 1}, "
            f"batch {batch + 1}){also}. Training stopped; the model holds the weights from the start "
            f"of epoch {self._epoch + 1}, the last with finite losses. Lower the learning rates, check "
            "the data for extreme values, or resume from the last checkpoint."
        )
