"""Training a GauGAN into a run folder on the facades class maps -> photo task (as the
`gaugan_facades` preset was trained)."""

import keras
import numpy as np

from keras_condgan.datasets import facades
from keras_condgan.evaluation.quality import PairedQuality
from keras_condgan.models.gaugan.gaugan import GauGAN
from keras_condgan.training import run_folder

SAMPLE_PAIRS = 6


def train_gaugan(
    out,
    facades_dir=None,
    image_size=64,
    num_upsamples=4,
    latent_dim=256,
    generator_filters=16,
    discriminator_filters=32,
    encoder_filters=16,
    spade_filters=32,
    perceptual_network="auto",
    jit_compile=None,
    epochs=100,
    batch_size=1,
    seed=0,
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
    """Trains a GauGAN on the facades: the colour-coded label maps turned into class ids
    (`facades.load_class_maps`), each training pair also mirrored (SPADE's augmentation), and
    writes the run folder `out` (see `run_folder`) and its preset; running it again with the
    same `out` resumes after the last finished epoch.

    Args:
        out: the run folder.
        facades_dir: the facades folder (default `$KERAS_CONDGAN_FACADES_DIR`, or downloaded).
        image_size: side of the square images (the label maps and photos are resized to it).
        num_upsamples, latent_dim, generator_filters, discriminator_filters,
            encoder_filters, spade_filters: the `GauGAN` arguments.
        perceptual_network: `"auto"`, `"vgg16"`, `"vgg19"` or `"none"`/None (no VGG loss).
        jit_compile: `compile`'s argument; None: False on TensorFlow (on a CPU its XLA step
            compiled for a minute and then ran at half the speed), `"auto"` elsewhere.
        epochs, batch_size, seed: of training.
        time_limit: seconds after which training stops at the end of an epoch.
        weights_dtype: storage dtype of the preset's weights (None: as trained).
        limit: train on the first N pairs only (smoke runs).
        tensorboard: write TensorBoard logs (None: when TensorFlow is installed).
        verbose: `fit`'s verbosity (1: progress bars, 2: a line per epoch).
        quality_every: every this many epochs (and after the last), measure LPIPS and KID of
            random-style images on the 106 test label maps (`val_lpips`, `val_kid`).
        augment: the model's DiffAugment policy (e.g. `"color,translation,cutout"`; None: off).
        decay_epochs: the last this many of `epochs` decay both learning rates linearly
            towards zero (`schedules.LinearDecay`); 0: constant.
        ema_decay: keep an exponential moving average of the generator's weights with this
            decay (e.g. 0.999), which inference and the preset use; None: off.
        init_from: a preset (name, folder or handle) of the same architecture whose weights the
            run starts from (fine-tuning), instead of fresh ones.

    Returns:
        The trained model.
    """
    run_folder.check_decay_epochs(epochs, decay_epochs)
    keras.utils.set_random_seed(seed)
    label_maps, photos = facades.load_class_maps("train", image_size, facades_dir)
    if limit:
        label_maps, photos = label_maps[:limit], photos[:limit]
    label_maps = np.concatenate([label_maps, label_maps[:, :, ::-1]])
    photos = np.concatenate([photos, photos[:, :, ::-1]])
    test_maps, test_photos = facades.load_class_maps("test", image_size, facades_dir)

    model = GauGAN(
        image_shape=(image_size, image_size, 3),
        num_classes=facades.NUM_CLASSES,
        latent_dim=latent_dim,
        generator_filters=generator_filters,
        discriminator_filters=discriminator_filters,
        encoder_filters=encoder_filters,
        spade_filters=spade_filters,
        num_upsamples=num_upsamples,
        perceptual_network=None if perceptual_network in (None, "none") else perceptual_network,
        seed=seed,
        augment=augment,
        ema_decay=ema_decay,
    )
    if init_from is not None:
        run_folder.start_from_preset(model, init_from)
    if jit_compile is None:
        jit_compile = False if keras.backend.backend() == "tensorflow" else "auto"
    steps_per_epoch = -(-len(label_maps) // batch_size)
    model.compile(jit_compile=jit_compile, **run_folder.decaying_optimizers(model, epochs, decay_epochs, steps_per_epoch))
    run_folder.start_run(model, out, {"data": "CMP facades, class map -> photo"})
    print(f"{len(label_maps)} training pairs (mirrored included); {model.count_params():,} parameters; "
          f"perceptual network: {model.perceptual_network}")
    callbacks = run_folder.run_callbacks(out, time_limit, tensorboard)
    callbacks.append(run_folder.sample_grid(out, callbacks, test_maps[:SAMPLE_PAIRS], test_photos[:SAMPLE_PAIRS], seed=1))
    callbacks += run_folder.quality_monitor(lambda: PairedQuality(test_maps, test_photos), quality_every)
    run_folder.fit_and_save_preset(
        model, out, weights_dtype, label_maps, photos, batch_size=batch_size, epochs=epochs, shuffle=True,
        callbacks=callbacks, verbose=verbose,
    )
    return model
