"""`keras-condgan generate`: a labelled grid of generated images, or a class morph as a GIF."""

import os

import numpy as np

from keras_condgan.cli.errors import UserError
from keras_condgan.cli.models import load_model


def check_labels(labels, num_classes, preset):
    wrong = [label for label in labels if not 0 <= label < num_classes]
    if wrong:
        raise UserError(
            f"label {wrong[0]} is out of range: {preset} draws classes 0 to {num_classes - 1}"
        )


def prepare_output(path):
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        os.makedirs(folder)
    return path


def run(args):
    import keras_condgan

    model = load_model(args.preset, "generate")
    if args.gif is not None:
        if not model.conditional:
            raise UserError(f"--gif morphs between classes; {args.preset} is an unconditional GAN")
        check_labels(args.gif, model.num_classes, args.preset)
        if args.steps < 2:
            raise UserError("--steps must be at least 2 for a morph")
        out = prepare_output(args.out or "morph.gif")
        frames = model.interpolate(args.gif[0], args.gif[1], steps=args.steps, seed=args.seed)
        keras_condgan.save_gif(frames, out, scale=max(1, args.scale))
        print(f"wrote {out}: {len(frames)} frames from class {args.gif[0]} to {args.gif[1]}")
        return 0
    out = prepare_output(args.out or "generated.png")
    if model.conditional:
        if args.count is not None:
            raise UserError(f"{args.preset} is class-conditional: give --labels (and --per-label), not --count")
        labels = list(range(model.num_classes)) if args.labels is None else args.labels
        check_labels(labels, model.num_classes, args.preset)
        images = model.generate(np.repeat(np.asarray(labels, dtype="int32"), args.per_label), seed=args.seed)
        keras_condgan.save_image_grid(images, out, rows=len(labels), row_labels=labels, scale=args.scale)
        print(f"wrote {out}: {len(labels)} rows of {args.per_label} ({images.shape[1]} x {images.shape[2]} each)")
    else:
        if args.labels is not None:
            raise UserError(f"{args.preset} is an unconditional GAN: give --count, not --labels")
        count = args.count or 16
        images = model.generate(count, seed=args.seed)
        rows = next(r for r in range(int(np.sqrt(count)), 0, -1) if count % r == 0)
        keras_condgan.save_image_grid(images, out, rows=rows, scale=args.scale)
        print(f"wrote {out}: {count} images")
    return 0
