"""Gradient penalties (R1, lazy R1, WGAN-GP) and the WGAN loss, on the current backend.

The input gradients of each backend's trainer (`_input_gradients`) are checked against
central finite differences; the penalties' values against finite-difference gradients of
the discriminator; their gradients with respect to the discriminator's weights (second
derivatives, taken inside the compiled `fit` step) against finite differences of the
penalty's value. Every model is tiny (8 x 8 or 16 x 16 images, batch 2).
"""

import math
import warnings

import keras
import numpy as np
import pytest
from conftest import BACKEND, synthetic_digits, tiny_cgan, tiny_gaugan, tiny_pix2pix
from keras import ops

from keras_condgan import losses, penalties

# The compiled step: XLA on TensorFlow and jit on JAX; torch runs eagerly (see GAN.compile).
JIT = BACKEND != "torch"


def numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def scalar(x):
    return float(numpy(x))


def values(variables):
    return [numpy(v).copy() for v in variables]


def tensors(batch):
    """A prepared batch as backend tensors, as the training step sees it."""
    return {key: ops.convert_to_tensor(numpy(value)) for key, value in batch.items()}


def cgan_data(count=2):
    images, labels = synthetic_digits(count)
    return images, labels


def central_differences(fn, x, eps):
    """d sum(fn(x)) / dx by central differences, one input entry at a time (float64)."""
    x = np.asarray(x, "float32")
    grads = np.zeros(x.shape, "float64")
    for index in np.ndindex(*x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        grads[index] = (numpy(fn(plus)).astype("float64").sum() - numpy(fn(minus)).astype("float64").sum()) / (2 * eps)
    return grads


def per_image_differences(model, batch, images, eps=1e-3):
    """Central differences of `model.discriminator_values` with respect to each pixel of each
    image, all perturbed images judged in one call (the discriminator treats each image on its
    own: no batch normalisation). Returns `(n, ...)` float64 gradients."""
    images = np.asarray(images, "float32")
    n, shape = images.shape[0], images.shape[1:]
    size = int(np.prod(shape))
    flat = images.reshape(n, 1, size)
    steps = eps * np.eye(size, dtype="float32")[None]
    perturbed = np.concatenate([flat + steps, flat - steps], axis=1).reshape((n * 2 * size,) + shape)
    # Each perturbed copy keeps its image's condition.
    big_batch = tensors({key: np.repeat(numpy(value), 2 * size, axis=0) for key, value in batch.items()})
    out = numpy(model.discriminator_values(big_batch, ops.convert_to_tensor(perturbed)))
    out = out.astype("float64").reshape(n, 2, size)
    return ((out[:, 0] - out[:, 1]) / (2 * eps)).reshape(images.shape)


@pytest.fixture(autouse=True)
def initial_weights():
    # Seeded initial weights, so that a failure can be replayed.
    keras.utils.set_random_seed(0)


@pytest.fixture(scope="module")
def r1_cgan():
    """A tiny R1 ConditionalGAN (not compiled) and a prepared batch of two images."""
    keras.utils.set_random_seed(0)
    model = tiny_cgan(gradient_penalty="r1")
    images, labels = cgan_data(2)
    batch = model.prepare_batch((images, labels))
    return model, tensors(batch)


# --- the trainers' input gradients -----------------------------------------------------------


def test_input_gradients_match_central_differences(r1_cgan):
    model, _ = r1_cgan
    keras.utils.set_random_seed(3)
    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="tanh"), keras.layers.Dense(2)])
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    outputs, gradients = model._input_gradients(lambda inputs: net(inputs), x)
    np.testing.assert_allclose(numpy(outputs), numpy(net(x)), rtol=1e-6, atol=1e-6)
    expected = central_differences(lambda inputs: net(inputs), x, eps=1e-2)
    assert numpy(gradients).shape == x.shape
    np.testing.assert_allclose(numpy(gradients), expected, rtol=1e-3, atol=1e-4)
    # An output that does not depend on the inputs has zero gradients (not None).
    _, zero = model._input_gradients(lambda inputs: ops.zeros((3,)) * ops.sum(net(x)), x)
    np.testing.assert_array_equal(numpy(zero), np.zeros_like(x))


@pytest.fixture(scope="module")
def pix2pix():
    """A tiny WGAN-GP Pix2Pix with DiffAugment and a batch-normalised discriminator (whose
    statistics and augmentation noise the penalty's pass updates); not compiled."""
    keras.utils.set_random_seed(0)
    with pytest.warns(UserWarning, match="batch normalization"):
        return tiny_pix2pix(
            image_shape=(8, 8, 3),
            receptive_field=16,
            adversarial_loss="wgan",
            gradient_penalty="wgan-gp",
            augment="color,translation,cutout",
        )


def test_input_gradients_keep_the_updates_of_their_pass(pix2pix):
    # The penalty's discriminator pass updates BatchNorm statistics and draws augmentation
    # noise as any training call does, on every backend (on JAX it runs inside jax.vjp, whose
    # writes are handed back out).
    model = pix2pix
    rng = np.random.default_rng(0)
    batch = tensors(
        {
            "conditions": rng.uniform(-1, 1, (2, 8, 8, 3)).astype("float32"),
            "targets": rng.uniform(-1, 1, (2, 8, 8, 3)).astype("float32"),
        }
    )
    state = [v for v in model.discriminator.non_trainable_variables if "moving_mean" in v.path]
    assert state
    state.append(model.seed_generator.state)
    start = values(state)
    model._input_gradients(lambda x: model.discriminator_values(batch, x), batch["targets"])
    through_penalty = values(state)
    for variable, value in zip(state, start):
        variable.assign(value)
    model.discriminator_values(batch, batch["targets"])
    direct = values(state)
    assert all(np.abs(a - b).max() > 0 for a, b in zip(through_penalty, start))
    for a, b in zip(through_penalty, direct):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


# --- the penalties' values ---------------------------------------------------------------------


def test_penalty_formulas():
    g = np.array([[[3.0, 4.0]], [[0.0, 1.0]]], "float32")  # norms 5 and 1
    assert scalar(penalties.r1_penalty(g, 10.0)) == pytest.approx(10.0 / 2 * (25.0 + 1.0) / 2)
    assert scalar(penalties.wgan_gp_penalty(g, 10.0)) == pytest.approx(10.0 * (16.0 + 0.0) / 2, rel=1e-5)
    # D(x) per image: the mean over patches, then over scales.
    patches = np.arange(8, dtype="float32").reshape(2, 2, 2, 1)
    np.testing.assert_allclose(numpy(penalties.per_image_values(patches)), [1.5, 5.5])
    other = np.ones((2, 1, 1, 1), "float32")
    np.testing.assert_allclose(numpy(penalties.per_image_values([patches, other])), [1.25, 3.25])
    np.testing.assert_allclose(numpy(penalties.per_image_values(np.array([[2.0], [3.0]], "float32"))), [2.0, 3.0])


def test_r1_equals_half_gamma_times_the_mean_squared_gradient_norm(r1_cgan):
    model, batch = r1_cgan
    assert model.penalty_weight == 10.0  # the paper's gamma, by default
    r1 = scalar(model.gradient_penalty_loss(batch))
    grads = per_image_differences(model, batch, numpy(batch["images"]))
    expected = 10.0 / 2 * np.mean(np.sum(grads.reshape(2, -1) ** 2, axis=1))
    assert expected > 0
    assert r1 == pytest.approx(expected, rel=2e-2)


def test_wgan_gp_interpolates_and_value():
    model = tiny_cgan(gradient_penalty="wgan-gp", adversarial_loss="wgan", penalty_weight=4.0)
    images, labels = cgan_data(4)
    batch = tensors(model.prepare_batch((images, labels)))
    real = numpy(batch["images"])
    # The interpolates lie on the segments from each generated image to its real image, one
    # uniform weight per image.
    state = numpy(model.seed_generator.state).copy()
    points = numpy(model.penalty_points(batch))
    model.seed_generator.state.assign(state)
    fakes = numpy(model.fake_images(batch))  # the same noise: the same generated images
    eps = (points - fakes).reshape(4, -1) / (real - fakes).reshape(4, -1)
    np.testing.assert_allclose(eps, eps[:, :1] * np.ones_like(eps), atol=1e-4)
    assert np.all((eps[:, 0] > 0) & (eps[:, 0] < 1)) and len(set(np.round(eps[:, 0], 5))) == 4
    # lambda * mean (||grad D(x_hat)|| - 1)^2, against finite differences at the same points.
    value = scalar(model.gradient_penalty_at(batch, points))
    grads = per_image_differences(model, batch, points)
    norms = np.sqrt(np.sum(grads.reshape(4, -1) ** 2, axis=1))
    assert value == pytest.approx(4.0 * np.mean((norms - 1.0) ** 2), rel=1e-2)


def test_wgan_losses():
    real = np.array([[1.0], [2.0], [3.0]], "float32")
    fake = np.array([[0.5], [-1.5]], "float32")
    d_loss, g_loss = losses.get_adversarial_losses("wgan")
    assert scalar(d_loss(real, fake)) == pytest.approx(-0.5 - 2.0)  # E D(fake) - E D(real)
    assert scalar(g_loss(fake)) == pytest.approx(0.5)  # -E D(fake)


def test_penalty_is_float32_under_mixed_precision(r1_cgan):
    model, batch = r1_cgan
    mixed = tiny_cgan(gradient_penalty="r1", dtype="mixed_bfloat16")
    mixed.set_weights(model.get_weights())
    penalty = mixed.gradient_penalty_loss(batch)
    assert keras.backend.standardize_dtype(penalty.dtype) == "float32"
    assert scalar(penalty) == pytest.approx(scalar(model.gradient_penalty_loss(batch)), rel=5e-2)


# --- in the compiled training step -------------------------------------------------------------


def test_penalty_gradient_wrt_discriminator_weights_in_fit():
    # With SGD at learning rate 1 (the generator's at 0), one step of a penalised model and of
    # the same model without penalty differ in the discriminator's weights by exactly minus
    # the penalty's gradient; compared with central differences of the penalty's value.
    images, labels = cgan_data(2)
    penalised = tiny_cgan(gradient_penalty="r1", penalty_weight=10.0)
    plain = tiny_cgan()
    plain.set_weights(penalised.get_weights())
    start = values(penalised.discriminator.trainable_variables)
    for model in (penalised, plain):
        model.compile(
            generator_optimizer=keras.optimizers.SGD(0.0),
            discriminator_optimizer=keras.optimizers.SGD(1.0),
            jit_compile=JIT,
        )
        model.fit(images, labels, batch_size=2, epochs=1, shuffle=False, verbose=0)
    after = zip(values(penalised.discriminator.trainable_variables), values(plain.discriminator.trainable_variables))
    gradients = [(b - a).astype("float64") for a, b in after]
    batch = tensors(penalised.prepare_batch((images, labels)))
    for variable, value in zip(penalised.discriminator.trainable_variables, start):
        variable.assign(value)
    # The discriminator is piecewise linear (LeakyReLU), so R1 jumps where a weight change flips
    # a unit at the real images: entries whose one-sided differences disagree sit on such a
    # jump and are skipped.
    checked = 0
    f0 = scalar(penalised.gradient_penalty_loss(batch))
    for variable, value, gradient in zip(penalised.discriminator.trainable_variables, start, gradients):
        if "kernel" not in variable.path:
            continue
        for index in np.argsort(np.abs(gradient).ravel())[-3:]:  # the three largest entries
            index = np.unravel_index(index, gradient.shape)
            h = 1e-3
            estimates = []
            for sign in (1, -1):
                moved = value.copy()
                moved[index] += sign * h
                variable.assign(moved)
                estimates.append(scalar(penalised.gradient_penalty_loss(batch)))
            variable.assign(value)
            forward, backward = (estimates[0] - f0) / h, (f0 - estimates[1]) / h
            central = (estimates[0] - estimates[1]) / (2 * h)
            if abs(forward - backward) > 0.1 * abs(central) + 1e-3 * float(np.abs(gradient).max()):
                continue
            assert gradient[index] == pytest.approx(central, rel=3e-2, abs=1e-3 * float(np.abs(gradient).max()))
            checked += 1
    assert checked >= 4 and max(np.abs(g).max() for g in gradients) > 1e-3


@pytest.mark.parametrize("discriminator_steps, applied", [(1, [1, 0, 0, 1, 0]), (2, [0, 1, 0, 0, 1])])
def test_lazy_r1_every_interval_discriminator_updates(discriminator_steps, applied):
    # penalty_interval=3: R1 times 3 on the discriminator updates 0, 3, 6, 9, ... (counted by
    # the discriminator's optimizer), 0 on the others. One step per epoch; with two
    # discriminator updates per step the log holds the second one's (updates 1, 3, 5, 7, 9).
    images, labels = cgan_data(2)
    model = tiny_cgan(gradient_penalty="r1", penalty_interval=3, discriminator_steps=discriminator_steps)
    batch = tensors(model.prepare_batch((images, labels)))
    first = scalar(model.gradient_penalty_loss(batch))  # R1 at the initial weights
    model.compile(jit_compile=JIT)
    history = model.fit(images, labels, batch_size=2, epochs=5, shuffle=False, verbose=0).history
    logged = np.array(history["gradient_penalty"])
    assert list((logged != 0).astype(int)) == applied, logged
    assert np.all(logged >= 0)
    if discriminator_steps == 1:
        assert logged[0] == pytest.approx(3 * first, rel=1e-3)
    assert int(numpy(model.discriminator_optimizer.iterations)) == 5 * discriminator_steps


def test_pix2pix_wgan_gp_through_augmentation_in_fit(pix2pix):
    # WGAN-GP on a patch discriminator, through DiffAugment and batch normalisation (whose
    # updates, on JAX, leave jax.vjp inside jax.value_and_grad inside jit).
    model = pix2pix
    rng = np.random.default_rng(0)
    conditions = rng.integers(0, 256, (4, 8, 8, 3), dtype="uint8")
    targets = 255 - conditions
    model.compile(jit_compile=JIT)
    before = values(model.discriminator.trainable_variables)
    history = model.fit(conditions, targets, batch_size=2, epochs=1, shuffle=False, verbose=0).history
    assert history["gradient_penalty"][0] > 0 and math.isfinite(history["gradient_penalty"][0])
    assert all(math.isfinite(v[0]) for v in history.values())
    assert any(np.abs(a - b).max() > 0 for a, b in zip(before, values(model.discriminator.trainable_variables)))
    # A training term: evaluation neither computes nor reports it.
    results = model.evaluate(conditions, targets, batch_size=2, verbose=0, return_dict=True)
    assert "gradient_penalty" not in results and "d_loss" in results


def test_gaugan_lazy_r1_in_fit():
    # Multi-scale patch logits, spectral norm (whose vectors the penalty's pass updates, inside
    # the lax.cond of the lazy interval on JAX). XLA on TensorFlow too: this GauGAN is small
    # enough to compile in seconds.
    model = tiny_gaugan(
        image_shape=(16, 16, 3), num_upsamples=1, discriminator_layers=2, gradient_penalty="r1", penalty_interval=2
    )
    rng = np.random.default_rng(0)
    label_maps = rng.integers(0, 3, (2, 16, 16)).astype("int32")
    images = rng.integers(0, 256, (2, 16, 16, 3), dtype="uint8")
    model.compile(jit_compile=JIT)
    vectors = [v for v in model.discriminator.non_trainable_variables if "vector_u" in v.path]
    before = values(vectors)
    history = model.fit(label_maps, images, batch_size=2, epochs=3, shuffle=False, verbose=0).history
    logged = np.array(history["gradient_penalty"])
    assert logged[0] > 0 and logged[1] == 0 and logged[2] > 0, logged
    assert all(np.all(np.isfinite(v)) for v in history.values())
    assert vectors and any(np.abs(a - b).max() > 0 for a, b in zip(before, values(vectors)))


# --- arguments, warnings, configs ----------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(gradient_penalty="r2"), "Unknown gradient_penalty 'r2'; expected one of 'r1', 'wgan-gp'"),
        (dict(gradient_penalty="r1", penalty_weight=0), "positive, finite"),
        (dict(gradient_penalty="r1", penalty_weight=-1.0), "positive, finite"),
        (dict(gradient_penalty="r1", penalty_weight=float("nan")), "positive, finite"),
        (dict(gradient_penalty="r1", penalty_weight="10"), "positive number"),
        (dict(gradient_penalty="r1", penalty_interval=0), "integer of at least 1"),
        (dict(gradient_penalty="r1", penalty_interval=2.5), "integer of at least 1"),
        (dict(gradient_penalty="r1", penalty_interval="16"), "integer of at least 1"),
        (dict(gradient_penalty="wgan-gp", penalty_interval=4), "lazy regularisation"),
        (dict(penalty_weight=5.0), "no `gradient_penalty`"),
        (dict(penalty_interval=16), "no `gradient_penalty`"),
    ],
)
def test_bad_penalty_arguments_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tiny_cgan(**kwargs)


def test_penalty_needs_an_adversarial_pix2pix():
    with pytest.raises(ValueError, match="adversarial_loss=None"):
        tiny_pix2pix(adversarial_loss=None, gradient_penalty="r1")


def test_penalty_names_and_defaults():
    assert penalties.penalty_arguments("R1") == ("r1", 10.0, 1)
    assert penalties.penalty_arguments("wgan_gp", 2) == ("wgan-gp", 2.0, 1)
    assert penalties.penalty_arguments("r1", None, np.int64(16)) == ("r1", 10.0, 16)
    assert penalties.penalty_arguments(None) == (None, None, 1)


def test_wgan_loss_without_penalty_warns():
    with pytest.warns(UserWarning, match="without a gradient penalty"):
        tiny_cgan(adversarial_loss="wgan")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tiny_cgan(adversarial_loss="wgan", gradient_penalty="wgan-gp")
        tiny_cgan(adversarial_loss="hinge", gradient_penalty="wgan-gp")


def test_config_round_trip(r1_cgan):
    model, _ = r1_cgan
    config = model.get_config()
    # The weight in use is recorded, so a config does not depend on today's default.
    assert (config["gradient_penalty"], config["penalty_weight"]) == ("r1", 10.0)
    assert "penalty_interval" not in config
    lazy = tiny_cgan(gradient_penalty="r1", penalty_weight=0.5, penalty_interval=16)
    restored = type(lazy).from_config(lazy.get_config())
    assert (restored.gradient_penalty, restored.penalty_weight, restored.penalty_interval) == ("r1", 0.5, 16)
    assert "gradient_penalty" in [m.name for m in restored.metrics]
    plain = tiny_cgan()
    assert not {"gradient_penalty", "penalty_weight", "penalty_interval"} & set(plain.get_config())
    assert "gradient_penalty" not in [m.name for m in plain.metrics]
