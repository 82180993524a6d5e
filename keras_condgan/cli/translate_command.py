"""`keras-condgan translate`: image files through a Pix2Pix model, written as PNGs."""

import os

from keras_condgan.cli import images
from keras_condgan.cli.models import load_model


def run(args):
    import keras

    files = images.image_files(args.inputs)
    images.check_readable(files)
    names = images.output_names(files)
    model = load_model(args.preset, "translate")
    os.makedirs(args.out, exist_ok=True)
    progress = keras.utils.Progbar(len(files), unit_name="image")
    for start in range(0, len(files), args.batch_size):
        chunk = files[start : start + args.batch_size]
        # `translate` converts the channels to the model's and resizes to its size and back.
        originals = [images.read_rgb(path) for path in chunk]
        outputs = model.translate(originals, batch_size=len(chunk), output_size=args.size)
        for output, name in zip(outputs, names[start : start + args.batch_size]):
            images.save_png(output, os.path.join(args.out, name))
        progress.add(len(chunk))
    print(f"wrote {len(files)} image{'s' if len(files) > 1 else ''} to {args.out}")
    return 0
