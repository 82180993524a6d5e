"""`GAN`: two networks, two optimizers, and one training step for every backend."""

import os

import keras
import numpy as np
from keras_hub.models import Backbone
from keras_hub.src.utils.python_utils import classproperty

from keras_condgan import preset_utils
from keras_condgan.callbacks import TerminateOnNonFiniteLoss
from keras_condgan.trainers import GANTrainer
from keras_condgan.trainers.loss_scale import DynamicLossScale
from keras_condgan.utils.images import check_image_values


class GAN(GANTrainer, Backbone):
    """Base class of the package's GANs.

    A subclass builds its `generator` and `discriminator` (any Keras models),
    passes them here, and describes its training objective with three methods
    written in `keras.ops`:

    - `prepare_batch(data)`: turns a batch from `fit` into a dict of tensors.
    - `discriminator_loss(batch, training)` -> `(loss, logs)`
    - `generator_loss(batch, training)` -> `(loss, logs)`

    One training step makes `discriminator_steps` discriminator updates (each
    with fresh noise, on the same real batch) and then one generator update.
    Each update differentiates its loss with respect to its own network's
    trainable variables only, and applies its own optimizer: a discriminator
    update never moves the generator, and vice versa. The backend-specific
    part (GradientTape, `jax.value_and_grad`, autograd) is the `GANTrainer`
    mixin of `keras_condgan.trainers`.

    The model is a KerasHub `Backbone`, so `from_preset`/`save_to_preset` and
    `keras_hub.models.Backbone.from_preset` work on its presets.

    Mixed precision: a subclass passes its `dtype` argument (a policy such as
    `"mixed_bfloat16"`; the global policy when None) to every layer and here. Under
    `"mixed_float16"`, `compile(auto_scale_loss=True)` (the default) gives each network's
    update its own dynamic loss scale (`loss_scales`, see `trainers/loss_scale.py`):
    an update whose gradients overflow is skipped and only that network's scale halves.
    """

    # Names of the scalars the losses log; a `keras.metrics.Mean` tracks each.
    loss_names = ("d_loss", "g_loss")
    # Dynamic loss scaling under mixed_float16, as Keras' LossScaleOptimizer: the starting
    # scale, and the finite updates in a row after which a scale doubles.
    initial_loss_scale = 2.0**15
    loss_scale_growth_steps = 2000

    def __init__(self, generator, discriminator, discriminator_steps=1, seed=None, **kwargs):
        if int(discriminator_steps) < 0:
            raise ValueError(
                "`discriminator_steps` must be a non-negative integer (0 trains the "
                f"generator alone); got {discriminator_steps!r}."
            )
        # Like every KerasHub backbone, the model is functional: its graph is
        # the generator (so `model(inputs)` and `predict` generate). This also
        # keeps it working once Keras has rebased `Backbone` onto `Functional`,
        # which it does the first time any functional backbone is built.
        inputs = [keras.Input(x.shape[1:], name=x.name) for x in generator.inputs]
        inputs = inputs[0] if len(inputs) == 1 else inputs
        super().__init__(inputs=inputs, outputs=generator(inputs), **kwargs)
        # Assigned after `super().__init__()` so Keras tracks them on every backend.
        self.generator = generator
        self.discriminator = discriminator
        self.discriminator_steps = int(discriminator_steps)
        self.seed = seed
        # The training noise comes from this generator. Its state is a
        # non-trainable model variable, so JAX threads it through the compiled
        # step; Keras does not write SeedGenerator state into weights files.
        self.seed_generator = keras.random.SeedGenerator(seed, name="training_noise")
        self.loss_trackers = [keras.metrics.Mean(name=name) for name in self.loss_names]

    @property
    def metrics(self):
        return list(self.loss_trackers)

    # --- compile -------------------------------------------------------------

    def default_optimizers(self):
        """`(generator_optimizer, discriminator_optimizer)` used when none are given."""
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.5),
            keras.optimizers.Adam(2e-4, beta_1=0.5),
        )

    def compile(
        self,
        generator_optimizer=None,
        discriminator_optimizer=None,
        jit_compile="auto",
        auto_scale_loss=True,
        **kwargs,
    ):
        """Configures the two optimizers.

        Args:
            generator_optimizer, discriminator_optimizer: optimizers (or their
                names/configs); default to `default_optimizers()`.
            jit_compile: `"auto"` compiles the step with XLA on TensorFlow and
                JAX and runs it eagerly on torch (where `True` would mean
                `torch.compile`, which recompiles a GAN step without end).
            auto_scale_loss: under the `"mixed_float16"` policy, scale each network's
                loss with its own dynamic loss scale (`loss_scales`). No effect under
                other policies, which need no scaling.
            **kwargs: passed to `keras.Model.compile` (e.g. `run_eagerly`,
                `steps_per_execution` on TensorFlow and JAX).
        """
        default_g, default_d = self.default_optimizers()
        g_opt = keras.optimizers.get(generator_optimizer) if generator_optimizer else default_g
        d_opt = keras.optimizers.get(discriminator_optimizer) if discriminator_optimizer else default_d
        if g_opt is d_opt:
            raise ValueError("The generator and discriminator need two distinct optimizer objects.")
        if jit_compile == "auto":
            jit_compile = keras.backend.backend() != "torch"
        # Both optimizers live in `self.optimizer`, which is where Keras keeps
        # (and JAX threads through `fit`) optimizer state; variables are routed
        # to their network's optimizer by identity.
        d_ids = {id(v) for v in self.discriminator.trainable_variables}
        optimizer = keras.optimizers.MultiOptimizer(
            lambda v: d_opt if id(v) in d_ids else g_opt
        )
        # Keras' own loss scaling would wrap the MultiOptimizer in a LossScaleOptimizer
        # that our steps never call: one scale per network is added below instead.
        super().compile(optimizer=optimizer, jit_compile=jit_compile, auto_scale_loss=False, **kwargs)
        # Build eagerly: optimizer variables cannot be created inside a traced step.
        self.optimizer.build(self.trainable_variables)
        self._generator_optimizer = g_opt
        self._discriminator_optimizer = d_opt
        self._loss_scales = {}
        if auto_scale_loss and self.dtype_policy.name == "mixed_float16":
            # Variables of `self.optimizer`, so that JAX threads them through `fit`.
            self._loss_scales = {
                network: DynamicLossScale(
                    self.optimizer, network, self.initial_loss_scale, self.loss_scale_growth_steps
                )
                for network in ("discriminator", "generator")
            }
        self._gan_compile_config = {
            "generator_optimizer": keras.optimizers.serialize(g_opt),
            "discriminator_optimizer": keras.optimizers.serialize(d_opt),
            "jit_compile": jit_compile,
            "auto_scale_loss": auto_scale_loss,
        }

    @property
    def generator_optimizer(self):
        return self._generator_optimizer

    @property
    def discriminator_optimizer(self):
        return self._discriminator_optimizer

    @property
    def loss_scales(self):
        """`{"discriminator": DynamicLossScale, "generator": DynamicLossScale}` under
        `mixed_float16` (each with its `scale` and `finite_steps` variables); empty when
        the losses are not scaled."""
        return dict(getattr(self, "_loss_scales", {}))

    def get_compile_config(self):
        if getattr(self, "_gan_compile_config", None) is None:
            return None
        return dict(self._gan_compile_config)

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("generator_optimizer", "discriminator_optimizer"):
            config[key] = keras.optimizers.deserialize(config[key])
        self.compile(**config)

    def fit(self, x=None, y=None, *args, callbacks=None, **kwargs):
        """`keras.Model.fit`, plus a `TerminateOnNonFiniteLoss` (unless `callbacks`
        holds one): a NaN or infinite loss stops training with an error naming the
        network and the step, and the model keeps its last good weights. NumPy
        inputs are checked first: no empty arrays, float images finite and in [-1, 1]."""
        for name, array in (("x", x), ("y", y)):
            if isinstance(array, np.ndarray):
                if len(array) == 0:
                    raise ValueError(f"Cannot train on an empty batch: `{name}` has 0 samples.")
                if array.dtype.kind == "f" and array.ndim >= 3:  # images, not labels
                    check_image_values(array, f"images in `{name}`")
        callbacks = list(callbacks or [])
        if not any(isinstance(c, TerminateOnNonFiniteLoss) for c in callbacks):
            # First, so that a broken epoch raises before checkpoints see its end.
            callbacks.insert(0, TerminateOnNonFiniteLoss())
        return super().fit(x, y, *args, callbacks=callbacks, **kwargs)

    # --- the training step, once for all backends ---------------------------

    @property
    def generator_trainable_variables(self):
        """The variables the generator update differentiates and its optimizer moves.

        The generator's by default; a subclass adds those of any network trained with
        the generator's loss (GauGAN's image encoder). `compile` routes every trainable
        variable that is not the discriminator's to the generator optimizer.
        """
        return self.generator.trainable_variables

    def prepare_batch(self, data):
        raise NotImplementedError

    def discriminator_loss(self, batch, training=True):
        raise NotImplementedError

    def generator_loss(self, batch, training=True):
        raise NotImplementedError

    def gan_train_step(self, data):
        batch = self.prepare_batch(data)
        logs = {}
        loss_scales = self.loss_scales  # empty unless mixed_float16
        for _ in range(self.discriminator_steps):
            logs.update(
                self._gradient_step(
                    lambda: self.discriminator_loss(batch, training=True),
                    self.discriminator.trainable_variables,
                    self.discriminator_optimizer,
                    loss_scale=loss_scales.get("discriminator"),
                )
            )
        logs.update(
            self._gradient_step(
                lambda: self.generator_loss(batch, training=True),
                self.generator_trainable_variables,
                self.generator_optimizer,
                loss_scale=loss_scales.get("generator"),
            )
        )
        # One model step; callbacks such as TensorBoard read this counter.
        self.optimizer.iterations.assign_add(1)
        return self._update_trackers(logs)

    def gan_test_step(self, data):
        batch = self.prepare_batch(data)
        _, logs = self.discriminator_loss(batch, training=False)
        _, g_logs = self.generator_loss(batch, training=False)
        logs.update(g_logs)
        return self._update_trackers(logs)

    def _update_trackers(self, logs):
        for tracker in self.metrics:
            if tracker.name in logs:
                tracker.update_state(logs[tracker.name])
        return {tracker.name: tracker.result() for tracker in self.metrics}

    # --- saving: atomic files, and the noise state with the weights ---------------

    # The key of the training-noise state among the model's own saved variables.
    NOISE_STATE_KEY = "training_noise_state"

    def save_own_variables(self, store):
        # Keras does not save SeedGenerator states; without this, a run resumed from a
        # checkpoint would draw other noise than the uninterrupted run.
        super().save_own_variables(store)
        store[self.NOISE_STATE_KEY] = keras.ops.convert_to_numpy(self.seed_generator.state)

    def load_own_variables(self, store):
        keys = list(store.keys())
        if self.NOISE_STATE_KEY in keys:  # absent from files saved before it was added
            self.seed_generator.state.assign(store[self.NOISE_STATE_KEY])
        super().load_own_variables({k: store[k] for k in keys if k != self.NOISE_STATE_KEY})

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """`keras.Model.save_weights`, written under a temporary name and then renamed:
        an interruption leaves the previous file whole (`ModelCheckpoint` and
        `BackupAndRestore` save through this)."""
        save = super().save_weights
        preset_utils.write_file_atomically(
            lambda path: save(path, overwrite=True, max_shard_size=max_shard_size), filepath, overwrite
        )

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """`keras.Model.save`, written under a temporary name and then renamed."""
        save = super().save
        if zipped is False or not str(filepath).endswith(".keras"):  # a folder or another format
            return save(filepath, overwrite=overwrite, zipped=zipped, **kwargs)
        preset_utils.write_file_atomically(lambda path: save(path, overwrite=True, **kwargs), filepath, overwrite)

    # --- presets ---------------------------------------------------------------

    # Subclasses map preset names to their metadata and location.
    backbone_presets = {}

    @classproperty
    def presets(cls):
        """The named presets of this model class: `{name: metadata}`."""
        return {name: entry["metadata"] for name, entry in cls.backbone_presets.items()}

    @classmethod
    def from_preset(cls, preset, load_weights=True, **kwargs):
        """Builds the model from a preset and loads its weights.

        Args:
            preset: a name from `presets`, a local preset folder, or a
                `hf://org/name` / `kaggle://org/model/keras/variant` handle.
            load_weights: `False` builds the architecture with fresh weights.
        """
        handle = preset_utils.resolve_preset(preset, cls.backbone_presets, cls.__name__)
        if "://" in handle:
            preset_utils.fetch_hub_config(handle)
        # Checked before KerasHub deserialises anything: trusted classes only, and
        # weights that match the checksum recorded when the preset was saved.
        weights_path = preset_utils.checked_preset_files(handle)
        try:
            return super().from_preset(handle, load_weights=load_weights, **kwargs)
        except (ValueError, KeyError, TypeError) as error:
            if "not a subclass" in str(error):
                raise
            raise preset_utils.PresetError(
                f"Could not build {cls.__name__} from preset {handle!r}: its config.json and "
                f"{os.path.basename(weights_path)} do not fit this model ({type(error).__name__}: {error})"
            ) from error

    def save_to_preset(self, preset_dir, max_shard_size=10, weights_dtype=None):
        """Saves config, metadata (with the sha256 of the weights file, which
        `from_preset` verifies) and network weights (no optimizer state). The
        folder is replaced whole, only once the new one is complete.

        Args:
            weights_dtype: e.g. `"float16"` to store the floating-point weights
                at half size; loading casts them back to the model's dtype.
        """
        fresh = self.__class__.from_config(self.get_config())
        fresh.set_weights(self.get_weights())

        def write(folder):
            Backbone.save_to_preset(fresh, folder, max_shard_size=max_shard_size)
            if weights_dtype is not None:
                preset_utils.cast_weights_file(os.path.join(folder, preset_utils.WEIGHTS_FILE), weights_dtype)
            preset_utils.record_weights_checksum(folder)

        # Written aside and then moved into place: an interrupted save leaves the previous
        # preset (if any) whole.
        preset_utils.replace_folder_atomically(write, preset_dir)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"discriminator_steps": self.discriminator_steps, "seed": self.seed}
        )
        return config
