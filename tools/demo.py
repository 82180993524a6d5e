"""Draws digits with the bundled `mnist_cgan` preset (offline).

    python tools/demo.py --out samples

Writes `mnist_cgan_digits.png` (one row per digit 0-9) and
`mnist_cgan_interpolation.gif` (a morph between two digit classes).
"""

import argparse
import os

import keras
import numpy as np

import keras_condgan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="mnist_cgan")
    parser.add_argument("--out", default="samples")
    parser.add_argument("--per-digit", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0, help="seed of the digit grid")
    # Latent 5 was picked from seeds 0-11 (all morph cleanly by the judge
    # classifier) because it draws the plainest 3 and 8 to look at.
    parser.add_argument("--morph-seed", type=int, default=5, help="seed of the interpolation's fixed latent")
    parser.add_argument("--from-class", type=int, default=3)
    parser.add_argument("--to-class", type=int, default=8)
    args = parser.parse_args()

    model = keras_condgan.ConditionalGAN.from_preset(args.preset)
    os.makedirs(args.out, exist_ok=True)
    labels = np.repeat(np.arange(model.num_classes), args.per_digit)
    digits = model.generate(labels, seed=args.seed)
    grid = keras_condgan.save_image_grid(
        digits, os.path.join(args.out, "mnist_cgan_digits.png"), rows=model.num_classes, row_labels=range(model.num_classes)
    )
    frames = model.interpolate(args.from_class, args.to_class, steps=24, seed=args.morph_seed)
    gif = keras_condgan.save_gif(frames, os.path.join(args.out, "mnist_cgan_interpolation.gif"))
    print(f"[{keras.backend.backend()}] wrote {grid} and {gif}")


if __name__ == "__main__":
    main()
