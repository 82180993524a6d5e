"""`fit` in user code: every input type, shuffling, and Keras callbacks."""

import os

import keras
import numpy as np
import pytest
from conftest import BACKEND, tiny_cgan


def fit_one_epoch(model, *args, **kwargs):
    model.compile()
    history = model.fit(*args, epochs=1, verbose=0, **kwargs)
    assert np.all(np.isfinite(history.history["d_loss"] + history.history["g_loss"]))
    return history


def test_numpy_uint8_without_channel_axis(data):
    fit_one_epoch(tiny_cgan(), *data, batch_size=32)


def test_numpy_float_in_minus_one_one(data):
    images, labels = data
    fit_one_epoch(tiny_cgan(), images[..., None].astype("float32") / 127.5 - 1, labels, batch_size=32)


def test_tf_data_dataset(data):
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(data).shuffle(96).batch(32)
    fit_one_epoch(tiny_cgan(), dataset)


class DigitSequence(keras.utils.PyDataset):
    def __init__(self, images, labels, batch_size):
        super().__init__()
        self.images, self.labels, self.batch_size = images, labels, batch_size

    def __len__(self):
        return len(self.images) // self.batch_size

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.images[part], self.labels[part]


def test_keras_pydataset(data):
    history = fit_one_epoch(tiny_cgan(), DigitSequence(*data, batch_size=32))
    assert len(history.history["d_loss"]) == 1


@pytest.mark.skipif(BACKEND != "torch", reason="a torch DataLoader feeds the torch backend")
def test_torch_dataloader(data):
    import torch

    dataset = torch.utils.data.TensorDataset(torch.from_numpy(data[0]), torch.from_numpy(data[1]))
    loader = torch.utils.data.DataLoader(dataset, batch_size=32, shuffle=True)
    fit_one_epoch(tiny_cgan(), loader)


def test_shuffle_is_honoured(data):
    # Same seeds, same data: only the order of the batches can differ.
    def run(shuffle):
        keras.utils.set_random_seed(1)
        model = tiny_cgan(seed=0)
        model.compile()
        model.fit(*data, batch_size=32, epochs=1, verbose=0, shuffle=shuffle)
        return keras.ops.convert_to_numpy(model.discriminator.weights[0])

    unshuffled = run(False)
    np.testing.assert_allclose(unshuffled, run(False), rtol=1e-5, atol=1e-6)
    assert not np.allclose(unshuffled, run(True), rtol=1e-5, atol=1e-6)


def test_keras_callbacks(tmp_path, data):
    model = tiny_cgan()
    callbacks = [
        keras.callbacks.ModelCheckpoint(str(tmp_path / "ckpt" / "e{epoch}.weights.h5"), save_weights_only=True),
        keras.callbacks.BackupAndRestore(str(tmp_path / "backup")),
        keras.callbacks.TensorBoard(str(tmp_path / "tb")),
        keras.callbacks.EarlyStopping(monitor="g_loss", patience=0, mode="min"),
        keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
    ]
    model.compile()
    history = model.fit(*data, batch_size=32, epochs=3, verbose=0, callbacks=callbacks)
    epochs = len(history.history["g_loss"])
    assert 1 <= epochs <= 3
    assert sorted(os.listdir(tmp_path / "ckpt")) == [f"e{i}.weights.h5" for i in range(1, epochs + 1)]
    assert os.listdir(tmp_path / "tb")
    assert open(tmp_path / "log.csv").read().startswith("epoch,d_loss,g_loss")


def test_backup_and_restore_resumes_epoch_and_optimizer_state(tmp_path, data):
    backup = str(tmp_path / "backup")

    class StopAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                raise KeyboardInterrupt

    model = tiny_cgan()
    model.compile()
    with pytest.raises(KeyboardInterrupt):
        model.fit(*data, batch_size=32, epochs=3, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False), StopAfterFirstEpoch()])
    resumed = tiny_cgan()
    resumed.compile()
    history = resumed.fit(*data, batch_size=32, epochs=3, verbose=0,
                          callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert len(history.history["g_loss"]) == 2  # epochs 2 and 3 only
    # 3 epochs x 3 steps in all, the first epoch's restored from the backup.
    assert int(resumed.generator_optimizer.iterations.numpy()) == 9
    assert int(resumed.discriminator_optimizer.iterations.numpy()) == 9
