"""`Pix2Pix`: image-to-image translation with conditional adversarial networks (Isola et al., 2017)."""

import keras
from keras import ops

from keras_condgan import losses, penalties
from keras_condgan.models.gan import GAN
from keras_condgan.models.pix2pix.pix2pix_discriminator import patch_discriminator
from keras_condgan.models.pix2pix.pix2pix_generator import default_depth, unet_generator
from keras_condgan.models.pix2pix.pix2pix_presets import backbone_presets
from keras_condgan.utils.batching import predict_in_batches
from keras_condgan.utils.images import image_shape_argument, standardize_images, to_uint8
from keras_condgan.utils.inputs import restore_layout

PIX2PIX_ADVERSARIAL_LOSSES = ("bce", "least_squares", "wgan", None)


def l1_loss(targets, images):
    return ops.mean(ops.abs(targets - images))


@keras.saving.register_keras_serializable(package="keras_condgan")
class Pix2Pix(GAN):
    """Translates a condition image (e.g. a label map) into an image (e.g. a photo).

    The generator is a U-Net; the discriminator a PatchGAN that judges
    (condition, image) pairs patch by patch. The generator minimises
    `adversarial + l1_weight * L1(target, generated)`; the discriminator's
    loss is halved, which slows it down relative to the generator (paper,
    section 3.3).

    Args:
        image_shape: `(height, width, channels)` of the condition images.
        output_channels: channels of the generated images.
        filters: width of the first generator and discriminator layers (64 in
            the paper); every later width is a multiple of it.
        depth: number of U-Net encoder blocks; defaults to the number that
            takes the image down to 1 x 1 (8 for 256 x 256). Height and width
            must be multiples of `2**depth`.
        norm: `"batch"` (the paper) or `"instance"`.
        dropout: dropout rate of the first three decoder blocks (0.5).
        receptive_field: PatchGAN patch size: 1 (PixelGAN), 16, 70 (default)
            or 286 (ImageGAN).
        adversarial_loss: `"bce"` (the paper), `"least_squares"`, `"wgan"` (the
            Wasserstein loss of Arjovsky et al., ICML 2017, on the patch grid's mean;
            with `gradient_penalty="wgan-gp"`), or `None` to train the generator with
            the L1 loss alone (the baseline of the paper's table 1; the discriminator
            is then not trained).
        l1_weight: lambda of the L1 term (100).
        discriminator_steps: discriminator updates per generator update; 1 by default,
            0 (and only 0) with `adversarial_loss=None`.
        seed: seed of the training randomness (dropout).
        image_range: `(low, high)` of float images given to `fit` and `translate`, e.g.
            `(0, 1)` or `(0, 255)`; `(-1, 1)` when None (float images that never go below 0
            then draw a warning). Also settable later: `model.image_range = (0, 1)`.
        dtype: the precision policy of every layer (e.g. `"mixed_bfloat16"`, or a
            `keras.DTypePolicy`); the global policy when None. Variables, the
            generated image, logits and losses stay float32; see `GAN` for loss
            scaling under `"mixed_float16"`.
        augment: DiffAugment (Zhao et al., "Differentiable Augmentation for Data-Efficient
            GAN Training", NeurIPS 2020): None (default: off) or policies among `"color"`,
            `"translation"`, `"cutout"`, comma-separated (`"color,translation,cutout"`) or a
            list. In training, every (condition, image) pair the discriminator sees is
            augmented: translation and cutout move the condition and the image together,
            colour changes the images only; real and generated pairs of one call share the
            transform. The generator's L1 loss sees no augmentation. See `GAN`.
        gradient_penalty: None (default: off, as in the paper), `"r1"` (Mescheder et al.,
            "Which Training Methods for GANs do actually Converge?", ICML 2018) or
            `"wgan-gp"` (Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS
            2017), added to the discriminator's loss in training, logged as
            `gradient_penalty` (see `keras_condgan.penalties`). D(x) is the mean of the
            patch logits of the (condition, target) pair; the penalty takes gradients with
            respect to the target image. Needs an adversarial loss. With `norm="batch"`
            the gradients mix the images of a batch (a warning says so); `norm="instance"`
            avoids it, as WGAN-GP's authors advise.
        penalty_weight: gamma of R1 or lambda of WGAN-GP; 10 (the papers') when None.
        penalty_interval: lazy R1 (Karras et al., StyleGAN2, CVPR 2020): the penalty,
            multiplied by the interval, only every `penalty_interval` discriminator
            updates; 1 (every update) by default, and always for WGAN-GP.

    `fit` takes `(conditions, targets)` batches of the model's size: uint8 images in
    [0, 255] or float images in `image_range`. `translate` takes what people have (see its
    docstring): one image or a batch, file paths, PIL images, any size, RGBA or grayscale.

    Example:

    ```python
    model = keras_condgan.Pix2Pix.from_preset("pix2pix_facades")
    label_maps, _ = facades.load_data("test")                     # uint8 (106, 256, 256, 3)
    photos = model.translate(label_maps[:4])                      # uint8 (4, 256, 256, 3)
    photos = model.translate(label_maps[:4] / 255.0, image_range=(0, 1))  # floats in [0, 1]
    photo = model.translate(PIL.Image.fromarray(label_maps[0]).resize((300, 200)))  # (200, 300, 3)
    ```
    """

    backbone_presets = backbone_presets
    loss_names = ("d_loss", "g_loss", "l1_loss")

    def __init__(
        self,
        image_shape=(256, 256, 3),
        output_channels=3,
        filters=64,
        depth=None,
        norm="batch",
        dropout=0.5,
        receptive_field=70,
        adversarial_loss="bce",
        l1_weight=100.0,
        discriminator_steps=None,
        seed=None,
        dtype=None,
        image_range=None,
        **kwargs,
    ):
        image_shape = image_shape_argument(image_shape)
        if adversarial_loss not in PIX2PIX_ADVERSARIAL_LOSSES:
            raise ValueError(
                f"Unknown adversarial loss {adversarial_loss!r}; expected one of {PIX2PIX_ADVERSARIAL_LOSSES}."
            )
        if adversarial_loss is None and kwargs.get("gradient_penalty") is not None:
            raise ValueError(
                f"gradient_penalty={kwargs['gradient_penalty']!r} regularises the discriminator, which "
                "adversarial_loss=None does not train: choose an adversarial loss, or no penalty."
            )
        if discriminator_steps is None:
            discriminator_steps = 0 if adversarial_loss is None else 1
        elif adversarial_loss is None and int(discriminator_steps) != 0:
            raise ValueError(
                "adversarial_loss=None trains the generator with the L1 loss alone: there is no "
                f"discriminator to update, so discriminator_steps must be 0; got {discriminator_steps!r}."
            )
        depth = default_depth(image_shape) if depth is None else int(depth)
        generator = unet_generator(image_shape, output_channels, filters, depth, norm, dropout, dtype=dtype)
        discriminator = patch_discriminator(image_shape, output_channels, filters, receptive_field, norm, dtype=dtype)
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
        self.output_channels = int(output_channels)
        self.filters = int(filters)
        self.depth = depth
        self.norm = norm
        self.dropout = float(dropout)
        self.receptive_field = int(receptive_field)
        self.adversarial_loss = adversarial_loss
        self.l1_weight = float(l1_weight)
        if adversarial_loss is not None:
            self._d_loss_fn, self._g_loss_fn = losses.get_adversarial_losses(adversarial_loss)
        penalties.warn_about_unconstrained_critic(adversarial_loss, self.gradient_penalty)

    @property
    def metrics(self):
        # Without an adversarial loss the discriminator is idle: no d_loss.
        return [t for t in self.loss_trackers if self.adversarial_loss is not None or t.name != "d_loss"]

    @property
    def target_shape(self):
        return self.image_shape[:2] + (self.output_channels,)

    # --- training objective -------------------------------------------------

    def prepare_batch(self, data):
        conditions, targets, _ = keras.utils.unpack_x_y_sample_weight(data)
        if targets is None:
            raise ValueError(
                "Pix2Pix trains on (conditions, targets) pairs, e.g. "
                "`fit(x=conditions, y=targets)` or a dataset of (condition, target) batches."
            )
        return {
            "conditions": standardize_images(conditions, self.image_shape, "condition images", self.image_range),
            "targets": standardize_images(targets, self.target_shape, "target images", self.image_range),
        }

    def discriminator_outputs(self, batch, images, training=True):
        # DiffAugment (`augment`, in training): one transform for the condition and the images;
        # colour for the images only (a label map's colours are its classes).
        images, (conditions,) = self.augment_discriminator_inputs(images, [batch["conditions"]], training)
        return [self.discriminator([conditions, x], training=training) for x in images]

    def real_images(self, batch):
        return batch["targets"]

    def fake_images(self, batch, training=True):
        return ops.stop_gradient(self.generator(batch["conditions"], training=training))

    def discriminator_loss(self, batch, training=True):
        if self.adversarial_loss is None:
            return ops.zeros(()), {}
        targets = batch["targets"]
        fakes = self.fake_images(batch, training)
        real_logits, fake_logits = self.discriminator_outputs(batch, [targets, fakes], training)
        loss = 0.5 * self._d_loss_fn(real_logits, fake_logits)
        return loss, {"d_loss": loss}

    def generator_loss(self, batch, training=True):
        conditions, targets = batch["conditions"], batch["targets"]
        fakes = self.generator(conditions, training=training)
        l1 = l1_loss(targets, fakes)
        loss = self.l1_weight * l1
        if self.adversarial_loss is not None:
            (fake_logits,) = self.discriminator_outputs(batch, [fakes], training)
            loss = loss + self._g_loss_fn(fake_logits)
        return loss, {"g_loss": loss, "l1_loss": l1}

    def validate_fit_data(self, x, y=None):
        super().validate_fit_data(x, y)
        self.prepare_batch((x[:1], None if y is None else y[:1]))  # shapes and dtypes
        self.check_images(x, "condition images")
        self.check_images(y, "target images")

    # --- inference ------------------------------------------------------------

    def translate(self, images, batch_size=16, image_range=None, output_size="input"):
        """Translates condition images with the generator in inference mode
        (no dropout; batch normalisation uses its training statistics).

        Args:
            images: what people have, like KerasHub's image converters take: one image
                (`(H, W, C)` or `(H, W)` array, file path, PIL image), a batch
                `(N, H, W, C)`, or a list of single images. RGBA (alpha dropped) and
                grayscale are converted to the model's channels; any height and width is
                resized to the model's. uint8 in [0, 255], or floats in `image_range`.
            batch_size: images per generator call.
            image_range: `(low, high)` of float images, e.g. `(0, 1)`; the model's
                `image_range` when None.
            output_size: `"input"` gives each result at its input's height and width;
                `"model"` at the model's.

        Returns:
            uint8 images with `output_channels` channels, as the inputs came: one image
            `(H, W, C)` for one, a batch `(N, H, W, C)` for a batch, a list for a list.
        """
        batch = self.images_to_batch(images, self.image_shape, "condition images", image_range)
        (generated,) = predict_in_batches(self.for_inference(self.generator), [batch.values], batch_size, [self.target_shape])
        return restore_layout(to_uint8(generated), batch, output_size)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "image_shape": list(self.image_shape),
                "output_channels": self.output_channels,
                "filters": self.filters,
                "depth": self.depth,
                "norm": self.norm,
                "dropout": self.dropout,
                "receptive_field": self.receptive_field,
                "adversarial_loss": self.adversarial_loss,
                "l1_weight": self.l1_weight,
            }
        )
        return config
