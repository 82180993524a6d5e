"""Pixel-level image-to-image measures in NumPy: L1, PSNR and SSIM, one value per image pair.

Each function takes two batches of images, `(N, height, width, channels)` or `(N, height, width)` for
grayscale, either uint8 in [0, 255] or floats in [-1, 1] (the generators' range), and returns an array
`(N,)`; average it with `.mean()`.

- `l1`: mean absolute difference on images scaled to [-1, 1], the scale of the pix2pix L1 loss (uint8
  images become x / 127.5 - 1). On [0, 1] images it would be half as large.
- `psnr`: peak signal-to-noise ratio in dB on uint8 images (float images are rounded to uint8 first, as
  when saved), data range 255: 10 log10(255^2 / MSE). Identical images give inf.
- `ssim`: structural similarity of Wang et al. (2004) with their standard settings: Gaussian weights of
  sigma 1.5 over an 11 x 11 window, K1 = 0.01, K2 = 0.03, data range 255 (uint8 as for PSNR), statistics
  with 1/n (not sample) covariances, averaged over the windows that fit inside the image and over the RGB
  channels (computed per channel, no grayscale conversion). This equals scikit-image's
  `structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
  channel_axis=-1, data_range=255)`.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from keras_condgan.utils.images import to_uint8


def _batch(images):
    images = np.asarray(images)
    if images.ndim == 3:  # a batch of grayscale images
        images = images[..., None]
    if images.ndim != 4:
        raise ValueError(f"Expected a batch of images (N, height, width[, channels]); got shape {images.shape}.")
    if images.dtype != np.uint8:
        if not np.issubdtype(images.dtype, np.floating):
            raise TypeError(f"Images are uint8 in [0, 255] or floats in [-1, 1]; got {images.dtype}.")
        if images.size and np.abs(images).max() > 1.0 + 1e-3:
            raise ValueError(f"Float images must lie in [-1, 1]; these reach {np.abs(images).max():.4g}.")
    return images


def to_signed_unit(images):
    """float32 images in [-1, 1]: uint8 mapped by x / 127.5 - 1, floats checked and kept."""
    images = _batch(images)
    if images.dtype == np.uint8:
        return images.astype("float32") / 127.5 - 1.0
    return images.astype("float32")


def as_uint8(images):
    """uint8 images: floats in [-1, 1] rounded to [0, 255], uint8 kept."""
    images = _batch(images)
    return images if images.dtype == np.uint8 else to_uint8(images)


def _pair(images_a, images_b, convert):
    images_a, images_b = convert(images_a), convert(images_b)
    if images_a.shape != images_b.shape:
        raise ValueError(f"Image batches differ in shape: {images_a.shape} and {images_b.shape}.")
    return images_a, images_b


def l1(images_a, images_b):
    """Mean absolute difference of each pair, on the [-1, 1] scale."""
    images_a, images_b = _pair(images_a, images_b, to_signed_unit)
    return np.abs(images_a.astype("float64") - images_b).mean(axis=(1, 2, 3))


def psnr(images_a, images_b):
    """PSNR in dB of each pair of uint8 images (data range 255); inf where they are identical."""
    images_a, images_b = _pair(images_a, images_b, as_uint8)
    mse = np.square(images_a.astype("float64") - images_b).mean(axis=(1, 2, 3))
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(255.0**2 / mse)


def gaussian_window(sigma=1.5, radius=5):
    """The normalised 1-D Gaussian of SSIM; its outer product is the 11 x 11 window."""
    x = np.arange(-radius, radius + 1, dtype="float64")
    window = np.exp(-0.5 * (x / sigma) ** 2)
    return window / window.sum()


def _filter_valid(image, window):
    """Gaussian-weighted local means of `image` (height, width, channels), at every position where the
    whole window fits (no padding), by filtering rows then columns."""
    rows = sliding_window_view(image, len(window), axis=0) @ window
    return sliding_window_view(rows, len(window), axis=1) @ window


def ssim(images_a, images_b, k1=0.01, k2=0.03, sigma=1.5):
    """SSIM of each pair of uint8 images (data range 255), averaged over the channels."""
    images_a, images_b = _pair(images_a, images_b, as_uint8)
    window = gaussian_window(sigma)
    if min(images_a.shape[1:3]) < len(window):
        raise ValueError(f"SSIM needs images of at least {len(window)} x {len(window)} pixels.")
    c1, c2 = (k1 * 255.0) ** 2, (k2 * 255.0) ** 2
    scores = []
    for a, b in zip(images_a.astype("float64"), images_b.astype("float64")):
        mu_a, mu_b = _filter_valid(a, window), _filter_valid(b, window)
        var_a = _filter_valid(a * a, window) - mu_a**2
        var_b = _filter_valid(b * b, window) - mu_b**2
        covariance = _filter_valid(a * b, window) - mu_a * mu_b
        ssim_map = ((2 * mu_a * mu_b + c1) * (2 * covariance + c2)) / (
            (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
        )
        scores.append(ssim_map.mean())
    return np.asarray(scores)
