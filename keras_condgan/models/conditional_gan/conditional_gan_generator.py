"""Generators of `ConditionalGAN`: noise (+ class label) -> image in [-1, 1].

Labels enter as one-hot (or soft, for interpolation) vectors of length
`num_classes`; `num_classes=None` builds an unconditional generator.

- `conditioning="concat"` (Mirza & Osindero, 2014): the label vector is
  concatenated to the noise.
- `conditioning="embedding"` (as in AC-GAN implementations): a learned label
  embedding of size `latent_dim` multiplies the noise. The embedding is a
  bias-free Dense on the one-hot vector, which equals an `Embedding` lookup for
  one-hot labels and interpolates between embeddings for soft ones.

`dtype` (a policy name such as `"mixed_bfloat16"`, a `keras.DTypePolicy`, or None for
the global policy) is given to every layer, except the one that makes the image: it
computes in float32, so that tanh and the pixels it returns keep full precision (and
PyTorch's CPU float16 convolution cannot backpropagate into a one-filter kernel).
"""

import keras
from keras import layers


def condition_noise(noise, labels, conditioning, latent_dim, dtype=None):
    if labels is None:
        return noise
    if conditioning == "concat":
        return layers.Concatenate(dtype=dtype, name="noise_and_label")([noise, labels])
    embedding = layers.Dense(latent_dim, use_bias=False, dtype=dtype, name="label_embedding")(labels)
    return layers.Multiply(dtype=dtype, name="noise_times_label")([noise, embedding])


def dcgan_generator(image_shape, num_classes, latent_dim, conditioning, filters, dtype=None):
    """DCGAN generator (Radford et al., 2016): a projected seed map upsampled by
    stride-2 transposed convolutions with BatchNorm and ReLU, then a 3x3
    convolution to the image channels with tanh.

    `filters[0]` is the width of the seed map; each further entry is one
    upsampling stage, so the image side must be divisible by
    `2 ** (len(filters) - 1)`.
    """
    height, width, channels = image_shape
    upsamplings = len(filters) - 1
    seed_h, seed_w = height // 2**upsamplings, width // 2**upsamplings
    noise, labels, inputs = generator_inputs(latent_dim, num_classes)
    x = condition_noise(noise, labels, conditioning, latent_dim, dtype)
    x = layers.Dense(seed_h * seed_w * filters[0], use_bias=False, dtype=dtype, name="project")(x)
    x = layers.BatchNormalization(dtype=dtype, name="project_bn")(x)
    x = layers.ReLU(dtype=dtype)(x)
    x = layers.Reshape((seed_h, seed_w, filters[0]), dtype=dtype)(x)
    for i, f in enumerate(filters[1:]):
        x = layers.Conv2DTranspose(f, 4, strides=2, padding="same", use_bias=False, dtype=dtype, name=f"up{i}")(x)
        x = layers.BatchNormalization(dtype=dtype, name=f"up{i}_bn")(x)
        x = layers.ReLU(dtype=dtype)(x)
    images = layers.Conv2D(channels, 3, padding="same", activation="tanh", dtype="float32", name="to_image")(x)
    return keras.Model(inputs, images, name="generator")


def mlp_generator(image_shape, num_classes, latent_dim, conditioning, filters, dtype=None):
    """Fully connected generator (as in Mirza & Osindero): Dense layers of the
    widths in `filters` with BatchNorm and LeakyReLU, then tanh pixels."""
    height, width, channels = image_shape
    noise, labels, inputs = generator_inputs(latent_dim, num_classes)
    x = condition_noise(noise, labels, conditioning, latent_dim, dtype)
    for i, units in enumerate(filters):
        x = layers.Dense(units, dtype=dtype, name=f"hidden{i}")(x)
        if i > 0:
            x = layers.BatchNormalization(dtype=dtype, name=f"hidden{i}_bn")(x)
        x = layers.LeakyReLU(0.2, dtype=dtype)(x)
    x = layers.Dense(height * width * channels, activation="tanh", dtype="float32", name="to_pixels")(x)
    images = layers.Reshape(image_shape, dtype="float32", name="image")(x)
    return keras.Model(inputs, images, name="generator")


def generator_inputs(latent_dim, num_classes):
    noise = keras.Input((latent_dim,), name="noise")
    if num_classes is None:
        return noise, None, noise
    labels = keras.Input((num_classes,), name="labels")
    return noise, labels, [noise, labels]


GENERATORS = {"dcgan": dcgan_generator, "mlp": mlp_generator}
