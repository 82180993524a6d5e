"""Measures Pix2Pix models on the 106 CMP facades test pairs (label map -> photo).

    python tools/evaluate_pix2pix.py --preset pix2pix_facades \
        --l1-baseline runs/pix2pix_facades_l1/preset --out runs/pix2pix_eval

The measures are `keras_condgan.evaluation.facades` (also `keras-condgan evaluate`). For each
method, against the real test photos, at the model's resolution:
- L1 (images in [-1, 1], the scale of the training loss), PSNR (dB) and SSIM
  (Gaussian 11 x 11, sigma 1.5): pixel fidelity, where blur scores well;
- LPIPS (VGG16, lower is closer): perceptual distance per pair;
- FID (Inception pool_3, lower is better): how photo-like the 106 outputs
  are as a set. With 106 images FID is biased upwards; the floor row gives
  the FID of 106 real training photos against the test photos.
Methods: the preset, the same generator trained with the L1 loss alone
(`--l1-baseline`, trained by `tools/train_pix2pix.py --adversarial-loss none`),
and the mean training photo. Writes `evaluation.json` and `comparison.jpg`
(label map | L1 only | preset | real photo) to `--out`.
"""

import argparse

import keras_condgan
from keras_condgan.evaluation import facades


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="pix2pix_facades")
    parser.add_argument("--l1-baseline", default=None, help="preset folder of the L1-only generator")
    parser.add_argument("--facades-dir", default=None)
    parser.add_argument("--out", default="runs/pix2pix_eval")
    parser.add_argument("--rows", type=int, default=6, help="test pairs shown in comparison.jpg")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    model = keras_condgan.Pix2Pix.from_preset(args.preset)
    baseline = keras_condgan.Pix2Pix.from_preset(args.l1_baseline) if args.l1_baseline else None
    summary = facades.evaluate_pix2pix(
        model, args.out, l1_baseline=baseline, facades_dir=args.facades_dir, rows=args.rows, seed=args.seed,
        name="preset",
    )
    size = summary["image_size"]
    print(f"{summary['test_pairs']} facades test pairs at {size} x {size}; preset {args.preset!r}")
    print(facades.format_table(summary["results"]))
    facades.write_summary(args.out, {"preset": args.preset, **summary})
    print(f"wrote {args.out}/evaluation.json and comparison.jpg")


if __name__ == "__main__":
    main()
