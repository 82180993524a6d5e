"""Mixed precision on the current backend: the policy reaches every layer, outputs keep their
dtypes, each network's update has its own dynamic loss scale under mixed_float16, and every
family trains under mixed_bfloat16.

Compiled models are shared within the module (one float32 and one float16 ConditionalGAN run
side by side, one bfloat16 run per family), so the module stays quick on a small CPU.
"""

import contextlib
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import BACKEND, ROOT, synthetic_digits, tiny_cgan, tiny_gaugan, tiny_pix2pix, toy_data
from keras import ops

import keras_condgan

# The layers that compute in float32 under any policy, by design: those that make the image
# (tanh in half precision, and PyTorch's CPU float16 convolution cannot backpropagate into a
# one-filter kernel), the logits the losses read, and the encoder's Gaussian.
FLOAT32_LAYERS = {
    "to_image", "to_pixels", "output_deconv", "image",
    "logit", "logits", "label_projection", "projected_logit",
    "mean", "log_variance",
}
COMPUTE_DTYPES = {"mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}


@contextlib.contextmanager
def global_policy(name):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def networks(model):
    names = ("generator", "discriminator", "encoder")
    return {name: getattr(model, name) for name in names if hasattr(model, name)}


def numpy(x):
    return ops.convert_to_numpy(x)


def values(variables):
    return [numpy(v).copy() for v in variables]


def scale_state(model):
    return {name: (float(numpy(s.scale)), int(numpy(s.finite_steps))) for name, s in model.loss_scales.items()}


def assert_policy_everywhere(model, policy):
    """Every layer of every network computes in the policy's dtype, except FLOAT32_LAYERS;
    every variable is float32."""
    compute_dtype = COMPUTE_DTYPES[policy]
    assert model.dtype_policy.name == policy
    for network_name, network in networks(model).items():
        for layer in network._flatten_layers(include_self=False):
            if isinstance(layer, (keras.layers.InputLayer, keras.Model)):
                continue  # sub-models are containers; their layers are checked one by one
            expected = "float32" if layer.name in FLOAT32_LAYERS else compute_dtype
            assert layer.compute_dtype == expected, f"{network_name}/{layer.name} computes in {layer.compute_dtype}"
            assert layer.variable_dtype == "float32", f"{network_name}/{layer.name}"
        for variable in network.weights:
            assert variable.dtype == "float32", variable.path
    assert all(v.dtype == "float32" for v in model.weights)


FAMILIES = {
    "cgan_dcgan_concat": lambda **kw: tiny_cgan(**kw),
    "cgan_dcgan_embedding": lambda **kw: tiny_cgan(conditioning="embedding", **kw),
    "cgan_mlp": lambda **kw: tiny_cgan(architecture="mlp", discriminator_filters=(8, 8, 8), **kw),
    "pix2pix": lambda **kw: tiny_pix2pix(**kw),
    "pix2pix_pixelgan_instance": lambda **kw: tiny_pix2pix(receptive_field=1, norm="instance", **kw),
    "gaugan": lambda **kw: tiny_gaugan(**kw),
}


def shallow_pix2pix(**kwargs):
    """Fewer layers than `tiny_pix2pix` (every layer kind is still there): a quicker compile."""
    return tiny_pix2pix(depth=3, receptive_field=16, **kwargs)


def shallow_gaugan(**kwargs):
    """Fewer layers than `tiny_gaugan` (one upsampling, two-layer scales): a quicker compile."""
    return tiny_gaugan(num_upsamples=1, discriminator_layers=2, **kwargs)


# --- the policy reaches every layer ----------------------------------------------------------


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_dtype_argument_reaches_every_layer(family):
    assert_policy_everywhere(FAMILIES[family](dtype="mixed_bfloat16"), "mixed_bfloat16")


def test_float16_policy_reaches_every_layer():
    model = tiny_cgan(architecture="mlp", discriminator_filters=(8, 8, 8), dtype="mixed_float16")
    assert_policy_everywhere(model, "mixed_float16")


def test_global_policy_reaches_every_layer():
    with global_policy("mixed_bfloat16"):
        model = tiny_gaugan()  # the family with custom layers that build sublayers
    assert_policy_everywhere(model, "mixed_bfloat16")
    # Under the default policy, everything computes in float32.
    for network in networks(tiny_cgan()).values():
        assert {layer.compute_dtype for layer in network._flatten_layers()} == {"float32"}


def test_dtype_policy_object_and_config_round_trip():
    model = tiny_cgan(dtype=keras.DTypePolicy("mixed_bfloat16"))
    assert_policy_everywhere(model, "mixed_bfloat16")
    assert_policy_everywhere(keras_condgan.ConditionalGAN.from_config(model.get_config()), "mixed_bfloat16")


@pytest.mark.parametrize("family", ["cgan_dcgan_concat", "pix2pix", "gaugan"])
def test_from_preset_takes_a_dtype(family, tmp_path):
    model = FAMILIES[family]()
    path = str(tmp_path / family)
    model.save_to_preset(path)
    loaded = type(model).from_preset(path, dtype="mixed_bfloat16")
    assert_policy_everywhere(loaded, "mixed_bfloat16")
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(numpy(a), numpy(b))
    assert type(model).from_preset(path).dtype_policy.name == "float32"


# --- outputs keep their dtypes ------------------------------------------------------------


def close_images(a, b, levels):
    assert a.dtype == b.dtype == np.uint8 and a.shape == b.shape
    assert np.abs(a.astype(int) - b.astype(int)).mean() < levels


def test_bundled_preset_generates_in_bfloat16():
    model = keras_condgan.ConditionalGAN.from_preset("mnist_cgan", dtype="mixed_bfloat16")
    assert_policy_everywhere(model, "mixed_bfloat16")
    reference = keras_condgan.ConditionalGAN.from_config({**model.get_config(), "dtype": "float32"})
    reference.set_weights(model.get_weights())
    labels = np.arange(10)
    close_images(model.generate(labels, seed=0), reference.generate(labels, seed=0), levels=3)
    generated = model.generator([model.latents(2, seed=0), np.eye(10, dtype="float32")[:2]], training=False)
    assert keras.backend.standardize_dtype(generated.dtype) == "float32"


def test_translate_and_synthesize_keep_their_dtypes():
    conditions = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype="uint8")
    translated = shallow_pix2pix(dtype="mixed_bfloat16").translate(conditions)
    assert translated.dtype == np.uint8 and translated.shape == conditions.shape

    label_maps, photos = toy_data(2)
    gaugan, reference = shallow_gaugan(dtype="mixed_bfloat16"), shallow_gaugan()
    reference.set_weights(gaugan.get_weights())
    close_images(gaugan.synthesize(label_maps, seed=0), reference.synthesize(label_maps, seed=0), levels=3)
    mean, log_variance = gaugan.encode(photos)
    assert mean.dtype == log_variance.dtype == np.float32


# --- mixed_float16 and mixed_bfloat16 runs; one dynamic loss scale per network -------------

GROWTH_STEPS = 3
RUN_STEPS = 4


@pytest.fixture(scope="module")
def cgan_runs():
    """Tiny cGANs from the same weights and noise seed, under float32, mixed_float16 and
    mixed_bfloat16 (the last two under the global policy, as a user would set it), trained
    side by side for RUN_STEPS steps, one batch per epoch, so that the history holds every
    step's losses."""
    images, labels = synthetic_digits(16)
    runs = {"data": (images, labels)}
    for policy in ("float32", "mixed_float16", "mixed_bfloat16"):
        with global_policy(policy):
            model = tiny_cgan()
        if policy == "float32":
            weights = model.get_weights()
        model.set_weights(weights)
        model.loss_scale_growth_steps = GROWTH_STEPS
        model.compile()
        start = scale_state(model)
        history = model.fit(images, labels, batch_size=16, epochs=RUN_STEPS, shuffle=False, verbose=0).history
        runs[policy] = {"model": model, "start": start, "history": history}
    return runs


# Measured: float16 losses within 3e-4 of float32's over these steps, bfloat16 within 1e-3.
@pytest.mark.parametrize("policy, tolerance", [("mixed_float16", 0.003), ("mixed_bfloat16", 0.015)])
def test_mixed_precision_losses_follow_float32(cgan_runs, policy, tolerance):
    for name in ("d_loss", "g_loss"):
        np.testing.assert_allclose(
            cgan_runs[policy]["history"][name], cgan_runs["float32"]["history"][name], rtol=0, atol=tolerance
        )


def test_float16_updates_use_unscaled_gradients(cgan_runs):
    # Adam's steps do not depend on the gradients' scale, but its moments do: they must be
    # those of float32 training, not 2**15 times larger (measured: within 6% of the largest).
    model, reference = cgan_runs["mixed_float16"]["model"], cgan_runs["float32"]["model"]
    for name in ("discriminator_optimizer", "generator_optimizer"):
        for ours, theirs in zip(getattr(model, name).variables, getattr(reference, name).variables):
            ours, theirs = numpy(ours), numpy(theirs)
            assert np.abs(ours - theirs).max() <= 0.25 * np.abs(theirs).max(), (name, ours.shape)


def test_each_network_has_its_own_scale_among_the_optimizer_variables(cgan_runs):
    model = cgan_runs["mixed_float16"]["model"]
    scales = model.loss_scales
    assert sorted(scales) == ["discriminator", "generator"]
    d_scale, g_scale = scales["discriminator"], scales["generator"]
    assert d_scale.scale is not g_scale.scale and d_scale.finite_steps is not g_scale.finite_steps
    # Optimizer variables (JAX threads them through `fit`), but no network optimizer's own.
    optimizer_ids = {id(v) for v in model.optimizer.variables}
    network_optimizers = (model.generator_optimizer, model.discriminator_optimizer)
    network_optimizer_ids = {id(v) for optimizer in network_optimizers for v in optimizer.variables}
    for variable in d_scale.variables + g_scale.variables:
        assert id(variable) in optimizer_ids and id(variable) not in network_optimizer_ids
    # Every step was finite: after GROWTH_STEPS of them each scale doubled, then counted on.
    initial = model.initial_loss_scale
    assert cgan_runs["mixed_float16"]["start"] == {"discriminator": (initial, 0), "generator": (initial, 0)}
    doubled = (2 * initial, RUN_STEPS - GROWTH_STEPS)
    assert scale_state(model) == {"discriminator": doubled, "generator": doubled}


@pytest.mark.parametrize("overflowing, other", [("discriminator", "generator"), ("generator", "discriminator")])
def test_an_overflowing_update_is_skipped_and_halves_that_scale_only(cgan_runs, overflowing, other):
    model = cgan_runs["mixed_float16"]["model"]
    images, labels = cgan_runs["data"]
    trained = {
        "discriminator": model.discriminator.trainable_variables,
        "generator": model.generator_trainable_variables,
    }
    optimizers = {"discriminator": model.discriminator_optimizer, "generator": model.generator_optimizer}
    # A scale this large overflows float16 in the backward pass of that network's update.
    huge = 2.0**60
    model.loss_scales[overflowing].scale.assign(huge)
    model.loss_scales[overflowing].finite_steps.assign(1)
    model.loss_scales[other].scale.assign(model.initial_loss_scale)  # finite, whatever ran before
    other_state = scale_state(model)[other]
    before = {name: values(trained[name]) + values(optimizers[name].variables) for name in trained}

    history = model.fit(images, labels, batch_size=16, epochs=1, shuffle=False, verbose=0).history

    after = {name: values(trained[name]) + values(optimizers[name].variables) for name in trained}
    for a, b in zip(before[overflowing], after[overflowing]):  # weights, Adam moments, iterations
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(before[other], after[other]))
    state = scale_state(model)
    assert state[overflowing] == (huge / 2, 0)
    other_scale, other_steps = other_state
    assert state[other] in {(other_scale, other_steps + 1), (2 * other_scale, 0)}
    assert np.isfinite(history["d_loss"][0]) and np.isfinite(history["g_loss"][0])


MIRRORED_SCRIPT = """
import sys
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
sys.path.insert(0, "tests")
from conftest import synthetic_digits, tiny_cgan
from keras import ops
with tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope():
    model = tiny_cgan(dtype="mixed_float16")
    model.compile()
images, labels = synthetic_digits(16)
model.fit(images, labels, batch_size=16, epochs=1, verbose=0)
model.loss_scales["discriminator"].scale.assign(2.0**60)
watched = model.discriminator.trainable_variables + model.discriminator_optimizer.variables
before = [ops.convert_to_numpy(v).copy() for v in watched]
model.fit(images, labels, batch_size=16, epochs=1, verbose=0)
skipped = all(np.array_equal(a, ops.convert_to_numpy(b)) for a, b in zip(before, watched))
scales = {k: (float(ops.convert_to_numpy(s.scale)), int(ops.convert_to_numpy(s.finite_steps)))
          for k, s in model.loss_scales.items()}
print("RESULT", skipped, scales)
"""


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute strategies are TensorFlow's")
def test_float16_loss_scaling_under_mirrored_strategy():
    # Keras' optimizer update is a merge_call there, which cannot sit in a replica's cond.
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "KERAS_BACKEND": "tensorflow"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = [x for x in result.stdout.splitlines() if x.startswith("RESULT")][-1]
    initial = keras_condgan.GAN.initial_loss_scale
    assert line == f"RESULT True {{'discriminator': ({2.0**59!r}, 0), 'generator': ({initial!r}, 2)}}"


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
def test_no_loss_scaling_without_float16(policy):
    model = tiny_cgan(dtype=policy)
    model.compile()
    assert model.loss_scales == {}
    assert not any("loss_scale" in v.name for v in model.optimizer.variables)


def test_auto_scale_loss_false_turns_scaling_off():
    model = tiny_cgan(dtype="mixed_float16")
    model.compile(auto_scale_loss=False)
    assert model.loss_scales == {}
    assert not isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)


# --- mixed_bfloat16 trains every family -------------------------------------------------


def trains(model, data, batch_size):
    before = {name: values(n.trainable_variables) for name, n in networks(model).items()}
    history = model.fit(*data, batch_size=batch_size, epochs=1, shuffle=False, verbose=0).history
    for name, losses in history.items():
        assert np.all(np.isfinite(losses)), name
    for name, network in networks(model).items():
        assert not all(np.array_equal(a, numpy(b)) for a, b in zip(before[name], network.trainable_variables)), name
        assert all(v.dtype == "float32" for v in network.weights)


def test_bfloat16_cgan_trained(cgan_runs):
    model = cgan_runs["mixed_bfloat16"]["model"]
    assert model.loss_scales == {}
    assert_policy_everywhere(model, "mixed_bfloat16")
    trains(model, cgan_runs["data"], batch_size=16)


# On TensorFlow, XLA takes long to compile these steps on a small CPU (the cGAN's runs with it).
JIT = BACKEND == "jax"


def test_bfloat16_pix2pix_trains():
    conditions = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype="uint8")
    model = shallow_pix2pix(dtype="mixed_bfloat16")
    model.compile(jit_compile=JIT)
    trains(model, (conditions, 255 - conditions), batch_size=1)


def test_bfloat16_gaugan_trains():
    model = shallow_gaugan(dtype="mixed_bfloat16")
    model.compile(jit_compile=JIT)
    trains(model, toy_data(2), batch_size=1)
