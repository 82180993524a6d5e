"""The MNIST loader: the real files, and the download path against a local server."""

import gzip
import os

import numpy as np
import pytest

from conftest import serve_folder

from keras_condgan.datasets import mnist


def test_loads_the_real_files(mnist_dir):
    (x_train, y_train), (x_test, y_test) = mnist.load_data(mnist_dir)
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28)
    assert np.bincount(y_train).tolist()[:3] == [5923, 6742, 5958]
    assert set(np.unique(y_test)) == set(range(10))


def test_environment_variable_points_at_the_files(mnist_dir, monkeypatch):
    monkeypatch.setenv(mnist.ENV_VAR, mnist_dir)
    assert mnist.data_dir() == mnist_dir


@pytest.fixture
def local_mirror(mnist_dir):
    with serve_folder(mnist_dir) as url:
        yield url


def test_download_fetches_and_verifies(local_mirror, tmp_path):
    folder = mnist.download(cache_dir=str(tmp_path), mirror=local_mirror)
    assert sorted(os.listdir(folder)) == sorted(name for name, _ in mnist.FILES.values())
    (x_train, _), (x_test, y_test) = mnist.load_data(folder)
    assert x_train.shape == (60000, 28, 28) and len(y_test) == 10000


def test_corrupted_file_fails_its_checksum(tmp_path, mnist_dir):
    for name, _ in mnist.FILES.values():
        with open(os.path.join(mnist_dir, name), "rb") as src, open(tmp_path / name, "wb") as dst:
            dst.write(src.read())
    raw = gzip.decompress((tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes())
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(raw[:-1] + b"\x09"))
    with pytest.raises(ValueError, match="checksum"):
        mnist.load_data(str(tmp_path))


def test_truncated_idx_is_reported():
    header = bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big")
    with pytest.raises(ValueError, match="truncated"):
        mnist.parse_idx(header + bytes(5))


def test_missing_folder_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        mnist.load_data(str(tmp_path / "nowhere"))


def test_unreachable_mirror_explains_the_way_out(tmp_path):
    with pytest.raises(ConnectionError, match=mnist.ENV_VAR):
        mnist.download(cache_dir=str(tmp_path), mirror="http://127.0.0.1:9/")
