"""Training a Pix2Pix model into a run folder: the facades labels -> photo task (as the
`pix2pix_facades` preset was trained) or a folder of the user's own paired images."""

import os

import keras

from keras_condgan.callbacks import DatasetEpoch
from keras_condgan.datasets import facades
from keras_condgan.datasets.paired_images import PairedImageDataset, load_paired_images
from keras_condgan.evaluation.quality import PairedQuality
from keras_condgan.models.pix2pix.pix2pix import Pix2Pix
from keras_condgan.training import run_folder
from keras_condgan.utils.images import to_uint8

SAMPLE_PAIRS = 6


def find_pairs(data, data_b=None, direction="AtoB"):
    """Reads the paired images of a folder; returns `(train_pairs, sample_pairs)`, each a
    `(conditions, targets)` pair of lists of uint8 RGB arrays (`sample_pairs` is None when
    the folder has no held-out split). The layouts, first found wins:

    - `data_b` given: `data` holds the A images and `data_b` the B images of the same names;
    - `data/A/` and `data/B/`: the same, as two subfolders;
    - `data/train/` of side-by-side A|B files (the pix2pix datasets' layout), with samples
      from `data/test/` or `data/val/` when present;
    - `data/` itself holding side-by-side A|B files.

    `direction="AtoB"` makes A the condition, `"BtoA"` B.
    """
    if data_b is not None:
        return load_paired_images(data, "two_folders", direction, path_b=data_b), None
    if not os.path.isdir(data):
        raise FileNotFoundError(f"Paired image folder {data!r} does not exist.")
    if os.path.isdir(os.path.join(data, "A")) and os.path.isdir(os.path.join(data, "B")):
        pairs = load_paired_images(os.path.join(data, "A"), "two_folders", direction, path_b=os.path.join(data, "B"))
        return pairs, None
    if os.path.isdir(os.path.join(data, "train")):
        train = load_paired_images(os.path.join(data, "train"), "side_by_side", direction)
        for split in ("test", "val"):
            if os.path.isdir(os.path.join(data, split)):
                return train, load_paired_images(os.path.join(data, split), "side_by_side", direction)
        return train, None
    return load_paired_images(data, "side_by_side", direction), None


def load_training_pairs(data=None, data_b=None, direction=None, facades_dir=None, limit=None):
    """`(train_pairs, held_out_pairs, description)`: the facades train and test splits (label
    map -> photo) when `data` is None, else `find_pairs(data, data_b, direction)` (AtoB by
    default; `held_out_pairs` is None when the folder has no held-out split)."""
    if data is None:
        if data_b is not None:
            raise ValueError("A second folder of B images needs the folder of A images too.")
        if direction not in (None, "BtoA"):
            raise ValueError("The facades task is label map -> photo (BtoA); `direction` applies to your own folders.")
        train = facades.load_data("train", facades_dir)
        samples = facades.load_data("test", facades_dir)
        description = "CMP facades, label map -> photo"
    else:
        train, samples = find_pairs(data, data_b, direction or "AtoB")
        description = f"{os.path.abspath(data)}{' + ' + os.path.abspath(data_b) if data_b else ''} ({direction or 'AtoB'})"
    if limit:
        train = (train[0][:limit], train[1][:limit])
    return train, samples, description


def train_pix2pix(
    out,
    data=None,
    data_b=None,
    direction=None,
    facades_dir=None,
    image_size=256,
    filters=16,
    norm="instance",
    receptive_field=70,
    adversarial_loss="bce",
    l1_weight=100.0,
    epochs=30,
    batch_size=1,
    seed=0,
    workers=1,
    time_limit=None,
    weights_dtype="float16",
    limit=None,
    tensorboard=None,
    verbose="auto",
    quality_every=None,
    augment=None,
    decay_epochs=0,
    ema_decay=None,
    init_from=None,
):
    """Trains a Pix2Pix model with the paper's jitter (`PairedImageDataset`) and writes the
    run folder `out` (see `run_folder`) and its preset; running it again with the same `out`
    resumes after the last finished epoch, with the same shuffles and crops.

    Args:
        out: the run folder.
        data, data_b, direction: the pairs (`find_pairs`); `data=None` for the facades
            (from `facades_dir`, `$KERAS_CONDGAN_FACADES_DIR`, or downloaded).
        image_size: side of the square training images (a multiple of 2**depth; the
            U-Net's depth follows from it).
        filters, norm, receptive_field, l1_weight: the `Pix2Pix` arguments.
        adversarial_loss: `"bce"`, `"least_squares"`, or `"none"`/None for the L1-only
            baseline.
        epochs, batch_size, seed: of training (the seed fixes weights, order and jitter).
        workers: threads preparing batches (the jitter is CPU work).
        time_limit: seconds after which training stops at the end of an epoch.
        weights_dtype: storage dtype of the preset's weights (None: as trained).
        limit: train on the first N pairs only (smoke runs).
        tensorboard: write TensorBoard logs (None: when TensorFlow is installed).
        verbose: `fit`'s verbosity (1: progress bars, 2: a line per epoch).
        quality_every: every this many epochs (and after the last), measure LPIPS and KID on
            the held-out pairs (`val_lpips`, `val_kid`; the facades test split, or your data's
            `test/`/`val/` folder).
        augment: the model's DiffAugment policy (e.g. `"translation,cutout"`; None: off).
        decay_epochs: the last this many of `epochs` decay both learning rates linearly
            towards zero (`schedules.LinearDecay`, the paper's `--n_epochs epochs - N
            --n_epochs_decay N`); 0: constant. The schedules step with each optimizer's updates,
            which the run folder's backup restores: a resumed run continues them (with the same
            `epochs`: a larger one moves the start of the decay).
        ema_decay: keep an exponential moving average of the generator's weights with this
            decay (e.g. 0.999), which inference and the preset use; None: off.
        init_from: a preset (name, folder or handle) of the same architecture whose weights the
            run starts from (fine-tuning), instead of fresh ones.

    Returns:
        The trained model.
    """
    run_folder.check_decay_epochs(epochs, decay_epochs)  # before any data is read
    keras.utils.set_random_seed(seed)
    (conditions, targets), held_out, description = load_training_pairs(data, data_b, direction, facades_dir, limit)
    if quality_every and held_out is None:
        raise ValueError(
            "Measuring quality during training needs held-out pairs: put them in a test/ or val/ folder beside "
            "train/ in your data folder."
        )
    train = PairedImageDataset(conditions, targets, batch_size, image_size, augment=True, seed=seed, workers=workers)

    def at_model_size(pairs):
        return [to_uint8(s) for s in PairedImageDataset(*pairs, len(pairs[0]), image_size)[0]]

    samples = at_model_size([images[:SAMPLE_PAIRS] for images in held_out or (conditions, targets)])
    model = Pix2Pix(
        image_shape=(image_size, image_size, 3),
        filters=filters,
        norm=norm,
        receptive_field=receptive_field,
        adversarial_loss=None if adversarial_loss in (None, "none") else adversarial_loss,
        l1_weight=l1_weight,
        seed=seed,
        augment=augment,
        ema_decay=ema_decay,
    )
    if init_from is not None:
        run_folder.start_from_preset(model, init_from)
    model.compile(**run_folder.decaying_optimizers(model, epochs, decay_epochs, len(train)))
    run_folder.start_run(model, out, {"data": description, "direction": direction or ("BtoA" if data is None else "AtoB")})
    print(f"{len(conditions)} training pairs ({description}); {model.count_params():,} parameters")
    callbacks = [DatasetEpoch(train)] + run_folder.run_callbacks(out, time_limit, tensorboard)
    callbacks.append(run_folder.sample_grid(out, callbacks, *samples))
    callbacks += run_folder.quality_monitor(lambda: PairedQuality(*at_model_size(held_out)), quality_every)
    run_folder.fit_and_save_preset(model, out, weights_dtype, train, epochs=epochs, callbacks=callbacks, verbose=verbose)
    return model
