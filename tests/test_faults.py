"""Training survives faults: a loss that turns NaN stops training with the last good
weights; a killed run resumes; an interrupted checkpoint write loses nothing."""

import os
import signal
import subprocess
import sys

import h5py
import keras
import numpy as np
import pytest
from conftest import BACKEND, tiny_cgan
from keras import ops

from keras_condgan.callbacks import NonFiniteLossError, TerminateOnNonFiniteLoss
from keras_condgan.models.gan import GAN


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


# --- a killed run resumes ----------------------------------------------------------------

SCRIPT = os.path.join(os.path.dirname(__file__), "scripts", "resumable_training.py")


def run_training(out, *extra):
    return subprocess.run(
        [sys.executable, SCRIPT, "--out", str(out), *extra],
        env={**os.environ, "KERAS_BACKEND": BACKEND}, capture_output=True, text=True, timeout=600,
    )


def h5_arrays(path):
    arrays = {}
    with h5py.File(path, "r") as file:
        file.visititems(lambda name, item: arrays.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset) else None)
    return arrays


def test_a_killed_run_resumes_and_ends_like_an_uninterrupted_one(tmp_path):
    """SIGKILL in the middle of epoch 3 of 4 (3 steps per epoch); the same command run
    again resumes from the end of epoch 2 (BackupAndRestore: weights, both optimizers'
    states, the noise state, the epoch counter) and ends with the same weights, optimizer
    states and noise state as a run that was never interrupted."""
    straight = run_training(tmp_path / "straight")
    assert straight.returncode == 0, straight.stderr[-2000:]
    killed = run_training(tmp_path / "killed", "--kill-at", "3", "2")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert not (tmp_path / "killed" / "final.weights.h5").exists()
    resumed = run_training(tmp_path / "killed")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    expected = h5_arrays(tmp_path / "straight" / "final.weights.h5")
    actual = h5_arrays(tmp_path / "killed" / "final.weights.h5")
    assert actual.keys() == expected.keys()
    assert any("optimizer" in k for k in expected) and any(GAN.NOISE_STATE_KEY in k for k in expected)
    for key in expected:
        # Bit for bit: on a CPU, each backend repeats its computation exactly.
        np.testing.assert_array_equal(actual[key], expected[key], err_msg=key)


def test_an_interrupted_checkpoint_write_keeps_the_previous_file(tmp_path, monkeypatch):
    model = tiny_cgan()
    model.compile()
    path = str(tmp_path / "latest.weights.h5")
    model.save_weights(path)
    before = open(path, "rb").read()

    def interrupted(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as file:
            file.write(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(keras.Model, "save_weights", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.save_weights(path)
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["latest.weights.h5"]
