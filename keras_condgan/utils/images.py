"""Image conversions and the grid PNG / GIF writers (Pillow)."""

import keras
import numpy as np
from keras import ops
from PIL import Image, ImageDraw


def image_shape_argument(image_shape):
    """A model's `image_shape` argument as a tuple of ints, or a clear error."""
    image_shape = tuple(int(d) for d in image_shape)
    if len(image_shape) != 3 or min(image_shape) < 1:
        raise ValueError(f"`image_shape` must be (height, width, channels); got {image_shape}.")
    return image_shape


def standardize_images(images, image_shape, name="images"):
    """Checks a batch of images against `image_shape` and brings it to the
    models' range: uint8 [0, 255] -> float32 [-1, 1]; float images are taken as
    already in [-1, 1]. Works on NumPy arrays and backend tensors (also while
    tracing, where only the static shape is checked)."""
    image_shape = tuple(image_shape)
    if len(images.shape) != 4 or tuple(images.shape[1:]) != image_shape:
        raise ValueError(
            f"Expected {name} of shape (batch, {', '.join(map(str, image_shape))}); "
            f"got {tuple(images.shape)}."
        )
    dtype = keras.backend.standardize_dtype(images.dtype)
    if dtype == "uint8":
        return ops.cast(images, "float32") / 127.5 - 1.0
    if not dtype.startswith("float"):
        raise TypeError(f"Expected uint8 {name} in [0, 255] or float {name} in [-1, 1]; got dtype {dtype}.")
    return ops.cast(images, "float32")


def check_image_values(images, name="images"):
    """Checks the values of NumPy images (shapes and dtypes: `standardize_images`): float
    images must be finite and in [-1, 1] (a common slip is floats in [0, 255])."""
    images = np.asarray(images)
    if images.dtype != np.uint8 and images.dtype.kind == "f" and images.size:
        if not np.all(np.isfinite(images)):
            raise ValueError(f"The {name} contain NaN or infinite values.")
        if images.min() < -1.001 or images.max() > 1.001:
            raise ValueError(
                f"Float {name} must be in [-1, 1]; got values in [{images.min():.3g}, {images.max():.3g}]. "
                "Pass uint8 images for [0, 255]."
            )
    return images


def to_uint8(images):
    """Maps images in [-1, 1] to uint8 [0, 255] (rounding, clipping)."""
    images = np.asarray(images, dtype="float32")
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype("uint8")


def _to_pil(image, scale):
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    pil = Image.fromarray(image)
    if scale != 1:
        pil = pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST)
    return pil.convert("RGB")


def image_grid(images, rows, row_labels=None, scale=2, padding=2):
    """Lays uint8 images `(N, H, W, C)` out in `rows` rows, left to right.

    `row_labels` (one string per row) are written in a margin on the left.
    Returns a `PIL.Image`.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"image_grid expects uint8 images; got {images.dtype}.")
    count = len(images)
    if count == 0 or count % rows:
        raise ValueError(f"Cannot lay {count} images out in {rows} equal rows.")
    cols = count // rows
    h, w = images.shape[1] * scale, images.shape[2] * scale
    margin = 0 if row_labels is None else 16 + 8 * max(len(str(s)) for s in row_labels)
    grid = Image.new(
        "RGB",
        (margin + cols * (w + padding) + padding, rows * (h + padding) + padding),
        "white",
    )
    draw = ImageDraw.Draw(grid)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        grid.paste(_to_pil(image, scale), (margin + padding + c * (w + padding), padding + r * (h + padding)))
    if row_labels is not None:
        if len(row_labels) != rows:
            raise ValueError(f"Expected {rows} row labels; got {len(row_labels)}.")
        for r, label in enumerate(row_labels):
            draw.text((6, padding + r * (h + padding) + h // 2 - 6), str(label), fill="black")
    return grid


def save_image_grid(images, path, rows, row_labels=None, scale=2):
    """Writes `image_grid(...)` to a PNG file at `path`."""
    image_grid(images, rows, row_labels=row_labels, scale=scale).save(path)
    return path


def save_gif(frames, path, duration_ms=80, scale=4, boomerang=True):
    """Writes uint8 frames `(N, H, W, C)` as a looping GIF.

    With `boomerang`, the frames play forwards then backwards, so the loop
    morphs back and forth instead of jumping.
    """
    frames = [_to_pil(f, scale) for f in np.asarray(frames)]
    if boomerang and len(frames) > 2:
        frames = frames + frames[-2:0:-1]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=duration_ms, loop=0)
    return path
