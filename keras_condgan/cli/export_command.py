"""`keras-condgan export`: a model's generator (or GauGAN's style encoder) for serving without
Keras, in a format the backend writes (`GAN.export`)."""

import os

from keras_condgan.cli.errors import UserError
from keras_condgan.cli.models import load_model

# The file name `--out` defaults to: the preset's name and the format's usual suffix.
SUFFIXES = {"tf_saved_model": "", "onnx": ".onnx", "litert": ".tflite", "torch": ".pt2", "openvino": ""}


def default_out(preset, network, format):
    name = os.path.basename(os.path.normpath(os.path.expanduser(preset))) or "model"
    if network != "generator":
        name = f"{name}_{network}"
    return name + SUFFIXES.get(format, "")


def run(args):
    from keras_condgan.export import check_format

    check_format(args.format)  # before loading the model: an unknown format says which work here
    model = load_model(args.preset)
    networks = model.exportable_networks()
    if args.network not in networks:
        raise UserError(
            f"{args.preset} is a {type(model).__name__} model: its networks are {', '.join(networks)}, not {args.network}"
        )
    out = args.out or default_out(args.preset, args.network, args.format)
    model.export(out, format=args.format, network=args.network, verbose=False)
    network, output_names = networks[args.network]
    inputs = ", ".join(f"{x.name} {('N',) + tuple(x.shape[1:])}".replace("'", "") for x in network.inputs)
    print(f"wrote {out} ({args.format}): inputs {inputs}; outputs {', '.join(output_names)}")
    return 0
