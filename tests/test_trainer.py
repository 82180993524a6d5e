"""The GAN training step on the current backend: isolation, state, learning."""

import keras
import numpy as np
import pytest
from conftest import BACKEND, synthetic_digits, tiny_cgan


def values(variables):
    return [keras.ops.convert_to_numpy(v).copy() for v in variables]


def changed(before, after):
    return [not np.array_equal(a, b) for a, b in zip(before, after)]


@pytest.mark.parametrize("frozen", ["generator", "discriminator"])
def test_each_update_moves_only_its_own_network(data, frozen):
    # One network's optimizer has learning rate 0: if any update applied
    # gradients or optimizer steps to the wrong network, the frozen network
    # would move anyway.
    model = tiny_cgan()
    lr = {name: (0.0 if name == frozen else 1e-2) for name in ("generator", "discriminator")}
    model.compile(
        generator_optimizer=keras.optimizers.Adam(lr["generator"]),
        discriminator_optimizer=keras.optimizers.Adam(lr["discriminator"]),
    )
    net = {"generator": model.generator, "discriminator": model.discriminator}
    before = {name: values(n.trainable_variables) for name, n in net.items()}
    model.fit(*data, batch_size=32, epochs=1, verbose=0)
    after = {name: values(n.trainable_variables) for name, n in net.items()}
    moving = "discriminator" if frozen == "generator" else "generator"
    assert not any(changed(before[frozen], after[frozen])), f"{frozen} moved with learning rate 0"
    assert all(changed(before[moving], after[moving])), f"some {moving} weights did not move"


def test_discriminator_steps_per_generator_step(data):
    model = tiny_cgan(discriminator_steps=3)
    model.compile()
    model.fit(*data, batch_size=32, epochs=1, verbose=0)  # 3 steps
    assert int(model.generator_optimizer.iterations.numpy()) == 3
    assert int(model.discriminator_optimizer.iterations.numpy()) == 9
    assert int(model.optimizer.iterations.numpy()) == 3


def test_losses_finite_and_logged(data):
    model = tiny_cgan()
    model.compile()
    history = model.fit(*data, batch_size=32, epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    for series in history.history.values():
        assert len(series) == 2 and np.all(np.isfinite(series))


def test_batchnorm_statistics_and_seed_state_advance(data):
    model = tiny_cgan()
    model.compile()
    bn = model.generator.get_layer("project_bn")
    mean_before = values([bn.moving_mean])[0]
    seed_before = values([model.seed_generator.state])[0]
    model.fit(*data, batch_size=32, epochs=1, verbose=0)
    assert not np.array_equal(mean_before, values([bn.moving_mean])[0])
    assert not np.array_equal(seed_before, values([model.seed_generator.state])[0])


def test_seeded_training_is_reproducible(data):
    def train():
        keras.utils.set_random_seed(3)
        model = tiny_cgan(seed=5)
        model.compile()
        model.fit(*data, batch_size=32, epochs=1, verbose=0, shuffle=False)
        return values(model.weights)

    for a, b in zip(train(), train()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_evaluate_and_validation_data(data):
    model = tiny_cgan()
    model.compile()
    before = values(model.trainable_variables)
    scores = model.evaluate(*data, batch_size=32, verbose=0, return_dict=True)
    assert set(scores) == {"d_loss", "g_loss"} and all(np.isfinite(list(scores.values())))
    assert not any(changed(before, values(model.trainable_variables))), "evaluate changed weights"
    history = model.fit(*data, batch_size=32, epochs=1, validation_data=synthetic_digits(32, seed=1), verbose=0)
    assert {"val_d_loss", "val_g_loss"} <= set(history.history)


def class_band_accuracy(images, labels, num_classes=3):
    """Which third of the image is brightest, compared with the label."""
    images = images[..., 0].astype("float32")
    band = images.shape[1] // num_classes
    energy = np.stack([images[:, c * band : (c + 1) * band].mean((1, 2)) for c in range(num_classes)], 1)
    return float(np.mean(np.argmax(energy, 1) == labels))


def test_generator_learns_a_tiny_conditional_task():
    images, labels = synthetic_digits(count=1024, seed=2)
    model = tiny_cgan()
    model.compile(
        generator_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
    )
    probe = np.repeat(np.arange(3), 50)
    real_mean = images.astype("float32").mean()

    def distance_to_data():
        fakes = model.generate(probe, seed=0).astype("float32")
        return abs(fakes.mean() - real_mean), class_band_accuracy(fakes, probe)

    start_gap, _ = distance_to_data()
    model.fit(images, labels, batch_size=32, epochs=8, verbose=0)  # 256 steps
    end_gap, accuracy = distance_to_data()
    assert end_gap < start_gap
    assert accuracy > 0.9, f"generated bands match their labels only {accuracy:.0%} of the time"


def test_mlp_generator_with_maxout_discriminator_trains(data):
    model = tiny_cgan(architecture="mlp", generator_filters=(32, 32), discriminator_filters=(16, 8, 16))
    assert any(layer.__class__.__name__ == "Maxout" for layer in model.discriminator.layers)
    model.compile()
    history = model.fit(*data, batch_size=32, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["d_loss"] + history.history["g_loss"]))
    assert model.generate([0, 1, 2], seed=0).shape == (3, 8, 8, 1)


def test_unconditional_gan_trains_and_generates(data):
    model = tiny_cgan(num_classes=None)
    model.compile()
    history = model.fit(data[0], batch_size=32, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])
    images = model.generate(5, seed=0)
    assert images.shape == (5, 8, 8, 1) and images.dtype == np.uint8


@pytest.mark.parametrize("loss", ["hinge", "least_squares"])
def test_other_adversarial_losses_train(data, loss):
    model = tiny_cgan(adversarial_loss=loss, conditioning="embedding")
    model.compile()
    history = model.fit(*data, batch_size=32, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["d_loss"]))


def test_jit_compile_defaults():
    model = tiny_cgan()
    model.compile()
    assert model.jit_compile == (BACKEND != "torch")


@pytest.mark.skipif(BACKEND == "torch", reason="torch runs the step eagerly: there is nothing to trace")
def test_the_compiled_step_is_traced_once_across_epochs_and_fit_calls(data):
    # Python runs `gan_train_step` only while TensorFlow or JAX traces the step: one call
    # means one compiled program for every epoch, batch and later `fit` (same batch shape).
    model = tiny_cgan()
    model.compile()
    traces = []
    step = model.gan_train_step

    def counting_step(batch):
        traces.append(1)
        return step(batch)

    model.gan_train_step = counting_step
    images, labels = data[0][:64], data[1][:64]
    model.fit(images, labels, batch_size=16, epochs=2, verbose=0)
    model.fit(images, labels, batch_size=16, epochs=2, verbose=0)
    assert len(traces) == 1


@pytest.mark.skipif(BACKEND == "torch", reason="steps_per_execution must be 1 on the torch backend (Keras)")
def test_steps_per_execution_runs_several_steps_per_call(data):
    model = tiny_cgan()
    model.compile(steps_per_execution=4)
    images, labels = data[0][:64], data[1][:64]
    model.fit(images, labels, batch_size=8, epochs=1, verbose=0)
    # Eight batches: every one trained (one model step each), in two compiled calls.
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 8
