"""Trains a Pix2Pix model on the facades labels -> photo task and writes the preset folder.

    KERAS_BACKEND=tensorflow python tools/train_pix2pix.py --epochs 30 --out runs/pix2pix_facades

The training itself is `keras_condgan.training.train_pix2pix` (also `keras-condgan train
pix2pix`). `--adversarial-loss none` trains the same generator with the L1 loss alone (the
baseline of the paper's table 1). Interrupted runs resume from the last finished epoch
(`BackupAndRestore` in `<out>/backup`): run the same command again (also to continue a run
that `--time-limit` stopped). Each epoch writes a sample grid (label map | generated | photo)
of fixed test pairs to `<out>/samples/` and the latest weights to `<out>/latest.weights.h5`.
`--time-limit` ends training after the epoch in which that many seconds have passed (for a
fixed device-time budget); the log says how many epochs ran. At the end the preset is saved
to `<out>/preset`, its weights stored as `--weights-dtype` (float16 by default, half the
size; loading restores the model's float32).

The training techniques: `--ema-decay 0.999` keeps an exponential moving average of the
generator's weights, which inference and the preset use; `--decay-epochs N` decays both learning
rates linearly to zero over the last N of `--epochs` (the paper's `--n_epochs 100
--n_epochs_decay 100` is `--epochs 200 --decay-epochs 100`); `--augment translation,cutout`
applies DiffAugment to what the discriminator sees; `--init-from PRESET` starts from a preset's
weights. With `--ema-decay`, the preset holds the live generator and its average (twice the
generator's size); `--average-only-preset` stores the average as the generator instead and
drops the live copy (a preset of the size of one without averaging, which infers the same; its
config then has no `ema_decay`, so fine-tuning it starts a fresh average).
"""

import argparse
import os

from keras_condgan.cli.main import add_technique_options
from keras_condgan.training import run_folder, train_pix2pix


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--filters", type=int, default=16)
    parser.add_argument("--norm", default="instance", choices=["batch", "instance"])
    parser.add_argument("--receptive-field", type=int, default=70)
    parser.add_argument("--adversarial-loss", default="bce", choices=["bce", "least_squares", "none"])
    parser.add_argument("--l1-weight", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/pix2pix_facades")
    parser.add_argument("--facades-dir", default=None, help="folder holding train/ and test/ (default: $KERAS_CONDGAN_FACADES_DIR or download)")
    parser.add_argument("--workers", type=int, default=1, help="threads preparing batches (the jitter is CPU work)")
    parser.add_argument("--time-limit", type=float, default=None, help="stop after the epoch that ends past this many seconds")
    parser.add_argument("--weights-dtype", default="float16", help="storage dtype of the preset's weights")
    parser.add_argument("--limit", type=int, default=None, help="train on the first N pairs only (smoke runs)")
    add_technique_options(parser)
    parser.add_argument("--average-only-preset", action="store_true",
                        help="with --ema-decay: the preset's generator is the average, without the live copy")
    args = parser.parse_args()
    if args.average_only_preset and args.ema_decay is None:
        parser.error("--average-only-preset needs --ema-decay")
    model = train_pix2pix(
        args.out, facades_dir=args.facades_dir, image_size=args.image_size, filters=args.filters, norm=args.norm,
        receptive_field=args.receptive_field, adversarial_loss=args.adversarial_loss, l1_weight=args.l1_weight,
        epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, workers=args.workers,
        time_limit=args.time_limit, weights_dtype=args.weights_dtype, limit=args.limit, verbose=2,
        augment=args.augment, decay_epochs=args.decay_epochs, ema_decay=args.ema_decay, init_from=args.init_from,
    )
    if args.average_only_preset:
        run_folder.save_average_only_preset(model, os.path.join(args.out, "preset"), args.weights_dtype)


if __name__ == "__main__":
    main()
