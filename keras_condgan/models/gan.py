"""`GAN`: two networks, two optimizers, and one training step for every backend."""

import json
import os

import keras
from keras import ops
from keras.src.callbacks.monitor_callback import MonitorCallback
from keras_hub.models import Backbone
from keras_hub.src.utils.python_utils import classproperty

from keras_condgan import penalties
from keras_condgan.callbacks import QualityMonitor, TerminateOnNonFiniteLoss
from keras_condgan.export import export_network
from keras_condgan.layers.diff_augment import augment_policy, diff_augment
from keras_condgan.models.ema import ExponentialMovingAverage
from keras_condgan.presets_io import hub, registry, trust, weights_file
from keras_condgan.presets_io.errors import PresetError
from keras_condgan.presets_io.folder import WEIGHTS_FILE
from keras_condgan.trainers import GANTrainer
from keras_condgan.trainers.loss_scale import DynamicLossScale
from keras_condgan.utils import files, inputs
from keras_condgan.utils.images import (
    DEFAULT_IMAGE_RANGE,
    check_image_values,
    image_range_argument,
    unit_range_warning,
)

# `keras.Model.compile` arguments about losses and metrics, which a GAN defines itself.
COMPILE_LOSS_ARGUMENTS = ("loss", "loss_weights", "metrics", "weighted_metrics")


def loss_tracker(name):
    """The running mean of one loss term over an epoch, as `fit` logs it."""
    tracker = keras.metrics.Mean(name=name)
    # Keras' monitoring callbacks (EarlyStopping, ModelCheckpoint, ReduceLROnPlateau) read
    # `_direction` to know that lower is better when no `mode=` is given.
    tracker._direction = "down"
    return tracker


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

    Inputs: `fit` checks its data once, on the host, with `validate_fit_data` (a subclass
    overrides that hook, not `fit`). Images are uint8 in [0, 255] or floats in
    `image_range` (`(-1, 1)` unless the constructor or `model.image_range = (0, 1)` says
    otherwise), mapped to [-1, 1] inside the model.

    The model is a KerasHub `Backbone`, so `from_preset`/`save_to_preset` and
    `keras_hub.models.Backbone.from_preset` work on its presets.

    Mixed precision: a subclass passes its `dtype` argument (a policy such as
    `"mixed_bfloat16"`; the global policy when None) to every layer and here. Under
    `"mixed_float16"`, `compile(auto_scale_loss=True)` (the default) gives each network's
    update its own dynamic loss scale (`loss_scales`, see `trainers/loss_scale.py`):
    an update whose gradients overflow is skipped and only that network's scale halves.

    DiffAugment (`augment=`, off by default): the differentiable augmentation of Zhao et al.,
    "Differentiable Augmentation for Data-Efficient GAN Training" (NeurIPS 2020), e.g.
    `augment="color,translation,cutout"`. Every image the discriminator judges in training,
    real and generated, in both losses, is augmented (`augment_discriminator_inputs`, called
    by each family's `discriminator_outputs`), with one draw of the random parameters per call
    shared by every image batch of the call and the condition (which moves with the images but
    keeps its colours); `evaluate` never augments. See `keras_condgan.layers.diff_augment`.

    Gradient penalties (`gradient_penalty=`, off by default): `"r1"` (Mescheder et al.,
    2018; lazily every `penalty_interval` updates as in StyleGAN2) or `"wgan-gp"` (Gulrajani
    et al., 2017), weighted by `penalty_weight` (10 when None), added to the discriminator's
    loss in training only and logged as `gradient_penalty`. The gradients with respect to the
    images come from the trainer's `_input_gradients`; see `keras_condgan.penalties`.
    """

    # Names of the scalars the losses log; a `keras.metrics.Mean` tracks each (`loss_tracker`).
    loss_names = ("d_loss", "g_loss")
    # Dynamic loss scaling under mixed_float16, as Keras' LossScaleOptimizer: the starting
    # scale, and the finite updates in a row after which a scale doubles.
    initial_loss_scale = 2.0**15
    loss_scale_growth_steps = 2000

    def __init__(
        self,
        generator,
        discriminator,
        discriminator_steps=1,
        seed=None,
        image_range=None,
        ema_decay=None,
        ema_warmup=True,
        augment=None,
        gradient_penalty=None,
        penalty_weight=None,
        penalty_interval=1,
        averaged_networks=(),
        **kwargs,
    ):
        if int(discriminator_steps) < 0:
            raise ValueError(
                "`discriminator_steps` must be a non-negative integer (0 trains the "
                f"generator alone); got {discriminator_steps!r}."
            )
        # Checked before anything is built: `(penalty, weight, interval)` (see penalties.py).
        penalty_settings = penalties.penalty_arguments(gradient_penalty, penalty_weight, penalty_interval)
        # Like every KerasHub backbone, the model is functional: its graph is
        # the generator (so `model(inputs)` and `predict` generate). This also
        # keeps it working once Keras has rebased `Backbone` onto `Functional`,
        # which it does the first time any functional backbone is built.
        inputs = [keras.Input(x.shape[1:], name=x.name) for x in generator.inputs]
        inputs = inputs[0] if len(inputs) == 1 else inputs
        # With an average of the generator's weights, the model's graph (what `model(inputs)`,
        # `predict` and every inference method run) is the averaged generator.
        ema = None
        if ema_decay is not None:
            ema = ExponentialMovingAverage([generator, *averaged_networks], ema_decay, ema_warmup, name="ema")
        inference_generator = generator if ema is None else ema.averaged[0]
        super().__init__(inputs=inputs, outputs=inference_generator(inputs), **kwargs)
        # Assigned after `super().__init__()` so Keras tracks them on every backend.
        self.generator = generator
        self.discriminator = discriminator
        self.ema = ema
        self.discriminator_steps = int(discriminator_steps)
        self.seed = seed
        # As given (None: not said); `image_range` is the range in use.
        self._declared_image_range = image_range_argument(image_range)
        # The training noise comes from this generator. Its state is a
        # non-trainable model variable, so JAX threads it through the compiled
        # step; Keras does not write SeedGenerator state into weights files.
        self.seed_generator = keras.random.SeedGenerator(seed, name="training_noise")
        self.loss_trackers = [loss_tracker(name) for name in self.loss_names]
        # Training techniques, each off by default (see the constructor docs of the families).
        self.ema_decay = None if ema is None else ema.decay
        self.ema_warmup = bool(ema_warmup)
        # DiffAugment: a canonical policy string ("color,translation,cutout"), or None.
        self.augment = augment
        # Gradient penalty: None, or its name; the weight in use (the paper's default when not
        # given, so that a config records it); the lazy interval.
        self.gradient_penalty, self.penalty_weight, self.penalty_interval = penalty_settings
        if self.gradient_penalty is not None:
            self.loss_trackers.append(loss_tracker("gradient_penalty"))
            penalties.warn_about_batch_norm(self.gradient_penalty, discriminator)

    @property
    def metrics(self):
        return list(self.loss_trackers)

    def _give_loss_directions(self, callbacks):
        """Sets `mode` on the monitoring callbacks (EarlyStopping, ModelCheckpoint,
        ReduceLROnPlateau) that watch one of our loss trackers with `mode="auto"`.

        Keras reads a metric's `_direction` only among the metrics `compile(metrics=...)`
        creates (`keras/src/callbacks/monitor_callback.py`), not among a model's own trackers,
        and otherwise asks for `mode=`; here each such callback gets the direction of the
        tracker it watches (down: every tracked scalar is a loss), or of the `QualityMonitor`
        figure it watches."""
        directions = {m.name: m._direction for m in self.metrics if getattr(m, "_direction", None)}
        modes = {name: "min" if direction == "down" else "max" for name, direction in directions.items()}
        modes.update({"val_" + name: mode for name, mode in modes.items()})
        for monitor in callbacks:
            if isinstance(monitor, QualityMonitor):
                modes.update(monitor.directions)
        for callback in callbacks:
            if not isinstance(callback, MonitorCallback) or callback.mode != "auto" or callback.monitor_op is not None:
                continue
            mode = modes.get(str(callback.monitor))
            if mode is not None:
                callback.mode = mode

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
        optimizer=None,
        **kwargs,
    ):
        """Configures the two optimizers.

        The losses are not compile arguments: they are the model's own, chosen with its
        constructor arguments (e.g. `adversarial_loss=`), so `loss=`, `loss_weights=`,
        `metrics=` and `weighted_metrics=` are refused.

        Args:
            generator_optimizer, discriminator_optimizer: optimizers (or their
                names/configs); default to `default_optimizers()`.
            optimizer: instead of those two, one optimizer (or name/config) for both
                networks: each network gets its own copy, with its own state.
            jit_compile: `"auto"` compiles the step with XLA on TensorFlow and
                JAX and runs it eagerly on torch (where `True` would mean
                `torch.compile`, which recompiles a GAN step without end).
            auto_scale_loss: under the `"mixed_float16"` policy, scale each network's
                loss with its own dynamic loss scale (`loss_scales`). No effect under
                other policies, which need no scaling.
            **kwargs: passed to `keras.Model.compile` (e.g. `run_eagerly`,
                `steps_per_execution` on TensorFlow and JAX).
        """
        refused = [name for name in COMPILE_LOSS_ARGUMENTS if kwargs.get(name) is not None]
        if refused:
            raise ValueError(
                f"{type(self).__name__}.compile() takes no {', '.join(f'`{n}=`' for n in refused)}: a GAN's "
                "losses are defined by the model, through its constructor arguments (see "
                f"help({type(self).__name__})), and its logs are its loss terms "
                f"({', '.join(self.loss_names)}). compile() takes `generator_optimizer=` and "
                "`discriminator_optimizer=` (or one `optimizer=` for both)."
            )
        for name in COMPILE_LOSS_ARGUMENTS:
            kwargs.pop(name, None)
        if optimizer is not None:
            if generator_optimizer is not None or discriminator_optimizer is not None:
                raise ValueError(
                    "Give either `optimizer=` (copied for each network) or `generator_optimizer=` "
                    "and `discriminator_optimizer=`, not both."
                )
            # Two copies: each network's updates need their own optimizer state.
            optimizer = keras.optimizers.get(optimizer)
            generator_optimizer, discriminator_optimizer = (
                optimizer.__class__.from_config(optimizer.get_config()) for _ in range(2)
            )
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
        # A deep, plain copy: Keras tracks the stored dict, and a caller editing a nested part of
        # what it got (an optimizer's config) must not change what the model saves.
        return json.loads(json.dumps(self._gan_compile_config))

    def compile_from_config(self, config):
        # A saved config's optimizers are deserialised here (`.keras` files, and a preset's
        # config.json holding a compile_config): the same trust check as `from_config`.
        trust.check_objects_are_trusted(config, f"the compile config of a {type(self).__name__}")
        config = dict(config)
        for key in ("generator_optimizer", "discriminator_optimizer"):
            config[key] = keras.optimizers.deserialize(config[key])
        self.compile(**config)

    def fit(self, x=None, y=None, *args, callbacks=None, **kwargs):
        """`keras.Model.fit`, plus a `TerminateOnNonFiniteLoss` (unless `callbacks`
        holds one): a NaN or infinite loss stops training with an error naming the
        network and the step, and the model keeps its last good weights. `QualityMonitor`
        callbacks run before the others, so their figures reach every callback's `logs`.

        The data (and `validation_data`) are checked first, by `validate_fit_data`:
        arrays whole, the first batch of a `keras.utils.PyDataset` or of a float
        `tf.data.Dataset` (see `keras_condgan.utils.inputs.fit_data_on_host`)."""
        self._validate_fit_source(x, y)
        validation = kwargs.get("validation_data")
        if isinstance(validation, (tuple, list)):  # (x, y) or (x, y, sample_weight)
            self._validate_fit_source(validation[0], validation[1] if len(validation) > 1 else None)
        elif validation is not None:
            self._validate_fit_source(validation, None)
        callbacks = list(callbacks or [])
        if not any(isinstance(c, TerminateOnNonFiniteLoss) for c in callbacks):
            callbacks.insert(0, TerminateOnNonFiniteLoss())
        # Keras hands one `logs` dict to the callbacks in list order. The loss check goes
        # first, so that a broken epoch raises before checkpoints see its end (and before
        # a broken model is measured); then the quality monitors, so that every other
        # callback sees their figures. The rest keep the user's order.
        callbacks.sort(key=lambda c: 0 if isinstance(c, TerminateOnNonFiniteLoss) else 1 if isinstance(c, QualityMonitor) else 2)
        self._give_loss_directions(callbacks)
        return super().fit(x, y, *args, callbacks=callbacks, **kwargs)

    def _validate_fit_source(self, x, y):
        data = inputs.fit_data_on_host(x, y)
        if data is not None:
            self.validate_fit_data(*data)

    def validate_fit_data(self, x, y=None):
        """Checks training data on the host before any step runs; the one place a subclass
        checks what `fit` is given (the compiled step checks only static shapes and dtypes,
        in `prepare_batch`, as it is traced).

        Args:
            x, y: NumPy arrays: the arrays given to `fit`, or the first batch of a dataset
                (`y` None when the data hold no targets).
        """
        for name, array in (("x", x), ("y", y)):
            if array is not None and len(array) == 0:
                raise ValueError(f"Cannot train on an empty batch: `{name}` has 0 samples.")

    # --- what the models take: image ranges -------------------------------------

    @property
    def image_range(self):
        """`(low, high)`: the range of float images given to the model, `(-1, 1)` unless set
        (constructor argument, or assigned here). uint8 images are always [0, 255]. Floats
        are mapped linearly to the networks' [-1, 1] inside the model."""
        return self._declared_image_range or DEFAULT_IMAGE_RANGE

    @image_range.setter
    def image_range(self, image_range):
        self._declared_image_range = image_range_argument(image_range)
        # The compiled steps hold the range as constants: trace them again.
        self.train_function = self.test_function = None

    @property
    def augment(self):
        """The DiffAugment policy of training (`"color,translation,cutout"`, any of its names,
        comma-separated in that order), or None: off. Settable (a string or a list of names,
        checked as the constructor checks it)."""
        return self._augment

    @augment.setter
    def augment(self, augment):
        self._augment = augment_policy(augment)
        # The compiled training step holds the policy: trace it again.
        self.train_function = None

    def _range_for_call(self, image_range):
        """`(range, declared)`: a call's `image_range`, else the model's."""
        if image_range is not None:
            return image_range_argument(image_range), True
        return self.image_range, self._declared_image_range is not None

    def check_images(self, images, name="images", image_range=None):
        """Checks the values of NumPy images against the range in use (the call's, else the
        model's): float images finite and in range. When no range was said, float images
        that never go below 0 draw a warning, once per model: they look like [0, 1] images."""
        image_range, declared = self._range_for_call(image_range)
        check_image_values(images, name, image_range)
        message = None if declared else unit_range_warning(images, name)
        if message:
            self._warn_once("unit_range", message)

    def images_to_batch(self, images, image_shape, name="images", image_range=None):
        """`keras_condgan.utils.inputs.images_to_batch` with the range in use, and the
        warning for [0, 1]-looking floats when no range was said."""
        image_range, declared = self._range_for_call(image_range)
        on_unit_range = None if declared else (lambda message: self._warn_once("unit_range", message))
        return inputs.images_to_batch(images, image_shape, image_range, name, on_unit_range)

    def _warn_once(self, key, message):
        inputs.warn_once(self, key, message)

    # --- the training step, once for all backends ---------------------------

    @property
    def generator_trainable_variables(self):
        """The variables the generator update differentiates and its optimizer moves.

        The generator's by default; a subclass adds those of any network trained with
        the generator's loss (GauGAN's image encoder). `compile` routes every trainable
        variable that is not the discriminator's to the generator optimizer.
        """
        return self.generator.trainable_variables

    # --- the average of the generator's weights (`ema_decay`; see models/ema.py) -------

    def averaged_live_networks(self):
        """The live networks whose weights `ema_decay` averages: the generator, and in a
        subclass any network trained with it that inference uses (GauGAN's encoder; the
        subclass passes it to `__init__` as `averaged_networks` too)."""
        return [self.generator]

    def for_inference(self, network):
        """The network inference runs: the averaged copy of `network` when the model keeps an
        average of its weights (`ema_decay`), else `network` itself."""
        if self.ema is None:
            return network
        for live, averaged in zip(self.averaged_live_networks(), self.ema.averaged):
            if live is network:
                return averaged
        return network

    def reset_average(self):
        """Sets the averaged weights to the live ones and restarts the warm-up (after loading
        live weights into a model with `ema_decay`, e.g. to fine-tune a preset trained
        without an average)."""
        if self.ema is None:
            raise ValueError("This model keeps no average of its weights (ema_decay=None).")
        self.ema.reset(self.averaged_live_networks())

    def prepare_batch(self, data):
        raise NotImplementedError

    def discriminator_outputs(self, batch, images, training=True):
        """The discriminator's outputs for each image batch in the list `images`, under the
        condition of `batch` (its labels, condition images or label maps): one output per
        entry of `images`. Every discriminator call of the losses goes through here, so that
        what the discriminator sees is prepared (augmented) in one place."""
        raise NotImplementedError

    def augment_discriminator_inputs(self, images, conditions=(), training=True):
        """DiffAugment (`self.augment`) of what one discriminator call sees: `(images,
        conditions)`, two lists, augmented when `self.augment` is set and `training` is true
        (else returned as given). One draw of the random parameters (from `seed_generator`) for
        every entry of both lists: the condition images or label maps move with the images
        (translation, cutout); colour changes the `images` only."""
        images, conditions = list(images), list(conditions)
        if not (self.augment and training):
            return images, conditions
        photos = [False] * len(conditions) + [True] * len(images)
        augmented = diff_augment(conditions + images, self.augment, self.seed_generator, photos)
        return augmented[len(conditions):], augmented[: len(conditions)]

    def discriminator_logits(self, outputs):
        """The logits among one entry of `discriminator_outputs` (a family whose
        discriminator returns more than logits overrides this)."""
        return outputs

    def discriminator_loss(self, batch, training=True):
        raise NotImplementedError

    # --- gradient penalties (`gradient_penalty`; see keras_condgan/penalties.py) ---------

    def real_images(self, batch):
        """The real images of `batch`, which the discriminator judges (`batch["images"]`; a
        family whose batch names them otherwise overrides this)."""
        return batch["images"]

    def fake_images(self, batch, training=True):
        """Generated images for the conditions of `batch`, made as the discriminator's loss
        makes them (fresh noise; no gradient flows back to the generator)."""
        raise NotImplementedError

    def discriminator_values(self, batch, images):
        """D(x): one float32 value per image of `images` (under the conditions of `batch`),
        the discriminator's logits in training mode averaged over patches and scales
        (`penalties.per_image_values`). Through `discriminator_outputs`, so that the penalty
        differentiates through the augmentation when `augment` is on (as StyleGAN2-ADA)."""
        (outputs,) = self.discriminator_outputs(batch, [images], training=True)
        return penalties.per_image_values(self.discriminator_logits(outputs))

    def penalty_points(self, batch):
        """The images at which the penalty takes D's gradients: the real images (R1), or random
        interpolates of real and generated images (WGAN-GP; one U(0, 1) weight per image from
        `seed_generator`)."""
        real = ops.cast(self.real_images(batch), "float32")
        if self.gradient_penalty == "r1":
            return real
        return penalties.interpolates(real, self.fake_images(batch, training=True), self.seed_generator)

    def gradient_penalty_at(self, batch, images):
        """The penalty (weight included) of D's gradients at `images`, float32."""
        _, gradients = self._input_gradients(lambda x: self.discriminator_values(batch, x), images)
        return penalties.PENALTY_FUNCTIONS[self.gradient_penalty](gradients, self.penalty_weight)

    def gradient_penalty_loss(self, batch):
        """The penalty of one discriminator update on `batch` (weight included; without the
        lazy interval's factor)."""
        return self.gradient_penalty_at(batch, self.penalty_points(batch))

    def _discriminator_objective(self, batch):
        """The function one discriminator update differentiates: `discriminator_loss`, plus the
        gradient penalty when one is set, logged as `gradient_penalty` (what is added to the
        loss: with `penalty_interval` k > 1, k times the penalty on the updates it is due,
        every k-th of the discriminator optimizer's updates from the first, and 0 on the others,
        which do not compute it; the epoch mean thus estimates the per-update penalty)."""
        if self.gradient_penalty is None:
            return lambda: self.discriminator_loss(batch, training=True)
        interval = self.penalty_interval
        due = None
        if interval > 1:
            # Read here, outside the differentiated function (where JAX maps the model's
            # variables only): the count of this network's past updates.
            due = ops.equal(ops.mod(ops.convert_to_tensor(self.discriminator_optimizer.iterations), interval), 0)

        def objective():
            loss, logs = self.discriminator_loss(batch, training=True)
            if due is None:
                penalty = self.gradient_penalty_loss(batch)
            else:
                penalty = self._state_cond(
                    due,
                    lambda: self.gradient_penalty_loss(batch) * float(interval),
                    lambda: ops.zeros((), "float32"),
                )
            logs = dict(logs, gradient_penalty=penalty)
            return ops.cast(loss, "float32") + penalty, logs

        return objective

    def generator_loss(self, batch, training=True):
        raise NotImplementedError

    def gan_train_step(self, data):
        batch = self.prepare_batch(data)
        logs = {}
        loss_scales = self.loss_scales  # empty unless mixed_float16
        for _ in range(self.discriminator_steps):
            logs.update(
                self._gradient_step(
                    self._discriminator_objective(batch),
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
        if self.ema is not None:
            self.ema.update(self.averaged_live_networks())
        # One model step; callbacks such as TensorBoard read this counter.
        self.optimizer.iterations.assign_add(1)
        return self._update_trackers(logs)

    def gan_test_step(self, data):
        batch = self.prepare_batch(data)
        _, logs = self.discriminator_loss(batch, training=False)
        _, g_logs = self.generator_loss(batch, training=False)
        logs.update(g_logs)
        results = self._update_trackers(logs)
        # The gradient penalty is a training term: evaluation neither computes nor reports it.
        results.pop("gradient_penalty", None)
        return results

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
        files.write_file_atomically(
            lambda path: save(path, overwrite=True, max_shard_size=max_shard_size), filepath, overwrite
        )

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """`keras.Model.save`, written under a temporary name and then renamed."""
        save = super().save
        if zipped is False or not str(filepath).endswith(".keras"):  # a folder or another format
            return save(filepath, overwrite=overwrite, zipped=zipped, **kwargs)
        files.write_file_atomically(lambda path: save(path, overwrite=True, **kwargs), filepath, overwrite)

    # --- export for serving ------------------------------------------------------

    def exportable_networks(self):
        """`{name: (network, output names)}`: the networks `export(network=name)` writes."""
        return {"generator": (self.for_inference(self.generator), ("images",))}

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None, network="generator",
               **kwargs):
        """Exports the generator (not the whole GAN) for serving without Keras.

        Unlike `keras.Model.export`, which would export the model's own graph, this writes one
        network, its inputs and outputs named: the generator's inputs are the model's
        (`ConditionalGAN`: `noise` `(N, latent_dim)` and, when conditional, `labels`
        `(N, num_classes)` one-hot floats; `Pix2Pix`: `condition` `(N, H, W, C)` in [-1, 1];
        `GauGAN`: `latent` `(N, latent_dim)` and `label_map` `(N, H, W, num_classes)` one-hot),
        all float32, and its output `images` `(N, H, W, C)` in [-1, 1], which
        `numpy.clip(numpy.round((images + 1) * 127.5), 0, 255).astype("uint8")` turns into what
        `generate`, `translate` and `synthesize` return. The batch size is free (except LiteRT
        from torch, which fixes it to `input_signature`'s, else 1).

        Args:
            filepath: where to write: a folder for `"tf_saved_model"`, else a file (`.onnx`,
                `.tflite` for LiteRT, `.pt2` for torch).
            format: `"tf_saved_model"` (TensorFlow, JAX; `tf.saved_model.load(path).serve(...)`
                takes the inputs by name and returns `{"images": ...}`), `"onnx"` (TensorFlow
                with tf2onnx, JAX with jax2onnx, torch; for onnxruntime), `"litert"` (TensorFlow;
                torch with litert-torch), `"torch"` (torch: a `torch.export` program whose
                module takes the inputs as keyword arguments) or `"openvino"` (with openvino).
                A format that does not work on the running backend raises a ValueError listing
                those that do; a missing package, an ImportError saying what to pip install.
            verbose: print what was written (default True, as Keras).
            input_signature: None, or one spec per input (e.g. `keras.InputSpec` with a fixed
                batch size); the names are always the network's.
            network: `"generator"`; for `GauGAN` also `"encoder"`, the style encoder
                (`style_image` `(N, H, W, C)` in [-1, 1] -> `mean`, `log_variance`).
            **kwargs: options of the format's exporter, as `keras.Model.export` takes them.

        Returns:
            `filepath`.
        """
        networks = self.exportable_networks()
        if network not in networks:
            raise ValueError(
                f"{type(self).__name__}.export() writes one of its networks: {', '.join(map(repr, networks))}; "
                f"got network={network!r}."
            )
        model, output_names = networks[network]
        return export_network(
            model, filepath, format, output_names, verbose=verbose, input_signature=input_signature, **kwargs
        )

    # --- presets ---------------------------------------------------------------

    # Each family maps its preset names to their metadata and location (its `*_presets.py`);
    # `presets_io.registry` gathers a class's and its subclasses'.
    backbone_presets = {}

    @classproperty
    def presets(cls):
        """The named presets `from_preset` takes: `{name: metadata}`, where each metadata dict
        also names the `family` (the class the preset builds) and its `location` (bundled
        folder or hub handle). On `GAN`, the presets of every family."""
        return registry.describe_presets(cls)

    @classmethod
    def from_preset(cls, preset, load_weights=True, **kwargs):
        """Builds the model from a preset and loads its weights.

        Args:
            preset: a name from `presets`, a local preset folder, or a
                `hf://org/name` / `kaggle://org/model/keras/variant` handle. On `GAN`,
                the preset of any family, which builds that family's class.
            load_weights: `False` builds the architecture with fresh weights.
            **kwargs: passed to the model's constructor (e.g. `dtype="mixed_bfloat16"`).
        """
        handle = registry.resolve_preset(preset, cls)
        if "://" in handle:
            hub.fetch_hub_config(handle)
        # Checked before KerasHub deserialises anything: trusted classes only. The weights
        # are checked against their recorded checksum by `load_weights`, before they are read.
        weights_path = trust.checked_preset_files(handle)
        try:
            return super().from_preset(handle, load_weights=load_weights, **kwargs)
        except PresetError:
            raise
        except (ValueError, KeyError, TypeError) as error:
            if "not a subclass" in str(error):
                raise
            raise PresetError(
                f"Could not build {cls.__name__} from preset {handle!r}: its config.json and "
                f"{os.path.basename(weights_path)} do not fit this model ({type(error).__name__}: {error})"
            ) from error

    @classmethod
    def from_config(cls, config):
        # Every way of building a model from a saved config comes here (`from_preset`, KerasHub's
        # `Backbone.from_preset`, `.keras` files) before anything nested in the config is
        # deserialised: refuse classes from outside the trusted packages, and lambdas.
        trust.check_config_is_trusted({"class_name": cls.__name__, "config": config}, f"a {cls.__name__} config")
        return super().from_config(config)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """`keras.Model.load_weights`; a preset's weights file (as KerasHub's
        `Backbone.from_preset` and `from_preset` load it) is first checked against the sha256
        its metadata.json records."""
        trust.check_preset_weights(filepath)
        return super().load_weights(filepath, skip_mismatch=skip_mismatch, **kwargs)

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
                weights_file.cast_weights_file(os.path.join(folder, WEIGHTS_FILE), weights_dtype)
            weights_file.record_weights_checksum(folder)

        # Written aside and then moved into place: an interrupted save leaves the previous
        # preset (if any) whole.
        files.replace_folder_atomically(write, preset_dir)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"discriminator_steps": self.discriminator_steps, "seed": self.seed}
        )
        if self._declared_image_range is not None:  # absent: configs stay as before
            config["image_range"] = list(self._declared_image_range)
        # The training techniques, only where set: configs without them stay as before.
        techniques = {
            "ema_decay": (self.ema_decay, None),
            "ema_warmup": (self.ema_warmup, True),
            "augment": (self.augment, None),
            "gradient_penalty": (self.gradient_penalty, None),
            "penalty_weight": (self.penalty_weight, None),
            "penalty_interval": (self.penalty_interval, 1),
        }
        config.update({name: value for name, (value, default) in techniques.items() if value != default})
        return config
