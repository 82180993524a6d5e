"""DiffAugment: differentiable augmentation of what a GAN's discriminator sees.

Zhao, Liu, Lin, Zhu and Han, "Differentiable Augmentation for Data-Efficient GAN Training"
(NeurIPS 2020). Every image the discriminator judges, real or generated, in the discriminator's
and in the generator's loss, is augmented with the same kind of random transform; the
transform is differentiable, so the generator is trained through it. With little data this
keeps the discriminator from memorising the training images.

The three policies, as in the paper's official code (mit-han-lab/data-efficient-gans,
`DiffAugment_pytorch.py`), for images in [-1, 1], per image of the batch:

- `"color"`: brightness `x + U(-0.5, 0.5)`, then saturation (the deviation from the mean over
  the channels times `U(0, 2)`), then contrast (the deviation from the image's mean times
  `U(0.5, 1.5)`);
- `"translation"`: a shift by a whole number of pixels drawn uniformly in
  `[-side // 8, side // 8]` along each axis, the uncovered border filled with zeros;
- `"cutout"`: a square of half the side (`side // 2`) set to zero, at a random place (it may
  stick out of the image).

Written in `keras.ops` for the three backends: the shift is a gather (`take_along_axis`) and the
cutout a mask multiply, both differentiable with respect to the images (a gradient penalty
through the augmentation works, as in StyleGAN2-ADA); the batch size may be dynamic; the
randomness comes from a `keras.random.SeedGenerator` (a model's `seed_generator`, whose state
JAX threads through a compiled step).

Paired data: `diff_augment` takes a list of batches and applies one draw of the random
parameters to all of them, so that a condition image and its photo move together, and the
real and generated images of one discriminator call (whose features GauGAN's feature-matching
loss compares) get the same transform. Colour changes only the entries marked as photos: a
label map coloured would change its meaning.
"""

import keras
from keras import ops

# In the order they are applied (the paper's "color,translation,cutout").
POLICIES = ("color", "translation", "cutout")
# The official code's ratios: shifts of up to 1/8 of the side, cutouts of half the side.
TRANSLATION_RATIO = 8
CUTOUT_RATIO = 2


def augment_policy(augment):
    """A policy as the models store it: None (off) for None, `""` or an empty list; else the
    names of `POLICIES` given (a comma-separated string such as `"color,translation,cutout"`,
    or a list/tuple of names), without repeats, joined by commas in the order they are applied
    (that of `POLICIES`). Unknown names raise a ValueError listing the valid ones."""
    if augment is None:
        return None
    if isinstance(augment, str):
        names = augment.split(",")
    elif isinstance(augment, (list, tuple)) and all(isinstance(name, str) for name in augment):
        names = list(augment)
    else:
        raise ValueError(
            "`augment` takes the DiffAugment policies to apply, as a comma-separated string such as "
            f"'color,translation,cutout' or a list of names among {', '.join(POLICIES)} (None: off); "
            f"got {augment!r}."
        )
    names = [name.strip().lower() for name in names if name.strip()]
    unknown = [name for name in names if name not in POLICIES]
    if unknown:
        raise ValueError(
            f"Unknown DiffAugment {'policy' if len(unknown) == 1 else 'policies'} "
            f"{', '.join(map(repr, unknown))} in augment={augment!r}; the policies are "
            f"{', '.join(map(repr, POLICIES))} (comma-separated, e.g. 'color,translation,cutout')."
        )
    return ",".join(name for name in POLICIES if name in names) or None


def diff_augment(images, policy, seed=None, photos=None):
    """Applies the DiffAugment `policy` to each batch of the list `images`, with the same random
    parameters for all of them.

    Args:
        images: a list of image batches `(N, H, W, C)` (channels last), all of the same batch
            size `N` and side `H x W`; the number of channels may differ (an image and its
            one-hot label map). Photos are expected in [-1, 1].
        policy: as `augment_policy` takes it: e.g. `"color,translation,cutout"`, a list of
            names, or None (the images are returned as they are).
        seed: a `keras.random.SeedGenerator` (inside a compiled step: the model's), or an
            integer / None as `keras.random` takes them.
        photos: one boolean per entry of `images`: whether `"color"` applies to it (default:
            every entry). Geometry (translation, cutout) applies to every entry.

    Returns:
        The list of augmented batches, in the order given.
    """
    policy = augment_policy(policy)
    images = list(images)
    if not policy or not images:
        return images
    photos = [True] * len(images) if photos is None else [bool(p) for p in photos]
    if len(photos) != len(images):
        raise ValueError(f"`photos` needs one flag per entry of `images`: got {len(photos)} for {len(images)}.")
    images = [ops.convert_to_tensor(x) for x in images]
    height, width = images[0].shape[1], images[0].shape[2]
    for x in images:
        if len(x.shape) != 4 or tuple(x.shape[1:3]) != (height, width):
            raise ValueError(
                "DiffAugment transforms batches of images (N, H, W, C) of one size alike; got shapes "
                f"{[tuple(x.shape) for x in images]}."
            )
    batch = ops.shape(images[0])[0]
    for name in policy.split(","):
        if name == "color":
            brightness = keras.random.uniform((batch, 1, 1, 1), seed=seed) - 0.5
            saturation = keras.random.uniform((batch, 1, 1, 1), seed=seed) * 2.0
            contrast = keras.random.uniform((batch, 1, 1, 1), seed=seed) + 0.5
            images = [
                adjust_color(x, brightness, saturation, contrast) if photo else x
                for x, photo in zip(images, photos)
            ]
        elif name == "translation":
            shift_y, shift_x = height // TRANSLATION_RATIO, width // TRANSLATION_RATIO
            offset_y = keras.random.randint((batch, 1), -shift_y, shift_y + 1, seed=seed)
            offset_x = keras.random.randint((batch, 1), -shift_x, shift_x + 1, seed=seed)
            images = [translate(x, offset_y, offset_x) for x in images]
        elif name == "cutout":
            size_y, size_x = height // CUTOUT_RATIO, width // CUTOUT_RATIO
            # The centre of the square, as the official code draws it.
            center_y = keras.random.randint((batch, 1), 0, height + (1 - size_y % 2), seed=seed)
            center_x = keras.random.randint((batch, 1), 0, width + (1 - size_x % 2), seed=seed)
            mask = cutout_mask(height, width, center_y - size_y // 2, center_x - size_x // 2, size_y, size_x)
            images = [x * ops.cast(mask, x.dtype) for x in images]
    return images


def adjust_color(x, brightness, saturation, contrast):
    """The `"color"` policy with given per-image factors `(N, 1, 1, 1)`: brightness added,
    saturation and contrast multiplied (the official code's order and means)."""
    x = ops.convert_to_tensor(x)
    brightness, saturation, contrast = (ops.cast(f, x.dtype) for f in (brightness, saturation, contrast))
    x = x + brightness
    mean = ops.mean(x, axis=-1, keepdims=True)
    x = (x - mean) * saturation + mean
    mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
    return (x - mean) * contrast + mean


def translate(x, offset_y, offset_x):
    """`out[n, i, j] = x[n, i + offset_y[n], j + offset_x[n]]`, zero where that falls outside
    the image; offsets are integers `(N, 1)`."""
    x = ops.convert_to_tensor(x)
    return _shift(_shift(x, offset_y, axis=1), offset_x, axis=2)


def _shift(x, offsets, axis):
    size = x.shape[axis]
    source = ops.arange(size, dtype="int32")[None, :] + ops.cast(offsets, "int32")  # (N, size)
    inside = ops.logical_and(ops.greater_equal(source, 0), ops.less(source, size))
    source = ops.clip(source, 0, size - 1)
    # (N, size) -> (N, size, 1, 1) along the rows, (N, 1, size, 1) along the columns.
    expand = (slice(None), slice(None), None, None) if axis == 1 else (slice(None), None, slice(None), None)
    gathered = ops.take_along_axis(x, source[expand], axis=axis)
    return gathered * ops.cast(inside[expand], x.dtype)


def cutout_mask(height, width, top, left, size_y, size_x):
    """`(N, H, W, 1)`: 0 inside each image's square of `size_y x size_x` whose top-left corner is
    at `(top, left)` (integers `(N, 1)`; it may lie partly outside the image), 1 elsewhere."""
    rows = ops.arange(height, dtype="int32")[None, :]
    columns = ops.arange(width, dtype="int32")[None, :]
    top, left = ops.cast(top, "int32"), ops.cast(left, "int32")
    in_rows = ops.logical_and(ops.greater_equal(rows, top), ops.less(rows, top + size_y))  # (N, H)
    in_columns = ops.logical_and(ops.greater_equal(columns, left), ops.less(columns, left + size_x))  # (N, W)
    inside = ops.logical_and(in_rows[:, :, None, None], in_columns[:, None, :, None])
    return 1.0 - ops.cast(inside, "float32")
