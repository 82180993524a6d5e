"""Trains a GauGAN on the facades class maps -> photo task and writes the preset folder.

    KERAS_BACKEND=tensorflow python tools/train_gaugan.py --image-size 64 --out runs/gaugan_facades

The colour-coded label maps are turned into class ids (`facades.labels_from_colors`)
and, with the photos, resized to `--image-size` (`facades.load_class_maps`). Each
training pair also appears mirrored, so an epoch is 800 steps at batch size 1.
Interrupted runs resume from the last finished epoch (`BackupAndRestore` in
`<out>/backup`, kept after the run so that a `--time-limit` stop continues too): run
the same command again; delete `<out>/backup` to start over. Each epoch writes the
latest weights to `<out>/latest.weights.h5` and a sample grid of fixed test maps to
`<out>/samples/` (label map | photo | generated in the photo's style | two random
styles). At the end the preset is saved to `<out>/preset`, its weights stored as
`--weights-dtype` (float16 by default; loading restores float32).

On a CPU with TensorFlow keep `--jit-compile false` (the default there): with XLA the
step compiled for a minute and then ran at half the speed.
"""

import argparse
import os

import keras
import numpy as np
import training_runs

import keras_condgan
from keras_condgan.datasets import facades


class SampleGrid(keras.callbacks.Callback):
    """After every epoch, one row per fixed test pair: label map | photo | generated in the
    photo's style | generated with two random styles."""

    def __init__(self, folder, label_maps, photos):
        super().__init__()
        self.folder, self.label_maps, self.photos = folder, label_maps, photos
        os.makedirs(folder, exist_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        styled = self.model.synthesize(self.label_maps, style_image=self.photos)
        random_styles = [self.model.synthesize(self.label_maps, seed=seed) for seed in (1, 2)]
        columns = [facades.colors_from_labels(self.label_maps), self.photos, styled, *random_styles]
        rows = np.stack(columns, axis=1).reshape((-1,) + styled.shape[1:])
        keras_condgan.save_image_grid(
            rows, os.path.join(self.folder, f"epoch_{epoch + 1:03d}.png"), rows=len(styled), scale=2
        )


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
    args = parser.parse_args()

    keras.utils.set_random_seed(args.seed)
    label_maps, photos = facades.load_class_maps("train", args.image_size, args.facades_dir)
    if args.limit:
        label_maps, photos = label_maps[: args.limit], photos[: args.limit]
    # Mirroring is the augmentation of SPADE's code (no crops at the training size).
    label_maps = np.concatenate([label_maps, label_maps[:, :, ::-1]])
    photos = np.concatenate([photos, photos[:, :, ::-1]])
    test_maps, test_photos = facades.load_class_maps("test", args.image_size, args.facades_dir)

    model = keras_condgan.GauGAN(
        image_shape=(args.image_size, args.image_size, 3),
        num_classes=facades.NUM_CLASSES,
        latent_dim=args.latent_dim,
        generator_filters=args.generator_filters,
        discriminator_filters=args.discriminator_filters,
        encoder_filters=args.encoder_filters,
        spade_filters=args.spade_filters,
        num_upsamples=args.num_upsamples,
        perceptual_network=None if args.perceptual_network == "none" else args.perceptual_network,
        seed=args.seed,
    )
    jit_compile = args.jit_compile
    if jit_compile is None:
        jit_compile = False if keras.backend.backend() == "tensorflow" else "auto"
    model.compile(jit_compile=jit_compile)
    print(f"{model.count_params():,} parameters; perceptual network: {model.perceptual_network}")
    callbacks = training_runs.run_callbacks(args.out, args.time_limit)
    callbacks.append(SampleGrid(os.path.join(args.out, "samples"), test_maps[:6], test_photos[:6]))
    training_runs.fit_and_save_preset(
        model, args.out, args.weights_dtype, label_maps, photos, batch_size=args.batch_size, epochs=args.epochs,
        shuffle=True, callbacks=callbacks, verbose=2,
    )

if __name__ == "__main__":
    main()
