"""The image encoder of GauGAN (Park et al., 2019, section 3.3 and appendix A, figure 14).

A style image is encoded to the mean and log-variance of a Gaussian over the latent
vector, as in a VAE: stride-2 3 x 3 convolutions (widths f, 2f, 4f, 8f, 8f, ...), each
spectrally normalised and followed by instance normalisation and LeakyReLU(0.2), take the
image down to a 4 x 4 grid (six of them for 256 x 256, as in the official code; one fewer
per halving of the image), then two dense layers give `mean` and `log_variance`. Training
samples z with the reparameterisation trick, so the encoder is trained by the generator's
losses through z, and the KL divergence to N(0, I) keeps the latent space samplable.

`dtype` (a policy name, a `keras.DTypePolicy`, or None for the global policy) is given to
every layer but `mean` and `log_variance`, which compute in float32: the KL divergence and
the sampled z take `exp(log_variance)`.
"""

import math

import keras
from keras import layers, ops

from keras_condgan.layers.convolution import conv2d
from keras_condgan.layers.normalization import instance_normalization

GRID = 4
MAX_WIDTH_MULTIPLIER = 8


def encoder_depth(image_shape):
    """Stride-2 layers that take the smaller image side down to 4."""
    height, width = image_shape[:2]
    if min(height, width) < 2 * GRID:
        raise ValueError(f"The encoder needs images of at least {2 * GRID} x {2 * GRID}; got {height} x {width}.")
    depth = int(math.log2(min(height, width) / GRID))
    step = 2**depth
    if height % step or width % step:
        raise ValueError(
            f"The encoder halves the image {depth} times, down to a {GRID} x {GRID} grid for the "
            f"smaller side, so the image height and width must be multiples of 2**{depth} = {step}; "
            f"got {height} x {width}."
        )
    return depth


def gaugan_encoder(image_shape, latent_dim=256, filters=64, spectral_norm=True, dtype=None):
    """Encoder `image (H, W, C) in [-1, 1] -> [mean (latent_dim,), log_variance (latent_dim,)]`."""
    depth = encoder_depth(image_shape)
    image = keras.Input(tuple(image_shape), name="style_image")
    x = image
    for i in range(depth):
        if i:
            x = layers.LeakyReLU(0.2, dtype=dtype, name=f"layer_{i}_lrelu")(x)
        # Padding 1 on every side, as the official code (Keras' "same" pads a stride-2
        # convolution on the bottom and right only). No bias before a normalisation.
        x = layers.ZeroPadding2D(1, dtype=dtype, name=f"layer_{i}_pad")(x)
        width = filters * min(2**i, MAX_WIDTH_MULTIPLIER)
        x = conv2d(width, 3, spectral_norm, strides=2, padding="valid", use_bias=False, dtype=dtype,
                   name=f"layer_{i}_conv")(x)
        x = instance_normalization(f"layer_{i}_norm", dtype)(x)
    x = layers.LeakyReLU(0.2, dtype=dtype, name="output_lrelu")(x)
    x = layers.Flatten(dtype=dtype, name="flatten")(x)
    mean = layers.Dense(latent_dim, dtype="float32", name="mean")(x)
    log_variance = layers.Dense(latent_dim, dtype="float32", name="log_variance")(x)
    return keras.Model(image, [mean, log_variance], name="style_encoder")


def reparameterize(mean, log_variance, seed=None):
    """A sample `mean + exp(log_variance / 2) * eps`, `eps ~ N(0, I)`, differentiable in
    `mean` and `log_variance`. The noise takes its shape from `mean` when the step runs, so
    any batch size works (the public Keras example builds its sampler for one fixed batch
    size). `seed`: a `keras.random.SeedGenerator` (needed inside a compiled step) or an int."""
    mean, log_variance = ops.convert_to_tensor(mean), ops.convert_to_tensor(log_variance)
    epsilon = keras.random.normal(ops.shape(mean), dtype=mean.dtype, seed=seed)
    return mean + ops.exp(0.5 * log_variance) * epsilon
