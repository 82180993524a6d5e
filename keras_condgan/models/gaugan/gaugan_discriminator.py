"""The multi-scale PatchGAN discriminator of GauGAN (Park et al., 2019, appendix A, figure 13;
from pix2pixHD, Wang et al., 2018).

The discriminator judges an image together with its one-hot label map (concatenated along
the channels; the public Keras example shows it the colour-coded map instead). It is
`num_scales` PatchGANs with separate weights: the first sees the full-resolution input, each
next one the previous one's input average-pooled by 2 (3 x 3 window, stride 2, padding 1
left out of the average, as the official code's `avg_pool2d(count_include_pad=False)`), so
that the coarse scales judge the global layout and the fine scale the details.

Each PatchGAN (`num_layers` = 4, the official `n_layers_D`):

    conv4x4(f, stride 2), LeakyReLU(0.2)
    conv4x4(2f, stride 2), IN, LeakyReLU      } spectral norm on these convolutions,
    conv4x4(4f, stride 2), IN, LeakyReLU      } widths capped at 8f
    conv4x4(8f, stride 1), IN, LeakyReLU      }
    conv4x4(1, stride 1) -> patch logits

with 2 pixels of zero padding on every side of every convolution (the official code's
`padw = ceil(3 / 2)`). It returns, per scale, the outputs of all its layers: the activations
feed the generator's feature-matching loss, the last ones are the logits.

`dtype` (a policy name, a `keras.DTypePolicy`, or None for the global policy) is given to
every layer but the logits', which compute in float32 so that the losses do.
"""

import keras
import numpy as np
from keras import layers, ops

from keras_condgan.layers.convolution import conv2d
from keras_condgan.layers.normalization import instance_normalization

MAX_WIDTH_MULTIPLIER = 8
PADDING = 2


@keras.saving.register_keras_serializable(package="keras_condgan")
class AveragePoolingExcludingPadding(layers.Layer):
    """3 x 3 average pooling with stride 2 and one pixel of padding, where the padding does
    not count in the average (PyTorch's `avg_pool2d(x, 3, 2, 1, count_include_pad=False)`).
    Written out rather than `AveragePooling2D(padding="same")`, which pads stride-2 windows
    on the bottom and right only."""

    def build(self, input_shape):
        height, width = input_shape[1], input_shape[2]
        # How many real (unpadded) pixels each output window covers: a constant of the shape.
        ones = np.pad(np.ones((height, width), "float32"), 1)
        counts = [
            [ones[2 * i : 2 * i + 3, 2 * j : 2 * j + 3].sum() for j in range((width - 1) // 2 + 1)]
            for i in range((height - 1) // 2 + 1)
        ]
        self.counts = np.asarray(counts, "float32")[None, :, :, None]

    def call(self, x):
        padded = ops.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
        summed = 9.0 * ops.average_pool(padded, 3, strides=2, padding="valid")
        return summed / ops.cast(self.counts, summed.dtype)

    def compute_output_shape(self, input_shape):
        height, width = input_shape[1], input_shape[2]
        return (input_shape[0], (height - 1) // 2 + 1, (width - 1) // 2 + 1, input_shape[3])


def patch_discriminator(
    input_shape, filters=64, num_layers=4, spectral_norm=True, name="patch_discriminator", dtype=None
):
    """One scale: `input (H, W, C) -> [activation_0, ..., activation_{num_layers-1}, logits]`."""
    inputs = keras.Input(input_shape, name="label_map_and_image")
    init = keras.initializers.RandomNormal(0.0, 0.02)
    x = layers.ZeroPadding2D(PADDING, dtype=dtype, name="layer_0_pad")(inputs)
    x = layers.Conv2D(filters, 4, strides=2, kernel_initializer=init, dtype=dtype, name="layer_0_conv")(x)
    x = layers.LeakyReLU(0.2, dtype=dtype, name="layer_0_lrelu")(x)
    outputs = [x]
    width = filters
    for n in range(1, num_layers):
        width = min(width * 2, filters * MAX_WIDTH_MULTIPLIER)
        strides = 1 if n == num_layers - 1 else 2
        x = layers.ZeroPadding2D(PADDING, dtype=dtype, name=f"layer_{n}_pad")(x)
        x = conv2d(width, 4, spectral_norm, strides=strides, padding="valid", use_bias=False,
                   kernel_initializer=init, dtype=dtype, name=f"layer_{n}_conv")(x)
        x = instance_normalization(f"layer_{n}_norm", dtype)(x)
        x = layers.LeakyReLU(0.2, dtype=dtype, name=f"layer_{n}_lrelu")(x)
        outputs.append(x)
    x = layers.ZeroPadding2D(PADDING, dtype=dtype, name="logits_pad")(x)
    logits = layers.Conv2D(1, 4, kernel_initializer=init, dtype="float32", name="logits")(x)
    return keras.Model(inputs, outputs + [logits], name=name)


def multiscale_discriminator(
    image_shape, num_classes, filters=64, num_layers=4, num_scales=2, spectral_norm=True, dtype=None
):
    """`[one-hot label map (H, W, num_classes), image (H, W, C)] -> [[features..., logits] per scale]`."""
    if int(num_scales) < 1 or int(num_layers) < 2:
        raise ValueError(
            f"The discriminator needs num_scales >= 1 and num_layers >= 2; got {num_scales} and {num_layers}."
        )
    label_map = keras.Input(tuple(image_shape[:2]) + (num_classes,), name="label_map")
    image = keras.Input(tuple(image_shape), name="image")
    x = layers.Concatenate(dtype=dtype, name="label_map_and_image")([label_map, image])
    outputs = []
    for scale in range(num_scales):
        if scale:
            x = AveragePoolingExcludingPadding(dtype=dtype, name=f"downsample_{scale}")(x)
        network = patch_discriminator(
            tuple(x.shape[1:]), filters, num_layers, spectral_norm, name=f"scale_{scale}", dtype=dtype
        )
        outputs.append(network(x))
    return keras.Model([label_map, image], outputs, name="multiscale_discriminator")
