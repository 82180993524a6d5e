"""Pix2Pix: the U-Net, the PatchGAN, the objective, training and inference on the current backend."""

import os

import keras
import numpy as np
import pytest
from conftest import tiny_pix2pix
from keras import ops

import keras_condgan
from keras_condgan import losses
from keras_condgan.datasets import facades
from keras_condgan.models.pix2pix.pix2pix_discriminator import STRIDED_LAYERS, patch_discriminator
from keras_condgan.models.pix2pix.pix2pix_generator import unet_generator


def random_pairs(count=4, size=32, seed=0):
    """Images of random 8 x 8 colour blocks, and their colour negatives."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, (count, size // 8, size // 8, 3), dtype="uint8")
    conditions = blocks.repeat(8, axis=1).repeat(8, axis=2)
    # A target the generator can learn: the condition's colours inverted.
    return conditions, 255 - conditions


def values(variables):
    return [ops.convert_to_numpy(v).copy() for v in variables]


# --- the U-Net generator ---------------------------------------------------------


@pytest.mark.parametrize("size, depth", [(128, 7), (256, 8)])
def test_unet_shapes_and_default_depth(size, depth):
    generator = unet_generator((size, size, 3), output_channels=2, filters=2)
    assert generator.output.shape == (None, size, size, 2)
    encoder = [layer for layer in generator.layers if layer.name.endswith("_conv")]
    assert len(encoder) == depth
    assert encoder[-1].output.shape[1:3] == (1, 1)  # down to a 1 x 1 bottleneck
    widths = [layer.filters for layer in encoder]
    assert widths[:4] == [2, 4, 8, 16] and set(widths[4:]) == {16}  # C64-C128-C256-C512-C512...


def test_unet_skip_connections_join_mirrored_encoder_blocks():
    generator = unet_generator((32, 32, 3), filters=4)  # depth 5
    for i in range(4):
        skip = generator.get_layer(f"skip_{i}")
        encoder_output = generator.get_layer(f"encoder_{i}_norm" if i else "encoder_0_conv").output
        assert any(t is encoder_output for t in skip.input), f"skip_{i} does not take encoder block {i}"
        assert skip.output.shape[1] == 32 // 2 ** (i + 1)
    dropouts = [layer.name for layer in generator.layers if isinstance(layer, keras.layers.Dropout)]
    assert dropouts == ["decoder_0_dropout", "decoder_1_dropout", "decoder_2_dropout"]


def test_unet_output_depends_on_the_skips():
    # Through the skips, the last decoder block sees the first encoder block's
    # 2 x 2 neighbourhoods: changing one pixel changes the output nearby, while
    # through the 1 x 1 bottleneck alone every output pixel would move.
    generator = unet_generator((32, 32, 3), filters=4, norm="batch")
    x = np.zeros((1, 32, 32, 3), "float32")
    y = x.copy()
    y[0, 5, 5] = 1.0
    difference = np.abs(ops.convert_to_numpy(generator(y, training=False) - generator(x, training=False))).sum(-1)[0]
    assert difference[5, 5] > 0


@pytest.mark.parametrize("size", [36, 100])
def test_unet_rejects_sizes_not_multiple_of_2_to_the_depth(size):
    with pytest.raises(ValueError, match=r"multiples of 2\*\*5 = 32"):
        unet_generator((size, size, 3), depth=5)


def test_unet_rejects_unknown_normalization():
    with pytest.raises(ValueError, match="normalization.*batch.*instance"):
        unet_generator((32, 32, 3), norm="layer")


# --- the PatchGAN discriminator -----------------------------------------------------

GRIDS = {256: {1: 256, 16: 126, 70: 30, 286: 6}, 128: {1: 128, 16: 62, 70: 14, 286: 2}}


@pytest.mark.parametrize("size", [128, 256])
@pytest.mark.parametrize("receptive_field", [1, 16, 70, 286])
def test_patchgan_output_grid(size, receptive_field):
    discriminator = patch_discriminator((size, size, 3), 3, filters=2, receptive_field=receptive_field)
    side = GRIDS[size][receptive_field]
    assert discriminator.output.shape == (None, side, side, 1)


@pytest.mark.parametrize("receptive_field", [1, 16, 70])
def test_patchgan_receptive_field_is_exact(receptive_field):
    # One logit must depend on exactly a receptive_field x receptive_field
    # window of the input: changing every pixel outside it leaves the logit
    # alone, changing a pixel on any edge of it does not. (Batch norm in
    # inference mode is affine, so it keeps the convolutions local.)
    size = 96
    # Seeded: with tiny random weights, a corner pixel's weight in the logit varies from draw to
    # draw, and an unlucky draw made the edge check flaky.
    keras.utils.set_random_seed(0)
    discriminator = patch_discriminator((size, size, 1), 1, filters=2, receptive_field=receptive_field, norm="batch")
    if receptive_field == 1:
        stride, start = 1, 0
    else:
        strided = STRIDED_LAYERS[receptive_field]
        stride = 2**strided
        # Each 4 x 4 convolution pads by 1; padding before a layer whose input
        # is j times coarser than the image moves the window by j pixels.
        start = -(sum(2**k for k in range(strided)) + 2 * stride)
    row = 4
    top = row * stride + start
    assert top >= 0 and top + receptive_field <= size
    window = np.s_[top : top + receptive_field, top : top + receptive_field]
    rng = np.random.default_rng(0)
    condition = rng.normal(size=(1, size, size, 1)).astype("float32")
    image = rng.normal(size=(1, size, size, 1)).astype("float32")

    def logit(condition):
        return float(ops.convert_to_numpy(discriminator([condition, image], training=False))[0, row, row, 0])

    outside = rng.normal(size=condition.shape).astype("float32")
    outside[0][window] = condition[0][window]
    reference = logit(condition)
    # Initial logits are small (weights ~ N(0, 0.02)) and the window's corner
    # pixels weigh little: compare relatively.
    assert abs(logit(outside) - reference) <= 1e-6 * abs(reference)
    last = top + receptive_field - 1
    for r, c in [(top, top), (last, last), (top, last), (last, top)]:
        changed = condition.copy()
        changed[0, r, c] += 100.0
        assert abs(logit(changed) - reference) > 1e-4 * abs(reference), f"pixel {(r, c)} unseen"


def test_patchgan_rejects_unknown_receptive_field():
    with pytest.raises(ValueError, match="receptive_field.*1, 16, 70, 286"):
        patch_discriminator((64, 64, 3), receptive_field=34)


# --- the objective --------------------------------------------------------------------


@pytest.mark.parametrize("adversarial_loss", ["bce", "least_squares"])
@pytest.mark.parametrize("l1_weight", [100.0, 7.0])
def test_losses_follow_the_paper(adversarial_loss, l1_weight):
    model = tiny_pix2pix(adversarial_loss=adversarial_loss, l1_weight=l1_weight)
    batch = model.prepare_batch(random_pairs())
    conditions, targets = batch["conditions"], batch["targets"]
    fakes = model.generator(conditions, training=False)
    real_logits = model.discriminator([conditions, targets], training=False)
    fake_logits = model.discriminator([conditions, fakes], training=False)
    d_loss_fn, g_loss_fn = losses.get_adversarial_losses(adversarial_loss)

    d_loss, _ = model.discriminator_loss(batch, training=False)
    g_loss, logs = model.generator_loss(batch, training=False)
    l1 = np.mean(np.abs(ops.convert_to_numpy(targets - fakes)))
    # The discriminator's objective is halved; lambda weighs the L1 term.
    assert float(d_loss) == pytest.approx(0.5 * float(d_loss_fn(real_logits, fake_logits)), rel=1e-5)
    assert float(logs["l1_loss"]) == pytest.approx(l1, rel=1e-5)
    assert float(g_loss) == pytest.approx(float(g_loss_fn(fake_logits)) + l1_weight * l1, rel=1e-5)


def test_l1_only_baseline_trains_the_generator_alone():
    model = tiny_pix2pix(adversarial_loss=None, l1_weight=3.0)
    assert model.discriminator_steps == 0
    batch = model.prepare_batch(random_pairs())
    g_loss, logs = model.generator_loss(batch, training=False)
    assert float(g_loss) == pytest.approx(3.0 * float(logs["l1_loss"]), rel=1e-6)
    model.compile()
    d_before = values(model.discriminator.trainable_variables)
    g_before = values(model.generator.trainable_variables)
    history = model.fit(*random_pairs(), batch_size=2, epochs=1, verbose=0)
    assert "d_loss" not in history.history and "l1_loss" in history.history
    assert all(np.array_equal(a, b) for a, b in zip(d_before, values(model.discriminator.trainable_variables)))
    assert not any(np.array_equal(a, b) for a, b in zip(g_before, values(model.generator.trainable_variables)))


@pytest.mark.parametrize("frozen", ["generator", "discriminator"])
def test_each_update_moves_only_its_own_network(frozen):
    model = tiny_pix2pix()
    lr = {name: (0.0 if name == frozen else 1e-2) for name in ("generator", "discriminator")}
    model.compile(
        generator_optimizer=keras.optimizers.Adam(lr["generator"], beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(lr["discriminator"], beta_1=0.5),
    )
    networks = {"generator": model.generator, "discriminator": model.discriminator}
    before = {name: values(n.trainable_variables) for name, n in networks.items()}
    model.fit(*random_pairs(), batch_size=2, epochs=1, verbose=0)
    after = {name: values(n.trainable_variables) for name, n in networks.items()}
    moving = "discriminator" if frozen == "generator" else "generator"
    assert all(np.array_equal(a, b) for a, b in zip(before[frozen], after[frozen])), f"{frozen} moved"
    assert not any(np.array_equal(a, b) for a, b in zip(before[moving], after[moving])), f"{moving} stuck"


def test_learns_a_simple_translation():
    model = tiny_pix2pix(filters=8, l1_weight=100.0)
    model.compile(
        generator_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    )
    conditions, targets = random_pairs(count=16)
    before = np.abs(model.translate(conditions).astype(int) - targets).mean()
    history = model.fit(conditions, targets, batch_size=4, epochs=15, verbose=0)
    after = np.abs(model.translate(conditions).astype(int) - targets).mean()
    assert np.all(np.isfinite(history.history["g_loss"] + history.history["d_loss"]))
    assert after < 0.5 * before, (before, after)


def test_fit_on_a_paired_image_dataset():
    from keras_condgan.datasets.paired_images import PairedImageDataset

    # Whole batches only: a last, smaller batch would compile the step a second time.
    conditions, targets = random_pairs(count=4, size=40)
    dataset = PairedImageDataset(list(conditions), list(targets), batch_size=2, image_size=32, augment=True)
    model = tiny_pix2pix()
    model.compile()
    history = model.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])


def test_fit_needs_targets_of_the_right_shape():
    model = tiny_pix2pix()
    model.compile()
    conditions, targets = random_pairs()
    with pytest.raises(ValueError, match="conditions, targets"):
        model.fit(conditions, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"target images of shape \(batch, 32, 32, 3\)"):
        model.fit(conditions, targets[:, :16], epochs=1, verbose=0)


# --- inference ------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 3, 5])
def test_translate_any_batch_size(count):
    model = tiny_pix2pix()
    conditions, _ = random_pairs(count=max(count, 1))
    conditions = conditions[:count]
    images = model.translate(conditions, batch_size=2)
    assert images.shape == (count, 32, 32, 3) and images.dtype == np.uint8
    if count:
        # Each image is translated on its own: the batch does not matter.
        np.testing.assert_array_equal(images[:1], model.translate(conditions[:1]))


def test_translate_takes_uint8_float_and_single_images():
    model = tiny_pix2pix()
    conditions, _ = random_pairs(count=2)
    from_uint8 = model.translate(conditions)
    from_float = model.translate(conditions.astype("float32") / 127.5 - 1.0)
    np.testing.assert_array_equal(from_uint8, from_float)
    np.testing.assert_array_equal(model.translate(conditions[0]), from_uint8[0])


def test_translate_does_not_touch_batchnorm_statistics():
    model = tiny_pix2pix(norm="batch")
    non_trainable = values(model.non_trainable_variables)
    model.translate(random_pairs(count=4)[0])
    assert all(np.array_equal(a, b) for a, b in zip(non_trainable, values(model.non_trainable_variables)))


@pytest.mark.parametrize(
    "images, error, message",
    [
        # Other sizes, grayscale and RGBA are converted (tests/test_inputs.py); these are not images.
        (np.zeros((2, 32, 32, 2), "uint8"), ValueError, r"1, 3 or 4 channels .*got shape \(2, 32, 32, 2\)"),
        (np.zeros((2, 3, 32, 32, 3), "uint8"), ValueError, "shape"),
        (np.zeros((32,), "uint8"), ValueError, "shape"),
        (np.zeros((1, 32, 32, 3), "int32"), TypeError, "uint8.*or float"),
        (np.full((1, 32, 32, 3), 200.0, "float32"), ValueError, r"\[-1, 1\]"),
        (np.full((1, 32, 32, 3), np.nan, "float32"), ValueError, "NaN"),
    ],
)
def test_translate_explains_bad_images(images, error, message):
    with pytest.raises(error, match=message):
        tiny_pix2pix().translate(images)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(image_shape=(48, 48, 3)), "multiples of 2\\*\\*5"),
        (dict(image_shape=(32, 32)), "image_shape"),
        (dict(adversarial_loss="hinge"), "adversarial loss"),
        (dict(receptive_field=3), "receptive_field"),
        (dict(norm="group"), "normalization"),
    ],
)
def test_bad_configuration_is_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tiny_pix2pix(**kwargs)


def test_preset_round_trip(tmp_path):
    model = tiny_pix2pix(norm="batch", receptive_field=16)
    model.compile()
    model.fit(*random_pairs(), batch_size=2, epochs=1, verbose=0)  # moves the BN statistics
    model.save_to_preset(str(tmp_path / "preset"))
    restored = keras_condgan.Pix2Pix.from_preset(str(tmp_path / "preset"))
    assert restored.get_config() == model.get_config()
    conditions, _ = random_pairs(count=3, seed=5)
    np.testing.assert_array_equal(restored.translate(conditions), model.translate(conditions))


def test_float16_preset_weights_load_as_float32(tmp_path):
    model = tiny_pix2pix()
    model.save_to_preset(str(tmp_path / "full"))
    model.save_to_preset(str(tmp_path / "half"), weights_dtype="float16")
    full, half = (os.path.getsize(tmp_path / name / "model.weights.h5") for name in ("full", "half"))
    assert half < 0.75 * full  # the file's layout takes the same room at either dtype
    restored = keras_condgan.Pix2Pix.from_preset(str(tmp_path / "half"))
    assert {v.dtype for v in restored.weights} == {"float32"}
    for original, loaded in zip(values(model.weights), values(restored.weights)):
        np.testing.assert_allclose(loaded, original.astype("float16").astype("float32"))
    conditions, _ = random_pairs(count=3, seed=5)
    difference = np.abs(restored.translate(conditions).astype(int) - model.translate(conditions).astype(int))
    assert difference.max() <= 2


def test_bundled_facades_preset_draws_the_facade_it_is_given(facades_dir):
    """The trained preset follows its label map: its outputs are nearer (mean
    absolute pixel difference) their own test photos than the other test
    photos, with the contrast of photos."""
    model = keras_condgan.Pix2Pix.from_preset("pix2pix_facades")
    assert model.image_shape == (256, 256, 3)
    label_maps, photos = facades.load_data("test", facades_dir)
    label_maps, photos = label_maps[:8], photos[:8].astype(float)
    generated = model.translate(label_maps).astype(float)
    distance = np.abs(generated[:, None] - photos[None]).mean(axis=(2, 3, 4))  # [output, photo]
    matched = np.diag(distance)
    unmatched = distance[~np.eye(len(photos), dtype=bool)].reshape(len(photos), -1)
    # Pixel distance is a crude likeness: most, not all, outputs pass.
    assert np.mean(matched < unmatched.mean(axis=1)) >= 0.75, distance.round(1)
    assert matched.mean() < 0.85 * unmatched.mean(), distance.round(1)
    # ... and have a photo's contrast, not the flat grey an untrained U-Net gives.
    assert generated.std() > 0.7 * photos.std(), (generated.std(), photos.std())
