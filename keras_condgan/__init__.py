"""keras_condgan: conditional GANs for Keras 3 on TensorFlow, JAX and PyTorch."""

from keras_condgan.models.conditional_gan.conditional_gan import ConditionalGAN
from keras_condgan.models.gan import GAN
from keras_condgan.models.gaugan.gaugan import GauGAN
from keras_condgan.models.pix2pix.pix2pix import Pix2Pix
from keras_condgan.preset_utils import PresetError, PresetUnreachableError
from keras_condgan.utils.images import save_gif, save_image_grid
from keras_condgan.version import __version__

__all__ = [
    "ConditionalGAN",
    "GAN",
    "GauGAN",
    "Pix2Pix",
    "PresetError",
    "PresetUnreachableError",
    "save_gif",
    "save_image_grid",
    "__version__",
]
