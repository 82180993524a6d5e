"""Measures Pix2Pix models on the 106 CMP facades test pairs (label map -> photo).

    python tools/evaluate_pix2pix.py --preset pix2pix_facades \
        --l1-baseline runs/pix2pix_facades_l1/preset --out runs/pix2pix_eval

For each method, against the real test photos, at the model's resolution:
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
import os

import facades_evaluation
import numpy as np

import keras_condgan
from keras_condgan import metrics
from keras_condgan.datasets import facades
from keras_condgan.datasets.paired_images import PairedImageDataset
from keras_condgan.utils.images import to_uint8


def resized(conditions, targets, size):
    """uint8 images resized (bicubic) to the model's input size, as in evaluation batches."""
    batch = PairedImageDataset(list(conditions), list(targets), batch_size=len(conditions), image_size=size)[0]
    return to_uint8(batch[0]), to_uint8(batch[1])


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
    size = model.image_shape[0]
    label_maps, photos = resized(*facades.load_data("test", args.facades_dir), size)
    train_maps, train_photos = resized(*facades.load_data("train", args.facades_dir), size)

    outputs = {"preset": model.translate(label_maps)}
    if args.l1_baseline:
        outputs["l1_only"] = keras_condgan.Pix2Pix.from_preset(args.l1_baseline).translate(label_maps)
    lpips_model = metrics.LPIPS()
    inception = metrics.fid.load_inception()
    results = facades_evaluation.score_methods(outputs, photos, train_photos, args.seed, lpips_model, inception)

    print(f"{len(photos)} facades test pairs at {size} x {size}; preset {args.preset!r}")
    facades_evaluation.print_table(results)
    summary = {"preset": args.preset, "image_size": size, "test_pairs": len(photos), "results": results}
    facades_evaluation.write_summary(args.out, summary)
    columns = [label_maps] + [outputs[k] for k in ("l1_only", "preset") if k in outputs] + [photos]
    rows = np.stack([c[: args.rows] for c in columns], axis=1).reshape((-1,) + photos.shape[1:])
    keras_condgan.save_image_grid(rows, os.path.join(args.out, "comparison.jpg"), rows=args.rows, scale=1)
    print(f"wrote {args.out}/evaluation.json and comparison.jpg")


if __name__ == "__main__":
    main()
