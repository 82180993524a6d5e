"""What the models accept, brought to what the networks take (on the host, NumPy and Pillow).

Inference (`Pix2Pix.translate`, `GauGAN.synthesize`, `GauGAN.encode`) takes images as people
have them, as KerasHub's image converters do: one image or a batch, NumPy arrays or backend
tensors, file paths (`str`, `pathlib.Path`), PIL images, or a list of any of these; RGB,
RGBA (alpha dropped) or grayscale, converted to the model's channels; any height and width,
resized to the model's; uint8 in [0, 255] or floats in an `image_range`. `images_to_batch`
and `label_maps_to_batch` return the model-sized batch with what is needed to give the
results back in the input's layout and size (`restore_layout`).

Training data is checked before `fit` starts, on the host: `fit_data_on_host` gives what of
it can be read without disturbing it.
"""

import os
import sys
import warnings
from typing import NamedTuple

import keras
import numpy as np
from PIL import Image, UnidentifiedImageError

from keras_condgan.utils.images import DEFAULT_IMAGE_RANGE, check_image_values, to_model_range, unit_range_warning

# Channel counts an image array may have: grayscale, RGB, RGBA.
IMAGE_CHANNELS = (1, 3, 4)
PIL_MODES = {1: "L", 3: "RGB", 4: "RGBA"}
OUTPUT_SIZES = ("input", "model")
# PIL modes of single-channel images read as class ids (a palette PNG's indices are its ids,
# as in Pascal VOC's label maps); other modes are colour label maps.
CLASS_ID_MODES = ("P", "L", "1", "I", "I;16", "I;16B", "I;16L", "F")


class Batch(NamedTuple):
    """A model-sized batch made from the inputs, and how to give results back.

    `values`: the batch; `layout`: `"single"` (one image given), `"batch"` (an array of
    several) or `"list"`; `sizes`: the `(height, width)` of each input; `input_size`: the
    `(height, width)` of a batch array's images (for an empty batch)."""

    values: np.ndarray
    layout: str
    sizes: list
    input_size: tuple = None


# --- reading ---------------------------------------------------------------------------------


def read_image(path):
    """Opens an image file with Pillow (fully read, file closed); clear errors for a missing
    or unreadable file."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No image file at {path!r}.")
    try:
        with Image.open(path) as image:
            image.load()
            return image
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(f"Cannot read {path!r} as an image ({error}).") from error


def _is_path(item):
    return isinstance(item, (str, os.PathLike))


def _is_single_item(item):
    """Whether a list element is one image (and so the list a list of images)."""
    return _is_path(item) or isinstance(item, Image.Image) or hasattr(item, "shape")


def to_numpy(array):
    """A NumPy view of an array-like or a tensor of the current backend (also on a GPU)."""
    if isinstance(array, np.ndarray):
        return array
    if keras.ops.is_tensor(array):
        return keras.ops.convert_to_numpy(array)
    return np.asarray(array)


def _items(inputs, name):
    """`(items, layout)`: the inputs as a list of single items, or `(array, "batch")`."""
    if _is_path(inputs) or isinstance(inputs, Image.Image):
        return [inputs], "single"
    if isinstance(inputs, (list, tuple)) and (not inputs or _is_single_item(inputs[0])):
        return list(inputs), "list"
    return to_numpy(inputs), "array"


def pil_to_array(image, channels, name="images"):
    """A PIL image as uint8 `(H, W, channels)`: Pillow converts the mode (RGBA drops its alpha,
    grayscale is repeated over RGB, RGB becomes luminance)."""
    if channels not in PIL_MODES:
        raise ValueError(f"Cannot read {name} from image files for a model of {channels} channels; pass arrays.")
    if image.mode.startswith("I;16"):  # 16-bit grayscale: to 8 bits, not clipped
        image = Image.fromarray((np.asarray(image, dtype="float32") / 257.0).round().astype("uint8"))
    array = np.asarray(image.convert(PIL_MODES[channels]))
    return array[..., None] if array.ndim == 2 else array


# --- images ----------------------------------------------------------------------------------


def _check_image_dtype(array, name, image_range):
    if array.dtype != np.uint8 and array.dtype.kind != "f":
        raise TypeError(
            f"Expected uint8 {name} in [0, 255] or float {name} in "
            "[{:g}, {:g}]; got dtype {}.".format(*(image_range or DEFAULT_IMAGE_RANGE), array.dtype)
        )


def convert_channels(images, channels, name="images"):
    """Images `(..., H, W, C)` to `channels` channels: grayscale repeated over RGB, RGBA's alpha
    dropped, RGB(A) to luminance (ITU-R 601 weights, as Pillow's "L")."""
    have = images.shape[-1]
    if have == channels:
        return images
    if channels == 3 and have == 1:
        return np.repeat(images, 3, axis=-1)
    if channels == 3 and have == 4:
        return images[..., :3]
    if channels == 1 and have in (3, 4):
        luminance = images[..., :3].astype("float32") @ np.array([0.299, 0.587, 0.114], "float32")
        if images.dtype == np.uint8:
            luminance = np.clip(np.round(luminance), 0, 255).astype("uint8")
        return luminance[..., None].astype(images.dtype)
    raise ValueError(
        f"Cannot convert {have}-channel {name} to the model's {channels} channels "
        "(grayscale, RGB and RGBA are converted)."
    )


def resize(image, size, resample=Image.BICUBIC):
    """One image `(H, W)` or `(H, W, C)` to `size = (height, width)` with Pillow (antialiased
    when shrinking): uint8 images as such, float and integer images channel by channel."""
    if tuple(image.shape[:2]) == tuple(size):
        return image
    target = (int(size[1]), int(size[0]))
    if image.dtype == np.uint8 and (image.ndim == 2 or image.shape[-1] in PIL_MODES):
        planes = image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image
        resized = np.asarray(Image.fromarray(planes).resize(target, resample))
        return resized.reshape(tuple(size) + image.shape[2:])
    if image.ndim == 2:
        return resize(image[..., None], size, resample)[..., 0]
    mode, dtype = ("I", "int32") if image.dtype.kind in "iu" else ("F", "float32")
    planes = [
        np.asarray(Image.fromarray(np.ascontiguousarray(image[..., c]).astype(dtype), mode).resize(target, resample))
        for c in range(image.shape[-1])
    ]
    return np.stack(planes, axis=-1).astype(image.dtype)


def images_to_batch(images, image_shape, image_range=None, name="images", on_unit_range=None):
    """Images as people have them -> a `Batch` of float32 images in [-1, 1] at `image_shape`.

    Args:
        images: one image (`(H, W)`, `(H, W, C)`, a file path or a PIL image), a batch
            `(N, H, W, C)`, or a list of single images. Channels 1, 3 or 4.
        image_shape: the model's `(height, width, channels)`.
        image_range: the range of float inputs (default [-1, 1]); uint8 is [0, 255].
        on_unit_range: called with a warning when float inputs never go below 0 (see
            `unit_range_warning`); None to stay silent.
    """
    height, width, channels = image_shape
    items, layout = _items(images, name)
    if layout == "array":
        _check_image_dtype(items, name, image_range)
        if items.ndim == 4 and items.shape[-1] in IMAGE_CHANNELS:
            layout = "batch"
        elif items.ndim == 3 and items.shape[-1] in IMAGE_CHANNELS or items.ndim == 2:
            layout, items = "single", [items]
        else:
            raise ValueError(
                f"Expected {name} as a batch (batch, height, width, channels), one image (height, width, "
                f"channels) or (height, width), with 1, 3 or 4 channels (the model takes "
                f"({height}, {width}, {channels}); other sizes are resized); got shape {items.shape}."
                + (" A batch of grayscale images needs its channel axis: `images[..., None]`." if items.ndim == 3 else "")
            )
    if layout == "batch":
        arrays = [items]
        sizes = [tuple(items.shape[1:3])] * len(items)
    else:
        arrays = []
        for item in items:
            if _is_path(item):
                item = read_image(item)
            if isinstance(item, Image.Image):
                item = pil_to_array(item, channels, name)
            item = to_numpy(item)
            _check_image_dtype(item, name, image_range)
            if item.ndim == 2:
                item = item[..., None]
            if item.ndim != 3 or item.shape[-1] not in IMAGE_CHANNELS:
                raise ValueError(
                    f"Expected each of the {name} as (height, width) or (height, width, channels) with 1, 3 "
                    f"or 4 channels; got shape {item.shape}."
                )
            arrays.append(item[None])
        sizes = [tuple(a.shape[1:3]) for a in arrays]
    for array in arrays:
        check_image_values(array, name, image_range)
    if on_unit_range is not None:
        floats = [a for a in arrays if a.dtype.kind == "f" and a.size]
        message = floats and unit_range_warning(np.concatenate([a.reshape(-1) for a in floats]), name)
        if message:
            on_unit_range(message)
    converted = []
    for array in arrays:
        array = to_model_range(convert_channels(array, channels, name), image_range)
        if tuple(array.shape[1:3]) != (height, width):
            array = np.stack([resize(image, (height, width)) for image in array]) if len(array) else (
                np.zeros((0, height, width, channels), "float32")
            )
        converted.append(array)
    values = np.concatenate(converted) if converted else np.zeros((0, height, width, channels), "float32")
    input_size = tuple(items.shape[1:3]) if layout == "batch" else None
    return Batch(values, layout, sizes, input_size)


def restore_layout(outputs, batch, output_size="input", resample=Image.BICUBIC):
    """Model outputs `(N, H, W, C)` (uint8) given back as the inputs came: one image for one,
    a batch array for a batch, a list for a list; resized back to each input's size unless
    `output_size="model"`."""
    if output_size not in OUTPUT_SIZES:
        raise ValueError(f"`output_size` must be one of {OUTPUT_SIZES}; got {output_size!r}.")
    outputs = np.asarray(outputs)
    if output_size == "input":
        if batch.layout == "batch" and not len(outputs):
            outputs = np.zeros((0,) + tuple(batch.input_size) + outputs.shape[3:], outputs.dtype)
        else:
            resized = [resize(o, s, resample) for o, s in zip(outputs, batch.sizes, strict=True)]
            outputs = resized if batch.layout == "list" else np.stack(resized)
    if batch.layout == "single":
        return outputs[0]
    if batch.layout == "list":
        return list(outputs)
    return outputs


# --- label maps ------------------------------------------------------------------------------


def _label_map_array_kind(array, num_classes):
    """How to read a label-map array: `(count, kind)` with count `"single"` or `"batch"` and
    kind `"ids"`, `"colours"` or `"one_hot"`; None when it fits none of them."""
    kind, ndim, last = array.dtype.kind, array.ndim, array.shape[-1] if array.ndim else None
    if kind in "iu":
        if ndim == 2:
            return "single", "ids"
        if ndim == 3:
            return ("single", "ids") if last == 1 else ("single", "colours") if last in (3, 4) else ("batch", "ids")
        if ndim == 4:
            return ("batch", "ids") if last == 1 else ("batch", "colours") if last in (3, 4) else None
    if kind == "f" and last == num_classes and ndim in (3, 4):
        return ("single" if ndim == 3 else "batch"), "one_hot"
    return None


def _label_map_item(item, kind, decode_colors, name):
    """One label map -> int class ids `(H, W)` or float one-hot `(H, W, num_classes)`."""
    if kind == "ids":
        return item[..., 0] if item.ndim == 3 else item
    if kind == "one_hot":
        return item
    if item.size and (item.min() < 0 or item.max() > 255):
        raise ValueError(f"Colour {name} must hold RGB values in [0, 255]; got [{item.min()}, {item.max()}].")
    return decode_colors(item[..., :3].astype("uint8"))


def _read_label_map(item, decode_colors):
    """A label map file or PIL image: single-channel and palette images hold class ids, the
    others are colour label maps."""
    image = read_image(item) if _is_path(item) else item
    if image.mode in CLASS_ID_MODES:
        return np.asarray(image).astype("int32")
    return decode_colors(np.asarray(image.convert("RGB")))


def label_maps_to_batch(label_maps, spatial_shape, num_classes, decode_colors, name="label maps"):
    """Label maps as people have them -> a `Batch` of int32 class ids `(N, H, W)` or, when any
    input is a float one-hot map, float32 one-hot maps `(N, H, W, num_classes)`, at
    `spatial_shape`.

    Accepted: integer class-id maps `(H, W)`, `(N, H, W)` (a channel axis of 1 too); float
    one-hot maps `(H, W, K)`, `(N, H, W, K)`; integer colour label maps `(H, W, 3)`,
    `(N, H, W, 3)` (or RGBA), decoded with `decode_colors(uint8 (H, W, 3)) -> ids` at their own
    size; image files and PIL images (palette and single-channel images hold class ids, RGB
    ones colours); or a list of these. Class ids and one-hot maps are resized with nearest
    neighbour (a class cannot be averaged). Values are checked by the caller (GauGAN's
    `check_label_maps`)."""
    height, width = spatial_shape
    items, layout = _items(label_maps, name)
    if layout == "array":
        array = items
        how = _label_map_array_kind(array, num_classes)
        if how is None:
            kind = array.dtype.kind
            described = f"{array.dtype} maps of shape {array.shape}" if kind in "iuf" else f"dtype {array.dtype}"
            hint = " (class ids need an integer dtype)" if kind == "f" and array.ndim in (2, 3) else ""
            raise ValueError(
                f"Expected {name} as integer class-id maps (batch, {height}, {width}) or one ({height}, {width}), "
                f"float one-hot maps (batch, {height}, {width}, {num_classes}), uint8 colour label maps "
                f"(batch, {height}, {width}, 3) or one ({height}, {width}, 3), image files or PIL images "
                f"(other heights and widths are resized); got {described}{hint}."
            )
        layout, kind = how
        if layout == "batch" and kind != "colours" and array.shape[1:3] == (height, width):
            # Already model-sized: kept whole, without per-map copies.
            values = array[..., 0] if kind == "ids" and array.ndim == 4 else array
            return Batch(values, layout, [(height, width)] * len(array), (height, width))
        maps = [_label_map_item(m, kind, decode_colors, name) for m in (array if layout == "batch" else [array])]
        input_size = tuple(array.shape[1:3]) if layout == "batch" else None
    else:
        maps = []
        for item in items:
            if _is_path(item) or isinstance(item, Image.Image):
                maps.append(_read_label_map(item, decode_colors))
                continue
            item = to_numpy(item)
            how = _label_map_array_kind(item, num_classes)
            if how is None or how[0] != "single":
                raise ValueError(
                    f"Expected each of the {name} as a class-id map (H, W), a one-hot map (H, W, {num_classes}), "
                    f"a colour map (H, W, 3), an image file or a PIL image; got {item.dtype} of shape {item.shape}."
                )
            maps.append(_label_map_item(item, how[1], decode_colors, name))
        input_size = None
    sizes = [tuple(m.shape[:2]) for m in maps]
    maps = [resize(m, (height, width), Image.NEAREST) for m in maps]
    if any(m.ndim == 3 for m in maps):  # one-hot maps among them: all one-hot
        eye = np.eye(num_classes, dtype="float32")
        values = [m.astype("float32") if m.ndim == 3 else _one_hot_or_raise(m, eye, name) for m in maps]
        empty = np.zeros((0, height, width, num_classes), "float32")
    else:
        values = [m.astype("int32") for m in maps]
        empty = np.zeros((0, height, width), "int32")
    return Batch(np.stack(values) if values else empty, layout, sizes, input_size)


def _one_hot_or_raise(ids, eye, name):
    if ids.size and (ids.min() < 0 or ids.max() >= len(eye)):
        raise ValueError(
            f"The {name} must hold class ids in [0, {len(eye)}); got values in [{ids.min()}, {ids.max()}]."
        )
    return eye[ids]


def nearest_colors(rgb, palette, rows=64):
    """Class ids of a colour label map `(H, W, 3)`: each pixel takes the class of the nearest
    `palette` colour (Euclidean RGB). `rows` rows at a time, so that the distances of a large
    map stay small in memory."""
    palette = np.asarray(palette, dtype="int32")
    ids = np.empty(rgb.shape[:2], dtype="int32")
    for start in range(0, len(rgb), rows):
        pixels = rgb[start : start + rows].astype("int32")
        ids[start : start + rows] = ((pixels[..., None, :] - palette) ** 2).sum(-1).argmin(-1)
    return ids


# --- training data -----------------------------------------------------------------------------


def fit_data_on_host(x, y=None):
    """What of `fit`'s data can be checked on the host before training, as NumPy `(x, y)`:

    - arrays (and tensors): whole;
    - a `keras.utils.PyDataset`: its first batch, read once more (Keras' workers may call
      `__getitem__` in any order, so it should not depend on being called once);
    - a `tf.data.Dataset`: its first batch, read through a second iterator, only when its
      elements hold floats (uint8 images and integer labels need no value check: their static
      shapes and dtypes are checked as the step is traced);
    - None for other sources (a torch `DataLoader`, a generator), whose batches cannot be read
      ahead without consuming or reordering them.

    This runs before `fit` starts, never in the compiled step: the step stays as fast as
    without it (no host round-trip, no extra ops).
    """
    if x is None:
        return None
    if isinstance(x, keras.utils.PyDataset):
        if not x.num_batches:
            return None
        return _unpack(x[0])
    if hasattr(x, "element_spec") and hasattr(x, "take"):  # tf.data.Dataset
        specs = keras.tree.flatten(x.element_spec)
        if not any(getattr(spec.dtype, "is_floating", False) for spec in specs):
            return None
        for batch in x.take(1):
            return _unpack(keras.tree.map_structure(lambda t: np.asarray(t), batch))
        return None
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return to_numpy(x), None if y is None else to_numpy(y)
    return None


def _unpack(batch):
    if isinstance(batch, list):
        batch = tuple(batch)
    images, labels, _ = keras.utils.unpack_x_y_sample_weight(batch)
    if not (hasattr(images, "shape") and (labels is None or hasattr(labels, "shape"))):
        return None  # dicts or nested structures: left to the traced checks
    return to_numpy(images), None if labels is None else to_numpy(labels)


# --- warnings ----------------------------------------------------------------------------------


def warn_once(owner, key, message):
    """`warnings.warn(message)` the first time `owner` (a model) meets `key`, never again;
    the warning points at the first caller outside this package and Keras (the user's line)."""
    given = vars(owner).setdefault("_keras_condgan_warnings_given", set())
    if key in given:
        return
    given.add(key)
    frame, level = sys._getframe(0), 1
    while frame.f_back is not None and frame.f_globals.get("__name__", "").split(".")[0] in ("keras_condgan", "keras"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)
