"""Measures a GauGAN preset on the 106 CMP facades test label maps, beside the Pix2Pix preset.

    python tools/evaluate_gaugan.py --preset gaugan_facades --out runs/gaugan_eval

The measures are `keras_condgan.evaluation.facades.evaluate_gaugan` (also `keras-condgan
evaluate`). Every method gets the same test label maps: GauGAN their class ids
(`facades.load_class_maps`) at its resolution, Pix2Pix the colour-coded maps at its own
256 x 256, its outputs then box-filtered down to GauGAN's resolution. All scores are against
the real test photos at GauGAN's resolution (L1, PSNR, SSIM, LPIPS, FID). Methods:
- `gaugan_random_style`: latents drawn from N(0, I) (the label map is all it sees,
  as for Pix2Pix);
- `gaugan_photo_style`: the latent is the encoding of the test photo itself (as
  SPADE's test script does), so it sees the target's style: not comparable with the
  others, a measure of the encoder;
- `pix2pix`: the `--pix2pix` preset; `mean_training_photo`: a constant guess;
- `real_training_photos` (FID only): 106 training photos, the floor of FID at 106.
`diversity_lpips` is the mean LPIPS between two outputs of the same label map with
different seeds (0 for a deterministic method).

Writes `evaluation.json`, `comparison.jpg` (label map | photo | Pix2Pix | GauGAN in
the photo's style | GauGAN, two random styles) and `styles.jpg` (label map | style image,
the photo of another test pair | generated in that style | three random styles) to `--out`.
"""

import argparse

import keras_condgan
from keras_condgan.evaluation import facades


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="gaugan_facades")
    parser.add_argument("--pix2pix", default="pix2pix_facades", help="Pix2Pix preset to compare with ('' for none)")
    parser.add_argument("--facades-dir", default=None)
    parser.add_argument("--out", default="runs/gaugan_eval")
    parser.add_argument("--rows", type=int, default=6, help="test pairs shown in the pictures")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    model = keras_condgan.GauGAN.from_preset(args.preset)
    pix2pix = keras_condgan.Pix2Pix.from_preset(args.pix2pix) if args.pix2pix else None
    summary = facades.evaluate_gaugan(model, args.out, pix2pix, args.facades_dir, rows=args.rows, seed=args.seed)
    size = summary["image_size"]
    print(f"{summary['test_pairs']} facades test label maps at {size} x {size}; preset {args.preset!r}")
    print(facades.format_table(summary["results"], extra_columns=[("diversity_lpips", "diversity (LPIPS)")]))
    facades.write_summary(args.out, {"preset": args.preset, "pix2pix": args.pix2pix or None, **summary})
    print(f"wrote {args.out}/evaluation.json, comparison.jpg and styles.jpg")


if __name__ == "__main__":
    main()
