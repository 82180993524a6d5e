"""Training survives faults: a loss that turns NaN stops training with the last good weights."""

import keras
import numpy as np
import pytest
from conftest import tiny_cgan
from keras import ops

from keras_condgan.callbacks import NonFiniteLossError, TerminateOnNonFiniteLoss


class WeightsAtEpochEnd(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.saved = []

    def on_epoch_end(self, epoch, logs=None):
        self.saved.append([np.array(w) for w in self.model.get_weights()])


def poisoned(images, index):
    """A copy of the uint8 images with one pixel of 255 in image `index`, which
    `model_whose_loss_breaks` turns into a NaN loss (the data's pixels stay below 255)."""
    assert images.max() < 255
    images = images.copy()
    images[index, 0, 0] = 255
    return images


def model_whose_loss_breaks(network):
    """A tiny cGAN whose `network` loss is NaN on a batch with a pixel of 255, as an
    exploding run's would be. (The loss reads the data, not a step counter: on JAX a
    loss cannot read optimizer state.)"""
    model = tiny_cgan()
    method = f"{network}_loss"
    original = getattr(model, method)

    def broken(batch, training=True):
        loss, logs = original(batch, training)
        loss = loss * ops.where(ops.max(batch["images"]) >= 1.0, float("nan"), 1.0)
        return loss, {**logs, ("d_loss" if network == "discriminator" else "g_loss"): loss}

    setattr(model, method, broken)
    model.compile()
    return model


@pytest.mark.parametrize("network", ["discriminator", "generator"])
def test_non_finite_loss_stops_training_naming_network_and_step(data, network):
    images, labels = data
    images, labels = images[:8], labels[:8]  # 4 steps per epoch at batch size 2
    model = model_whose_loss_breaks(network)
    model.fit(images, labels, batch_size=2, epochs=1, shuffle=False, verbose=0)  # steps 1-4, fine
    good = model.get_weights()
    epochs = WeightsAtEpochEnd()
    # Image 5 sits in the third batch: step 4 + 3 = 7.
    with pytest.raises(NonFiniteLossError, match=rf"The {network} loss \(\w_loss\) became nan at step 7 \(epoch 1, batch 3\)"):
        model.fit(poisoned(images, 5), labels, batch_size=2, epochs=2, shuffle=False, verbose=0, callbacks=[epochs])
    assert epochs.saved == []  # the broken epoch never ended: checkpoints would not record it
    kept = model.get_weights()
    assert all(np.all(np.isfinite(w)) for w in kept)
    for before, now in zip(good, kept):  # the weights from before the broken epoch
        np.testing.assert_array_equal(before, now)


def test_fit_uses_a_given_terminate_callback_instead_of_adding_one(data):
    images, labels = data
    model = model_whose_loss_breaks("discriminator")
    own = TerminateOnNonFiniteLoss(loss_names=(("g_loss", "generator"),))  # watches g_loss only
    with pytest.raises(NonFiniteLossError, match="generator loss"):
        model.fit(poisoned(images[:4], 0), labels[:4], batch_size=2, epochs=1, verbose=0, callbacks=[own])
