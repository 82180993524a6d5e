"""Learning-rate schedules: `LinearDecay` (the pix2pix rule), a Keras schedule per network,
their position saved and resumed, and the command line's `--decay-epochs` and `--augment`."""

import json
import os

import keras
import numpy as np
import pytest
from conftest import BACKEND, synthetic_digits, tiny_cgan
from PIL import Image

import keras_condgan
from keras_condgan.presets_io import trust
from keras_condgan.presets_io.errors import PresetError
from keras_condgan.schedules import LinearDecay

ERROR_PREFIX = "keras-condgan: error:"


def official(lr, epoch, n_epochs, n_epochs_decay, epoch_count=1):
    """junyanz/pytorch-CycleGAN-and-pix2pix, `networks.get_scheduler`, 'linear': the rate of
    0-based epoch `epoch` (LambdaLR's `last_epoch`, stepped at the end of each epoch)."""
    return lr * (1.0 - max(0, epoch + epoch_count - n_epochs) / float(n_epochs_decay + 1))


def rates(schedule, steps):
    return keras.ops.convert_to_numpy(schedule(np.array(steps, "int64"))).astype("float64")


# --- LinearDecay ---------------------------------------------------------------------------------


def test_from_epochs_gives_the_official_rate_of_every_epoch():
    steps_per_epoch = 3
    schedule = LinearDecay.from_epochs(2e-4, 100, 100, steps_per_epoch)
    epochs = [0, 1, 50, 98, 99, 100, 101, 150, 198, 199]
    # First and last step of each epoch: constant within the epoch.
    steps = [e * steps_per_epoch + k for e in epochs for k in (0, steps_per_epoch - 1)]
    expected = [official(2e-4, e, 100, 100) for e in epochs for _ in (0, 1)]
    np.testing.assert_allclose(rates(schedule, steps), expected, rtol=1e-6, atol=1e-12)
    assert rates(schedule, [99 * 3 + 2, 100 * 3])[1] < rates(schedule, [99 * 3 + 2])[0]  # decays from epoch 100
    assert rates(schedule, [199 * 3])[0] == pytest.approx(2e-4 / 101, rel=1e-5)  # the last epoch's
    np.testing.assert_array_equal(rates(schedule, [200 * 3, 10**6]), [0.0, 0.0])  # never negative


def test_steps_are_epochs_by_default():
    schedule = LinearDecay(1.0, constant_steps=5, decay_steps=4)
    steps = list(range(12))
    np.testing.assert_allclose(rates(schedule, steps), [max(0.0, official(1.0, s, 5, 4)) for s in steps], rtol=1e-6)


def test_config_and_serialization_round_trip():
    schedule = LinearDecay.from_epochs(1e-3, 2, 3, 5, name="g_decay")
    assert schedule.get_config() == {
        "initial_learning_rate": 1e-3, "constant_steps": 10, "decay_steps": 15, "steps_per_epoch": 5, "name": "g_decay"
    }
    config = keras.optimizers.schedules.serialize(schedule)
    assert config["registered_name"] == "keras_condgan>LinearDecay"
    restored = keras.optimizers.schedules.deserialize(config)
    assert isinstance(restored, LinearDecay) and restored.get_config() == schedule.get_config()
    assert keras_condgan.schedules.LinearDecay is LinearDecay


@pytest.mark.parametrize(
    "args, message",
    [((1e-3, -1, 10), "non-negative"), ((1e-3, 10, 10, 0), "positive"), ((-1.0, 1, 1), "non-negative")],
)
def test_bad_arguments_are_explained(args, message):
    with pytest.raises(ValueError, match=message):
        LinearDecay(*args)


# --- a schedule per network, in training, saved and resumed --------------------------------------

LR = 0.05


def schedules():
    """The generator: LinearDecay of one constant and one decay step (LR, LR / 2, then 0). The
    discriminator: Keras' PiecewiseConstantDecay, LR for its first 3 updates, then 0."""
    return (
        keras.optimizers.SGD(LinearDecay.from_epochs(LR, 1, 1, 1)),
        keras.optimizers.SGD(keras.optimizers.schedules.PiecewiseConstantDecay([2], [LR, 0.0])),
    )


class TrainableSnapshots(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.snapshots = []

    def on_epoch_end(self, epoch, logs=None):
        self.snapshots.append(
            {
                name: [keras.ops.convert_to_numpy(v).copy() for v in network.trainable_variables]
                for name, network in (("generator", self.model.generator), ("discriminator", self.model.discriminator))
            }
        )


def moved(before, after):
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


@pytest.fixture(scope="module")
def scheduled_run():
    """A cGAN with two discriminator updates per step, trained 3 epochs of one step each."""
    model = tiny_cgan(discriminator_steps=2)
    generator_optimizer, discriminator_optimizer = schedules()
    model.compile(generator_optimizer=generator_optimizer, discriminator_optimizer=discriminator_optimizer)
    snapshots = TrainableSnapshots()
    start = {
        name: [keras.ops.convert_to_numpy(v).copy() for v in network.trainable_variables]
        for name, network in (("generator", model.generator), ("discriminator", model.discriminator))
    }
    data = synthetic_digits(count=4)
    model.fit(*data, batch_size=4, epochs=3, verbose=0, callbacks=[snapshots])
    return {"model": model, "states": [start] + snapshots.snapshots, "data": data}


def iterations(optimizer):
    return int(keras.ops.convert_to_numpy(optimizer.iterations))


def current_rate(optimizer):
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


def test_each_network_follows_its_own_schedule_and_updates(scheduled_run):
    model, states = scheduled_run["model"], scheduled_run["states"]
    # Each optimizer counts its own updates: two discriminator updates per step.
    assert iterations(model.generator_optimizer) == 3 and iterations(model.discriminator_optimizer) == 6
    # The generator: LR, LR / 2, then 0 in the third step.
    assert [moved(states[i]["generator"], states[i + 1]["generator"]) for i in range(3)] == [True, True, False]
    # The discriminator: updates 0, 1 (step 1) and 2 (step 2) at LR, then 0: a schedule stepped
    # per model step (three steps) would still move it in step 3.
    assert [moved(states[i]["discriminator"], states[i + 1]["discriminator"]) for i in range(3)] == [True, True, False]
    assert current_rate(model.generator_optimizer) == 0.0 and current_rate(model.discriminator_optimizer) == 0.0


def test_the_trust_check_accepts_keras_and_package_schedules(scheduled_run):
    config = json.loads(json.dumps(scheduled_run["model"].get_compile_config()))  # a copy
    trust.check_objects_are_trusted(config, "the compile config")
    assert config["generator_optimizer"]["config"]["learning_rate"]["module"] == "keras_condgan.schedules"
    config["generator_optimizer"]["config"]["learning_rate"]["module"] = "elsewhere.schedules"
    with pytest.raises(PresetError, match="elsewhere.schedules"):
        trust.check_objects_are_trusted(config, "the compile config")


def schedule_configs(model):
    optimizers = (model.generator_optimizer, model.discriminator_optimizer)
    return [keras.optimizers.schedules.serialize(o._learning_rate) for o in optimizers]


def test_a_saved_model_keeps_its_schedules_and_their_position(scheduled_run, tmp_path):
    model = scheduled_run["model"]
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.generator_optimizer._learning_rate, LinearDecay)
    assert schedule_configs(loaded) == schedule_configs(model)
    assert iterations(loaded.generator_optimizer) == 3 and iterations(loaded.discriminator_optimizer) == 6
    # Training goes on from there: both rates are 0 now, so nothing moves, and the counts go on.
    before = [keras.ops.convert_to_numpy(v).copy() for v in loaded.trainable_variables]
    loaded.fit(*scheduled_run["data"], batch_size=4, epochs=1, verbose=0)
    assert iterations(loaded.generator_optimizer) == 4 and iterations(loaded.discriminator_optimizer) == 8
    assert not moved(before, [keras.ops.convert_to_numpy(v) for v in loaded.trainable_variables])


def test_weights_files_restore_the_position_as_backup_and_restore_does(scheduled_run, tmp_path):
    # BackupAndRestore saves and loads the model with save_weights/load_weights.
    path = str(tmp_path / "backup.weights.h5")
    scheduled_run["model"].save_weights(path)
    resumed = tiny_cgan(discriminator_steps=2)
    generator_optimizer, discriminator_optimizer = schedules()
    resumed.compile(generator_optimizer=generator_optimizer, discriminator_optimizer=discriminator_optimizer)
    assert current_rate(resumed.generator_optimizer) == pytest.approx(LR)
    resumed.load_weights(path)
    assert iterations(resumed.generator_optimizer) == 3 and iterations(resumed.discriminator_optimizer) == 6
    assert current_rate(resumed.generator_optimizer) == 0.0


# --- the command line -----------------------------------------------------------------------------


def parse(*arguments):
    from keras_condgan.cli.main import build_parser

    return build_parser().parse_args([str(a) for a in arguments])


def test_the_options_parse():
    args = parse("train", "pix2pix", "--epochs", 200, "--decay-epochs", 100, "--augment", "cutout,color")
    assert (args.epochs, args.decay_epochs, args.augment) == (200, 100, "color,cutout")
    defaults = parse("train", "pix2pix")
    assert (defaults.decay_epochs, defaults.augment) == (0, None)
    for family in ("cgan", "gaugan"):
        assert parse("train", family, "--augment", "translation").augment == "translation"
        assert parse("train", family, "--augment", "none").augment is None
        assert parse("train", family, "--decay-epochs", 3).decay_epochs == 3
        args = parse("train", family, "--ema-decay", 0.999, "--init-from", "mnist_cgan")
        assert (args.ema_decay, args.init_from) == (0.999, "mnist_cgan")
        assert parse("train", family).ema_decay is None


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["train", "cgan", "--augment", "color,flip"], "Unknown DiffAugment policy 'flip'"),
        (["train", "pix2pix", "--decay-epochs", "-1"], "expected a non-negative integer"),
        (["train", "gaugan", "--ema-decay", "1.5"], "expected a decay between 0 and 1"),
        (["train", "pix2pix", "--data", ".", "--epochs", "2", "--decay-epochs", "3"], "at most --epochs (2)"),
    ],
)
def test_bad_values_print_one_line(arguments, expected, tmp_path, monkeypatch, capsys):
    from keras_condgan.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(arguments) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith(ERROR_PREFIX) and expected in errors[0], errors


@pytest.mark.parametrize("family", ["cgan", "pix2pix", "gaugan"])
def test_the_command_passes_the_options_to_training(family, tmp_path, monkeypatch):
    from keras_condgan import training
    from keras_condgan.cli import main

    calls = {}
    name = {"cgan": "train_conditional_gan", "pix2pix": "train_pix2pix", "gaugan": "train_gaugan"}[family]
    monkeypatch.setattr(training, name, lambda out, **kwargs: calls.update(kwargs))
    extra = ["--decay-epochs", "4"] if family == "pix2pix" else []
    assert main(["train", family, "--out", str(tmp_path / "run"), "--augment", "translation,cutout", *extra]) == 0
    assert calls["augment"] == "translation,cutout"
    if family == "pix2pix":
        assert calls["decay_epochs"] == 4


def paired_folder(root, count=4, size=40):
    """Side-by-side A|B training pairs (B the negative of A)."""
    rng = np.random.default_rng(0)
    root.mkdir()
    for i in range(count):
        a = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(np.concatenate([a, 255 - a], axis=1)).save(root / f"{i}.png")
    return str(root)


@pytest.mark.skipif(BACKEND != "torch", reason="the run folder's code above `fit` is the same on every backend "
                    "(weights files restoring each optimizer's position: tested above on each): one backend, "
                    "the one that compiles nothing")
def test_a_resumed_run_continues_the_decay(tmp_path):
    from keras_condgan.training import train_pix2pix

    out = str(tmp_path / "run")
    options = dict(data=paired_folder(tmp_path / "pairs"), image_size=32, filters=4, epochs=2, decay_epochs=1,
                   batch_size=2, tensorboard=False, verbose=0, augment="translation,cutout")
    first = train_pix2pix(out, time_limit=1e-3, **options)  # stops after its first epoch
    assert iterations(first.generator_optimizer) == 2
    resumed = train_pix2pix(out, **options)  # the same command: epoch 2 only
    g_opt, d_opt = resumed.generator_optimizer, resumed.discriminator_optimizer
    expected = LinearDecay.from_epochs(2e-4, 1, 1, 2).get_config()
    for schedule in (g_opt._learning_rate, d_opt._learning_rate):
        config = schedule.get_config()
        assert config.pop("initial_learning_rate") == pytest.approx(expected.pop("initial_learning_rate", 2e-4))
        assert config == expected
    # 2 steps restored from the backup + 2 trained: the decay went on (epoch 2 at half the rate).
    assert iterations(g_opt) == 4 and iterations(d_opt) == 4
    assert current_rate(g_opt) == 0.0
    with open(os.path.join(out, "history.csv")) as f:
        assert [line.split(",")[0] for line in f.read().split()[1:]] == ["0", "1"]  # resumed, not retrained
    assert resumed.augment == "translation,cutout"
    assert os.path.isdir(os.path.join(out, "preset"))
