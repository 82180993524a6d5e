"""Gradient penalties of the discriminator, in `keras.ops`.

A gradient penalty regularises the gradient of the discriminator's output with respect to
its input images; it is added to the discriminator's loss (`GAN(gradient_penalty=...)`), so
its own gradient with respect to the discriminator's weights is a second derivative. The
gradients with respect to the images come from the backend's trainer
(`_input_gradients`, in `keras_condgan.trainers`); this module holds what is written once:

- `"r1"`: R1 of Mescheder, Geiger and Nowozin, "Which Training Methods for GANs do actually
  Converge?" (ICML 2018): `gamma / 2 * E ||grad D(x)||^2` over real images x (gamma = 10,
  as in the paper's and StyleGAN's experiments). Karras et al., "Analyzing and Improving the
  Image Quality of StyleGAN" (StyleGAN2, CVPR 2020), apply it lazily: only every
  `penalty_interval` discriminator updates (16 in StyleGAN2), multiplied by the interval.
  The interval counts the discriminator optimizer's updates (`iterations`); StyleGAN2 also
  sets that optimizer's learning rate and Adam betas to `lr * c`, `beta ** c` with
  `c = k / (k + 1)`: pass such an optimizer to `compile` to follow it exactly.
- `"wgan-gp"`: the gradient penalty of Gulrajani et al., "Improved Training of Wasserstein
  GANs" (NeurIPS 2017): `lambda * E (||grad D(x_hat)|| - 1)^2` (lambda = 10) at random
  interpolates `x_hat = eps * x_real + (1 - eps) * x_fake`, `eps ~ U(0, 1)` per image. It
  keeps the critic of the Wasserstein GAN (Arjovsky, Chintala and Bottou, 2017; the
  `adversarial_loss="wgan"` of `keras_condgan.losses`) close to 1-Lipschitz.

D(x) is one value per image: the discriminator's logits averaged over their patches (and
over the scales of a multi-scale discriminator), the quantity whose batch mean the
adversarial losses take (exactly the critic of the WGAN loss). For a one-logit
discriminator it is the logit; for a patch discriminator, averaging (rather than summing)
keeps the penalty's size independent of the number of patches, so the papers' weights
carry over. Everything is computed in float32, whatever the precision policy.
"""

import math
import numbers
import warnings

import keras
from keras import ops

PENALTIES = ("r1", "wgan-gp")
# gamma of R1 (Mescheder et al., 2018; StyleGAN), lambda of WGAN-GP (Gulrajani et al., 2017).
DEFAULT_WEIGHTS = {"r1": 10.0, "wgan-gp": 10.0}
# Added under the square root of WGAN-GP's norm: its derivative stays finite at a zero gradient.
NORM_EPSILON = 1e-12


def penalty_arguments(gradient_penalty, penalty_weight=None, penalty_interval=1):
    """Checks a model's penalty arguments; returns `(penalty, weight, interval)`, the weight
    the paper's default when None is given. Bad arguments raise a ValueError that says what
    is expected."""
    if gradient_penalty is None:
        if penalty_weight is not None or not _is_one(penalty_interval):
            given = "penalty_weight" if penalty_weight is not None else "penalty_interval"
            raise ValueError(
                f"`{given}` is set but no `gradient_penalty` is: choose one of "
                f"{', '.join(repr(p) for p in PENALTIES)} (or leave `{given}` unset)."
            )
        return None, None, 1
    name = gradient_penalty.lower().replace("_", "-") if isinstance(gradient_penalty, str) else gradient_penalty
    if name not in PENALTIES:
        raise ValueError(
            f"Unknown gradient_penalty {gradient_penalty!r}; expected one of "
            f"{', '.join(repr(p) for p in PENALTIES)}, or None (no penalty)."
        )
    if penalty_weight is None:
        weight = DEFAULT_WEIGHTS[name]
    else:
        if isinstance(penalty_weight, bool) or not isinstance(penalty_weight, numbers.Real):
            raise ValueError(f"`penalty_weight` must be a positive number; got {penalty_weight!r}.")
        weight = float(penalty_weight)
        if not (math.isfinite(weight) and weight > 0):
            raise ValueError(
                f"`penalty_weight` must be a positive, finite number (gamma of R1, lambda of "
                f"WGAN-GP; {DEFAULT_WEIGHTS[name]:g} by default); got {penalty_weight!r}."
            )
    if isinstance(penalty_interval, bool) or not isinstance(penalty_interval, numbers.Integral) or penalty_interval < 1:
        raise ValueError(
            "`penalty_interval` must be an integer of at least 1 (the penalty is applied every "
            f"`penalty_interval` discriminator updates); got {penalty_interval!r}."
        )
    interval = int(penalty_interval)
    if name == "wgan-gp" and interval != 1:
        raise ValueError(
            "gradient_penalty='wgan-gp' is applied at every discriminator update (its constraint "
            "keeps the critic 1-Lipschitz for the Wasserstein loss); lazy regularisation "
            f"(`penalty_interval`) is for 'r1', as in StyleGAN2. Got penalty_interval={penalty_interval!r}."
        )
    return name, weight, interval


def _is_one(value):
    return not isinstance(value, bool) and isinstance(value, numbers.Real) and value == 1


def warn_about_batch_norm(gradient_penalty, discriminator):
    """Warns when a penalised discriminator normalises with batch statistics: in training mode
    each image's output then depends on the other images of its batch, so the gradients the
    penalty takes per image mix the batch (Gulrajani et al. leave batch normalisation out of
    the critic for this reason)."""
    if gradient_penalty is None:
        return
    if any(isinstance(layer, keras.layers.BatchNormalization) for layer in discriminator._flatten_layers()):
        warnings.warn(
            f"gradient_penalty={gradient_penalty!r} with a discriminator that uses batch normalization: "
            "each image's gradient also flows through the batch statistics, so the penalty does not see "
            "per-image gradients (Gulrajani et al. use no batch normalization in the critic). A "
            "discriminator without it (e.g. Pix2Pix(norm='instance')) avoids this.",
            stacklevel=3,
        )


def warn_about_unconstrained_critic(adversarial_loss, gradient_penalty):
    """Warns about the WGAN loss without a gradient penalty: nothing then bounds the critic (the
    original WGAN clipped its weights, which this package does not do)."""
    if adversarial_loss == "wgan" and gradient_penalty is None:
        warnings.warn(
            "adversarial_loss='wgan' without a gradient penalty: nothing keeps the critic Lipschitz "
            "(the original WGAN clipped its weights, which this package does not), so its outputs can "
            "grow without bound. Use gradient_penalty='wgan-gp' (WGAN-GP, Gulrajani et al., 2017).",
            stacklevel=3,
        )


def per_image_values(logits):
    """D(x) per image, float32 `(batch,)`: `logits` (one tensor, or a list with one per scale)
    averaged over every axis but the batch axis, then over the scales."""
    scales = list(logits) if isinstance(logits, (list, tuple)) else [logits]
    values = []
    for scale in scales:
        scale = ops.cast(scale, "float32")
        values.append(ops.mean(scale, axis=tuple(range(1, len(scale.shape)))) if len(scale.shape) > 1 else scale)
    return values[0] if len(values) == 1 else ops.mean(ops.stack(values, axis=0), axis=0)


def squared_norms(gradients):
    """`||g||^2` per image, float32 `(batch,)`."""
    gradients = ops.cast(gradients, "float32")
    return ops.sum(ops.square(gradients), axis=tuple(range(1, len(gradients.shape))))


def r1_penalty(gradients, gamma=DEFAULT_WEIGHTS["r1"]):
    """`gamma / 2 * mean ||g||^2` of the gradients `g` of D at real images."""
    return 0.5 * gamma * ops.mean(squared_norms(gradients))


def wgan_gp_penalty(gradients, weight=DEFAULT_WEIGHTS["wgan-gp"]):
    """`lambda * mean (||g|| - 1)^2` of the gradients `g` of D at interpolates."""
    norms = ops.sqrt(squared_norms(gradients) + NORM_EPSILON)
    return weight * ops.mean(ops.square(norms - 1.0))


PENALTY_FUNCTIONS = {"r1": r1_penalty, "wgan-gp": wgan_gp_penalty}


def interpolates(real_images, fake_images, seed):
    """`eps * real + (1 - eps) * fake`, float32, with one `eps ~ U(0, 1)` per image drawn from
    `seed` (a `keras.random.SeedGenerator`)."""
    real_images, fake_images = ops.cast(real_images, "float32"), ops.cast(fake_images, "float32")
    shape = (ops.shape(real_images)[0],) + (1,) * (len(real_images.shape) - 1)
    eps = keras.random.uniform(shape, dtype="float32", seed=seed)
    return fake_images + eps * (real_images - fake_images)
