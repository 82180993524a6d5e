"""Loading the model a command names: a preset name, a preset folder, a run folder of
`keras-condgan train`, or a hub handle."""

import os

from keras_condgan.cli.errors import UserError

# The subcommand that runs each family's inference.
COMMANDS = {"ConditionalGAN": "generate", "Pix2Pix": "translate", "GauGAN": "synthesize"}


def load_model(preset, command=None):
    """Loads `preset` (a run folder gives its preset, or its latest weights before training
    has ended) and checks that `command` (generate, translate, synthesize) serves its family."""
    import keras_condgan
    from keras_condgan.presets_io.registry import looks_like_a_path
    from keras_condgan.training import run_folder

    path = os.path.expanduser(preset)
    if os.path.isdir(path) and run_folder.is_run_folder(path):
        model = run_folder.model_from_run_folder(path)
    elif "://" in preset or os.path.exists(path) or preset in keras_condgan.presets():
        model = keras_condgan.GAN.from_preset(preset)
    elif looks_like_a_path(preset):
        raise UserError(f"{preset}: no such folder")
    else:
        raise UserError(
            f"unknown preset {preset!r}; named presets: {', '.join(keras_condgan.presets())} (see "
            "`keras-condgan presets`); a preset can also be a preset folder, a run folder of "
            "`keras-condgan train`, hf://org/name or kaggle://org/model/keras/variant"
        )
    family = type(model).__name__
    if command is not None and COMMANDS.get(family) != command:
        raise UserError(f"{preset} is a {family} model: use `keras-condgan {COMMANDS.get(family, 'evaluate')}`")
    return model
