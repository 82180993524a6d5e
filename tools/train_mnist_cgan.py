"""Trains the `mnist_cgan` preset on the MNIST training set and writes the preset folder.

    KERAS_BACKEND=tensorflow python tools/train_mnist_cgan.py --epochs 10 --out runs/mnist_cgan

Interrupted runs resume from the last finished epoch (`BackupAndRestore` in
`<out>/backup`): run the same command again. Each epoch writes a sample grid
to `<out>/samples/` and the weights to `<out>/checkpoints/`. At the end the
preset is saved to `--preset-dir`.
"""

import argparse
import os
import time

import keras
import numpy as np

import keras_condgan
from keras_condgan.datasets import mnist


class SampleGrid(keras.callbacks.Callback):
    """Saves a 10 x 8 digit grid from fixed latents after every epoch."""

    def __init__(self, folder, per_class=8, seed=0):
        super().__init__()
        self.folder, self.per_class, self.seed = folder, per_class, seed
        os.makedirs(folder, exist_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        labels = np.repeat(np.arange(10), self.per_class)
        images = self.model.generate(labels, seed=self.seed)
        keras_condgan.save_image_grid(
            images, os.path.join(self.folder, f"epoch_{epoch + 1:03d}.png"), rows=10, row_labels=range(10)
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/mnist_cgan")
    parser.add_argument("--preset-dir", default="runs/mnist_cgan/preset")
    parser.add_argument("--mnist-dir", default=None, help="folder of the MNIST IDX files (default: $KERAS_CONDGAN_MNIST_DIR or download)")
    parser.add_argument("--limit", type=int, default=None, help="train on the first N images only (smoke runs)")
    args = parser.parse_args()

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), _ = mnist.load_data(args.mnist_dir)
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]

    model = keras_condgan.ConditionalGAN(
        image_shape=(28, 28, 1),
        num_classes=10,
        latent_dim=64,
        architecture="dcgan",
        conditioning="concat",
        generator_filters=(128, 64, 32),
        discriminator_filters=(64, 128),
        adversarial_loss="bce",
        seed=args.seed,
    )
    model.compile()
    callbacks = [
        keras.callbacks.BackupAndRestore(os.path.join(args.out, "backup")),
        keras.callbacks.ModelCheckpoint(os.path.join(args.out, "checkpoints", "epoch_{epoch:03d}.weights.h5"), save_weights_only=True),
        keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv"), append=True),
        SampleGrid(os.path.join(args.out, "samples")),
    ]
    start = time.time()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, shuffle=True, callbacks=callbacks, verbose=2)
    print(f"trained in {time.time() - start:.0f} s on {keras.backend.backend()}")
    model.save_to_preset(args.preset_dir)
    print(f"preset written to {args.preset_dir}")


if __name__ == "__main__":
    main()
