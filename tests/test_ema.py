"""The exponential moving average of the generator's weights (`ema_decay`, models/ema.py)."""

import numpy as np
import pytest
from conftest import synthetic_digits, tiny_cgan, tiny_gaugan, tiny_pix2pix, toy_data

import keras

import keras_condgan


def values(variables):
    return [keras.ops.convert_to_numpy(v).copy() for v in variables]


def float_pairs(model):
    """(average, live) weight pairs of the averaged networks, as the model keeps them."""
    averaged = [w for network in model.ema.averaged for w in network.weights]
    live = [w for network in model.averaged_live_networks() for w in network.weights]
    return averaged, live


def test_off_by_default_and_configs_stay_as_before():
    model = tiny_cgan()
    assert model.ema is None and model.ema_decay is None
    assert model.for_inference(model.generator) is model.generator
    assert not {"ema_decay", "ema_warmup"} & set(model.get_config())
    with pytest.raises(ValueError, match="no average"):
        model.reset_average()


@pytest.mark.parametrize("decay", [0.0, 1.0, 1.5, -0.1])
def test_decay_must_be_between_0_and_1(decay):
    with pytest.raises(ValueError, match="between 0 and 1"):
        tiny_cgan(ema_decay=decay)


@pytest.mark.parametrize("warmup", [True, False])
def test_averages_follow_the_formula_step_by_step(warmup):
    """After each update `average <- d_t * average + (1 - d_t) * live`, with
    d_t = min(decay, (1 + t) / (10 + t)) under warm-up, else decay."""
    decay = 0.8
    model = tiny_cgan(ema_decay=decay, ema_warmup=warmup)
    model.compile()
    images, labels = synthetic_digits(8)
    averaged, live = float_pairs(model)
    expected = values(averaged)
    assert all(np.array_equal(a, w) for a, w in zip(expected, values(live)))  # starts as a copy
    for t in range(3):
        model.fit(images, labels, batch_size=8, epochs=1, verbose=0, shuffle=False)
        d = min(decay, (1 + t) / (10 + t)) if warmup else decay
        expected = [d * a + (1 - d) * w for a, w in zip(expected, values(live))]
        for got, want in zip(values(averaged), expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert float(keras.ops.convert_to_numpy(model.ema.updates)) == 3
    # The live generator trained; the average lags behind it.
    assert not all(np.allclose(a, w) for a, w in zip(values(averaged), values(live)))


def test_discriminator_steps_do_not_move_the_average():
    # One average update per generator update, whatever the discriminator does.
    model = tiny_cgan(ema_decay=0.9, discriminator_steps=3)
    model.compile()
    model.fit(*synthetic_digits(16), batch_size=8, epochs=1, verbose=0)
    assert float(keras.ops.convert_to_numpy(model.ema.updates)) == 2


def test_no_optimizer_moves_the_average():
    model = tiny_cgan(ema_decay=0.9)
    model.compile()
    averaged_ids = {id(w) for network in model.ema.averaged for w in network.weights}
    assert not averaged_ids & {id(v) for v in model.trainable_variables}
    assert averaged_ids <= {id(v) for v in model.non_trainable_variables}


@pytest.fixture(scope="module")
def trained_models():
    """One tiny model of each family, trained a step with an average (decay 0.5, so that the
    average and the live weights differ clearly)."""
    keras.utils.set_random_seed(0)
    cgan = tiny_cgan(ema_decay=0.5)
    cgan.compile()
    cgan.fit(*synthetic_digits(8), batch_size=8, epochs=2, verbose=0)
    pix2pix = tiny_pix2pix(ema_decay=0.5)
    pix2pix.compile()
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, 256, (2, 2, 32, 32, 3)).astype("uint8")
    pix2pix.fit(pairs[0], pairs[1], batch_size=2, epochs=2, verbose=0)
    gaugan = tiny_gaugan(ema_decay=0.5)
    gaugan.compile()
    gaugan.fit(*toy_data(2), batch_size=2, epochs=2, verbose=0)
    return {"cgan": cgan, "pix2pix": pix2pix, "gaugan": gaugan, "condition": pairs[0], "maps": toy_data(2)}


def test_inference_runs_the_averaged_networks(trained_models):
    cgan, pix2pix, gaugan = (trained_models[k] for k in ("cgan", "pix2pix", "gaugan"))

    def to_uint8(x):
        return np.clip(np.round((keras.ops.convert_to_numpy(x) + 1) * 127.5), 0, 255).astype("uint8")

    # ConditionalGAN.generate, and the model's own graph (`predict`).
    latents = cgan.latents(3, seed=0)
    one_hot = np.eye(3, dtype="float32")[[0, 1, 2]]
    averaged = cgan.for_inference(cgan.generator)
    assert averaged is cgan.ema.averaged[0]
    np.testing.assert_array_equal(cgan.generate([0, 1, 2], seed=0), to_uint8(averaged([latents, one_hot])))
    assert not np.array_equal(cgan.generate([0, 1, 2], seed=0), to_uint8(cgan.generator([latents, one_hot])))
    np.testing.assert_allclose(
        cgan.predict([latents, one_hot], verbose=0), keras.ops.convert_to_numpy(averaged([latents, one_hot])),
        atol=1e-5,
    )
    # Pix2Pix.translate.
    condition = trained_models["condition"]
    scaled = condition.astype("float32") / 127.5 - 1
    np.testing.assert_array_equal(pix2pix.translate(condition), to_uint8(pix2pix.ema.averaged[0](scaled)))
    # GauGAN.synthesize with a style image: the averaged encoder and generator.
    label_maps, photos = trained_models["maps"]
    style = photos.astype("float32") / 127.5 - 1
    mean = keras.ops.convert_to_numpy(gaugan.ema.averaged[1](style)[0])
    one_hot_maps = np.eye(3, dtype="float32")[label_maps]
    np.testing.assert_array_equal(
        gaugan.synthesize(label_maps, style_image=photos), to_uint8(gaugan.ema.averaged[0]([mean, one_hot_maps]))
    )
    live_mean, _ = gaugan.encoder(style)
    assert not np.allclose(mean, keras.ops.convert_to_numpy(live_mean))
    # Export writes the averaged networks.
    assert gaugan.exportable_networks()["generator"][0] is gaugan.ema.averaged[0]
    assert gaugan.exportable_networks()["encoder"][0] is gaugan.ema.averaged[1]


@pytest.mark.parametrize("family", ["cgan", "gaugan"])
def test_presets_keep_the_average(trained_models, family, tmp_path):
    model = trained_models[family]
    path = str(tmp_path / "preset")
    model.save_to_preset(path)
    loaded = type(model).from_preset(path)
    assert loaded.ema_decay == 0.5
    for got, want in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)
    if family == "cgan":
        np.testing.assert_array_equal(loaded.generate([2, 0], seed=3), model.generate([2, 0], seed=3))
    else:
        label_maps, photos = trained_models["maps"]
        np.testing.assert_array_equal(
            loaded.synthesize(label_maps, style_image=photos), model.synthesize(label_maps, style_image=photos)
        )


def test_an_interrupted_run_resumes_the_average_exactly(tmp_path):
    images, labels = synthetic_digits(32)

    class StopAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                raise KeyboardInterrupt

    def model():
        keras.utils.set_random_seed(0)  # the same initial weights
        built = tiny_cgan(ema_decay=0.9)
        built.compile()
        return built

    uninterrupted = model()
    uninterrupted.fit(images, labels, batch_size=16, epochs=2, verbose=0, shuffle=False)
    backup = str(tmp_path / "backup")
    interrupted = model()
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(images, labels, batch_size=16, epochs=2, verbose=0, shuffle=False,
                        callbacks=[keras.callbacks.BackupAndRestore(backup), StopAfterFirstEpoch()])
    resumed = model()
    resumed.fit(images, labels, batch_size=16, epochs=2, verbose=0, shuffle=False,
                callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert float(keras.ops.convert_to_numpy(resumed.ema.updates)) == 4
    for got, want in zip(values(float_pairs(resumed)[0]), values(float_pairs(uninterrupted)[0])):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_reset_average_copies_the_live_weights_and_restarts_the_warmup():
    model = tiny_cgan(ema_decay=0.9)
    model.compile()
    model.fit(*synthetic_digits(8), batch_size=8, epochs=1, verbose=0)
    # e.g. a preset trained without an average, loaded into a model with one:
    keras.utils.set_random_seed(5)
    model.generator.set_weights([w + np.float32(0.1) if w.dtype.kind == "f" else w for w in model.generator.get_weights()])
    model.reset_average()
    averaged, live = float_pairs(model)
    assert all(np.array_equal(a, w) for a, w in zip(values(averaged), values(live)))
    assert float(keras.ops.convert_to_numpy(model.ema.updates)) == 0


def test_a_model_without_an_average_loads_into_one_with_load_weights_refused_clearly(tmp_path):
    # Weights files hold the average's variables: a file without them does not fit a model with
    # an average (Keras names the mismatch); `reset_average` is the way from plain weights.
    plain = tiny_cgan()
    path = str(tmp_path / "plain.weights.h5")
    plain.save_weights(path)
    with pytest.raises(ValueError):
        keras_condgan.ConditionalGAN.from_config(dict(plain.get_config(), ema_decay=0.9)).load_weights(path)


def test_fine_tuning_a_preset_starts_the_average_from_its_weights(preset_dir):
    from keras_condgan.training import run_folder

    plain, path = preset_dir  # a tiny cGAN without an average, saved as a preset
    model = tiny_cgan(ema_decay=0.999)
    run_folder.start_from_preset(model, path)
    for network in ("generator", "discriminator"):
        for got, want in zip(getattr(model, network).get_weights(), getattr(plain, network).get_weights()):
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(model.generate([0, 1, 2], seed=0), plain.generate([0, 1, 2], seed=0))
    with pytest.raises(run_folder.RunFolderError, match="another generator"):
        run_folder.start_from_preset(tiny_cgan(latent_dim=4), path)
