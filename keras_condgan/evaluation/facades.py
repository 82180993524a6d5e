"""Measures of image-to-image models on paired test images, as the facades presets were
measured: L1 (images in [-1, 1]), PSNR, SSIM, LPIPS, FID and KID (with its standard error) of each
method's outputs against the real photos (`metrics.paired_scores`), beside two references: the mean
training photo as a constant guess, and the FID and KID of as many real training photos (the floor
of FID at that count).

- `evaluate_pix2pix`: a Pix2Pix model on the facades test pairs (label map -> photo), or on
  pairs of your own; optionally beside an L1-only baseline.
- `evaluate_gaugan`: a GauGAN on the facades test class maps, with random styles and in the
  style of the test photo itself, beside a Pix2Pix model given the same maps.
"""

import json
import os

import numpy as np
from PIL import Image

from keras_condgan import metrics
from keras_condgan.callbacks import label_map_colors
from keras_condgan.datasets import facades
from keras_condgan.datasets.paired_images import PairedImageDataset
from keras_condgan.utils.images import save_image_grid, to_uint8

IMAGE_COLUMNS = (("l1", "L1"), ("psnr", "PSNR (dB)"), ("ssim", "SSIM"), ("lpips", "LPIPS"))


def resized(conditions, targets, size):
    """uint8 images resized (bicubic) to the model's input size, as in evaluation batches."""
    batch = PairedImageDataset(list(conditions), list(targets), batch_size=len(conditions), image_size=size)[0]
    return to_uint8(batch[0]), to_uint8(batch[1])


def box_resize(images, size):
    return np.stack([np.asarray(Image.fromarray(i).resize((size, size), Image.BOX)) for i in images])


def score_methods(outputs, photos, train_photos=None, seed=0, lpips_model=None, inception=None):
    """`metrics.paired_scores` of each method's outputs (`{name: uint8 images}`) against the
    photos, plus, when `train_photos` are given, the mean training photo as a constant guess
    and the FID and KID of as many real training photos (the floor of FID with this many
    images; KID's expected floor is 0 at any count)."""
    lpips_model = lpips_model or metrics.LPIPS()
    inception = inception or metrics.fid.load_inception()
    if train_photos is not None:
        mean_photo = np.round(train_photos.astype("float64").mean(0)).astype("uint8")
        outputs = {**outputs, "mean_training_photo": np.repeat(mean_photo[None], len(photos), axis=0)}
    real = metrics.fid.inception_features(photos, network=inception)  # once, for every row
    results = {
        name: metrics.paired_scores(images, photos, lpips_model, inception, photo_features=real)
        for name, images in outputs.items()
    }
    if train_photos is not None and len(train_photos) >= len(photos):
        floor = np.random.default_rng(seed).choice(len(train_photos), len(photos), replace=False)
        training = metrics.fid.inception_features(train_photos[floor], network=inception)
        floor_kid = metrics.kid.features_kid(real, training)
        results["real_training_photos"] = {
            "fid": metrics.fid.features_distance(real, training),
            "kid": floor_kid.value,
            "kid_standard_error": floor_kid.standard_error,
        }
    return results


def format_table(results, extra_columns=()):
    """A Markdown table of the results; `extra_columns` are `(key, title)` pairs after KID."""
    titles = [title for _, title in IMAGE_COLUMNS] + ["FID", "KID x 1000"] + [title for _, title in extra_columns]
    lines = [f"| method | {' | '.join(titles)} |", "|" + "---|" * (len(titles) + 1)]
    for name, row in results.items():
        kid = f"{1000 * row['kid']:.1f} ± {1000 * row['kid_standard_error']:.1f}" if "kid" in row else ""
        cells = [f"{row[k]:.3f}" if k in row else "" for k, _ in IMAGE_COLUMNS] + [f"{row['fid']:.1f}", kid]
        cells += [f"{row[k]:.3f}" if k in row else "" for k, _ in extra_columns]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return "\n".join(lines)


def write_summary(out, summary):
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "evaluation.json")
    with open(path, "w") as f:
        json.dump(summary, f, indent=2)
    return path


def save_columns(columns, path, rows, scale=1):
    """A grid of `rows` rows, one column per image list (uint8, same shapes)."""
    rows = min(rows, len(columns[0]))
    grid = np.stack([c[:rows] for c in columns], axis=1).reshape((-1,) + columns[0].shape[1:])
    save_image_grid(grid, path, rows=rows, scale=scale)
    return path


def evaluate_pix2pix(model, out, pairs=None, train_photos=None, l1_baseline=None, facades_dir=None, limit=None,
                     rows=6, seed=0, name="model"):
    """Scores a Pix2Pix model and writes `<out>/evaluation.json` and `<out>/comparison.jpg`
    (condition | L1-only baseline | model | real photo).

    Args:
        model: the Pix2Pix model.
        out: folder for the results.
        pairs: `(conditions, targets)` uint8 images of any size to score on; None for the 106
            facades test pairs (label map -> photo; from `facades_dir`).
        train_photos: real training photos for the reference rows (None with `pairs`: no
            reference rows; with the facades: their training photos).
        l1_baseline: another Pix2Pix model (the same generator trained on L1 alone).
        limit: score the first N pairs only (quick runs).
        rows: pairs shown in comparison.jpg.
        name: the model's row in the results.

    Returns:
        The summary dict written to evaluation.json.
    """
    os.makedirs(out, exist_ok=True)
    size = model.image_shape[0]
    if pairs is None:
        pairs = facades.load_data("test", facades_dir)
        if train_photos is None:
            train_maps, train_photos = facades.load_data("train", facades_dir)
            if limit:
                train_maps, train_photos = train_maps[:limit], train_photos[:limit]
            _, train_photos = resized(train_maps, train_photos, size)
    conditions, photos = pairs
    if limit:
        conditions, photos = conditions[:limit], photos[:limit]
    conditions, photos = resized(conditions, photos, size)
    outputs = {name: model.translate(conditions)}
    if l1_baseline is not None:
        outputs["l1_only"] = l1_baseline.translate(conditions)
    results = score_methods(outputs, photos, train_photos, seed)
    columns = [conditions] + [outputs[k] for k in ("l1_only", name) if k in outputs] + [photos]
    save_columns(columns, os.path.join(out, "comparison.jpg"), rows, scale=max(1, 128 // size))
    summary = {"image_size": size, "test_pairs": len(photos), "results": results}
    write_summary(out, summary)
    return summary


def evaluate_gaugan(model, out, pix2pix=None, facades_dir=None, limit=None, rows=6, seed=0):
    """Scores a GauGAN on the facades test class maps at its resolution, and writes
    `<out>/evaluation.json`, `comparison.jpg` (label map | photo | Pix2Pix | GauGAN in the
    photo's style | two random styles) and `styles.jpg` (label map | style image, the photo of
    another test pair | generated in that style | three random styles).

    Methods: `gaugan_random_style` (latents from N(0, I)); `gaugan_photo_style` (the latent
    encodes the test photo itself, so it sees the target: a measure of the encoder, not
    comparable with the others); `pix2pix` (the `pix2pix` model given the colour-coded maps
    at its own size, box-filtered down); `mean_training_photo`; `real_training_photos` (FID
    floor). `diversity_lpips`: mean LPIPS between two random styles of the same map.

    Returns:
        The summary dict written to evaluation.json.
    """
    os.makedirs(out, exist_ok=True)
    size = model.image_shape[0]
    label_maps, photos = facades.load_class_maps("test", size, facades_dir)
    _, train_photos = facades.load_class_maps("train", size, facades_dir)
    if limit:
        label_maps, photos, train_photos = label_maps[:limit], photos[:limit], train_photos[:limit]
    random_styles = [model.synthesize(label_maps, seed=seed + i) for i in range(3)]
    outputs = {
        "gaugan_random_style": random_styles[0],
        "gaugan_photo_style": model.synthesize(label_maps, style_image=photos),
    }
    if pix2pix is not None:
        colour_maps, _ = facades.load_data("test", facades_dir)
        if limit:
            colour_maps = colour_maps[:limit]
        colour_maps, _ = resized(colour_maps, colour_maps, pix2pix.image_shape[0])
        outputs["pix2pix"] = box_resize(pix2pix.translate(colour_maps), size)
    lpips_model = metrics.LPIPS()
    results = score_methods(outputs, photos, train_photos, seed, lpips_model)
    results["gaugan_random_style"]["diversity_lpips"] = float(
        metrics.lpips.lpips(random_styles[0], random_styles[1], model=lpips_model).mean()
    )
    summary = {"image_size": size, "test_pairs": len(photos), "results": results}
    write_summary(out, summary)

    colours = label_map_colors(label_maps, model.num_classes)
    scale = max(1, 128 // size)
    columns = [colours, photos] + ([outputs["pix2pix"]] if pix2pix is not None else [])
    columns += [outputs["gaugan_photo_style"], random_styles[0], random_styles[1]]
    save_columns(columns, os.path.join(out, "comparison.jpg"), rows, scale)
    # Style images from other test pairs: the style travels, the layout stays.
    style_images = np.roll(photos, 1, axis=0)
    styled = model.synthesize(label_maps[:rows], style_image=style_images[:rows])
    save_columns([colours, style_images, styled] + random_styles, os.path.join(out, "styles.jpg"), rows, scale)
    return summary
