"""Discriminators of `ConditionalGAN`: (image, class label) -> one logit.

- `conditioning="concat"`: the one-hot label is broadcast to constant H x W
  planes and concatenated to the image channels (convolutional), or to the
  flattened pixels (MLP). The public Keras example builds these planes with
  `repeat` without an axis and a reshape, which encodes the class as bands of
  rows instead of constant planes; broadcasting avoids that.
- `conditioning="embedding"`: a projection discriminator (Miyato & Koyama,
  2018): logit = w . phi(x) + embed(y) . phi(x).

`dtype` (a policy name, a `keras.DTypePolicy`, or None for the global policy) is given
to every layer but the logit's, which compute in float32 so that the losses do.
"""

import keras
from keras import layers
from keras import ops

from keras_condgan.layers import Maxout


def label_planes(images, labels):
    """One constant H x W plane per class, holding that class's one-hot value."""
    ones = ops.ones_like(images[..., :1])
    return ones * labels[:, None, None, :]


def output_logit(features, labels, conditioning):
    # float32 whatever the policy: the logits feed the losses.
    logit = layers.Dense(1, dtype="float32", name="logit")(features)
    if labels is not None and conditioning == "embedding":
        embedded = layers.Dense(features.shape[-1], use_bias=False, dtype="float32", name="label_projection")(labels)
        projection = ops.sum(embedded * ops.cast(features, "float32"), axis=-1, keepdims=True)
        logit = layers.Add(dtype="float32", name="projected_logit")([logit, projection])
    return logit


def dcgan_discriminator(image_shape, num_classes, conditioning, filters, dropout=0.0, dtype=None):
    """DCGAN discriminator: stride-2 4x4 convolutions with LeakyReLU(0.2), then
    a linear logit on the flattened features."""
    images, labels, inputs = discriminator_inputs(image_shape, num_classes)
    x = images
    if labels is not None and conditioning == "concat":
        x = layers.Concatenate(dtype=dtype, name="image_and_label_planes")([images, label_planes(images, labels)])
    for i, f in enumerate(filters):
        x = layers.Conv2D(f, 4, strides=2, padding="same", dtype=dtype, name=f"down{i}")(x)
        x = layers.LeakyReLU(0.2, dtype=dtype)(x)
    x = layers.Flatten(dtype=dtype)(x)
    if dropout:
        x = layers.Dropout(dropout, dtype=dtype)(x)
    return keras.Model(inputs, output_logit(x, labels, conditioning), name="discriminator")


def maxout_discriminator(image_shape, num_classes, conditioning, filters, dropout=0.5, dtype=None):
    """Maxout discriminator of Mirza & Osindero (2014): maxout layers on the
    pixels and on the label, joined by a maxout layer, with dropout.

    `filters` are the unit counts `(image_units, label_units, joint_units)`;
    pixel and label layers use 5 pieces, the joint layer 4, as in the paper.
    """
    image_units, label_units, joint_units = filters
    images, labels, inputs = discriminator_inputs(image_shape, num_classes)
    x = layers.Flatten(dtype=dtype)(images)
    x = layers.Dropout(dropout, dtype=dtype)(Maxout(image_units, 5, dtype=dtype, name="image_maxout")(x))
    if labels is not None and conditioning == "concat":
        y = Maxout(label_units, 5, dtype=dtype, name="label_maxout")(labels)
        x = layers.Concatenate(dtype=dtype)([x, layers.Dropout(dropout, dtype=dtype)(y)])
    x = layers.Dropout(dropout, dtype=dtype)(Maxout(joint_units, 4, dtype=dtype, name="joint_maxout")(x))
    return keras.Model(inputs, output_logit(x, labels, conditioning), name="discriminator")


def discriminator_inputs(image_shape, num_classes):
    images = keras.Input(image_shape, name="images")
    if num_classes is None:
        return images, None, images
    labels = keras.Input((num_classes,), name="labels")
    return images, labels, [images, labels]


DISCRIMINATORS = {"dcgan": dcgan_discriminator, "mlp": maxout_discriminator}
