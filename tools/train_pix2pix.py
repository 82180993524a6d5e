"""Trains a Pix2Pix model on the facades labels -> photo task and writes the preset folder.

    KERAS_BACKEND=tensorflow python tools/train_pix2pix.py --epochs 30 --out runs/pix2pix_facades

`--adversarial-loss none` trains the same generator with the L1 loss alone
(the baseline of the paper's table 1). Interrupted runs resume from the last
finished epoch (`BackupAndRestore` in `<out>/backup`): run the same command
again (also to continue a run that `--time-limit` stopped). Each epoch writes a sample grid (label map | generated | photo) of
fixed test pairs to `<out>/samples/` and the latest weights to
`<out>/latest.weights.h5`. `--time-limit` ends training after the epoch in
which that many seconds have passed (for a fixed device-time budget); the
log says how many epochs ran. At the end the preset is saved to
`<out>/preset`, its weights stored as `--weights-dtype` (float16 by default,
half the size; loading restores the model's float32).
"""

import argparse
import os

import keras
import numpy as np
import training_runs

import keras_condgan
from keras_condgan.datasets import facades
from keras_condgan.datasets.paired_images import PairedImageDataset
from keras_condgan.utils.images import to_uint8


class SampleGrid(keras.callbacks.Callback):
    """Saves label map | generated | photo rows for fixed test pairs after every epoch."""

    def __init__(self, folder, conditions, targets):
        super().__init__()
        self.folder, self.conditions, self.targets = folder, conditions, targets
        os.makedirs(folder, exist_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        generated = self.model.translate(self.conditions)
        rows = np.stack([self.conditions, generated, self.targets], axis=1).reshape((-1,) + generated.shape[1:])
        keras_condgan.save_image_grid(
            rows, os.path.join(self.folder, f"epoch_{epoch + 1:03d}.png"), rows=len(generated), scale=1
        )


class DatasetEpoch(keras.callbacks.Callback):
    """Tells the dataset which epoch runs, so a resumed run draws the same
    shuffles and crops as an uninterrupted one."""

    def __init__(self, dataset):
        super().__init__()
        self.dataset = dataset

    def on_epoch_begin(self, epoch, logs=None):
        self.dataset.epoch = epoch


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
    args = parser.parse_args()

    keras.utils.set_random_seed(args.seed)
    label_maps, photos = facades.load_data("train", args.facades_dir)
    if args.limit:
        label_maps, photos = label_maps[: args.limit], photos[: args.limit]
    train = PairedImageDataset(label_maps, photos, args.batch_size, args.image_size, augment=True, seed=args.seed,
                               workers=args.workers)
    test_maps, test_photos = facades.load_data("test", args.facades_dir)
    samples = PairedImageDataset(test_maps[:6], test_photos[:6], 6, args.image_size)[0]
    samples = [to_uint8(s) for s in samples]

    model = keras_condgan.Pix2Pix(
        image_shape=(args.image_size, args.image_size, 3),
        filters=args.filters,
        norm=args.norm,
        receptive_field=args.receptive_field,
        adversarial_loss=None if args.adversarial_loss == "none" else args.adversarial_loss,
        l1_weight=args.l1_weight,
        seed=args.seed,
    )
    model.compile()
    callbacks = [DatasetEpoch(train)] + training_runs.run_callbacks(args.out, args.time_limit)
    callbacks.append(SampleGrid(os.path.join(args.out, "samples"), *samples))
    training_runs.fit_and_save_preset(
        model, args.out, args.weights_dtype, train, epochs=args.epochs, callbacks=callbacks, verbose=2
    )

if __name__ == "__main__":
    main()
