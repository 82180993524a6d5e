"""A training run's folder: what the callbacks keep there, how a run resumes, and the preset
written at the end.

    <out>/run.json            the model's class and config (a resumed run must build the same model)
    <out>/backup/             `BackupAndRestore`: weights, both optimizers and the epoch reached
    <out>/latest.weights.h5   the weights after the last finished epoch
    <out>/history.csv         one row of losses per epoch (appended to when resuming)
    <out>/samples/            `SampleGrid` pictures, one per epoch
    <out>/logs/               TensorBoard logs (when TensorFlow, which writes them, is installed):
                              losses, the sample grids, and the quality figures when measured
    <out>/preset/             the preset, written when training ends

Running the same training again with the same `<out>` resumes after the last finished epoch.
"""

import importlib.util
import json
import os
import time

import keras
import numpy as np

from keras_condgan.callbacks import QualityMonitor, SampleGrid, TimeLimit
from keras_condgan.schedules import LinearDecay

RUN_FILE = "run.json"
BACKUP_DIR = "backup"
LATEST_WEIGHTS = "latest.weights.h5"
HISTORY_FILE = "history.csv"
SAMPLES_DIR = "samples"
LOGS_DIR = "logs"
PRESET_DIR = "preset"


class RunFolderError(ValueError):
    """A run folder that cannot be resumed or read (another model's run, missing files)."""


def tensorboard_available():
    """Keras' `TensorBoard` callback writes its logs with TensorFlow's summary writer."""
    return importlib.util.find_spec("tensorflow") is not None


def run_callbacks(out, time_limit=None, tensorboard=None):
    """The callbacks that keep a run in `out` (see the module docstring): `BackupAndRestore`,
    `ModelCheckpoint` of the latest weights, `CSVLogger`, `TensorBoard` (`tensorboard=None`:
    when TensorFlow is installed), and a `TimeLimit` when `time_limit` (seconds) is given."""
    callbacks = [
        # Kept after the run ends, so that a run stopped by a time limit (or finished, then
        # given more epochs) continues where it stopped when the same command runs again.
        keras.callbacks.BackupAndRestore(os.path.join(out, BACKUP_DIR), delete_checkpoint=False),
        keras.callbacks.ModelCheckpoint(os.path.join(out, LATEST_WEIGHTS), save_weights_only=True),
        keras.callbacks.CSVLogger(os.path.join(out, HISTORY_FILE), append=True),
    ]
    if tensorboard is None:
        tensorboard = tensorboard_available()
    if tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(os.path.join(out, LOGS_DIR), write_graph=False))
    if time_limit:
        callbacks.append(TimeLimit(time_limit))
    return callbacks


def sample_grid(out, callbacks, *args, **kwargs):
    """The run's `SampleGrid` (arguments as `SampleGrid`'s after the folder): a picture per
    epoch in `<out>/samples/`, and the same as TensorBoard images beside the losses when the
    run writes TensorBoard logs (a `TensorBoard` among `callbacks`)."""
    log_dir = next((c.log_dir for c in callbacks if isinstance(c, keras.callbacks.TensorBoard)), None)
    return SampleGrid(os.path.join(out, SAMPLES_DIR), *args, log_dir=log_dir, **kwargs)


def quality_monitor(measure, every):
    """`[QualityMonitor(measure(), every)]` when `every` (epochs) is given, else `[]`; `measure`
    is called only then (building a measure loads its networks and data)."""
    return [QualityMonitor(measure(), every=every)] if every else []


def _comparable(config):
    # The layer name is made up per process ("pix2pix_1"); it is not part of the model.
    return {key: value for key, value in config.items() if key != "name"}


def start_run(model, out, extra=None):
    """Records the model in `<out>/run.json`, or checks that a run already in `out` trained
    the same model (resuming it otherwise fails inside Keras with a shape mismatch).
    `extra`: more JSON-serialisable facts about the run (data, class names)."""
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, RUN_FILE)
    record = {"class_name": type(model).__name__, "config": json.loads(json.dumps(model.get_config()))}
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            previous = json.load(f)
        if os.path.isdir(os.path.join(out, BACKUP_DIR)):
            before, now = _comparable(previous.get("config", {})), _comparable(record["config"])
            if previous.get("class_name") != record["class_name"] or before != now:
                changed = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
                details = ", ".join(f"{k}: {before.get(k)!r} then {now.get(k)!r}" for k in changed[:4])
                raise RunFolderError(
                    f"The run in {out} trained a {previous.get('class_name')} with other settings "
                    f"({details or 'another model class'}); resume it with its own settings or pick "
                    "another output folder."
                )
    record.update(extra or {})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
    return path


def is_run_folder(path):
    return os.path.isfile(os.path.join(path, RUN_FILE))


def model_from_run_folder(path):
    """The model of a run folder: its preset when training has finished, else the model of
    `run.json` with the latest weights (a run stopped early can be evaluated too)."""
    from keras_condgan.models.gan import GAN

    preset = os.path.join(path, PRESET_DIR)
    if os.path.isdir(preset):
        return GAN.from_preset(preset)
    weights = os.path.join(path, LATEST_WEIGHTS)
    if not os.path.isfile(weights):
        raise RunFolderError(f"The run in {path} has no preset and no {LATEST_WEIGHTS} yet: no epoch has finished.")
    with open(os.path.join(path, RUN_FILE), encoding="utf-8") as f:
        record = json.load(f)
    classes = {cls.__name__: cls for cls in model_classes()}
    if record.get("class_name") not in classes:
        raise RunFolderError(f"{path}/{RUN_FILE} names {record.get('class_name')!r}, not a model of this package.")
    model = classes[record["class_name"]].from_config(record["config"])
    model.load_weights(weights)
    return model


def model_classes():
    from keras_condgan.models.conditional_gan.conditional_gan import ConditionalGAN
    from keras_condgan.models.gaugan.gaugan import GauGAN
    from keras_condgan.models.pix2pix.pix2pix import Pix2Pix

    return (ConditionalGAN, Pix2Pix, GauGAN)


def start_from_preset(model, preset):
    """Copies the live networks' weights of `preset` (a name, folder or handle) into `model`,
    whose architecture must be the preset's (the training techniques may differ: e.g. an
    average of the weights, `ema_decay`, added to fine-tune a preset trained without one, whose
    average then starts from the preset's weights). A resumed run's backup replaces them."""
    source = type(model).from_preset(preset)
    for name in ("generator", "discriminator", "encoder"):
        network = getattr(model, name, None)
        if network is None:
            continue
        weights = getattr(source, name).get_weights()
        shapes = [w.shape for w in network.get_weights()]
        if [w.shape for w in weights] != shapes:
            raise RunFolderError(
                f"The preset {preset!r} has another {name} than this run's model: train with its settings "
                f"({type(model).__name__}.from_preset({preset!r}).get_config() lists them)."
            )
        network.set_weights(weights)
    if model.ema is not None:
        model.reset_average()


def check_decay_epochs(epochs, decay_epochs):
    if decay_epochs and not 0 < decay_epochs <= epochs:
        raise ValueError(f"--decay-epochs must be at most --epochs ({epochs}); got {decay_epochs}.")


def decaying_optimizers(model, epochs, decay_epochs, steps_per_epoch):
    """`compile` arguments: the model's default optimizers with `LinearDecay` learning rates
    over the last `decay_epochs` of `epochs` (each optimizer's updates per epoch counted: the
    discriminator's are `discriminator_steps` per batch); `{}` (the defaults) for 0."""
    if not decay_epochs:
        return {}
    check_decay_epochs(epochs, decay_epochs)
    generator_optimizer, discriminator_optimizer = model.default_optimizers()

    def decaying(optimizer, updates_per_batch):
        config = optimizer.get_config()
        config["learning_rate"] = LinearDecay.from_epochs(
            config["learning_rate"], epochs - decay_epochs, decay_epochs, steps_per_epoch * max(1, updates_per_batch)
        )
        return optimizer.__class__.from_config(config)

    return {
        "generator_optimizer": decaying(generator_optimizer, 1),
        "discriminator_optimizer": decaying(discriminator_optimizer, model.discriminator_steps),
    }


def save_average_only_preset(model, preset_dir, weights_dtype="float16"):
    """Rewrites the preset of a model trained with `ema_decay` with the averaged networks as
    its live ones and no average: half the generator's share of the size, the same inference.
    Returns the maximum absolute difference between the two models' generator outputs on a
    probe input (float16 storage: about 1e-3)."""
    if model.ema is None:
        raise ValueError("An average-only preset needs a model trained with `ema_decay`: this one keeps no average.")
    config = model.get_config()
    for key in ("ema_decay", "ema_warmup"):
        config.pop(key, None)
    plain = type(model).from_config(config)
    for live, averaged in zip(plain.averaged_live_networks(), model.ema.averaged, strict=True):
        live.set_weights(averaged.get_weights())
    plain.discriminator.set_weights(model.discriminator.get_weights())
    if len(plain.weights) != len(model.weights) - len(model.ema.weights):
        raise ValueError("The model has weights outside its networks and their average; not rewriting the preset.")
    plain.save_to_preset(preset_dir, weights_dtype=weights_dtype)
    # Check: the rewritten preset's generator gives what the trained model's averaged one gives.
    reloaded = type(model).from_preset(preset_dir)
    rng = np.random.default_rng(0)
    inputs = [rng.uniform(-1, 1, (1,) + tuple(i.shape[1:])).astype("float32") for i in model.generator.inputs]
    inputs = inputs[0] if len(inputs) == 1 else inputs
    before = model.ema.averaged[0].predict(inputs, verbose=0)
    after = reloaded.generator.predict(inputs, verbose=0)
    difference = float(np.max(np.abs(np.asarray(before) - np.asarray(after))))
    size = sum(os.path.getsize(os.path.join(preset_dir, f)) for f in os.listdir(preset_dir))
    print(f"average-only preset written to {preset_dir} ({size / 1e6:.1f} MB; generator outputs within "
          f"{difference:.1e} of the trained average's)")
    return difference


def fit_and_save_preset(model, out, weights_dtype, *fit_args, preset_dir=None, **fit_kwargs):
    """`model.fit(...)`, then the preset in `preset_dir` (default `<out>/preset`) with weights
    stored as `weights_dtype` (e.g. float16: half the size; loading restores the model's
    dtype; None: as trained). Returns the preset folder."""
    start = time.time()
    model.fit(*fit_args, **fit_kwargs)
    print(f"trained in {time.time() - start:.0f} s on {keras.backend.backend()}")
    preset_dir = preset_dir or os.path.join(out, PRESET_DIR)
    model.save_to_preset(preset_dir, weights_dtype=weights_dtype)
    print(f"preset written to {preset_dir}")
    return preset_dir
