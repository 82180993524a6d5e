"""Training callbacks: sample grids (PNG files and TensorBoard images), quality measures as
metrics, time limits, dataset epochs, and the non-finite loss check that `GAN.fit` adds."""

import colorsys
import math
import os
import threading
import time

import keras
import numpy as np

from keras_condgan.datasets import facades
from keras_condgan.utils.images import image_grid


class TimeLimit(keras.callbacks.Callback):
    """Stops training at the end of the first epoch that ends after `seconds`
    (for a fixed time budget; the log says how many epochs ran)."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_train_begin(self, logs=None):
        self.start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if time.time() - self.start > self.seconds:
            print(f"time limit of {self.seconds:.0f} s reached after epoch {epoch + 1}")
            self.model.stop_training = True


class DatasetEpoch(keras.callbacks.Callback):
    """Tells a dataset with an `epoch` attribute (`PairedImageDataset`) which epoch runs, so
    that a run resumed by `BackupAndRestore` draws the same shuffles and crops as an
    uninterrupted one (the dataset itself only counts the epochs it has seen)."""

    def __init__(self, dataset):
        super().__init__()
        self.dataset = dataset

    def on_epoch_begin(self, epoch, logs=None):
        self.dataset.epoch = epoch


def label_map_colors(label_maps, num_classes):
    """Colours class-id maps `(N, H, W)` for display: the facades palette for its 12
    classes, otherwise evenly spaced hues."""
    label_maps = np.asarray(label_maps)
    if num_classes == facades.NUM_CLASSES:
        return facades.colors_from_labels(label_maps)
    palette = [colorsys.hsv_to_rgb(c / num_classes, 1.0, 1.0) for c in range(num_classes)]
    return np.round(np.array(palette) * 255).astype("uint8")[label_maps]


def as_rgb(images):
    """uint8 images `(N, H, W, C)` with C = 1 or 3 as `(N, H, W, 3)`, to lay out side by side."""
    images = np.asarray(images)
    return np.repeat(images, 3, axis=-1) if images.shape[-1] == 1 else images


class SampleGrid(keras.callbacks.Callback):
    """Every `every` epochs (and after the last), writes `<folder>/epoch_NNN.png`: what the
    model makes of fixed inputs, so that a run can be watched as it trains; with `log_dir`,
    the same grid also goes to TensorBoard (tag `samples`; its step is the 0-based epoch, as
    Keras' `TensorBoard` callback steps the epoch losses, so the two line up). One callback for
    every family:

    - `ConditionalGAN`: one row per class, `per_class` digits each, from latents fixed by
      `seed` (the same every epoch); an unconditional GAN: `per_class` rows of `per_class`.
    - `Pix2Pix`: one row per fixed pair: condition | generated | real target.
    - `GauGAN`: one row per fixed pair: label map (coloured) | generated with a random style
      (fixed by `seed`) | generated in the style of the real photo | real photo.

    Args:
        folder: where the grids go (created if missing); None writes no PNG files.
        conditions, targets: the fixed pairs for Pix2Pix (uint8 images) and GauGAN (class-id
            maps `(N, H, W)` and uint8 photos), at the model's size. Unused for a cGAN.
        per_class: samples per class (cGAN).
        seed: seed of the cGAN's latents and of GauGAN's random style.
        scale: pixels per image pixel in the grid; by default small images are enlarged
            (`max(1, 64 // height)`).
        every: epochs between grids.
        log_dir: a TensorBoard log folder: the grids are written to its `train` run, where
            `keras.callbacks.TensorBoard(log_dir)` writes the losses, so pass both the same
            folder. Written with TensorFlow's summary writer on every Keras backend (TensorFlow
            and TensorBoard must be installed: `pip install tensorboard`).
    """

    def __init__(self, folder, conditions=None, targets=None, per_class=8, seed=0, scale=None, every=1, log_dir=None):
        super().__init__()
        if folder is None and log_dir is None:
            raise ValueError("SampleGrid needs a `folder` for PNG files, a TensorBoard `log_dir`, or both.")
        if int(every) < 1:
            raise ValueError(f"`every` is a number of epochs, at least 1; got {every}.")
        self.folder, self.log_dir = folder, log_dir
        self.conditions, self.targets = conditions, targets
        self.per_class, self.seed, self.scale, self.every = int(per_class), seed, scale, int(every)
        self._tf = self._writer = None
        if folder is not None:
            os.makedirs(folder, exist_ok=True)
        if log_dir is not None:
            self._tf, self._writer = tensorboard_writer(os.path.join(log_dir, "train"))

    def rows(self):
        """`(images, row_count, row_labels)` of the grid for the current model (the family
        is told by what it does: `translate`, `synthesize` or `generate`)."""
        model = self.model
        if hasattr(model, "translate"):
            columns = [self.conditions, model.translate(self.conditions), self.targets]
        elif hasattr(model, "synthesize"):
            columns = [
                label_map_colors(self.conditions, model.num_classes),
                model.synthesize(self.conditions, seed=self.seed),
                model.synthesize(self.conditions, style_image=self.targets),
                self.targets,
            ]
        elif model.num_classes:
            labels = np.repeat(np.arange(model.num_classes), self.per_class)
            return model.generate(labels, seed=self.seed), model.num_classes, list(range(model.num_classes))
        else:
            return model.generate(self.per_class * self.per_class, seed=self.seed), self.per_class, None
        columns = [as_rgb(c) for c in columns]
        return np.stack(columns, axis=1).reshape((-1,) + columns[0].shape[1:]), len(columns[0]), None

    def grid(self):
        """The grid for the current model, as a `PIL.Image`."""
        images, rows, row_labels = self.rows()
        scale = self.scale or max(1, 64 // images.shape[1])
        return image_grid(images, rows=rows, row_labels=row_labels, scale=scale)

    def on_epoch_end(self, epoch, logs=None):
        if not is_due(epoch, self.every, self.params):
            return
        grid = self.grid()
        if self.folder is not None:
            grid.save(os.path.join(self.folder, f"epoch_{epoch + 1:03d}.png"))
        if self._writer is not None:
            pixels = np.asarray(grid.convert("RGB"))
            with self._writer.as_default():
                self._tf.summary.image("samples", pixels[None], step=epoch)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.flush()


def is_due(epoch, every, params):
    """Whether a callback that acts every `every` epochs acts after `epoch` (0-based): every
    `every`-th epoch, and after the last epoch of `fit`, so the end of a run is always seen."""
    return (epoch + 1) % every == 0 or epoch + 1 == (params or {}).get("epochs")


def tensorboard_writer(folder):
    """`(tf, writer)`: TensorFlow and a summary file writer for `folder`, on any
    Keras backend: TensorBoard's file format is written by TensorFlow, as Keras' own
    `TensorBoard` callback does it."""
    try:
        import tensorflow as tf

        tf.summary.image  # provided by the tensorboard package
    except (ImportError, AttributeError) as error:
        raise ImportError(
            "Writing TensorBoard images needs TensorFlow and TensorBoard: pip install tensorflow tensorboard "
            "(or leave `log_dir` unset and read the PNG files)."
        ) from error
    return tf, tf.summary.create_file_writer(folder)


class QualityMonitor(keras.callbacks.Callback):
    """Measures the model's samples every `every` epochs (and after the last) and puts the
    figures into the epoch's `logs` as `val_<name>`, as Keras does for validation metrics, so
    that `ModelCheckpoint(monitor="val_kid", save_best_only=True)`, `EarlyStopping`,
    `ReduceLROnPlateau`, `CSVLogger`, `TensorBoard` and the progress bar see them like any metric.

    `measure` is a callable `measure(model) -> {name: float}` with a `directions` dict (`"max"`,
    `"min"` or None per name): `keras_condgan.evaluation.quality.ClassifierQuality` (class
    accuracy and KID of a cGAN, e.g. `ClassifierQuality.mnist()`) or `PairedQuality` (LPIPS and
    KID of Pix2Pix / GauGAN on held-out pairs). `GAN.fit` runs this callback before the other
    callbacks, whatever their order in the list, and gives the monitoring callbacks that watch
    one of its figures with `mode="auto"` the right direction.

    Between measurements the last measured figures stay in `logs` (so that `EarlyStopping`'s
    patience counts epochs and the CSV log has no holes); `measured_epochs` lists the epochs
    (1-based) that were measured.

    Args:
        measure: the measure (see above).
        every: epochs between measurements (measuring takes a while: generating the images and
            running the judge networks).
        prefix: prefix of the names in `logs`.
    """

    def __init__(self, measure, every=1, prefix="val_"):
        super().__init__()
        if int(every) < 1:
            raise ValueError(f"`every` is a number of epochs, at least 1; got {every}.")
        if not callable(measure):
            raise TypeError(f"`measure` must be callable as measure(model) -> dict; got {type(measure).__name__}.")
        self.measure, self.every, self.prefix = measure, int(every), prefix
        self.latest = {}
        self.measured_epochs = []

    @property
    def directions(self):
        """`{name in logs: "min" | "max"}` for the figures that have a better direction."""
        return {self.prefix + name: mode for name, mode in getattr(self.measure, "directions", {}).items() if mode}

    def on_epoch_end(self, epoch, logs=None):
        if is_due(epoch, self.every, self.params):
            figures = self.measure(self.model)
            self.latest = {self.prefix + name: float(value) for name, value in figures.items()}
            self.measured_epochs.append(epoch + 1)
        if logs is not None:
            logs.update(self.latest)


class NonFiniteLossError(FloatingPointError):
    """A GAN loss became NaN or infinite during training."""


class TerminateOnNonFiniteLoss(keras.callbacks.Callback):
    """Keras' `TerminateOnNaN` for both networks of a GAN, keeping the last good weights.

    After every training batch, checks the discriminator's and the generator's losses
    (`d_loss`, `g_loss`, and `gradient_penalty` when the model has one: running means over
    the epoch, so one bad step is enough). On a
    NaN or infinite value, it puts back the weights the model had at the start of the
    epoch (the last ones known to give finite losses) and raises `NonFiniteLossError`
    naming the network and the step. Raising, rather than quietly ending `fit`, also
    keeps `ModelCheckpoint` and `BackupAndRestore` from recording the broken epoch as
    done: their last files stay those of the last good epoch (`GAN.fit` puts this
    callback first, so its `on_epoch_end` runs before theirs).

    It never stalls the training loop: reading a loss waits for the device, so the check
    runs in Keras' callback thread (`async_safe`), while the next steps are already
    queued; the main thread then stops the epoch, restores the weights and raises at the
    epoch's end. The epoch's starting weights are kept as copies on the device, not on the host.

    `GAN.fit` adds one unless the callbacks hold one already.
    """

    # `on_train_batch_end` only reads the logs and records what it found.
    async_safe = True

    def __init__(
        self, loss_names=(("d_loss", "discriminator"), ("gradient_penalty", "discriminator"), ("g_loss", "generator"))
    ):
        super().__init__()
        self.loss_names = loss_names
        self._good_weights = None
        self._epoch = 0
        self._steps_before_epoch = 0
        self._found = None
        self._lock = threading.Lock()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._found = None
        self._steps_before_epoch = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        # Copies, not references: JAX's `fit` donates (frees) the buffers of the state it trains.
        self._good_weights = [keras.ops.copy(keras.ops.stop_gradient(w.value)) for w in self.model.weights]

    def on_train_batch_end(self, batch, logs=None):
        if not logs:
            return
        bad = [
            (name, network, value)
            for name, network in self.loss_names
            if name in logs and not math.isfinite(value := float(logs[name]))
        ]
        if bad:
            # Keras' callback threads can check several batches at once: keep the first.
            with self._lock:
                if self._found is None or batch < self._found[0]:
                    self._found = (batch, bad)

    def on_train_batch_begin(self, batch, logs=None):
        # Set from the main thread only: Keras' JAX loop loses its state when a callback
        # thread sets `stop_training` while the loop runs (measured on Keras 3.15).
        if self._found is not None:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        # `stop_training` has ended the epoch early, Keras has waited for every pending
        # `on_train_batch_end`, and on JAX the trained state is back in the variables.
        self._raise_if_found()

    def _raise_if_found(self):
        if self._found is None:
            return
        batch, bad = self._found
        self._found = None
        if self._good_weights is not None:
            self.model.set_weights([keras.ops.convert_to_numpy(w) for w in self._good_weights])
        self.model.stop_training = True
        name, network, value = bad[0]
        step = self._steps_before_epoch + batch + 1
        also = "".join(f"; the {n} loss ({k}) is {v} too" for k, n, v in bad[1:])
        raise NonFiniteLossError(
            f"The {network} loss ({name}) became {value} at step {step} (epoch {self._epoch + 1}, "
            f"batch {batch + 1}){also}. Training stopped; the model holds the weights from the start "
            f"of epoch {self._epoch + 1}, the last with finite losses. Lower the learning rates, check "
            "the data for extreme values, or resume from the last checkpoint."
        )
