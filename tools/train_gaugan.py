"""Trains a GauGAN on the facades class maps -> photo task and writes the preset folder.

    KERAS_BACKEND=tensorflow python tools/train_gaugan.py --image-size 64 --out runs/gaugan_facades

The training itself is `keras_condgan.training.train_gaugan` (also `keras-condgan train
gaugan`). The colour-coded label maps are turned into class ids (`facades.labels_from_colors`)
and, with the photos, resized to `--image-size` (`facades.load_class_maps`). Each training
pair also appears mirrored, so an epoch is 800 steps at batch size 1. Interrupted runs
resume from the last finished epoch (`BackupAndRestore` in `<out>/backup`, kept after the run
so that a `--time-limit` stop continues too): run the same command again; delete
`<out>/backup` to start over. Each epoch writes the latest weights to
`<out>/latest.weights.h5` and a sample grid of fixed test maps to `<out>/samples/` (label map
| generated with a random style | generated in the photo's style | photo). At the end the
preset is saved to `<out>/preset`, its weights stored as `--weights-dtype` (float16 by
default; loading restores float32).

On a CPU with TensorFlow keep `--jit-compile false` (the default there): with XLA the
step compiled for a minute and then ran at half the speed.

The training techniques: `--ema-decay 0.999` keeps an exponential moving average of the
generator's and the encoder's weights, which inference and the preset use; `--decay-epochs N`
decays both learning rates linearly to zero over the last N of `--epochs`; `--augment
translation,cutout` applies DiffAugment to what the discriminator sees; `--init-from PRESET`
starts from a preset's weights. With `--ema-decay`, the preset holds the live networks and
their averages; `--average-only-preset` stores the averages as the generator and encoder instead
and drops the live copies (the size of a preset without averaging; it infers the same; its
config then has no `ema_decay`, so fine-tuning it starts a fresh average).
"""

import argparse
import os

from keras_condgan.cli.main import add_technique_options
from keras_condgan.training import run_folder, train_gaugan


def parse_flag(value):
    return {"true": True, "false": False, "auto": "auto"}[value.lower()]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--num-upsamples", type=int, default=4)
    parser.add_argument("--latent-dim", type=int, default=256)
    parser.add_argument("--generator-filters", type=int, default=16)
    parser.add_argument("--discriminator-filters", type=int, default=32)
    parser.add_argument("--encoder-filters", type=int, default=16)
    parser.add_argument("--spade-filters", type=int, default=32)
    parser.add_argument("--perceptual-network", default="auto", choices=["auto", "vgg16", "vgg19", "none"])
    parser.add_argument("--jit-compile", type=parse_flag, default=None,
                        help="true/false/auto (default: false on TensorFlow, auto elsewhere)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/gaugan_facades")
    parser.add_argument("--facades-dir", default=None, help="folder holding train/ and test/ (default: $KERAS_CONDGAN_FACADES_DIR or download)")
    parser.add_argument("--time-limit", type=float, default=None, help="stop after the epoch that ends past this many seconds")
    parser.add_argument("--weights-dtype", default="float16", help="storage dtype of the preset's weights")
    parser.add_argument("--limit", type=int, default=None, help="train on the first N pairs only (smoke runs)")
    add_technique_options(parser)
    parser.add_argument("--average-only-preset", action="store_true",
                        help="with --ema-decay: the preset's generator and encoder are the averages, without live copies")
    args = parser.parse_args()
    if args.average_only_preset and args.ema_decay is None:
        parser.error("--average-only-preset needs --ema-decay")
    model = train_gaugan(
        args.out, facades_dir=args.facades_dir, image_size=args.image_size, num_upsamples=args.num_upsamples,
        latent_dim=args.latent_dim, generator_filters=args.generator_filters,
        discriminator_filters=args.discriminator_filters, encoder_filters=args.encoder_filters,
        spade_filters=args.spade_filters, perceptual_network=args.perceptual_network, jit_compile=args.jit_compile,
        epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, time_limit=args.time_limit,
        weights_dtype=args.weights_dtype, limit=args.limit, verbose=2,
        augment=args.augment, decay_epochs=args.decay_epochs, ema_decay=args.ema_decay, init_from=args.init_from,
    )
    if args.average_only_preset:
        run_folder.save_average_only_preset(model, os.path.join(args.out, "preset"), args.weights_dtype)


if __name__ == "__main__":
    main()
