"""Measures a GauGAN preset on the 106 CMP facades test label maps, beside the Pix2Pix preset.

    python tools/evaluate_gaugan.py --preset gaugan_facades --out runs/gaugan_eval

Every method gets the same test label maps: GauGAN their class ids
(`facades.load_class_maps`) at its resolution, Pix2Pix the colour-coded maps at
its own 256 x 256, its outputs then box-filtered down to GauGAN's resolution. All
scores are against the real test photos at GauGAN's resolution, with the measures of
`tools/evaluate_pix2pix.py` (L1, PSNR, SSIM, LPIPS, FID; `metrics.paired_scores`).
Methods:
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
import os

import facades_evaluation
import numpy as np
from PIL import Image

import keras_condgan
from keras_condgan import metrics
from keras_condgan.datasets import facades


def box_resize(images, size):
    return np.stack([np.asarray(Image.fromarray(i).resize((size, size), Image.BOX)) for i in images])


def save_grid(columns, path, rows, scale):
    grid = np.stack([c[:rows] for c in columns], axis=1).reshape((-1,) + columns[0].shape[1:])
    keras_condgan.save_image_grid(grid, path, rows=rows, scale=scale)


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
    size = model.image_shape[0]
    label_maps, photos = facades.load_class_maps("test", size, args.facades_dir)
    _, train_photos = facades.load_class_maps("train", size, args.facades_dir)

    random_styles = [model.synthesize(label_maps, seed=args.seed + i) for i in range(3)]
    outputs = {
        "gaugan_random_style": random_styles[0],
        "gaugan_photo_style": model.synthesize(label_maps, style_image=photos),
    }
    if args.pix2pix:
        colour_maps, _ = facades.load_data("test", args.facades_dir)
        outputs["pix2pix"] = box_resize(keras_condgan.Pix2Pix.from_preset(args.pix2pix).translate(colour_maps), size)
    lpips_model = metrics.LPIPS()
    inception = metrics.fid.load_inception()
    results = facades_evaluation.score_methods(outputs, photos, train_photos, args.seed, lpips_model, inception)
    results["gaugan_random_style"]["diversity_lpips"] = float(
        metrics.lpips.lpips(random_styles[0], random_styles[1], model=lpips_model).mean()
    )

    print(f"{len(photos)} facades test label maps at {size} x {size}; preset {args.preset!r}")
    facades_evaluation.print_table(results, extra_columns=[("diversity_lpips", "diversity (LPIPS)")])
    summary = {"preset": args.preset, "pix2pix": args.pix2pix or None, "image_size": size,
               "test_pairs": len(photos), "results": results}
    facades_evaluation.write_summary(args.out, summary)

    colours = facades.colors_from_labels(label_maps)
    scale = max(1, 128 // size)
    columns = [colours, photos] + ([outputs["pix2pix"]] if args.pix2pix else [])
    columns += [outputs["gaugan_photo_style"], random_styles[0], random_styles[1]]
    save_grid(columns, os.path.join(args.out, "comparison.jpg"), args.rows, scale)
    # Style images from other test pairs: the style travels, the layout stays.
    style_images = np.roll(photos, 1, axis=0)
    styled = model.synthesize(label_maps[: args.rows], style_image=style_images[: args.rows])
    save_grid([colours, style_images, styled] + random_styles, os.path.join(args.out, "styles.jpg"), args.rows, scale)
    print(f"wrote {args.out}/evaluation.json, comparison.jpg and styles.jpg")


if __name__ == "__main__":
    main()
