"""Times one GAN training step (D + G update) on the current backend.

    for b in tensorflow jax torch; do KERAS_BACKEND=$b python tools/benchmark_train_step.py; done
    KERAS_BACKEND=jax python tools/benchmark_train_step.py --preset pix2pix_facades --batch-size 1

Uses the architecture of `--preset` (default `mnist_cgan`; a ConditionalGAN or a
Pix2Pix preset) on random uint8 images (and labels, or target images). Runs
`--warmup` steps (compilation), then times `--steps` steps of `fit` and prints
milliseconds per step and images per second.
"""

import argparse
import json
import time

import keras
import numpy as np

import keras_condgan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="mnist_cgan")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--jit-compile", default="auto", help="auto, true or false")
    args = parser.parse_args()

    jit = {"auto": "auto", "true": True, "false": False}[args.jit_compile.lower()]
    model_class = keras_condgan.Pix2Pix if args.preset in keras_condgan.Pix2Pix.presets else keras_condgan.ConditionalGAN
    model = model_class.from_preset(args.preset, load_weights=False)
    model.compile(jit_compile=jit)
    rng = np.random.default_rng(0)
    count = args.batch_size * args.steps
    images = rng.integers(0, 256, (count, *model.image_shape), dtype=np.uint8)
    if model_class is keras_condgan.Pix2Pix:
        targets_or_labels = 255 - images  # the target images
    else:
        targets_or_labels = rng.integers(0, model.num_classes, count)  # the labels
    warm = args.batch_size * args.warmup
    model.fit(images[:warm], targets_or_labels[:warm], batch_size=args.batch_size, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(images, targets_or_labels, batch_size=args.batch_size, epochs=1, verbose=0, shuffle=False)
    seconds = (time.perf_counter() - start) / args.steps
    print(json.dumps({
        "preset": args.preset,
        "backend": keras.backend.backend(),
        "jit_compile": model.jit_compile,
        "batch_size": args.batch_size,
        "ms_per_step": round(seconds * 1000, 1),
        "images_per_second": round(args.batch_size / seconds, 1),
    }))


if __name__ == "__main__":
    main()
