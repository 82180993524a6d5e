"""The SPADE generator of GauGAN (Park et al., 2019, section 3 and appendix A, figure 12).

The label map does not enter through the input layer: the generator starts from a latent
vector z (the style), projected by a dense layer to a small grid of `16 * filters`
channels, and grows it to the image size with SPADE residual blocks, each of which sees
the label map (resized to its resolution) through its SPADE layers:

    z -> dense -> (H / 2^n, W / 2^n, 16 f)
      -> ResBlk(16 f), up, ResBlk(16 f), ResBlk(16 f)
      -> [up, ResBlk(8 f)], [up, ResBlk(4 f)], [up, ResBlk(2 f)], [up, ResBlk(f)]
      -> LeakyReLU(0.2), conv 3 x 3 to the image channels, tanh

with n = `num_upsamples` nearest-neighbour upsamplings (5, the official "normal" setting:
an 8 x 8 grid for 256 x 256 images) and f = `filters` (64). With other values of n the
blocks after the first upsampling keep halving the width from `2^(n-2) f` down to f
(at most 16 f).

`dtype` (a policy name such as `"mixed_bfloat16"`, a `keras.DTypePolicy`, or None for the
global policy) is given to every layer, except the last convolution and its tanh: they
compute in float32, so that the image keeps full precision.
"""

import keras
from keras import layers

from keras_condgan.layers.spade import SPADEResBlock

TOP_WIDTH_MULTIPLIER = 16


def check_grid(image_shape, num_upsamples):
    height, width = image_shape[:2]
    step = 2**num_upsamples
    if num_upsamples < 1 or height % step or width % step:
        raise ValueError(
            f"The generator doubles a grid {num_upsamples} times up to the image size, so the "
            f"image height and width must be multiples of 2**num_upsamples = {step} "
            f"(and num_upsamples >= 1); got {height} x {width}."
        )
    return height // step, width // step


def upsampling_widths(filters, num_upsamples):
    """Widths of the blocks that follow the second and later upsamplings."""
    return [filters * min(2 ** (num_upsamples - 2 - k), TOP_WIDTH_MULTIPLIER) for k in range(num_upsamples - 1)]


def gaugan_generator(
    image_shape,
    num_classes,
    latent_dim=256,
    filters=64,
    num_upsamples=5,
    spade_filters=128,
    spectral_norm=True,
    dtype=None,
):
    """SPADE generator `[latent (latent_dim,), one-hot label map (H, W, num_classes)] -> image in [-1, 1]`."""
    grid_h, grid_w = check_grid(image_shape, num_upsamples)
    top = TOP_WIDTH_MULTIPLIER * filters
    latent = keras.Input((latent_dim,), name="latent")
    label_map = keras.Input(tuple(image_shape[:2]) + (num_classes,), name="label_map")

    def block(x, width, name):
        return SPADEResBlock(width, spade_filters, spectral_norm, dtype=dtype, name=name)([x, label_map])

    def up(x, name):
        return layers.UpSampling2D(2, interpolation="nearest", dtype=dtype, name=name)(x)

    x = layers.Dense(grid_h * grid_w * top, dtype=dtype, name="latent_projection")(latent)
    x = layers.Reshape((grid_h, grid_w, top), dtype=dtype, name="latent_grid")(x)
    x = block(x, top, "head_0")
    x = up(x, "head_up")
    x = block(x, top, "middle_0")
    x = block(x, top, "middle_1")
    for k, width in enumerate(upsampling_widths(filters, num_upsamples)):
        x = up(x, f"up_{k}_upsample")
        x = block(x, width, f"up_{k}")
    x = layers.LeakyReLU(0.2, dtype=dtype, name="output_lrelu")(x)
    x = layers.Conv2D(image_shape[-1], 3, padding="same", dtype="float32", name="to_image")(x)
    image = layers.Activation("tanh", dtype="float32", name="image")(x)
    return keras.Model([latent, label_map], image, name="spade_generator")
