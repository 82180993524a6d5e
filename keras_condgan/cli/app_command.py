"""`keras-condgan app`: the web page (`keras_condgan.app`), with its presets loaded once."""

import socket

from keras_condgan.cli.errors import UserError
from keras_condgan.cli.models import load_model

# Each tab's option and the command that serves the family (`load_model` checks it).
TABS = (("cgan", "cgan_preset", "generate"), ("pix2pix", "pix2pix_preset", "translate"), ("gaugan", "gaugan_preset", "synthesize"))


def check_address(host, port):
    """A `UserError` when the page could not be served at host:port (a port in use, an
    address not of this machine)."""
    if not 1 <= port <= 65535:
        raise UserError(f"--port must be between 1 and 65535; got {port}")
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))
    except OSError as error:
        raise UserError(f"cannot serve on {host}:{port} ({error.strerror or error}): give another --port or --host") from None


def run(args):
    from keras_condgan import app

    app.import_gradio()  # a missing Gradio is reported before the models load
    check_address(args.host, args.port)  # before the models load
    presets = {family: getattr(args, option) for family, option, _ in TABS}
    if all(preset.lower() == "none" for preset in presets.values()):
        raise UserError("every tab is turned off: give at least one preset")
    models = {}
    for family, _, command in TABS:
        preset = presets[family]
        if preset.lower() == "none":
            models[family] = None
            continue
        print(f"loading {preset} ...", flush=True)
        models[family] = load_model(preset, command)
        if family == "cgan" and not models[family].conditional:
            raise UserError(f"{preset} is an unconditional GAN; the digits tab needs a class-conditional one")
    page = app.build_app(**models)
    app.launch(page, host=args.host, port=args.port, open_browser=args.open)
    return 0
