"""Times one ConditionalGAN training step (D + G update) on the current backend.

    for b in tensorflow jax torch; do KERAS_BACKEND=$b python tools/benchmark_train_step.py; done

Uses the architecture of `--preset` (default `mnist_cgan`) on random uint8 images. Runs
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
    model = keras_condgan.ConditionalGAN.from_preset(args.preset, load_weights=False)
    model.compile(jit_compile=jit)
    rng = np.random.default_rng(0)
    count = args.batch_size * args.steps
    images = rng.integers(0, 256, (count, *model.image_shape), dtype=np.uint8)
    labels = rng.integers(0, model.num_classes, count)
    warm = args.batch_size * args.warmup
    model.fit(images[:warm], labels[:warm], batch_size=args.batch_size, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(images, labels, batch_size=args.batch_size, epochs=1, verbose=0, shuffle=False)
    seconds = (time.perf_counter() - start) / args.steps
    print(json.dumps({
        "backend": keras.backend.backend(),
        "jit_compile": model.jit_compile,
        "batch_size": args.batch_size,
        "ms_per_step": round(seconds * 1000, 1),
        "images_per_second": round(args.batch_size / seconds, 1),
    }))


if __name__ == "__main__":
    main()
