"""What the web app's tabs compute, as plain functions of the models and NumPy/PIL inputs
(no Gradio here): the page calls them, and tests call them directly.

Each raises `ValueError` with a message meant for the page's user when the input cannot be
used (no label map, a class out of range, too many digits, ...).
"""

import numpy as np
from PIL import Image

from keras_condgan.datasets import facades
from keras_condgan.utils.images import image_grid

MAX_DIGITS = 100
# Pixels per image pixel of the 28 x 28 digits on the page.
DIGIT_SCALE = 4
# The side of the painting canvas and of the starting label map.
CANVAS_SIZE = 256
# The class a painting starts from, and that transparent pixels are taken to be.
BASE_CLASS = facades.CLASS_NAMES.index("background")


def hex_colour(rgb):
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgb))


def palette_hex():
    """The 12 facades class colours as `#rrggbb`, in class order."""
    return [hex_colour(rgb) for rgb in facades.PALETTE]


def legend_html():
    """The facades classes as colour swatches with their names (for the painting tabs)."""
    items = "".join(
        f'<span style="display:inline-flex;align-items:center;margin:2px 10px 2px 0">'
        f'<span style="display:inline-block;width:18px;height:18px;margin-right:5px;border:1px solid #888;'
        f'background:{colour}"></span>{index}&nbsp;{name}</span>'
        for index, (colour, name) in enumerate(zip(palette_hex(), facades.CLASS_NAMES))
    )
    return f'<div class="kcg-legend" style="display:flex;flex-wrap:wrap">{items}</div>'


# --- digits ------------------------------------------------------------------------------


def check_class(model, value, what="class"):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"The {what} must be a whole number from 0 to {model.num_classes - 1}; got {value!r}.") from None
    if not number.is_integer() or not 0 <= number < model.num_classes:
        raise ValueError(f"The {what} must be a whole number from 0 to {model.num_classes - 1}; got {value!r}.")
    return int(number)


def check_seed(seed):
    """A seed from the page: a whole number, or None (fresh randomness) when left empty."""
    if seed is None or seed == "":
        return None
    number = float(seed)
    if not number.is_integer() or number < 0:
        raise ValueError(f"The seed must be a whole number, 0 or more; got {seed!r}.")
    return int(number)


def generate_digits(model, digit, count, seed=None):
    """`count` images of class `digit` from a conditional GAN: uint8 `(count, H, W, C)`."""
    if not getattr(model, "conditional", False):
        raise ValueError("The digits tab needs a class-conditional GAN.")
    digit = check_class(model, digit, "digit")
    try:
        count_value = float(count)
    except (TypeError, ValueError):
        count_value = float("nan")
    if not count_value.is_integer() or not 1 <= count_value <= MAX_DIGITS:
        raise ValueError(f"The number of images must be a whole number from 1 to {MAX_DIGITS}; got {count!r}.")
    return model.generate(np.full(int(count_value), digit, dtype="int32"), seed=check_seed(seed))


def digits_grid(images, columns=10, scale=DIGIT_SCALE):
    """Lays images `(N, H, W, C)` out in rows of `columns` (the last row filled with white),
    each pixel `scale` pixels wide: uint8 RGB `(height, width, 3)`."""
    images = np.asarray(images)
    columns = max(1, min(columns, len(images)))
    missing = -len(images) % columns
    if missing:
        blank = np.full((missing,) + images.shape[1:], 255, dtype=images.dtype)
        images = np.concatenate([images, blank])
    return np.asarray(image_grid(images, rows=len(images) // columns, scale=scale))


def morph_digit(model, start_class, end_class, fraction, seed=None):
    """The image of a conditional GAN's class morph at `fraction` (0: `start_class`, 1:
    `end_class`): the noise of `seed` with the label vector `(1 - f) start + f end`, as
    `model.interpolate` draws its frames. uint8 `(H, W, C)`."""
    if not getattr(model, "conditional", False):
        raise ValueError("The class morph needs a class-conditional GAN.")
    start = check_class(model, start_class, "start class")
    end = check_class(model, end_class, "end class")
    fraction = float(fraction)
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"The morph fraction must be between 0 and 1; got {fraction}.")
    eye = np.eye(model.num_classes, dtype="float32")
    vector = (1.0 - fraction) * eye[start] + fraction * eye[end]
    return model.generate_from(model.latents(1, check_seed(seed)), vector[None])[0]


def enlarge(image, scale=DIGIT_SCALE):
    """uint8 `(H, W, C)` enlarged `scale` times (nearest neighbour), as RGB."""
    image = np.asarray(image)
    pil = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
    return np.asarray(pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST).convert("RGB"))


# --- label maps ----------------------------------------------------------------------------


def starter_label_map(size=CANVAS_SIZE):
    """A simple facade in the facades palette to paint over: uint8 RGB `(size, size, 3)`:
    background around a facade with a cornice, rows of windows with sills, a shop front and
    a door."""
    names = {name: index for index, name in enumerate(facades.CLASS_NAMES)}
    labels = np.full((64, 64), names["background"], dtype="int32")
    labels[6:64, 4:60] = names["facade"]
    labels[6:10, 4:60] = names["cornice"]
    for top in (14, 27):
        for left in (9, 22, 35, 48):
            labels[top : top + 8, left : left + 7] = names["window"]
            labels[top + 8 : top + 10, left - 1 : left + 8] = names["sill"]
    labels[40:42, 4:60] = names["molding"]
    labels[44:64, 6:58] = names["shop"]
    labels[48:64, 27:37] = names["door"]
    image = Image.fromarray(facades.colors_from_labels(labels)).resize((size, size), Image.NEAREST)
    return np.asarray(image)


def flatten(image, background=None):
    """An image from the page as uint8 RGB `(H, W, 3)`: an image editor's value (a dict with
    `composite`, `background` and `layers`), or an array or PIL image. Transparent pixels
    take the colour `background` (default: the facades background class's), so a partly
    erased painting is still a label map."""
    if isinstance(image, dict):
        image = image.get("composite") if image.get("composite") is not None else image.get("background")
    if image is None:
        raise ValueError("No label map: paint one or upload one first.")
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGBA") if "A" in image.mode else image.convert("RGB"))
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=-1)
    if array.ndim != 3 or array.shape[-1] not in (1, 3, 4) or 0 in array.shape:
        raise ValueError(f"Expected an image (height, width, channels); got an array of shape {array.shape}.")
    if array.dtype != np.uint8:
        raise ValueError(f"Expected an 8-bit image; got {array.dtype} pixels.")
    if array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    if array.shape[-1] == 4:
        colour = facades.PALETTE[BASE_CLASS] if background is None else np.asarray(background, "float32")
        alpha = array[..., 3:].astype("float32") / 255.0
        array = np.round(array[..., :3] * alpha + colour * (1.0 - alpha)).astype("uint8")
    return array


def translate_label_map(model, label_map):
    """The Pix2Pix tab: the photo of a colour label map (painted or uploaded), at its size."""
    return model.translate(flatten(label_map), output_size="input")


def synthesize_painting(model, painting, style_image=None, seed=None):
    """The GauGAN tab: the photo of a painted colour label map (facades palette, decoded by
    nearest colour), at its size, in the style of `style_image` when given, else a random
    style drawn with `seed`."""
    label_map = flatten(painting)
    style = None if style_image is None else flatten(style_image, background=(255, 255, 255))
    seed = check_seed(seed)
    return model.synthesize(label_map, style_image=style, seed=None if style is not None else seed)
