"""`keras-condgan train {cgan,pix2pix,gaugan}`: a training run into a run folder."""

import os

from keras_condgan.cli.errors import UserError


def check_data_folders(*folders):
    for folder in folders:
        if folder is not None and not os.path.isdir(folder):
            raise UserError(f"{folder}: no such folder")


def common(args):
    return dict(
        epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, time_limit=args.time_limit,
        weights_dtype=args.weights_dtype, limit=args.limit, tensorboard=args.tensorboard, verbose=1,
        quality_every=args.quality_every, augment=args.augment, decay_epochs=args.decay_epochs,
        ema_decay=args.ema_decay, init_from=args.init_from,
    )


def run(args):
    check_data_folders(getattr(args, "data", None), getattr(args, "data_b", None))
    from keras_condgan import training

    print(f"run folder: {args.out} (run the same command again to resume; --epochs counts resumed epochs)")
    try:
        if args.family == "cgan":
            training.train_conditional_gan(
                args.out, data=args.data, mnist_dir=args.mnist_dir, image_size=args.image_size,
                latent_dim=args.latent_dim, architecture=args.architecture, conditioning=args.conditioning,
                generator_filters=args.generator_filters, discriminator_filters=args.discriminator_filters,
                adversarial_loss=args.adversarial_loss, **common(args),
            )
        elif args.family == "pix2pix":
            training.train_pix2pix(
                args.out, data=args.data, data_b=args.data_b, direction=args.direction, facades_dir=args.facades_dir,
                image_size=args.image_size, filters=args.filters, norm=args.norm,
                receptive_field=args.receptive_field, adversarial_loss=args.adversarial_loss,
                l1_weight=args.l1_weight, workers=args.workers, **common(args),
            )
        else:
            training.train_gaugan(
                args.out, facades_dir=args.facades_dir, image_size=args.image_size,
                num_upsamples=args.num_upsamples, latent_dim=args.latent_dim,
                generator_filters=args.generator_filters, discriminator_filters=args.discriminator_filters,
                encoder_filters=args.encoder_filters, spade_filters=args.spade_filters,
                perceptual_network=args.perceptual_network, jit_compile=args.jit_compile, **common(args),
            )
    except KeyboardInterrupt:
        print(f"\ninterrupted: run the same command again to resume {args.out} after its last finished epoch")
        return 130
    return 0
