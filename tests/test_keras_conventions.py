"""Keras conventions: monitoring callbacks without `mode=`, `compile(optimizer=...)`, and
`compile(loss=...)` refused with a message rather than ignored."""

import os

import keras
import pytest
from conftest import synthetic_digits, tiny_cgan


@pytest.fixture(scope="module")
def model():
    return tiny_cgan()


def test_compile_optimizer_gives_each_network_its_own_copy(model):
    given = keras.optimizers.Adam(1e-3, beta_1=0.4)
    model.compile(optimizer=given)
    g_opt, d_opt = model.generator_optimizer, model.discriminator_optimizer
    assert len({id(given), id(g_opt), id(d_opt)}) == 3
    for optimizer in (g_opt, d_opt):
        assert isinstance(optimizer, keras.optimizers.Adam)
        assert float(optimizer.learning_rate.numpy()) == pytest.approx(1e-3)
        assert optimizer.beta_1 == pytest.approx(0.4)
    model.compile(optimizer="sgd")  # a name, as keras.Model.compile takes
    assert isinstance(model.generator_optimizer, keras.optimizers.SGD)
    assert model.generator_optimizer is not model.discriminator_optimizer


def test_compile_optimizer_with_the_per_network_ones_is_refused(model):
    with pytest.raises(ValueError, match="either `optimizer=`.*or `generator_optimizer=`"):
        model.compile(optimizer="adam", generator_optimizer="sgd")


@pytest.mark.parametrize(
    "kwargs", [dict(loss="mse"), dict(metrics=["accuracy"]), dict(loss_weights=[1.0, 2.0]), dict(weighted_metrics=["mae"])]
)
def test_compile_loss_and_metrics_are_refused_with_a_reason(model, kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=rf"takes no `{name}=`: a GAN's losses are defined by the model.*constructor"):
        model.compile(**kwargs)


def test_monitoring_callbacks_need_no_mode(model, tmp_path):
    """EarlyStopping, ModelCheckpoint(save_best_only=True) and ReduceLROnPlateau watch our
    losses (lower is better) without `mode=`; a `mode` given explicitly is kept."""
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=False)  # no XLA: quicker for two steps
    images, labels = synthetic_digits(32)
    best = str(tmp_path / "best.weights.h5")
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="g_loss", patience=5),
        keras.callbacks.ModelCheckpoint(best, monitor="val_d_loss", save_best_only=True, save_weights_only=True),
        keras.callbacks.ReduceLROnPlateau(monitor="d_loss", patience=5),
        keras.callbacks.EarlyStopping(monitor="g_loss", mode="max", patience=5),
    ]
    model.fit(images, labels, batch_size=16, epochs=1, validation_data=(images, labels), verbose=0, callbacks=callbacks)
    assert [c.monitor_op for c in callbacks] == [keras.ops.less] * 3 + [keras.ops.greater]
    assert os.path.isfile(best)
