"""Kernel Inception Distance (Bińkowski et al., 2018, "Demystifying MMD GANs", section 4).

KID is the squared maximum mean discrepancy (MMD²) between the features of real and of generated
images under the cubic polynomial kernel k(x, y) = (x·y / d + 1)^3, d the feature dimension. Lower
is better; 0 means the two feature distributions agree up to the kernel's third moments.

Unlike FID, the estimate is unbiased: each term averages the kernel over pairs of *distinct*
samples (the U-statistic), so its expected value does not depend on how many images are used.
KID from a hundred images estimates the same number as KID from ten thousand, only with a larger
standard error, which makes it the measure for small test sets such as the 106 facades test pairs,
or for a quick check during training. Being unbiased, an estimate can be slightly negative when
the two sets are close.

Estimate and standard error (`features_kid`): each set is shuffled (seeded) and split into
`subsets` disjoint blocks; KID is the mean of the blocks' unbiased MMD² estimates, and its standard
error the standard deviation of those estimates divided by sqrt(subsets): the blocks hold different
images, so their estimates are independent. (The common protocol of torch-fidelity and clean-fid,
100 overlapping random subsets of 1000, has the same expected value; its reported "std" is the
spread of one subset's estimate, not the standard error of the mean.)

`kid(real_images, fake_images)` embeds images with the FID Inception network (`metrics.fid`, run
with PyTorch); `features_kid` takes features of any network (as the MNIST measures use the judge
classifier's).
"""

import collections

import numpy as np

from keras_condgan.metrics import fid as fid_module

KID = collections.namedtuple("KID", ["value", "standard_error"])
KID.__doc__ = "A KID estimate and its standard error (unpacks as `value, standard_error`)."


def polynomial_kernel(x, y):
    """k(x, y) = (x·y / d + 1)^3 for every pair of rows: `(len(x), len(y))`."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(real_features, fake_features):
    """The unbiased estimate of MMD² with the cubic polynomial kernel between two feature sets
    `(m, d)` and `(n, d)` (m, n >= 2): the mean kernel over distinct real pairs, plus the same over
    distinct fake pairs, minus twice the mean over all real-fake pairs."""
    x, y = (np.asarray(f, dtype="float64") for f in (real_features, fake_features))
    m, n = len(x), len(y)
    if min(m, n) < 2:
        raise ValueError(f"The unbiased MMD² needs at least 2 samples per set; got {m} and {n}.")
    k_xx, k_yy = polynomial_kernel(x, x), polynomial_kernel(y, y)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * polynomial_kernel(x, y).mean())


def features_kid(real_features, fake_features, subsets=10, seed=0):
    """KID between two feature sets `(N, d)`, and its standard error (see the module docstring).

    Args:
        real_features, fake_features: feature arrays with the same `d` (the sets may differ in size).
        subsets: disjoint blocks each set is split into (fewer when a set has fewer than
            `2 * subsets` samples: each block needs 2 of each); at least 2 are needed for a
            standard error, so each set needs at least 4 samples.
        seed: seed of the shuffle that deals the samples into blocks.

    Returns:
        `KID(value, standard_error)`.
    """
    real, fake = (np.asarray(f, dtype="float64") for f in (real_features, fake_features))
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"Expected two feature arrays (N, d) with the same d; got {real.shape} and {fake.shape}.")
    blocks = min(int(subsets), len(real) // 2, len(fake) // 2)
    if blocks < 2:
        raise ValueError(
            "KID with a standard error needs at least 4 samples per set (2 disjoint blocks of 2); "
            f"got {len(real)} real and {len(fake)} generated."
        )
    rng = np.random.default_rng(seed)
    real_blocks = np.array_split(real[rng.permutation(len(real))], blocks)
    fake_blocks = np.array_split(fake[rng.permutation(len(fake))], blocks)
    estimates = np.array([mmd2_unbiased(r, f) for r, f in zip(real_blocks, fake_blocks)])
    return KID(float(estimates.mean()), float(estimates.std(ddof=1) / np.sqrt(blocks)))


def kid(real_images, fake_images, subsets=10, seed=0, batch_size=32, network=None, protocol="pytorch-fid"):
    """KID between two sets of images (uint8, or floats in [-1, 1]; RGB or grayscale; at least 4
    each) with the FID Inception network's pool_3 features (`metrics.fid.inception_features`;
    `network`: `fid.load_inception()` to load it once). Returns `KID(value, standard_error)`."""
    if network is None:
        network = fid_module.load_inception()
    real = fid_module.inception_features(real_images, batch_size, network, protocol)
    fake = fid_module.inception_features(fake_images, batch_size, network, protocol)
    return features_kid(real, fake, subsets, seed)
