"""Convolution builders the networks share."""

from keras import layers

from keras_condgan.layers.spectral_normalization import SpectralConv2D


def conv2d(filters, kernel_size, spectral_norm=False, **kwargs):
    """A `Conv2D` ("same" padding unless `padding` is given), spectrally normalised
    (`SpectralConv2D`) when `spectral_norm`; other keyword arguments go to the layer."""
    kwargs.setdefault("padding", "same")
    if spectral_norm:
        return SpectralConv2D(filters, kernel_size, **kwargs)
    return layers.Conv2D(filters, kernel_size, **kwargs)
