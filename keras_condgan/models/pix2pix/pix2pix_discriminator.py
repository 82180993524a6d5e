"""The PatchGAN discriminator of pix2pix (Isola et al., 2017, section 3.2.2 and appendix 6.1.2).

It sees the condition and an image (real or generated) concatenated along the
channels and returns a grid of logits, each judging one N x N patch; the
grid's mean is the image's score. The number of stride-2 layers sets N:

| receptive_field | layers (C64-C128-...)  | output grid on 256 x 256 |
|-----------------|------------------------|--------------------------|
| 1  (PixelGAN)   | 1 x 1 convs C64-C128   | 256 x 256                |
| 16              | C64 + C128 stride 1    | 126 x 126                |
| 70 (default)    | C64-C128-C256 + C512   | 30 x 30                  |
| 286 (ImageGAN)  | C64-...-C512-C512 + C512 | 6 x 6                  |

Every convolution is 4 x 4 with one pixel of zero padding, as in the paper's
code, so the grid sizes and receptive fields are exactly the paper's. The
first layer has no normalisation; LeakyReLU slope 0.2 (not Keras' 0.3).

`dtype` (a policy name, a `keras.DTypePolicy`, or None for the global policy) is given
to every layer but the logits', which compute in float32 so that the losses do.
"""

import keras
from keras import layers

from keras_condgan.layers.normalization import normalization
from keras_condgan.models.pix2pix.pix2pix_generator import MAX_FILTER_MULTIPLIER

# receptive field -> number of stride-2 convolutions
STRIDED_LAYERS = {16: 1, 70: 3, 286: 5}
RECEPTIVE_FIELDS = (1,) + tuple(STRIDED_LAYERS)


def conv(x, width, strides, name, init, use_bias=True, dtype=None):
    x = layers.ZeroPadding2D(1, dtype=dtype, name=f"{name}_pad")(x)
    return layers.Conv2D(
        width, 4, strides=strides, kernel_initializer=init, use_bias=use_bias, dtype=dtype, name=name
    )(x)


def patch_discriminator(
    condition_shape, image_channels=3, filters=64, receptive_field=70, norm="batch", dtype=None
):
    """PatchGAN `(condition, image) -> logits (batch, rows, cols, 1)`."""
    if receptive_field not in RECEPTIVE_FIELDS:
        raise ValueError(
            f"Unknown receptive_field {receptive_field!r}; expected one of {RECEPTIVE_FIELDS} "
            "(1 = PixelGAN, 286 = ImageGAN)."
        )
    init = keras.initializers.RandomNormal(0.0, 0.02)
    condition = keras.Input(condition_shape, name="condition")
    image = keras.Input(tuple(condition_shape[:2]) + (image_channels,), name="image")
    x = layers.Concatenate(dtype=dtype, name="condition_and_image")([condition, image])

    if receptive_field == 1:
        x = layers.Conv2D(filters, 1, kernel_initializer=init, dtype=dtype, name="pixel_0_conv")(x)
        x = layers.LeakyReLU(0.2, dtype=dtype, name="pixel_0_lrelu")(x)
        x = layers.Conv2D(filters * 2, 1, kernel_initializer=init, use_bias=False, dtype=dtype, name="pixel_1_conv")(x)
        x = normalization(norm, "pixel_1_norm", dtype)(x)
        x = layers.LeakyReLU(0.2, dtype=dtype, name="pixel_1_lrelu")(x)
        logits = layers.Conv2D(1, 1, kernel_initializer=init, dtype="float32", name="logits")(x)
        return keras.Model([condition, image], logits, name="pixel_discriminator")

    strided = STRIDED_LAYERS[receptive_field]
    x = conv(x, filters, 2, "patch_0_conv", init, dtype=dtype)
    x = layers.LeakyReLU(0.2, dtype=dtype, name="patch_0_lrelu")(x)
    for i in range(1, strided + 1):
        # The last of these keeps the resolution (stride 1), as in the paper.
        width = filters * min(2**i, MAX_FILTER_MULTIPLIER)
        x = conv(x, width, 2 if i < strided else 1, f"patch_{i}_conv", init, use_bias=False, dtype=dtype)
        x = normalization(norm, f"patch_{i}_norm", dtype)(x)
        x = layers.LeakyReLU(0.2, dtype=dtype, name=f"patch_{i}_lrelu")(x)
    x = layers.ZeroPadding2D(1, dtype=dtype, name="logits_pad")(x)
    logits = layers.Conv2D(1, 4, kernel_initializer=init, dtype="float32", name="logits")(x)
    return keras.Model([condition, image], logits, name="patch_discriminator")
