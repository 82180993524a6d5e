from keras_condgan.layers.diff_augment import augment_policy, diff_augment
from keras_condgan.layers.maxout import Maxout
from keras_condgan.layers.spade import SPADE, SPADEResBlock
from keras_condgan.layers.spectral_normalization import SpectralConv2D

__all__ = ["Maxout", "SPADE", "SPADEResBlock", "SpectralConv2D", "augment_policy", "diff_augment"]
