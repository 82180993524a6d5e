"""`keras-condgan translate`: image files through a Pix2Pix model, written as PNGs."""

import os

import numpy as np

from keras_condgan.cli import images
from keras_condgan.cli.models import load_model


def run(args):
    import keras

    files = images.image_files(args.inputs)
    images.check_readable(files)
    names = images.output_names(files)
    model = load_model(args.preset, "translate")
    height, width, channels = model.image_shape
    os.makedirs(args.out, exist_ok=True)
    progress = keras.utils.Progbar(len(files), unit_name="image")
    for start in range(0, len(files), args.batch_size):
        chunk = files[start : start + args.batch_size]
        originals = [images.read_rgb(path) for path in chunk]
        batch = np.stack([images.resize(image, (height, width)) for image in originals])
        if channels == 1:
            batch = np.round(batch.astype("float32") @ np.array([0.299, 0.587, 0.114], "float32"))
            batch = batch.astype("uint8")[..., None]
        outputs = model.translate(batch)
        for original, output, name in zip(originals, outputs, names[start : start + args.batch_size]):
            if args.size == "input":
                output = images.resize(output, original.shape[:2])
            images.save_png(output, os.path.join(args.out, name))
        progress.add(len(chunk))
    print(f"wrote {len(files)} image{'s' if len(files) > 1 else ''} to {args.out}")
    return 0
