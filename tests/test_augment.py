"""DiffAugment (Zhao et al. 2020): the policies, their gradients, paired transforms, and the
models' use of it (`augment=`) on the current backend.

The transform is called eagerly here, except where the test is about compiled code (XLA with a
dynamic batch on TensorFlow, `jax.jit`, and one `fit` per family).
"""

import json

import keras
import numpy as np
import pytest
from conftest import BACKEND, GAUGAN_CLASSES, synthetic_digits, tiny_cgan, tiny_gaugan, tiny_pix2pix, toy_data
from keras import ops

from keras_condgan.layers import augment_policy, diff_augment
from keras_condgan.layers.diff_augment import POLICIES, adjust_color

SIZE = 16
POLICY_CASES = ["color", "translation", "cutout", "color,translation,cutout"]
POLICY = "color,translation,cutout"


def numpy(x):
    return ops.convert_to_numpy(x)


def photos(count=2, size=SIZE, channels=3, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, size, size, channels)).astype("float32")


def augment(images, policy, seed=7, **kwargs):
    """`diff_augment` with a fresh seed generator: the same `seed` draws the same parameters."""
    return [numpy(x) for x in diff_augment(images, policy, keras.random.SeedGenerator(seed), **kwargs)]


def gradient(fn, x):
    """d fn(x) / dx for a scalar `fn`, on the current backend."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x).numpy()
    if BACKEND == "jax":
        import jax

        return np.asarray(jax.grad(fn)(jax.numpy.asarray(x)))
    import torch

    x = torch.tensor(x, requires_grad=True)
    fn(x).backward()
    return x.grad.numpy()


# --- the policy argument -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, stored",
    [
        (None, None),
        ("", None),
        ([], None),
        ("cutout,color", "color,cutout"),
        (" Translation , cutout ", "translation,cutout"),
        (["cutout", "translation", "color", "cutout"], "color,translation,cutout"),
        (("translation",), "translation"),
    ],
)
def test_policies_are_stored_as_one_canonical_string(given, stored):
    assert augment_policy(given) == stored


@pytest.mark.parametrize("bad", ["colour", "color,flip", ["color", "zoom"], 3, True])
def test_unknown_policies_are_refused_with_the_valid_names(bad):
    with pytest.raises(ValueError) as error:
        augment_policy(bad)
    assert all(name in str(error.value) for name in POLICIES)


# --- the transform -----------------------------------------------------------------------------


@pytest.mark.parametrize("policy", POLICY_CASES)
def test_each_policy_is_differentiable(policy):
    # Each policy is affine in the images for given random parameters, so the gradient of a
    # weighted sum must match a finite difference in any direction.
    rng = np.random.default_rng(1)
    x, weights, direction = photos(seed=1), rng.normal(size=(2, SIZE, SIZE, 3)), rng.normal(size=(2, SIZE, SIZE, 3))
    weights, direction = weights.astype("float32"), direction.astype("float32")

    def objective(images):
        (out,) = diff_augment([images], policy, keras.random.SeedGenerator(7))
        return ops.sum(out * ops.convert_to_tensor(weights))

    grad = gradient(objective, x)
    assert np.all(np.isfinite(grad)) and np.abs(grad).max() > 0
    step = 0.1
    finite_difference = (
        float(numpy(objective(x + step * direction))) - float(numpy(objective(x - step * direction)))
    ) / (2 * step)
    assert float(np.sum(grad * direction)) == pytest.approx(finite_difference, rel=2e-3, abs=2e-2)


def test_cutout_gradient_is_the_mask():
    x = photos()
    weights = np.random.default_rng(2).normal(size=x.shape).astype("float32")
    (mask,) = augment([np.ones_like(x)], "cutout")
    def objective(images):
        (out,) = diff_augment([images], "cutout", keras.random.SeedGenerator(7))
        return ops.sum(out * ops.convert_to_tensor(weights))

    grad = gradient(objective, x)
    np.testing.assert_allclose(grad, weights * mask, rtol=1e-6)


def test_geometry_is_the_same_for_every_entry_and_colour_only_for_photos():
    x = photos(channels=3)
    condition = x[..., :2]  # e.g. a label map: other channels, the same pixels
    policy = "color,translation,cutout"
    cond_out, image_out = augment([condition, x], policy, photos=[False, True])
    # The condition: moved and cut like the image, colours untouched ...
    geometry_only, = augment([x], "translation,cutout", seed=1)
    (cond_geometry,) = augment([condition], "translation,cutout", seed=1)
    np.testing.assert_array_equal(cond_geometry, geometry_only[..., :2])
    assert not np.array_equal(cond_out, condition)
    # ... so a pixel of the condition is either zeroed or a pixel of the original condition.
    assert set(np.round(cond_out, 6).ravel()) <= set(np.round(condition, 6).ravel()) | {0.0}
    # The image's colours changed too.
    assert not set(np.round(image_out, 6).ravel()) <= set(np.round(x, 6).ravel()) | {0.0}
    # The same tensor as condition and image, geometry only: identical outputs.
    a, b = augment([x, x], "translation,cutout", photos=[False, True])
    np.testing.assert_array_equal(a, b)


def test_every_entry_of_the_list_is_transformed_alike():
    x, y = photos(seed=3), photos(seed=4)
    first, second, third = augment([x, y, x], "color,translation,cutout")
    np.testing.assert_array_equal(first, third)
    # Geometry and colour are affine: one draw for [x, y] means x and y saw the same transform
    # (brightness is the affine part: it cancels in a difference).
    (difference,) = augment([x - y], "translation,cutout")
    g_x, g_y = augment([x, y], "translation,cutout")
    np.testing.assert_allclose(g_x - g_y, difference, atol=1e-6)
    assert not np.array_equal(first, second)


def test_colour_is_off_for_entries_not_marked_as_photos():
    x = photos()
    condition, image = augment([x, x], "color", photos=[False, True])
    np.testing.assert_array_equal(condition, x)
    assert np.abs(image - x).max() > 0.01


def test_colour_follows_the_official_formulas():
    x = photos(count=2)
    b = np.array([-0.3, 0.2], "float32").reshape(2, 1, 1, 1)
    s = np.array([0.5, 1.7], "float32").reshape(2, 1, 1, 1)
    c = np.array([0.6, 1.4], "float32").reshape(2, 1, 1, 1)
    expected = x + b
    expected = (expected - expected.mean(-1, keepdims=True)) * s + expected.mean(-1, keepdims=True)
    mean = expected.mean((1, 2, 3), keepdims=True)
    expected = (expected - mean) * c + mean
    np.testing.assert_allclose(numpy(adjust_color(x, b, s, c)), expected, rtol=1e-5, atol=1e-5)


def test_brightness_shifts_each_image_by_up_to_a_half():
    # A constant grey image: saturation and contrast leave it alone, brightness shifts it.
    x = np.full((64, SIZE, SIZE, 1), 0.1, "float32")
    (out,) = augment([x], "color")
    shifts = out - x
    per_image = shifts[:, 0, 0, 0]
    np.testing.assert_allclose(shifts, per_image[:, None, None, None] * np.ones_like(x), atol=1e-6)
    assert per_image.min() >= -0.5 and per_image.max() <= 0.5 and per_image.std() > 0.2


def shift_of(original, moved, max_shift):
    """The (dy, dx) with `moved[i, j] = original[i + dy, j + dx]` (zero outside), or None."""
    size = original.shape[0]
    padded = np.pad(original, ((max_shift, max_shift), (max_shift, max_shift), (0, 0)))
    for dy in range(-max_shift, max_shift + 1):
        for dx in range(-max_shift, max_shift + 1):
            window = padded[max_shift + dy : max_shift + dy + size, max_shift + dx : max_shift + dx + size]
            if np.array_equal(window, moved):
                return dy, dx
    return None


def test_translation_shifts_each_image_by_up_to_an_eighth_with_zeros():
    x = photos(count=48, seed=5)
    (out,) = augment([x], "translation")
    shifts = [shift_of(x[i], out[i], SIZE // 8) for i in range(len(x))]
    assert None not in shifts  # every output is its image shifted by at most 2 pixels
    assert len(set(shifts)) > 5  # a shift of its own per image
    assert {dy for dy, _ in shifts} == {dx for _, dx in shifts} == set(range(-2, 3))


def test_cutout_zeroes_a_square_of_half_the_side():
    x = np.random.default_rng(6).uniform(0.5, 1.0, (256, SIZE, SIZE, 3)).astype("float32")
    (out,) = augment([x], "cutout")
    zero = out[..., 0] == 0
    assert np.array_equal(zero[..., None].repeat(3, -1), out == 0)  # all channels alike
    np.testing.assert_array_equal(out[~zero], x[~zero])  # elsewhere untouched
    for mask in zero:
        rows, columns = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        # one rectangle, at most 8 x 8, cut by the border only
        assert mask.sum() == len(rows) * len(columns) and len(rows) <= 8 and len(columns) <= 8
        assert len(rows) == 8 or rows[0] == 0 or rows[-1] == SIZE - 1
    fractions = zero.mean((1, 2))
    assert fractions.max() == 0.25  # a whole square is a quarter of the image
    # The official draw of the centre (uniform over 0..16 per axis) makes it 0.182 on average.
    assert fractions.mean() == pytest.approx(116**2 / 17**2 / 256, abs=0.03)


def test_no_policy_returns_the_images():
    x = photos()
    assert diff_augment([x], None) == [x] and diff_augment([x], "") == [x]


def test_batches_of_other_sizes_are_refused():
    with pytest.raises(ValueError, match="one size"):
        diff_augment([photos(), photos(size=8)], "translation", keras.random.SeedGenerator(0))


@pytest.mark.skipif(BACKEND != "tensorflow", reason="XLA with a batch size unknown when compiled: TensorFlow")
def test_xla_with_a_dynamic_batch_size():
    import tensorflow as tf

    generator = keras.random.SeedGenerator(3)

    @tf.function(jit_compile=True, input_signature=[tf.TensorSpec((None, SIZE, SIZE, 3), "float32")])
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            (out,) = diff_augment([x], "color,translation,cutout", generator)
            total = tf.reduce_sum(out)
        return out, tape.gradient(total, x)

    for count in (2, 5):
        out, grad = step(photos(count=count))
        assert out.shape == (count, SIZE, SIZE, 3) and np.all(np.isfinite(grad.numpy()))


@pytest.mark.skipif(BACKEND != "jax", reason="jax.jit: JAX")
def test_under_jax_jit():
    import jax

    generator = keras.random.SeedGenerator(3)

    @jax.jit
    def step(x, state):
        # As a model's compiled step: the generator's state goes in and comes out as a value.
        with keras.StatelessScope(state_mapping=[(generator.state, state)]) as scope:
            (out,) = diff_augment([x], "color,translation,cutout", generator)
        return out, scope.get_current_value(generator.state)

    x = photos()
    first, state = step(x, generator.state.value)
    second, _ = step(x, state)
    assert first.shape == (2, SIZE, SIZE, 3) and np.all(np.isfinite(np.asarray(first)))
    assert not np.array_equal(np.asarray(first), np.asarray(second))  # the state moved on


# --- the models ----------------------------------------------------------------------------------


def seed_state(model):
    return numpy(model.seed_generator.state).copy()


def test_config_round_trip_and_the_default():
    model = tiny_cgan(augment=["cutout", "color"])
    assert model.augment == "color,cutout"
    config = model.get_config()
    assert json.loads(json.dumps(config))["augment"] == "color,cutout"
    restored = type(model).from_config(config)
    assert restored.augment == "color,cutout"
    restored.augment = None  # as a model built without it
    assert "augment" not in restored.get_config()


def test_a_bad_policy_is_refused_by_the_model(cgan):
    with pytest.raises(ValueError, match="'flip'.*'color', 'translation', 'cutout'"):
        tiny_cgan(augment="color,flip")
    with pytest.raises(ValueError, match="'zoom'"):
        cgan.augment = ["zoom"]
    assert cgan.augment == POLICY


def test_off_without_a_policy_and_outside_training(cgan):
    images = photos(count=2, size=8, channels=1)
    before = seed_state(cgan)
    (out,), _ = cgan.augment_discriminator_inputs([images], training=False)
    assert out is images  # untouched, and no random draw
    np.testing.assert_array_equal(seed_state(cgan), before)
    (out,), _ = cgan.augment_discriminator_inputs([images], training=True)
    assert not np.array_equal(numpy(out), images)
    cgan.augment = None
    try:
        (out,), _ = cgan.augment_discriminator_inputs([images], training=True)
        assert out is images
    finally:
        cgan.augment = POLICY


def check_discriminator_sees_augmented_inputs(model, batch, condition_key, images):
    """`discriminator_outputs(batch, images, training=True)` equals the discriminator called on
    one `diff_augment` draw of [condition, *images] (colour on the images only); with
    `training=False` it equals the discriminator on the inputs as given."""
    start = seed_state(model)
    outputs = model.discriminator_outputs(batch, images, training=True)
    model.seed_generator.state.assign(start)
    conditions = [] if condition_key is None else [batch[condition_key]]
    augmented = diff_augment(
        conditions + images, model.augment, model.seed_generator, [False] * len(conditions) + [True] * len(images)
    )
    augmented_images = augmented[len(conditions):]
    for output, image in zip(outputs, augmented_images):
        if condition_key is None:
            expected = model.discriminator([image, batch["labels"]], training=True)
        else:
            expected = model.discriminator([augmented[0], image], training=True)
        for got, want in zip(keras.tree.flatten(output), keras.tree.flatten(expected)):
            np.testing.assert_allclose(numpy(got), numpy(want), rtol=1e-5, atol=1e-5)
    plain = model.discriminator_outputs(batch, images, training=False)
    inputs = (lambda x: [x, batch["labels"]]) if condition_key is None else (lambda x: [batch[condition_key], x])
    for output, image in zip(plain, images):
        expected = model.discriminator(inputs(image), training=False)
        for got, want in zip(keras.tree.flatten(output), keras.tree.flatten(expected)):
            np.testing.assert_allclose(numpy(got), numpy(want), rtol=1e-5, atol=1e-5)


# One model per family, built once: the wiring tests call it eagerly, then one `fit` step with
# every policy compiles it as each family's tests do (XLA on TensorFlow for the cGAN and Pix2Pix,
# jit on JAX; GauGAN without XLA on TensorFlow).


@pytest.fixture(scope="module")
def cgan():
    return tiny_cgan(augment=POLICY)


@pytest.fixture(scope="module")
def pix2pix():
    return tiny_pix2pix(augment=POLICY, norm="instance", image_shape=(SIZE, SIZE, 3), depth=2, receptive_field=16)


@pytest.fixture(scope="module")
def gaugan():
    # Without spectral normalisation, whose power iteration makes each training call differ.
    return tiny_gaugan(
        augment=POLICY, image_shape=(SIZE, SIZE, 3), num_upsamples=1, spectral_norm=False, discriminator_scales=1,
        discriminator_layers=2,
    )


def gaugan_data(count=2):
    """`toy_data` at 16 x 16."""
    label_maps, images = toy_data(count=count)
    return label_maps[:, ::2, ::2], images[:, ::2, ::2]


def test_conditional_gan_augments_the_images_not_the_labels(cgan):
    images, labels = synthetic_digits(count=2)
    batch = cgan.prepare_batch((images, labels))
    fakes = ops.convert_to_tensor(photos(count=2, size=8, channels=1))
    check_discriminator_sees_augmented_inputs(cgan, batch, None, [batch["images"], fakes])


def test_pix2pix_moves_the_condition_with_the_images(pix2pix):
    rng = np.random.default_rng(0)
    batch = pix2pix.prepare_batch(tuple(rng.integers(0, 256, (2, SIZE, SIZE, 3), dtype="uint8") for _ in range(2)))
    fakes = ops.convert_to_tensor(photos())
    check_discriminator_sees_augmented_inputs(pix2pix, batch, "conditions", [batch["targets"], fakes])


def test_gaugan_moves_the_label_maps_with_real_and_fake_alike(gaugan):
    batch = gaugan.prepare_batch(gaugan_data())
    assert batch["label_maps"].shape[-1] == GAUGAN_CLASSES
    fakes = ops.convert_to_tensor(photos())
    check_discriminator_sees_augmented_inputs(gaugan, batch, "label_maps", [batch["images"], fakes])


def fit_one_step(model, x, y, jit_compile="auto"):
    model.compile(jit_compile=jit_compile)
    before = seed_state(model)
    history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    assert not np.array_equal(seed_state(model), before)
    return history


def test_fit_conditional_gan_with_augmentation(cgan):
    fit_one_step(cgan, *synthetic_digits(count=2))


def test_fit_pix2pix_with_augmentation(pix2pix):
    rng = np.random.default_rng(0)
    fit_one_step(pix2pix, *[rng.integers(0, 256, (2, SIZE, SIZE, 3), dtype="uint8") for _ in range(2)])


def test_fit_gaugan_with_augmentation(gaugan):
    history = fit_one_step(gaugan, *gaugan_data(), jit_compile=BACKEND == "jax")
    assert {"d_loss", "g_loss", "feature_matching_loss"} <= set(history.history)
