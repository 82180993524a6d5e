"""The normalisation layers the networks share, configured as the papers' official (PyTorch) code.

Each builder returns a plain Keras layer with the given `name` and `dtype` policy, so that the
layer names, and with them the weights files of the bundled presets, stay the same whichever
network uses them.
"""

from keras import layers

NORMALIZATIONS = ("batch", "instance")


def batch_normalization(name, dtype=None):
    # Momentum 0.9 is PyTorch's 0.1, as in the official pix2pix code.
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, dtype=dtype, name=name)


def instance_normalization(name, dtype=None):
    # One group per channel is instance normalisation; without a learned scale and offset,
    # as PyTorch's InstanceNorm2d by default (pix2pix, SPADE's encoder and discriminator).
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, center=False, scale=False, dtype=dtype, name=name)


def normalization(kind, name, dtype=None):
    """`kind` is `"batch"` or `"instance"`."""
    if kind == "batch":
        return batch_normalization(name, dtype)
    if kind == "instance":
        return instance_normalization(name, dtype)
    raise ValueError(f"Unknown normalization {kind!r}; expected one of {NORMALIZATIONS}.")
