"""`keras-condgan synthesize`: a photo from a label map with a GauGAN model."""

import os

import numpy as np

from keras_condgan.cli import images
from keras_condgan.cli.errors import UserError
from keras_condgan.cli.models import load_model
from keras_condgan.utils.inputs import CLASS_ID_MODES


def read_label_map(path, num_classes):
    """Class ids `(H, W)` of a label map file: a single-channel image (grayscale, or the
    indices of a palette image) holds class ids; an RGB(A) one is a colour map in the facades
    palette, converted with `facades.labels_from_colors`."""
    from keras_condgan.datasets import facades

    image = images.open_image(path)
    if image.mode in CLASS_ID_MODES:
        labels = np.asarray(image).astype("int64")
        if labels.max() >= num_classes or labels.min() < 0:
            raise UserError(
                f"{path} holds class ids up to {labels.max()}, but the model has {num_classes} classes "
                f"(0 to {num_classes - 1}); a label map is a PNG of class ids or a colour map in the facades palette"
            )
        return labels.astype("int32")
    if num_classes != facades.NUM_CLASSES:
        raise UserError(
            f"{path} is a colour image; colour label maps use the facades palette of {facades.NUM_CLASSES} classes "
            f"but the model has {num_classes}: give a single-channel PNG of class ids"
        )
    if image.mode != "RGB":
        images.note(f"{path} is {image.mode}, read as RGB (colour label map)")
    images.note(f"{path} read as a colour label map (facades palette)")
    return facades.labels_from_colors(np.asarray(image.convert("RGB")))


def run(args):
    for path in [args.labels] + ([args.style] if args.style else []):
        if not os.path.isfile(path):
            raise UserError(f"{path}: no such file")
    images.check_readable([args.labels] + ([args.style] if args.style else []))
    model = load_model(args.preset, "synthesize")
    labels = read_label_map(args.labels, model.num_classes)
    style = images.read_rgb(args.style) if args.style else None
    # `synthesize` resizes the label map (nearest neighbour) and the style photo to the
    # model's size, and the result back to the label map's unless `--size model`.
    image = model.synthesize(labels, style_image=style, seed=args.seed, output_size=args.size)
    folder = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    images.save_png(image, args.out)
    print(f"wrote {args.out} ({image.shape[1]} x {image.shape[0]})")
    return 0
