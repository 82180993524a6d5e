"""What tools/evaluate_pix2pix.py and tools/evaluate_gaugan.py share: scoring methods on the
facades test photos with the same baselines, printing the table, writing evaluation.json."""

import json
import os

import numpy as np

from keras_condgan import metrics

IMAGE_COLUMNS = (("l1", "L1"), ("psnr", "PSNR (dB)"), ("ssim", "SSIM"), ("lpips", "LPIPS"))


def score_methods(outputs, photos, train_photos, seed, lpips_model, inception):
    """`metrics.paired_scores` of each method's outputs against the test photos, plus two
    references: the mean training photo as a constant guess, and the FID of as many real
    training photos (the floor of FID with this many images)."""
    mean_photo = np.round(train_photos.astype("float64").mean(0)).astype("uint8")
    outputs = {**outputs, "mean_training_photo": np.repeat(mean_photo[None], len(photos), axis=0)}
    results = {name: metrics.paired_scores(images, photos, lpips_model, inception) for name, images in outputs.items()}
    floor = np.random.default_rng(seed).choice(len(train_photos), len(photos), replace=False)
    results["real_training_photos"] = {"fid": float(metrics.fid.fid(photos, train_photos[floor], network=inception))}
    return results


def print_table(results, extra_columns=()):
    """A Markdown table of the results; `extra_columns` are `(key, title)` pairs after FID."""
    titles = [title for _, title in IMAGE_COLUMNS] + ["FID"] + [title for _, title in extra_columns]
    print(f"| method | {' | '.join(titles)} |")
    print("|" + "---|" * (len(titles) + 1))
    for name, row in results.items():
        cells = [f"{row[k]:.3f}" if k in row else "" for k, _ in IMAGE_COLUMNS] + [f"{row['fid']:.1f}"]
        cells += [f"{row[k]:.3f}" if k in row else "" for k, _ in extra_columns]
        print(f"| {name} | {' | '.join(cells)} |")


def write_summary(out, summary):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "evaluation.json"), "w") as f:
        json.dump(summary, f, indent=2)
