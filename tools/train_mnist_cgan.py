"""Trains the `mnist_cgan` preset on the MNIST training set and writes the preset folder.

    KERAS_BACKEND=tensorflow python tools/train_mnist_cgan.py --epochs 10 --out runs/mnist_cgan

The training itself is `keras_condgan.training.train_conditional_gan` (also
`keras-condgan train cgan`). Interrupted runs resume from the last finished epoch
(`BackupAndRestore` in `<out>/backup`): run the same command again. Each epoch writes a
sample grid to `<out>/samples/` and the weights to `<out>/latest.weights.h5`. At the end
the preset is saved to `--preset-dir`.
"""

import argparse

from keras_condgan.cli.main import add_technique_options
from keras_condgan.training import train_conditional_gan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/mnist_cgan")
    parser.add_argument("--preset-dir", default="runs/mnist_cgan/preset")
    parser.add_argument("--mnist-dir", default=None, help="folder of the MNIST IDX files (default: $KERAS_CONDGAN_MNIST_DIR or download)")
    parser.add_argument("--limit", type=int, default=None, help="train on the first N images only (smoke runs)")
    parser.add_argument("--weights-dtype", default=None, help="storage dtype of the preset's weights, e.g. float16")
    add_technique_options(parser)
    args = parser.parse_args()
    train_conditional_gan(
        args.out, mnist_dir=args.mnist_dir, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
        limit=args.limit, preset_dir=args.preset_dir, verbose=2, ema_decay=args.ema_decay, init_from=args.init_from,
        decay_epochs=args.decay_epochs, weights_dtype=args.weights_dtype, augment=args.augment,
    )


if __name__ == "__main__":
    main()
