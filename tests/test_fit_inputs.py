"""`fit` in user code: every input type, shuffling, and Keras callbacks."""

import os
import warnings

import keras
import numpy as np
import pytest
from conftest import BACKEND, tiny_cgan, tiny_pix2pix

import keras_condgan


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


# --- what fit accepts: one-hot labels, image ranges, checked pipelines -------------------------


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def range_warnings(record):
    return [w for w in record if "image_range" in str(w.message)]


@pytest.fixture(scope="module")
def unit_range_cgan():
    """One compiled tiny cGAN told that its float images are in [0, 1], shared by the tests
    below (the compiled step is traced again only for new input dtypes)."""
    model = tiny_cgan(image_range=(0, 1))
    model.compile()
    return model


def test_one_hot_labels_as_the_keras_io_example_builds_them(unit_range_cgan, data):
    model = unit_range_cgan
    images, labels = data
    one_hot = keras.utils.to_categorical(labels, 3)  # float rows, as in the keras.io example
    np.testing.assert_array_equal(
        numpy(model.prepare_batch((images, one_hot))["labels"]), numpy(model.prepare_batch((images, labels))["labels"])
    )
    history = model.fit(images, one_hot, batch_size=32, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])
    np.testing.assert_array_equal(model.generate(one_hot[:4], seed=0), model.generate(labels[:4], seed=0))
    np.testing.assert_array_equal(
        model.interpolate(one_hot[0], one_hot[1], steps=3, seed=0),
        model.interpolate(labels[0], labels[1], steps=3, seed=0),
    )


def test_one_hot_labels_in_a_tf_data_pipeline_and_a_pydataset(unit_range_cgan, data):
    import tensorflow as tf

    images, labels = data
    one_hot = keras.utils.to_categorical(labels, 3)
    for source in (tf.data.Dataset.from_tensor_slices((images, one_hot)).batch(32), DigitSequence(images, one_hot, 32)):
        history = unit_range_cgan.fit(source, epochs=1, verbose=0)
        assert np.isfinite(history.history["g_loss"][0])


def test_images_in_0_1_train_without_warning_once_the_range_is_said(unit_range_cgan, data):
    images, labels = data
    np.testing.assert_allclose(
        numpy(unit_range_cgan.prepare_batch((images / 255.0, labels))["images"]),
        numpy(unit_range_cgan.prepare_batch((images, labels))["images"]),  # uint8: always [0, 255]
        atol=1e-6,
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        history = unit_range_cgan.fit(images / 255.0, labels, batch_size=32, epochs=1, verbose=0)
    assert not range_warnings(record) and np.isfinite(history.history["g_loss"][0])


def test_fit_on_images_in_0_1_warns_once(data):
    images, labels = data
    model = tiny_cgan()
    model.compile()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        # The data are checked before training starts: `epochs=0` checks without training.
        model.fit(images / 255.0, labels, batch_size=32, epochs=0, verbose=0)
        model.fit(images / 255.0, labels, batch_size=32, epochs=0, verbose=0)
    (warning,) = range_warnings(record)
    assert "look like [0, 1] images" in str(warning.message) and "x * 2 - 1" in str(warning.message)
    assert warning.filename == __file__  # points at the user's `fit` line
    # Said afterwards, the range takes effect: the step is traced again with it.
    model.image_range = (0, 1)
    assert model.image_range == (0.0, 1.0) and model.get_config()["image_range"] == [0.0, 1.0]
    np.testing.assert_allclose(
        numpy(model.prepare_batch((images / 255.0, labels))["images"]),
        numpy(model.prepare_batch((images, labels))["images"]),
        atol=1e-6,
    )


@pytest.mark.parametrize("source", ["tf.data", "PyDataset"])
def test_pipelines_are_checked_on_their_first_batch(data, source):
    """Before training, on the host: the compiled step is not slowed. `epochs=0` runs the
    checks without training."""
    import tensorflow as tf

    images, labels = data

    def pipeline(x):
        if source == "tf.data":
            return tf.data.Dataset.from_tensor_slices((x, labels)).batch(32)
        return DigitSequence(x, labels, 32)

    model = tiny_cgan()
    model.compile()
    with pytest.raises(ValueError, match=r"look like \[0, 255\] images .*img_to_array.*image_range=\(0, 255\)"):
        model.fit(pipeline(images.astype("float32")), epochs=0, verbose=0)
    with pytest.warns(UserWarning, match=r"look like \[0, 1\] images"):
        model.fit(pipeline((images / 255.0).astype("float32")), epochs=0, verbose=0)
    with pytest.raises(ValueError, match=r"One-hot labels must have a single 1"):
        model.fit(DigitSequence(images, np.full((len(labels), 3), 1 / 3), 32), epochs=0, verbose=0)


@pytest.mark.parametrize("family", ["pix2pix", "gaugan"])
def test_discriminator_steps_is_honoured_by_every_family(family):
    """ConditionalGAN's is in test_trainer.py; Pix2Pix and GauGAN used to drop the argument."""
    if family == "pix2pix":
        model = tiny_pix2pix(discriminator_steps=2)
        x = np.zeros((2, 32, 32, 3), "uint8")
        with pytest.raises(ValueError, match="discriminator_steps must be 0"):
            tiny_pix2pix(adversarial_loss=None, discriminator_steps=1)
    else:
        model = keras_condgan.GauGAN(
            image_shape=(32, 32, 3), num_classes=3, latent_dim=4, generator_filters=2, discriminator_filters=2,
            encoder_filters=2, spade_filters=4, num_upsamples=2, discriminator_layers=2, perceptual_network=None,
            discriminator_steps=2,
        )
        x = np.zeros((2, 32, 32), "int32")
    assert model.discriminator_steps == 2 and model.get_config()["discriminator_steps"] == 2
    if BACKEND == "jax":
        # JAX takes over a minute to compile these steps on a small CPU (op by op, longer
        # still); the step loop is the same code on every backend, and test_trainer.py
        # counts its updates on JAX with the cGAN.
        return
    # Uncompiled: XLA takes longer to compile these steps on a CPU than to run one.
    model.compile(jit_compile=False)
    model.fit(x, np.zeros((2, 32, 32, 3), "uint8"), batch_size=2, epochs=1, verbose=0)  # one step
    assert int(numpy(model.generator_optimizer.iterations)) == 1
    assert int(numpy(model.discriminator_optimizer.iterations)) == 2
