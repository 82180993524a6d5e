"""keras_condgan: conditional GANs for Keras 3 on TensorFlow, JAX and PyTorch."""

# `keras-condgan --backend jax ...` (and `python -m keras_condgan ...`) imports this package, and
# with it Keras, before its own code runs: the backend it asks for is set first (standard
# library only; nothing happens when the process is not the command line).
from keras_condgan.cli.backend import select_backend_for_command_line

select_backend_for_command_line()

from keras_condgan.models.conditional_gan.conditional_gan import ConditionalGAN
from keras_condgan.models.gan import GAN
from keras_condgan.models.gaugan.gaugan import GauGAN
from keras_condgan.models.pix2pix.pix2pix import Pix2Pix
from keras_condgan.presets_io import registry as _preset_registry
from keras_condgan.presets_io.errors import PresetError, PresetUnreachableError
from keras_condgan import schedules  # registers LinearDecay, so saved compile configs load
from keras_condgan.utils.images import save_gif, save_image_grid
from keras_condgan.version import __version__


def presets():
    """Every named preset of every model family: `{name: metadata}`, each metadata dict with
    the preset's `description`, `params`, `family` (the class that `GAN.from_preset(name)`
    builds) and `location` (the bundled folder or hub handle it loads from)."""
    return _preset_registry.describe_presets(GAN)


# `keras_hub.models.Backbone.from_preset(name)` finds these names too.
_preset_registry.register_with_keras_hub(GAN)

__all__ = [
    "ConditionalGAN",
    "GAN",
    "GauGAN",
    "Pix2Pix",
    "PresetError",
    "PresetUnreachableError",
    "save_gif",
    "schedules",
    "presets",
    "save_image_grid",
    "__version__",
]
