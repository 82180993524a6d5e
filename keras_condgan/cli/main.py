"""The `keras-condgan` command: argument parsing and error reporting.

Nothing here imports Keras: the backend is set (see `keras_condgan.cli.backend`) before the
package imports it, and each subcommand's module imports what it needs when it runs.
"""

import argparse
import importlib
import sys

from keras_condgan.cli.backend import BACKENDS, PROG
from keras_condgan.cli.errors import UsageError, UserError

DESCRIPTION = """\
Conditional GANs on TensorFlow, JAX or PyTorch, from the command line: draw digits, turn
label maps into photos, train on your own images and measure the result.
"""

EXAMPLES = """\
examples:
  keras-condgan presets
  keras-condgan generate --preset mnist_cgan --labels 3 5 7 --per-label 8 --out digits.png
  keras-condgan translate --preset pix2pix_facades my_label_maps/ --out photos/
  keras-condgan synthesize --preset gaugan_facades labels.png --style photo.jpg --out out.png
  keras-condgan app                  # the web page: digits, Pix2Pix, GauGAN painting
  keras-condgan train pix2pix --data my_pairs/ --image-size 128 --epochs 50 --out runs/mine
  keras-condgan evaluate runs/mine --data my_pairs/
  keras-condgan export --preset pix2pix_facades --format onnx --out pix2pix.onnx
  keras-condgan --backend jax train gaugan --epochs 10 --out runs/gaugan

`keras-condgan COMMAND --help` explains each command. The backend is --backend, else
$KERAS_BACKEND, else Keras' configured default (~/.keras/keras.json).
"""


class Parser(argparse.ArgumentParser):
    """argparse with its refusals raised as `UsageError` (reported as one line)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text}")
    return value


def positive_float(text):
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number; got {text}")
    return value


def flag(text):
    """true / false / auto, as `compile(jit_compile=...)` takes them."""
    values = {"true": True, "false": False, "auto": "auto"}
    if text.lower() not in values:
        raise argparse.ArgumentTypeError(f"expected true, false or auto; got {text}")
    return values[text.lower()]


def non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer; got {text}")
    return value


def augment_option(text):
    """A DiffAugment policy (`--augment color,translation,cutout`), checked as the models check
    it; `none` or an empty string: off."""
    # Imported here: the package's import has loaded Keras already, this module does not.
    from keras_condgan.layers.diff_augment import augment_policy

    if text.strip().lower() == "none":
        return None
    try:
        return augment_policy(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def ema_decay_option(text):
    value = float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a decay between 0 and 1, e.g. 0.999; got {text}")
    return value


def add_command(subparsers, name, summary, description, examples):
    return subparsers.add_parser(
        name, help=summary, description=description, epilog="examples:\n" + examples
    )


def add_training_options(parser, epochs, batch_size, weights_dtype, out):
    group = parser.add_argument_group("training")
    group.add_argument("--out", default=out, help=f"the run folder (default {out}); run again to resume")
    group.add_argument("--epochs", type=positive_int, default=epochs, help=f"epochs in all, resumed ones included (default {epochs})")
    group.add_argument("--batch-size", type=positive_int, default=batch_size, help=f"(default {batch_size})")
    group.add_argument("--seed", type=int, default=0, help="seed of the initial weights, data order and noise (default 0)")
    group.add_argument("--time-limit", type=positive_float, default=None, metavar="SECONDS",
                       help="stop after the epoch that ends past this many seconds (run again to continue)")
    group.add_argument("--weights-dtype", default=weights_dtype,
                       help=f"storage dtype of the preset's weights (default {weights_dtype}; loading restores float32)")
    group.add_argument("--limit", type=positive_int, default=None, metavar="N", help="train on the first N examples only (smoke runs)")
    group.add_argument("--no-tensorboard", dest="tensorboard", action="store_false", default=None,
                       help="do not write TensorBoard logs to OUT/logs (written when TensorFlow is installed)")
    group.add_argument("--quality-every", type=positive_int, default=None, metavar="N",
                       help="every N epochs and after the last, measure quality on held-out data (cgan on MNIST: "
                            "class accuracy and KID with the judge classifier; pix2pix, gaugan: LPIPS and KID) into "
                            "history.csv and TensorBoard as val_*")
    add_technique_options(group)


def add_technique_options(parser):
    """The options of the training techniques (`--ema-decay`, `--decay-epochs`, `--init-from`,
    `--augment`), on `train`'s commands and on the tools/train_*.py scripts."""
    parser.add_argument("--ema-decay", type=ema_decay_option, default=None, metavar="DECAY",
                        help="keep an exponential moving average of the generator's weights (and GauGAN's "
                             "encoder's) with this decay (e.g. 0.999), which sampling and the preset use (default: off)")
    parser.add_argument("--decay-epochs", type=non_negative_int, default=0, metavar="N",
                        help="the last N of --epochs decay both learning rates linearly towards zero, as pix2pix's "
                             "--n_epochs 100 --n_epochs_decay 100 is --epochs 200 --decay-epochs 100 (default 0: constant)")
    parser.add_argument("--init-from", metavar="PRESET", default=None,
                        help="start from the weights of this preset (name, folder or handle) of the same "
                             "architecture: fine-tuning")
    parser.add_argument("--augment", type=augment_option, default=None, metavar="POLICY",
                        help="DiffAugment (Zhao et al. 2020) of what the discriminator sees: policies among color, "
                             "translation, cutout, comma-separated, e.g. color,translation,cutout (default: off)")


def build_parser():
    parser = Parser(prog=PROG, description=DESCRIPTION, epilog=EXAMPLES)
    parser.add_argument("--backend", choices=BACKENDS, help="the Keras backend (set before Keras is imported)")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of errors")
    parser.add_argument("--version", action="store_true", help="print the version and the backend, and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    presets = add_command(
        commands, "presets", "list the bundled presets",
        "Every bundled preset of every model family: what it does, the command that runs it, its\n"
        "image size, parameters, weight size and the quality measured in its model card.",
        "  keras-condgan presets\n  keras-condgan presets --json > presets.json\n",
    )
    presets.add_argument("--json", action="store_true", help="print the list as JSON")

    generate = add_command(
        commands, "generate", "draw images from a class-conditional (or unconditional) GAN",
        "Draws images with a ConditionalGAN preset: a grid with one row per requested label,\n"
        "or with --gif a morph from one class to another (the noise held fixed).",
        "  keras-condgan generate --labels 3 5 7 --per-label 8 --seed 0 --out digits.png\n"
        "  keras-condgan generate --gif 3 8 --out morph.gif\n"
        "  keras-condgan generate --preset runs/my_cgan --count 16 --out samples.png   # unconditional\n",
    )
    generate.add_argument("--preset", default="mnist_cgan", help="preset name or folder, or run folder (default mnist_cgan)")
    generate.add_argument("--labels", type=int, nargs="+", metavar="LABEL", help="class labels, one grid row each (default: every class)")
    generate.add_argument("--per-label", type=positive_int, default=8, metavar="N", help="images per label (default 8)")
    generate.add_argument("--count", type=positive_int, metavar="N", help="number of images, for an unconditional GAN")
    generate.add_argument("--gif", type=int, nargs=2, metavar=("FROM", "TO"), help="write a GIF morphing class FROM into TO")
    generate.add_argument("--steps", type=positive_int, default=24, help="frames of the --gif morph (default 24)")
    generate.add_argument("--seed", type=int, default=0, help="seed of the noise: the same seed draws the same images (default 0)")
    generate.add_argument("--scale", type=positive_int, default=2, help="pixels per image pixel in the output (default 2)")
    generate.add_argument("--out", default=None, help="the PNG (or GIF) to write (default generated.png, or morph.gif)")

    translate = add_command(
        commands, "translate", "translate image files with a Pix2Pix model",
        "Translates image files of any size (RGB; RGBA and grayscale are converted, with a note)\n"
        "with a Pix2Pix preset: each is resized to the model's size, translated, and written as\n"
        "a PNG named after it, at the input's size (or the model's, with --size model).",
        "  keras-condgan translate --preset pix2pix_facades label_map.png --out photos/\n"
        "  keras-condgan translate my_label_maps/ more/*.jpg --out photos/ --size model\n",
    )
    translate.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders of images")
    translate.add_argument("--preset", default="pix2pix_facades", help="preset name or folder, or run folder (default pix2pix_facades)")
    translate.add_argument("--out", required=True, help="folder for the outputs (created)")
    translate.add_argument("--size", choices=("input", "model"), default="input", help="outputs at each input's size (default) or the model's")
    translate.add_argument("--batch-size", type=positive_int, default=8, help="images per generator call (default 8)")

    synthesize = add_command(
        commands, "synthesize", "make a photo from a label map with a GauGAN model",
        "Synthesises an image from a label map with a GauGAN preset. The label map is a colour\n"
        "map in the facades palette (RGB) or a single-channel PNG of class ids. The style is a\n"
        "photo (--style) or random (--seed).",
        "  keras-condgan synthesize labels.png --out photo.png\n"
        "  keras-condgan synthesize labels.png --style facade.jpg --out photo.png\n"
        "  keras-condgan synthesize class_ids.png --seed 3 --size model --out photo.png\n",
    )
    synthesize.add_argument("labels", metavar="LABELS", help="the label map: facades colours (RGB) or class ids (grayscale PNG)")
    synthesize.add_argument("--preset", default="gaugan_facades", help="preset name or folder, or run folder (default gaugan_facades)")
    synthesize.add_argument("--style", metavar="PHOTO", help="a photo whose style to take (default: a random style)")
    synthesize.add_argument("--seed", type=int, default=None, help="seed of the random style (or of the variation on --style)")
    synthesize.add_argument("--size", choices=("input", "model"), default="input", help="output at the label map's size (default) or the model's")
    synthesize.add_argument("--out", default="synthesized.png", help="the PNG to write (default synthesized.png)")

    app = add_command(
        commands, "app", "a local web page: digits, Pix2Pix and GauGAN painting",
        "Serves a web page (Gradio; pip install \"keras-condgan[app]\") with a tab per model family:\n"
        "digits of a chosen class and a class morph, a label map to a photo with Pix2Pix, and a\n"
        "facade painted in the facades palette to a photo with GauGAN. The presets load once, at\n"
        "start; the page runs locally, with no share link and nothing sent anywhere.",
        "  keras-condgan app                                   # http://127.0.0.1:7860\n"
        "  keras-condgan --backend jax app --port 8000 --open\n"
        "  keras-condgan app --pix2pix-preset runs/mine --gaugan-preset none\n",
    )
    app.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this machine only)")
    app.add_argument("--port", type=int, default=7860, help="(default 7860)")
    app.add_argument("--cgan-preset", default="mnist_cgan", metavar="PRESET",
                     help="the digits tab's ConditionalGAN, or none (default mnist_cgan)")
    app.add_argument("--pix2pix-preset", default="pix2pix_facades", metavar="PRESET",
                     help="the Pix2Pix tab's model, or none (default pix2pix_facades)")
    app.add_argument("--gaugan-preset", default="gaugan_facades", metavar="PRESET",
                     help="the GauGAN tab's model, or none (default gaugan_facades)")
    app.add_argument("--open", action="store_true", help="open the page in the default browser")

    train = add_command(
        commands, "train", "train a model into a run folder (and resume it)",
        "Trains a model and writes a run folder: backup/ (resumption), latest.weights.h5,\n"
        "history.csv, samples/ (a picture per epoch), logs/ (TensorBoard) and, at the end,\n"
        "preset/. Running the same command again resumes after the last finished epoch (give a\n"
        "larger --epochs to train further).",
        "  keras-condgan train pix2pix --data my_pairs/ --image-size 128 --epochs 50 --out runs/mine\n"
        "  keras-condgan train cgan --epochs 10 --out runs/mnist          # MNIST digits\n"
        "  keras-condgan train gaugan --image-size 64 --time-limit 3600 --out runs/gaugan\n",
    )
    families = train.add_subparsers(dest="family", metavar="FAMILY", parser_class=Parser)
    families.required = True

    cgan = add_command(
        families, "cgan", "a ConditionalGAN on MNIST or a folder of class subfolders",
        "Trains a class-conditional DCGAN (the mnist_cgan architecture by default) on the MNIST\n"
        "training digits, or on --data, a folder with one subfolder of images per class.",
        "  keras-condgan train cgan --epochs 10 --out runs/mnist_cgan\n"
        "  keras-condgan train cgan --data shapes/ --image-size 32 --epochs 20 --out runs/shapes\n",
    )
    cgan.add_argument("--data", metavar="FOLDER", help="a folder of class subfolders (default: MNIST)")
    cgan.add_argument("--mnist-dir", metavar="FOLDER", help="the MNIST IDX files (default $KERAS_CONDGAN_MNIST_DIR, or download)")
    cgan.add_argument("--image-size", type=positive_int, help="side the --data images are resized to (default: their own)")
    cgan.add_argument("--latent-dim", type=positive_int, default=64, help="(default 64)")
    cgan.add_argument("--architecture", choices=("dcgan", "mlp"), default="dcgan", help="(default dcgan)")
    cgan.add_argument("--conditioning", choices=("concat", "embedding"), default="concat", help="(default concat)")
    cgan.add_argument("--generator-filters", type=positive_int, nargs="+", default=[128, 64, 32], metavar="N", help="(default 128 64 32)")
    cgan.add_argument("--discriminator-filters", type=positive_int, nargs="+", default=[64, 128], metavar="N", help="(default 64 128)")
    cgan.add_argument("--adversarial-loss", choices=("bce", "hinge", "least_squares"), default="bce", help="(default bce)")
    add_training_options(cgan, epochs=10, batch_size=64, weights_dtype=None, out="runs/cgan")

    pix2pix = add_command(
        families, "pix2pix", "a Pix2Pix model on facades or a folder of your own pairs",
        "Trains Pix2Pix (U-Net + PatchGAN, the paper's jitter) on the facades (label map -> photo)\n"
        "or on --data, your own pairs: a folder of side-by-side A|B images (or its train/ folder,\n"
        "with samples from test/ or val/), A/ and B/ subfolders of same-named images, or --data A\n"
        "with --data-b B. Images of any size are resized.",
        "  keras-condgan train pix2pix --data my_pairs/ --image-size 128 --epochs 50 --out runs/mine\n"
        "  keras-condgan train pix2pix --data sketches/ --data-b photos/ --out runs/sketch2photo\n"
        "  keras-condgan train pix2pix --filters 32 --epochs 200 --time-limit 380 --out runs/facades\n"
        "  keras-condgan train pix2pix --epochs 200 --decay-epochs 100 --augment translation,cutout --out runs/p2p\n",
    )
    pix2pix.add_argument("--data", metavar="FOLDER", help="your paired images (default: the CMP facades)")
    pix2pix.add_argument("--data-b", metavar="FOLDER", help="the B images, when --data holds the A images")
    pix2pix.add_argument("--direction", choices=("AtoB", "BtoA"), help="AtoB: A is the condition (default for --data)")
    pix2pix.add_argument("--facades-dir", metavar="FOLDER", help="the facades train/ and test/ (default $KERAS_CONDGAN_FACADES_DIR, or download)")
    pix2pix.add_argument("--image-size", type=positive_int, default=256, help="side of the training images (default 256)")
    pix2pix.add_argument("--filters", type=positive_int, default=16, help="width of the first layers (default 16; the paper: 64)")
    pix2pix.add_argument("--norm", choices=("batch", "instance"), default="instance", help="(default instance)")
    pix2pix.add_argument("--receptive-field", type=int, choices=(1, 16, 70, 286), default=70, help="PatchGAN patch (default 70)")
    pix2pix.add_argument("--adversarial-loss", choices=("bce", "least_squares", "none"), default="bce",
                         help="none: the L1-only baseline (default bce)")
    pix2pix.add_argument("--l1-weight", type=float, default=100.0, help="(default 100)")
    pix2pix.add_argument("--workers", type=positive_int, default=1, help="threads preparing batches (default 1)")
    add_training_options(pix2pix, epochs=30, batch_size=1, weights_dtype="float16", out="runs/pix2pix")

    gaugan = add_command(
        families, "gaugan", "a GauGAN on the facades class maps",
        "Trains GauGAN (SPADE) on the CMP facades: class maps recovered from the colour-coded\n"
        "label maps, photos, each pair also mirrored.",
        "  keras-condgan train gaugan --image-size 64 --epochs 100 --time-limit 5100 --out runs/gaugan\n",
    )
    gaugan.add_argument("--facades-dir", metavar="FOLDER", help="the facades train/ and test/ (default $KERAS_CONDGAN_FACADES_DIR, or download)")
    gaugan.add_argument("--image-size", type=positive_int, default=64, help="(default 64)")
    gaugan.add_argument("--num-upsamples", type=positive_int, default=4, help="(default 4)")
    gaugan.add_argument("--latent-dim", type=positive_int, default=256, help="(default 256)")
    gaugan.add_argument("--generator-filters", type=positive_int, default=16, help="(default 16)")
    gaugan.add_argument("--discriminator-filters", type=positive_int, default=32, help="(default 32)")
    gaugan.add_argument("--encoder-filters", type=positive_int, default=16, help="(default 16)")
    gaugan.add_argument("--spade-filters", type=positive_int, default=32, help="(default 32)")
    gaugan.add_argument("--perceptual-network", choices=("auto", "vgg16", "vgg19", "none"), default="auto", help="(default auto)")
    gaugan.add_argument("--jit-compile", type=flag, default=None, metavar="{true,false,auto}",
                        help="default: false on TensorFlow (faster on a CPU), auto elsewhere")
    add_training_options(gaugan, epochs=100, batch_size=1, weights_dtype="float16", out="runs/gaugan")

    evaluate = add_command(
        commands, "evaluate", "measure a preset or a run folder",
        "Measures a model as the bundled presets were measured. A ConditionalGAN of MNIST\n"
        "digits: class accuracy, diversity and Frechet distance, judged by an MNIST classifier\n"
        "(trained once, kept in the Keras cache). Pix2Pix: L1, PSNR, SSIM, LPIPS and FID on the\n"
        "facades test pairs or on --data, your own pairs (its test/ folder when it has one).\n"
        "GauGAN: the same on the facades test class maps. Writes OUT/evaluation.json and pictures.",
        "  keras-condgan evaluate mnist_cgan --limit 100\n"
        "  keras-condgan evaluate runs/mine --data my_pairs/ --out runs/mine/evaluation\n"
        "  keras-condgan evaluate pix2pix_facades --limit 20\n",
    )
    evaluate.add_argument("model", metavar="MODEL", help="a preset name or folder, or a run folder")
    evaluate.add_argument("--out", help="folder for evaluation.json and pictures (default: MODEL/evaluation for a "
                          "run folder, else evaluation/NAME)")
    evaluate.add_argument("--limit", type=positive_int, metavar="N",
                          help="quick run: N test pairs, or N digits per class (default: all pairs, 1000 digits)")
    evaluate.add_argument("--seed", type=int, default=0, help="(default 0)")
    evaluate.add_argument("--data", metavar="FOLDER", help="Pix2Pix: your own pairs to score on (layouts as `train pix2pix`)")
    evaluate.add_argument("--data-b", metavar="FOLDER", help="Pix2Pix: the B images, when --data holds the A images")
    evaluate.add_argument("--direction", choices=("AtoB", "BtoA"),
                          help="Pix2Pix with --data: AtoB (A is the input) or BtoA (default: the run's, else AtoB)")
    evaluate.add_argument("--l1-baseline", metavar="PRESET", help="Pix2Pix: an L1-only model to score beside it")
    evaluate.add_argument("--pix2pix", metavar="PRESET", help="GauGAN: a Pix2Pix model to score beside it on the same maps")
    evaluate.add_argument("--facades-dir", metavar="FOLDER", help="the facades (default $KERAS_CONDGAN_FACADES_DIR, or download)")
    evaluate.add_argument("--mnist-dir", metavar="FOLDER", help="the MNIST files (default $KERAS_CONDGAN_MNIST_DIR, or download)")
    evaluate.add_argument("--classifier", metavar="FILE", help="the MNIST judge classifier (.keras; trained there if missing)")
    evaluate.add_argument("--rows", type=positive_int, default=6, help="pairs shown in the pictures (default 6)")

    publish = add_command(
        commands, "publish", "upload a preset folder to Hugging Face or Kaggle",
        "Uploads a preset folder, keeping its README.md model card (KerasHub's upload would\n"
        "replace it on Hugging Face). --dry-run checks the folder and lists what would be sent.",
        "  keras-condgan publish runs/mine/preset hf://me/facades-pix2pix --dry-run\n"
        "  keras-condgan publish runs/mine/preset kaggle://me/facades/keras/pix2pix\n",
    )
    publish.add_argument("folder", help="the preset folder (config.json, metadata.json, model.weights.h5, README.md)")
    publish.add_argument("handle", help="hf://org/name or kaggle://org/model/keras/variant")
    publish.add_argument("--dry-run", action="store_true", help="list what would be sent, send nothing")

    export = add_command(
        commands, "export", "write a generator for serving without Keras (SavedModel, ONNX, ...)",
        "Writes a preset's generator (or, with --network encoder, GauGAN's style encoder) in a\n"
        "format that a runtime without Keras serves, its inputs and outputs named: noise and\n"
        "labels (ConditionalGAN), condition (Pix2Pix), latent and label_map (GauGAN) -> images in\n"
        "[-1, 1]. Formats, by backend: tf_saved_model (TensorFlow, JAX), onnx (TensorFlow with\n"
        "tf2onnx, JAX with jax2onnx, torch), litert (TensorFlow; torch with litert-torch), torch\n"
        "(torch: a torch.export program), openvino (with openvino).",
        "  keras-condgan export --preset pix2pix_facades --format onnx --out pix2pix.onnx\n"
        "  keras-condgan --backend tensorflow export --preset mnist_cgan --format tf_saved_model --out mnist_cgan/\n"
        "  keras-condgan export --preset gaugan_facades --network encoder --format onnx\n",
    )
    export.add_argument("--preset", required=True, help="preset name or folder, or run folder")
    export.add_argument("--format", required=True, metavar="FORMAT",
                        help="tf_saved_model, onnx, litert, torch or openvino (those the backend writes)")
    export.add_argument("--network", default="generator", choices=("generator", "encoder"),
                        help="generator (default) or encoder (GauGAN's style encoder)")
    export.add_argument("--out", help="the file (a folder for tf_saved_model) to write (default: the preset's name "
                        "with the format's suffix)")
    return parser


def user_error_types():
    """Exceptions that report a mistake in what was asked (a file, a preset, a value), not a
    bug: their message is printed as one line. Anything else keeps its traceback."""
    from keras_condgan import PresetError, PresetUnreachableError
    from keras_condgan.callbacks import NonFiniteLossError

    return (UserError, PresetError, PresetUnreachableError, ValueError, OSError, ImportError, NonFiniteLossError)


def check_backend(backend):
    """`--backend` is applied before Keras is imported (`keras_condgan.cli.backend`); here
    `main` was called in a process that had imported Keras already."""
    if backend is None or "keras" not in sys.modules:
        return
    import keras

    if keras.backend.backend() != backend:
        raise UserError(
            f"Keras runs on {keras.backend.backend()} in this process; --backend {backend} only applies "
            "when Keras is not imported yet (run the command in a new process, or set KERAS_BACKEND)"
        )


def one_line(error):
    return " ".join(str(error).split()) or type(error).__name__


def main(argv=None):
    """Runs the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = False
    try:
        args = build_parser().parse_args(argv)
        debug = args.debug
        check_backend(args.backend)
        if args.version:
            import keras

            from keras_condgan.version import __version__

            print(f"{PROG} {__version__} (Keras {keras.__version__}, backend {keras.backend.backend()})")
            return 0
        if args.command is None:
            build_parser().print_help()
            return 2
        module = importlib.import_module(f"keras_condgan.cli.{args.command}_command")
        return module.run(args) or 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if debug or not isinstance(error, user_error_types()):
            raise
        print(f"{PROG}: error: {one_line(error)}", file=sys.stderr)
        return 2
