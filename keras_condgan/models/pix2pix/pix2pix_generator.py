"""The U-Net generator of pix2pix (Isola et al., 2017, section 3.2.1 and appendix 6.1.1).

Encoder: C64-C128-C256-C512-C512-C512-C512-C512 for 256 x 256 inputs, where Ck
is a 4 x 4 stride-2 convolution with k filters, normalisation and
LeakyReLU(0.2). The first layer has no normalisation, and neither has the
innermost one: its output is 1 x 1, where batch normalisation of a batch of
one, or instance normalisation of any batch, would set every activation to
zero (the official code leaves it out for that reason).

Decoder: 4 x 4 stride-2 transposed convolutions with normalisation and ReLU;
the first three blocks also have dropout 0.5. Each decoder block's output is
concatenated with the mirrored encoder block's output (the skip connections
that carry the low-level structure the label map shares with the photo).
A last transposed convolution maps to the output channels, with tanh.

`filters` scales every width (64 above) and `depth` sets the number of
encoder blocks (8 above, so that 256 is halved down to 1).

`dtype` (a policy name such as `"mixed_bfloat16"`, a `keras.DTypePolicy`, or None for
the global policy) is given to every layer, except the last transposed convolution and
its tanh: they compute in float32, so that the image keeps full precision.
"""

import math

import keras
from keras import layers

from keras_condgan.layers.normalization import normalization

MAX_FILTER_MULTIPLIER = 8  # widths stop growing at 8 x filters (C512 for filters=64)
DROPOUT_BLOCKS = 3


def default_depth(image_shape):
    """Encoder blocks that take the smaller side of the image down to 1 pixel."""
    return int(math.log2(min(image_shape[:2])))


def check_image_shape(image_shape, depth):
    height, width = image_shape[:2]
    step = 2**depth
    if height % step or width % step:
        raise ValueError(
            f"A U-Net of depth {depth} halves the image {depth} times, so its height and "
            f"width must be multiples of 2**{depth} = {step}; got {height} x {width}."
        )


def encoder_filters(filters, depth):
    return [filters * min(2**i, MAX_FILTER_MULTIPLIER) for i in range(depth)]


def unet_generator(image_shape, output_channels=3, filters=64, depth=None, norm="batch", dropout=0.5, dtype=None):
    """U-Net `condition (H, W, C_in) in [-1, 1] -> image (H, W, output_channels) in [-1, 1]`."""
    depth = default_depth(image_shape) if depth is None else int(depth)
    if depth < 2:
        raise ValueError(f"A U-Net needs depth >= 2; got {depth}.")
    check_image_shape(image_shape, depth)
    widths = encoder_filters(filters, depth)
    init = keras.initializers.RandomNormal(0.0, 0.02)

    condition = keras.Input(image_shape, name="condition")
    x = condition
    skips = []
    for i, width in enumerate(widths):
        if i > 0:
            x = layers.LeakyReLU(0.2, dtype=dtype, name=f"encoder_{i}_lrelu")(x)
        normalized = 0 < i < depth - 1
        # A bias before a normalisation would be subtracted again.
        x = layers.Conv2D(width, 4, strides=2, padding="same", kernel_initializer=init,
                          use_bias=not normalized, dtype=dtype, name=f"encoder_{i}_conv")(x)
        if normalized:
            x = normalization(norm, f"encoder_{i}_norm", dtype)(x)
        skips.append(x)

    # Decoder, innermost block first: block j mirrors encoder block depth-2-j.
    for j, i in enumerate(range(depth - 2, -1, -1)):
        x = layers.ReLU(dtype=dtype, name=f"decoder_{j}_relu")(x)
        x = layers.Conv2DTranspose(widths[i], 4, strides=2, padding="same", kernel_initializer=init,
                                   use_bias=False, dtype=dtype, name=f"decoder_{j}_deconv")(x)
        x = normalization(norm, f"decoder_{j}_norm", dtype)(x)
        if j < DROPOUT_BLOCKS and dropout:
            x = layers.Dropout(dropout, dtype=dtype, name=f"decoder_{j}_dropout")(x)
        x = layers.Concatenate(dtype=dtype, name=f"skip_{i}")([x, skips[i]])

    x = layers.ReLU(dtype=dtype, name="output_relu")(x)
    x = layers.Conv2DTranspose(output_channels, 4, strides=2, padding="same", kernel_initializer=init,
                               dtype="float32", name="output_deconv")(x)
    image = layers.Activation("tanh", dtype="float32", name="image")(x)
    return keras.Model(condition, image, name="unet_generator")
