"""SPADE: spatially-adaptive (de)normalisation, and the SPADE residual block (Park et al., 2019).

Batch normalisation followed by a learned affine map washes out a label map fed through
the network's input: uniform regions of a label map normalise to zeros. SPADE keeps the
semantic layout alive in every layer instead: it normalises the activations without any
learned parameters and then modulates them, pixel by pixel, with a scale `gamma` and a
bias `beta` computed by a small convolutional network from the label map (section 3):

    out = BN(x) * (1 + gamma(m)) + beta(m),   gamma, beta = conv3x3(ReLU(conv3x3(m)))

where `m` is the one-hot label map resized (nearest neighbour) to the size of `x`.

The normalisation is batch normalisation with running statistics: in training mode it uses
the moments of the batch and updates the running ones, in inference mode the running ones,
so an image's output at inference does not depend on the other images of its batch (the
public Keras GauGAN example normalises with the current batch's moments even at inference).

Both layers give their own precision policy (`dtype`) to every sublayer they create, so a
GauGAN built with `dtype="mixed_bfloat16"` computes in bfloat16 throughout.
"""

import keras
import numpy as np
from keras import layers, ops

from keras_condgan.layers.convolution import conv2d


def resize_nearest(images, size):
    """Nearest-neighbour resizing `(N, H, W, C) -> (N, h, w, C)` that picks source pixel
    `floor(i * H / h)`, as PyTorch's `F.interpolate(mode="nearest")` in the official code.

    `ops.image.resize` would do, but its "nearest" picks different pixels on different
    backends (half-pixel centres on TensorFlow and JAX, not on torch), which would make a
    model trained on one backend see slightly shifted label maps on another.
    """
    # int(): static sizes, also where a tracer hands them over as tensors (torch.onnx's
    # TorchScript tracing, which exports a model with a dynamic batch size).
    in_h, in_w = int(images.shape[1]), int(images.shape[2])
    out_h, out_w = (int(side) for side in size)
    if (in_h, in_w) == (out_h, out_w):
        return images
    if in_h % out_h == 0 and in_w % out_w == 0:
        # Downsampling by whole factors (every SPADE layer of the generator): pixel i * factor,
        # the same pixels as below, as a strided slice, which every exporter converts
        # (torch.onnx's TorchScript exporter has no `take` on torch: it needs `aten::ravel`).
        return images[:, :: in_h // out_h, :: in_w // out_w]
    rows = np.floor(np.arange(out_h) * in_h / out_h).astype("int32")
    cols = np.floor(np.arange(out_w) * in_w / out_w).astype("int32")
    return ops.take(ops.take(images, rows, axis=1), cols, axis=2)


@keras.saving.register_keras_serializable(package="keras_condgan")
class SPADE(layers.Layer):
    """Spatially-adaptive normalisation: `[x (N, h, w, C), label_map (N, H, W, K)] -> (N, h, w, C)`.

    Args:
        hidden_filters: width of the shared convolution on the label map (128 in the paper).
        kernel_size: kernel size of the label map's convolutions (3).
        momentum, epsilon: of the batch normalisation (0.9 is PyTorch's 0.1).
    """

    def __init__(self, hidden_filters=128, kernel_size=3, momentum=0.9, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.hidden_filters = int(hidden_filters)
        self.kernel_size = int(kernel_size)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        x_shape, label_shape = input_shape
        channels = x_shape[-1]
        hidden_shape = tuple(label_shape[:1]) + tuple(x_shape[1:3]) + (self.hidden_filters,)
        dtype = self.dtype_policy
        # Parameter-free: the label map supplies the scale and bias.
        self.normalization = layers.BatchNormalization(
            center=False, scale=False, momentum=self.momentum, epsilon=self.epsilon, dtype=dtype,
            name="param_free_norm",
        )
        self.shared = layers.Conv2D(
            self.hidden_filters, self.kernel_size, padding="same", activation="relu", dtype=dtype, name="mlp_shared"
        )
        self.gamma = layers.Conv2D(channels, self.kernel_size, padding="same", dtype=dtype, name="mlp_gamma")
        self.beta = layers.Conv2D(channels, self.kernel_size, padding="same", dtype=dtype, name="mlp_beta")
        self.normalization.build(x_shape)
        self.shared.build(tuple(label_shape[:1]) + tuple(x_shape[1:3]) + tuple(label_shape[-1:]))
        self.gamma.build(hidden_shape)
        self.beta.build(hidden_shape)

    def call(self, inputs, training=None):
        x, label_map = inputs
        normalized = self.normalization(x, training=training)
        label_map = resize_nearest(ops.cast(label_map, normalized.dtype), x.shape[1:3])
        hidden = self.shared(label_map)
        return normalized * (1.0 + self.gamma(hidden)) + self.beta(hidden)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {
            **super().get_config(),
            "hidden_filters": self.hidden_filters,
            "kernel_size": self.kernel_size,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
        }


@keras.saving.register_keras_serializable(package="keras_condgan")
class SPADEResBlock(layers.Layer):
    """The SPADE residual block (figure 4, right):
    `[x (N, h, w, C_in), label_map] -> (N, h, w, filters)`.

    Main path: SPADE, LeakyReLU(0.2), 3 x 3 conv to `min(C_in, filters)` channels, SPADE,
    LeakyReLU, 3 x 3 conv to `filters`. Shortcut: the identity when `C_in == filters`, else
    a learned 1 x 1 convolution (no bias) after its own SPADE. As in the official code, the
    block's convolutions are spectrally normalised when `spectral_norm` (the SPADE layers'
    convolutions never are).

    Args:
        filters: output channels.
        spade_filters: hidden width of the SPADE layers (128).
        spectral_norm: spectral normalisation of the block's convolutions.
    """

    def __init__(self, filters, spade_filters=128, spectral_norm=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.spade_filters = int(spade_filters)
        self.spectral_norm = bool(spectral_norm)

    def build(self, input_shape):
        x_shape, label_shape = input_shape
        in_channels = x_shape[-1]
        middle = min(in_channels, self.filters)
        self.learned_shortcut = in_channels != self.filters
        middle_shape = tuple(x_shape[:3]) + (middle,)
        dtype = self.dtype_policy
        self.norm_0 = SPADE(self.spade_filters, dtype=dtype, name="norm_0")
        self.conv_0 = conv2d(middle, 3, self.spectral_norm, dtype=dtype, name="conv_0")
        self.norm_1 = SPADE(self.spade_filters, dtype=dtype, name="norm_1")
        self.conv_1 = conv2d(self.filters, 3, self.spectral_norm, dtype=dtype, name="conv_1")
        self.norm_0.build([x_shape, label_shape])
        self.conv_0.build(x_shape)
        self.norm_1.build([middle_shape, label_shape])
        self.conv_1.build(middle_shape)
        if self.learned_shortcut:
            self.norm_s = SPADE(self.spade_filters, dtype=dtype, name="norm_s")
            self.conv_s = conv2d(self.filters, 1, self.spectral_norm, use_bias=False, dtype=dtype, name="conv_s")
            self.norm_s.build([x_shape, label_shape])
            self.conv_s.build(x_shape)

    def call(self, inputs, training=None):
        # The convolutions see `training` through Keras' call context (spectral
        # normalisation updates its estimate in training mode only).
        x, label_map = inputs
        if self.learned_shortcut:
            shortcut = self.conv_s(self.norm_s([x, label_map], training=training))
        else:
            shortcut = x
        dx = self.norm_0([x, label_map], training=training)
        dx = self.conv_0(ops.leaky_relu(dx, 0.2))
        dx = self.norm_1([dx, label_map], training=training)
        dx = self.conv_1(ops.leaky_relu(dx, 0.2))
        return shortcut + dx

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:3]) + (self.filters,)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "spade_filters": self.spade_filters,
            "spectral_norm": self.spectral_norm,
        }
