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


# The range models compute in, and the range of float images unless a model or a call says
# otherwise (`image_range`). uint8 images are always taken as [0, 255].
DEFAULT_IMAGE_RANGE = (-1.0, 1.0)


def image_range_argument(image_range):
    """An `image_range` argument as `(low, high)` floats, or None (not given); a clear error
    for anything else."""
    if image_range is None:
        return None
    try:
        low, high = (float(v) for v in image_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"`image_range` must be (low, high), e.g. (0, 1), (0, 255) or (-1, 1); got {image_range!r}."
        ) from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"`image_range` must be finite with low < high; got {image_range!r}.")
    return (low, high)


def _range_text(image_range):
    return "[{:g}, {:g}]".format(*image_range)


def standardize_images(images, image_shape, name="images", image_range=None):
    """Checks a batch of images against `image_shape` and brings it to the
    models' range: uint8 [0, 255] -> float32 [-1, 1]; float images are taken as
    in `image_range` (default [-1, 1]) and mapped linearly to [-1, 1]. Works on
    NumPy arrays and backend tensors (also while tracing, where only the static
    shape is checked)."""
    image_shape = tuple(image_shape)
    if len(images.shape) != 4 or tuple(images.shape[1:]) != image_shape:
        raise ValueError(
            f"Expected {name} of shape (batch, {', '.join(map(str, image_shape))}); "
            f"got {tuple(images.shape)}."
        )
    dtype = keras.backend.standardize_dtype(images.dtype)
    if dtype == "uint8":
        return ops.cast(images, "float32") / 127.5 - 1.0
    image_range = image_range or DEFAULT_IMAGE_RANGE
    if not dtype.startswith("float"):
        raise TypeError(
            f"Expected uint8 {name} in [0, 255] or float {name} in {_range_text(image_range)}; got dtype {dtype}."
        )
    images = ops.cast(images, "float32")
    if tuple(image_range) == DEFAULT_IMAGE_RANGE:
        return images  # untouched, bit for bit
    low, high = image_range
    return (images - low) * (2.0 / (high - low)) - 1.0


def to_model_range(images, image_range=None):
    """NumPy images to float32 in [-1, 1] on the host: uint8 as [0, 255], floats as in
    `image_range` (default [-1, 1]); the same arithmetic as `standardize_images`."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype("float32") / np.float32(127.5) - np.float32(1.0)
    images = images.astype("float32")
    image_range = image_range or DEFAULT_IMAGE_RANGE
    if tuple(image_range) == DEFAULT_IMAGE_RANGE:
        return images
    low, high = image_range
    return (images - np.float32(low)) * np.float32(2.0 / (high - low)) - np.float32(1.0)


def check_image_values(images, name="images", image_range=None):
    """Checks the values of NumPy images (shapes and dtypes: `standardize_images`): float
    images must be finite and in `image_range` (default [-1, 1]). Floats in [0, 255] where
    the range is narrower (as `keras.utils.img_to_array` gives them) are named as such,
    with the fix."""
    images = np.asarray(images)
    if images.dtype != np.uint8 and images.dtype.kind == "f" and images.size:
        if not np.all(np.isfinite(images)):
            raise ValueError(f"The {name} contain NaN or infinite values.")
        image_range = image_range or DEFAULT_IMAGE_RANGE
        low, high = float(images.min()), float(images.max())
        tolerance = 1e-3 * (image_range[1] - image_range[0])
        if low < image_range[0] - tolerance or high > image_range[1] + tolerance:
            if low >= 0 and high <= 255 and image_range[1] < 255:
                hint = (
                    " They look like [0, 255] images (as `keras.utils.img_to_array` gives them): pass "
                    "image_range=(0, 255), or convert them with `x.astype(\"uint8\")` (uint8 images are "
                    "always read as [0, 255])."
                )
            else:
                hint = " Pass uint8 images for [0, 255], or say the range of your floats with image_range=(low, high)."
            raise ValueError(
                f"Float {name} must be in {_range_text(image_range)}; got values in [{low:.3g}, {high:.3g}].{hint}"
            )
    return images


def unit_range_warning(images, name="images"):
    """The warning for float images given for the default [-1, 1] that never go below 0
    (the commonest silent slip: `x / 255.0`), or None when they do not look so."""
    images = np.asarray(images)
    if images.dtype.kind != "f" or not images.size:
        return None
    low, high = float(images.min()), float(images.max())
    if low < 0 or high <= 0 or high > 1.001:
        return None
    return (
        f"The float {name} lie in [{low:.3g}, {high:.3g}], never below 0, but the model reads floats as "
        "[-1, 1]: they look like [0, 1] images and would give washed-out results. Pass image_range=(0, 1) "
        "(to the model, e.g. `model.image_range = (0, 1)`, or to translate/synthesize), or scale them with "
        "`x * 2 - 1`. (Pass image_range=(-1, 1) if they really are [-1, 1] images; this warning is given once.)"
    )


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
