"""Training callbacks shared by the training tools."""

import time

import keras


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
