"""`ConditionalGAN`: class-conditional image generation (Mirza & Osindero, 2014)."""

import keras
import numpy as np
from keras import ops

from keras_condgan import losses, penalties
from keras_condgan.models.conditional_gan.conditional_gan_discriminator import DISCRIMINATORS
from keras_condgan.models.conditional_gan.conditional_gan_generator import GENERATORS
from keras_condgan.models.conditional_gan.conditional_gan_presets import backbone_presets
from keras_condgan.models.gan import GAN
from keras_condgan.utils import inputs
from keras_condgan.utils.batching import predict_in_batches
from keras_condgan.utils.images import image_shape_argument, standardize_images, to_uint8

DEFAULT_FILTERS = {
    # (generator, discriminator)
    "dcgan": ((128, 64, 32), (64, 128)),
    "mlp": ((256, 512, 1024), (240, 50, 240)),
}
CONDITIONINGS = ("concat", "embedding")


@keras.saving.register_keras_serializable(package="keras_condgan")
class ConditionalGAN(GAN):
    """A GAN whose generator and discriminator both see the class label.

    Args:
        image_shape: `(height, width, channels)` of the images.
        num_classes: number of classes, or `None` for an unconditional GAN.
        latent_dim: size of the noise vector.
        architecture: `"dcgan"` (convolutional) or `"mlp"` (fully connected
            generator, Maxout discriminator).
        conditioning: `"concat"` (one-hot label concatenated to the noise and
            given to the discriminator as constant planes) or `"embedding"`
            (label embedding multiplied into the noise, projection
            discriminator).
        generator_filters, discriminator_filters: network widths; see
            `conditional_gan_generator` / `conditional_gan_discriminator`.
        adversarial_loss: `"bce"` (non-saturating), `"hinge"`, `"least_squares"` or
            `"wgan"` (the Wasserstein loss of Arjovsky, Chintala and Bottou, "Wasserstein
            GAN", ICML 2017, with `gradient_penalty="wgan-gp"`: WGAN-GP).
        discriminator_steps: discriminator updates per generator update.
        seed: seed of the training noise.
        image_range: `(low, high)` of float images given to `fit`, e.g. `(0, 1)` for
            `x / 255.0` or `(0, 255)` for `keras.utils.img_to_array`; `(-1, 1)` when None
            (float images that never go below 0 then draw a warning). Also settable later:
            `model.image_range = (0, 1)`.
        dtype: the precision policy of every layer (e.g. `"mixed_bfloat16"`, or a
            `keras.DTypePolicy`); the global policy when None. Variables, logits and
            losses stay float32; see `GAN` for loss scaling under `"mixed_float16"`.
        augment: DiffAugment (Zhao et al., "Differentiable Augmentation for Data-Efficient
            GAN Training", NeurIPS 2020): None (default: off) or policies among `"color"`,
            `"translation"`, `"cutout"`, comma-separated (`"color,translation,cutout"`, the
            paper's choice with little data) or a list. In training, every image the
            discriminator sees (real and generated, in both losses) is augmented, the same
            transform for all images of one call; the labels are not. See `GAN`.
        gradient_penalty: None (default: off, as the papers' baselines), `"r1"` or
            `"wgan-gp"`, added to the discriminator's loss in training (logged as
            `gradient_penalty`; see `keras_condgan.penalties`). `"r1"`: `gamma / 2 *
            E ||grad D(x)||^2` on real images (Mescheder, Geiger and Nowozin, "Which
            Training Methods for GANs do actually Converge?", ICML 2018). `"wgan-gp"`:
            `lambda * E (||grad D(x_hat)|| - 1)^2` at random interpolates of real and
            generated images (Gulrajani et al., "Improved Training of Wasserstein GANs",
            NeurIPS 2017), meant for `adversarial_loss="wgan"` (also allowed with the
            others, as in Kurach et al.'s large-scale study of GAN regularisation, 2019).
        penalty_weight: gamma of R1 or lambda of WGAN-GP; 10 (the papers') when None.
        penalty_interval: lazy R1 (Karras et al., "Analyzing and Improving the Image
            Quality of StyleGAN", CVPR 2020): the penalty, multiplied by the interval, only
            every `penalty_interval` discriminator updates (StyleGAN2: 16); 1 (every
            update) by default, and always for WGAN-GP.

    `fit` takes `(images, labels)`: NumPy arrays, a `tf.data.Dataset`, a
    `keras.utils.PyDataset` or (on torch) a `DataLoader`. Images are uint8 in [0, 255]
    (scaled by the model) or floats in `image_range`; grayscale images may omit the channel
    axis. Labels are integer class ids in `[0, num_classes)` `(N,)` or one-hot rows
    `(N, num_classes)` as `keras.utils.to_categorical` gives them (as in the keras.io
    conditional GAN example); `generate` and `interpolate` take either too.

    Example:

    ```python
    (x_train, y_train), _ = keras_condgan.datasets.mnist.load_data()
    model = keras_condgan.ConditionalGAN(num_classes=10, image_range=(0, 1))
    model.compile()
    model.fit(x_train / 255.0, keras.utils.to_categorical(y_train, 10), batch_size=64)
    digits = model.generate([3, 1, 4], seed=0)  # uint8 (3, 28, 28, 1)
    ```
    """

    backbone_presets = backbone_presets

    def __init__(
        self,
        image_shape=(28, 28, 1),
        num_classes=10,
        latent_dim=64,
        architecture="dcgan",
        conditioning="concat",
        generator_filters=None,
        discriminator_filters=None,
        adversarial_loss="bce",
        discriminator_steps=1,
        seed=None,
        dtype=None,
        image_range=None,
        **kwargs,
    ):
        image_shape = image_shape_argument(image_shape)
        if architecture not in DEFAULT_FILTERS:
            raise ValueError(f"Unknown architecture {architecture!r}; expected one of {sorted(DEFAULT_FILTERS)}.")
        if conditioning not in CONDITIONINGS:
            raise ValueError(f"Unknown conditioning {conditioning!r}; expected one of {CONDITIONINGS}.")
        if num_classes is not None and int(num_classes) < 2:
            raise ValueError(f"`num_classes` must be at least 2, or None for an unconditional GAN; got {num_classes}.")
        g_filters = tuple(generator_filters or DEFAULT_FILTERS[architecture][0])
        d_filters = tuple(discriminator_filters or DEFAULT_FILTERS[architecture][1])
        if architecture == "dcgan":
            factor = 2 ** (len(g_filters) - 1)
            if image_shape[0] % factor or image_shape[1] % factor:
                raise ValueError(
                    f"A dcgan generator with {len(g_filters) - 1} upsamplings needs image sides "
                    f"divisible by {factor}; got {image_shape[:2]}."
                )
        if architecture == "mlp" and len(d_filters) != 3:
            raise ValueError(
                "The Maxout discriminator takes three widths (image, label, joint); "
                f"got discriminator_filters={d_filters}."
            )
        num_classes = None if num_classes is None else int(num_classes)
        latent_dim = int(latent_dim)
        generator = GENERATORS[architecture](image_shape, num_classes, latent_dim, conditioning, g_filters, dtype=dtype)
        discriminator = DISCRIMINATORS[architecture](image_shape, num_classes, conditioning, d_filters, dtype=dtype)
        super().__init__(
            generator,
            discriminator,
            discriminator_steps=discriminator_steps,
            seed=seed,
            image_range=image_range,
            dtype=dtype,
            **kwargs,
        )
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.latent_dim = latent_dim
        self.architecture = architecture
        self.conditioning = conditioning
        self.generator_filters = g_filters
        self.discriminator_filters = d_filters
        self.adversarial_loss = adversarial_loss
        self._d_loss_fn, self._g_loss_fn = losses.get_adversarial_losses(adversarial_loss)
        penalties.warn_about_unconstrained_critic(adversarial_loss, self.gradient_penalty)

    @property
    def conditional(self):
        return self.num_classes is not None

    # --- training objective -------------------------------------------------

    def prepare_batch(self, data):
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        batch = {"images": self.standardize_images(images)}
        if self.conditional:
            if labels is None:
                raise self._labels_needed_error()
            batch["labels"] = self.one_hot(labels)
        return batch

    def _labels_needed_error(self):
        return ValueError(
            f"This ConditionalGAN has num_classes={self.num_classes}: `fit` needs "
            "(images, labels) batches, e.g. `fit(x=images, y=labels)`."
        )

    def standardize_images(self, images):
        """uint8 [0, 255] -> float [-1, 1]; float images are taken as in `image_range`.

        Grayscale images may come without their channel axis.
        """
        if len(images.shape) == 3 and self.image_shape[-1] == 1:
            images = ops.expand_dims(images, -1)
        return standardize_images(images, self.image_shape, image_range=self.image_range)

    def _labels_expected(self):
        return (
            f"integer class labels in [0, {self.num_classes}) of shape (batch,) or (batch, 1), or one-hot "
            f"labels of shape (batch, {self.num_classes})"
        )

    def one_hot(self, labels):
        """Class ids `(batch,)`/`(batch, 1)` or one-hot rows `(batch, num_classes)` -> float32
        one-hot rows (traced code: only the static shape and dtype are checked here; a
        one-hot row counts as the class of its largest entry)."""
        shape = tuple(labels.shape)
        dtype = keras.backend.standardize_dtype(labels.dtype)
        if len(shape) == 2 and shape[-1] == self.num_classes:
            return ops.one_hot(ops.argmax(labels, axis=-1), self.num_classes)
        if not (dtype.startswith("int") or dtype.startswith("uint")):
            raise TypeError(f"Expected {self._labels_expected()}; got {dtype} labels of shape {shape}.")
        if len(shape) == 2 and shape[-1] == 1:
            labels = ops.squeeze(labels, -1)
        if len(labels.shape) != 1:
            raise ValueError(f"Expected {self._labels_expected()}; got labels of shape {shape}.")
        return ops.one_hot(ops.cast(labels, "int32"), self.num_classes)

    def network_inputs(self, tensor, labels):
        return tensor if labels is None else [tensor, labels]

    def sample_noise(self, batch_size):
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def discriminator_outputs(self, batch, images, training=True):
        labels = batch.get("labels")
        # DiffAugment (`augment`, in training): the images only; the labels are vectors.
        images, _ = self.augment_discriminator_inputs(images, training=training)
        return [self.discriminator(self.network_inputs(x, labels), training=training) for x in images]

    def fake_images(self, batch, training=True):
        labels = batch.get("labels")
        noise = self.sample_noise(ops.shape(batch["images"])[0])
        return ops.stop_gradient(self.generator(self.network_inputs(noise, labels), training=training))

    def discriminator_loss(self, batch, training=True):
        images = batch["images"]
        fakes = self.fake_images(batch, training)
        real_logits, fake_logits = self.discriminator_outputs(batch, [images, fakes], training)
        loss = self._d_loss_fn(real_logits, fake_logits)
        return loss, {"d_loss": loss}

    def generator_loss(self, batch, training=True):
        images, labels = batch["images"], batch.get("labels")
        noise = self.sample_noise(ops.shape(images)[0])
        fakes = self.generator(self.network_inputs(noise, labels), training=training)
        (fake_logits,) = self.discriminator_outputs(batch, [fakes], training)
        loss = self._g_loss_fn(fake_logits)
        return loss, {"g_loss": loss}

    def validate_fit_data(self, x, y=None):
        super().validate_fit_data(x, y)
        self.standardize_images(x[:1])  # shape and dtype
        self.check_images(x, "images in `x`")
        if self.conditional:
            if y is None:
                raise self._labels_needed_error()
            self.check_labels(y)

    # --- inference -----------------------------------------------------------

    def check_labels(self, labels):
        """Validates class labels given on the host and returns them as int32 class ids:
        integer ids `(N,)` or `(N, 1)`, or one-hot rows `(N, num_classes)` (each a single 1
        among zeros, as `keras.utils.to_categorical` gives them)."""
        labels = inputs.to_numpy(labels)
        if labels.ndim == 2 and labels.shape[-1] == self.num_classes:
            rows_ok = np.all((labels == 0) | (labels == 1), axis=-1) & (labels.sum(-1) == 1)
            if not np.all(rows_ok):
                row = int(np.argmin(rows_ok))
                raise ValueError(
                    f"One-hot labels must have a single 1 and zeros in every row (as "
                    f"`keras.utils.to_categorical` gives them); row {row} is {labels[row].tolist()}. "
                    "Soft label vectors go to `generate_from(latents, label_vectors)`."
                )
            return labels.argmax(-1).astype("int32")
        if labels.dtype.kind not in "iu":
            if labels.dtype.kind == "f" and labels.ndim == 2:
                raise ValueError(
                    f"Expected {self._labels_expected()}; got {labels.dtype} labels of shape {labels.shape}: "
                    f"one-hot labels need one column per class ({self.num_classes})."
                )
            raise TypeError(f"Expected {self._labels_expected()}; got {labels.dtype} labels of shape {labels.shape}.")
        labels = labels.reshape(-1) if labels.ndim == 2 and labels.shape[-1] == 1 else labels
        if labels.ndim != 1:
            raise ValueError(f"Expected {self._labels_expected()}; got labels of shape {labels.shape}.")
        if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
            bad = labels[(labels < 0) | (labels >= self.num_classes)]
            raise ValueError(
                f"Class labels must be in [0, {self.num_classes}); got {sorted(set(bad.tolist()))[:10]}."
            )
        return labels.astype("int32")

    def latents(self, count, seed=None):
        """Noise vectors `(count, latent_dim)` drawn with NumPy, so that a seed
        gives the same latents (and images) on every backend."""
        return np.random.default_rng(seed).standard_normal((count, self.latent_dim)).astype("float32")

    def generate_from(self, latents, label_vectors=None, batch_size=256):
        """Runs the generator in inference mode on latents and (soft) label
        vectors `(N, num_classes)`; returns uint8 images `(N, H, W, C)`."""
        latents = np.asarray(latents, dtype="float32")
        if latents.ndim != 2 or latents.shape[1] != self.latent_dim:
            raise ValueError(f"Expected latents of shape (N, {self.latent_dim}); got {latents.shape}.")
        if not np.all(np.isfinite(latents)):
            raise ValueError("Latents contain NaN or infinite values.")
        generator_inputs = [latents]
        if self.conditional:
            label_vectors = None if label_vectors is None else np.asarray(label_vectors, dtype="float32")
            if label_vectors is None or label_vectors.shape != (len(latents), self.num_classes):
                raise ValueError(
                    f"Expected label vectors of shape ({len(latents)}, {self.num_classes}), one per latent; got "
                    f"{None if label_vectors is None else label_vectors.shape}."
                )
            generator_inputs.append(label_vectors)
        (images,) = predict_in_batches(self.for_inference(self.generator), generator_inputs, batch_size, [self.image_shape])
        return to_uint8(images)

    def generate(self, labels, seed=None, latents=None):
        """Generates one image per label.

        Args:
            labels: integer class labels `(N,)` or one-hot rows `(N, num_classes)`.
                For an unconditional GAN, the number of images `N` (or `None` when
                `latents` are given).
            seed: seed of the NumPy noise; the same seed and labels give the
                same images on every backend.
            latents: optional noise `(N, latent_dim)` to use instead of a seed.

        Returns:
            uint8 NumPy array `(N, height, width, channels)`.
        """
        if self.conditional:
            labels = self.check_labels(labels)
            count, label_vectors = len(labels), np.eye(self.num_classes, dtype="float32")[labels]
        else:
            if labels is None and latents is None:
                raise ValueError("An unconditional GAN needs the number of images, or latents.")
            count = len(latents) if labels is None else int(labels)
            label_vectors = None
        if latents is None:
            latents = self.latents(count, seed)
        elif len(latents) != count:
            raise ValueError(f"Got {len(latents)} latents for {count} images.")
        return self.generate_from(latents, label_vectors)

    def interpolate(self, start_class, end_class, steps=16, seed=None):
        """Morphs one sample from `start_class` to `end_class`.

        The noise stays fixed while the label vector moves linearly from the
        one-hot of `start_class` to that of `end_class` (class ids, or one-hot
        rows). Returns uint8 images `(steps, H, W, C)`.
        """
        if not self.conditional:
            raise ValueError("interpolate() needs a conditional GAN (num_classes is None).")
        start, end = self.check_labels(np.array([start_class, end_class]))
        if int(steps) < 2:
            raise ValueError(f"`steps` must be at least 2; got {steps}.")
        t = np.linspace(0.0, 1.0, int(steps), dtype="float32")[:, None]
        eye = np.eye(self.num_classes, dtype="float32")
        label_vectors = (1.0 - t) * eye[start] + t * eye[end]
        latents = np.repeat(self.latents(1, seed), int(steps), axis=0)
        return self.generate_from(latents, label_vectors)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "image_shape": list(self.image_shape),
                "num_classes": self.num_classes,
                "latent_dim": self.latent_dim,
                "architecture": self.architecture,
                "conditioning": self.conditioning,
                "generator_filters": list(self.generator_filters),
                "discriminator_filters": list(self.discriminator_filters),
                "adversarial_loss": self.adversarial_loss,
            }
        )
        return config
