"""Training a ConditionalGAN into a run folder: MNIST (as the `mnist_cgan` preset was
trained) or a folder of class subfolders."""

import os

import keras

from keras_condgan.datasets import mnist
from keras_condgan.datasets.class_folders import load_class_folders
from keras_condgan.evaluation.quality import ClassifierQuality
from keras_condgan.models.conditional_gan.conditional_gan import ConditionalGAN
from keras_condgan.training import run_folder


def load_training_data(data=None, mnist_dir=None, image_size=None, limit=None):
    """`(images, labels, class_names)`: the MNIST training digits when `data` is None, else
    the class subfolders of the folder `data` (`load_class_folders`)."""
    if data is None:
        (images, labels), _ = mnist.load_data(mnist_dir)
        images = images[..., None]
        if image_size not in (None, 28):
            raise ValueError(f"MNIST digits are 28 x 28; got an image size of {image_size}.")
        class_names = [str(c) for c in range(10)]
    else:
        images, labels, class_names = load_class_folders(data, image_size)
    if limit:
        images, labels = images[:limit], labels[:limit]
    return images, labels, class_names


def train_conditional_gan(
    out,
    data=None,
    mnist_dir=None,
    image_size=None,
    latent_dim=64,
    architecture="dcgan",
    conditioning="concat",
    generator_filters=(128, 64, 32),
    discriminator_filters=(64, 128),
    adversarial_loss="bce",
    epochs=10,
    batch_size=64,
    seed=0,
    time_limit=None,
    weights_dtype=None,
    limit=None,
    tensorboard=None,
    preset_dir=None,
    verbose="auto",
    quality_every=None,
    augment=None,
    ema_decay=None,
    init_from=None,
    decay_epochs=0,
):
    """Trains a ConditionalGAN (the `mnist_cgan` architecture by default) and writes the run
    folder `out` (see `run_folder`) and its preset; running it again with the same `out`
    resumes after the last finished epoch.

    Args:
        out: the run folder.
        data: a folder of class subfolders; None for the MNIST training digits (read from
            `mnist_dir`, `$KERAS_CONDGAN_MNIST_DIR`, or downloaded).
        image_size: side the images are resized to (folders; MNIST is 28).
        latent_dim, architecture, conditioning, generator_filters, discriminator_filters,
            adversarial_loss: the `ConditionalGAN` arguments.
        epochs, batch_size, seed: of `fit` (the seed also fixes the initial weights).
        time_limit: seconds after which training stops at the end of an epoch.
        weights_dtype: storage dtype of the preset's weights (None: as trained).
        limit: train on the first N images only (smoke runs).
        tensorboard: write TensorBoard logs (None: when TensorFlow is installed).
        preset_dir: where the preset goes (default `<out>/preset`).
        verbose: `fit`'s verbosity (1: progress bars, 2: a line per epoch).
        quality_every: every this many epochs (and after the last), measure the class accuracy
            and KID of 100 digits per class with the MNIST judge classifier (trained once
            when missing) as `val_class_accuracy` / `val_kid` (MNIST only).
        augment: the model's DiffAugment policy (e.g. `"color,translation,cutout"`; None: off).
        ema_decay: keep an exponential moving average of the generator's weights with this
            decay (e.g. 0.999), which inference and the preset use; None: off.
        init_from: a preset (name, folder or handle) of the same architecture whose weights the
            run starts from (fine-tuning), instead of fresh ones.
        decay_epochs: the last this many of `epochs` decay both learning rates linearly
            towards zero (`schedules.LinearDecay`); 0: constant.

    Returns:
        The trained model.
    """
    if quality_every and data is not None:
        raise ValueError(
            "Measuring quality during training needs a judge classifier for the classes; the package has one "
            "for the MNIST digits only (train without `data`), or pass your own `ClassifierQuality` to "
            "`QualityMonitor` in Python."
        )
    run_folder.check_decay_epochs(epochs, decay_epochs)
    keras.utils.set_random_seed(seed)
    images, labels, class_names = load_training_data(data, mnist_dir, image_size, limit)
    model = ConditionalGAN(
        image_shape=images.shape[1:],
        num_classes=len(class_names),
        latent_dim=latent_dim,
        architecture=architecture,
        conditioning=conditioning,
        generator_filters=tuple(generator_filters),
        discriminator_filters=tuple(discriminator_filters),
        adversarial_loss=adversarial_loss,
        seed=seed,
        augment=augment,
        ema_decay=ema_decay,
    )
    if init_from is not None:
        run_folder.start_from_preset(model, init_from)
    model.compile(**run_folder.decaying_optimizers(model, epochs, decay_epochs, -(-len(images) // batch_size)))
    data_description = "MNIST training digits" if data is None else os.path.abspath(data)
    run_folder.start_run(model, out, {"data": data_description, "class_names": class_names})
    print(f"{len(images)} images of {len(class_names)} classes ({data_description}); "
          f"{model.count_params():,} parameters")
    callbacks = run_folder.run_callbacks(out, time_limit, tensorboard)
    callbacks.append(run_folder.sample_grid(out, callbacks, seed=seed))
    callbacks += run_folder.quality_monitor(lambda: ClassifierQuality.mnist(mnist_dir=mnist_dir), quality_every)
    run_folder.fit_and_save_preset(
        model, out, weights_dtype, images, labels, batch_size=batch_size, epochs=epochs, shuffle=True,
        callbacks=callbacks, verbose=verbose, preset_dir=preset_dir,
    )
    return model
