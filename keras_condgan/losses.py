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


ADVERSARIAL_LOSSES = {
    "bce": (discriminator_bce, generator_bce),
    "hinge": (discriminator_hinge, generator_hinge),
    "least_squares": (discriminator_least_squares, generator_least_squares),
}


def get_adversarial_losses(name):
    """Returns the `(discriminator_loss, generator_loss)` pair called `name`."""
    if name not in ADVERSARIAL_LOSSES:
        raise ValueError(
            f"Unknown adversarial loss {name!r}; expected one of "
            f"{sorted(ADVERSARIAL_LOSSES)}."
        )
    return ADVERSARIAL_LOSSES[name]
