"""Preset folders: bundled names, local paths, hub handles, clear errors."""

import os
import shutil

import keras
import keras_hub
import numpy as np
import pytest

import keras_condgan
from keras_condgan import ConditionalGAN, PresetError, PresetUnreachableError


def test_bundled_mnist_cgan_preset_loads_and_generates():
    assert "mnist_cgan" in ConditionalGAN.presets
    model = ConditionalGAN.from_preset("mnist_cgan")
    images = model.generate(np.arange(10), seed=0)
    assert images.shape == (10, 28, 28, 1) and images.dtype == np.uint8
    # Trained weights draw digits: dark background, some bright strokes.
    assert images.mean() < 90 and (images > 200).mean() > 0.05
    folder = keras_condgan.preset_utils.bundled_presets_dir() / "mnist_cgan"
    for name in ("config.json", "metadata.json", "model.weights.h5", "README.md"):
        assert (folder / name).is_file(), name


def test_preset_round_trip(preset_dir):
    model, path = preset_dir
    assert sorted(os.listdir(path)) >= ["config.json", "metadata.json", "model.weights.h5"]
    loaded = ConditionalGAN.from_preset(path)
    assert loaded.get_config() == model.get_config()
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    np.testing.assert_array_equal(model.generate([0, 1, 2], seed=4), loaded.generate([0, 1, 2], seed=4))


def test_keras_hub_backbone_loader_returns_our_model(preset_dir):
    _, path = preset_dir
    model = keras_hub.models.Backbone.from_preset(path)
    assert isinstance(model, ConditionalGAN)


def test_load_weights_false_gives_fresh_weights(preset_dir):
    model, path = preset_dir
    fresh = ConditionalGAN.from_preset(path, load_weights=False)
    kernel = model.generator.get_layer("project").kernel
    assert not np.array_equal(kernel.numpy(), fresh.generator.get_layer("project").kernel.numpy())


def test_unknown_preset_lists_available():
    with pytest.raises(PresetError, match="mnist_cgan") as info:
        ConditionalGAN.from_preset("mnist_cgann")
    assert "Unknown preset 'mnist_cgann'" in str(info.value)


def test_unknown_scheme_is_rejected():
    with pytest.raises(PresetError, match="scheme"):
        ConditionalGAN.from_preset("ftp://somewhere/preset")


def test_hf_handle_resolves_through_the_huggingface_cache(preset_dir, tmp_path, monkeypatch):
    # huggingface_hub's real cache layout; HF_HUB_OFFLINE makes it serve the
    # cached files without asking the network.
    model, path = preset_dir
    cache = tmp_path / "hf_cache"
    revision = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / "models--keras-condgan--tiny_preset"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision)
    shutil.copytree(path, repo / "snapshots" / revision)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    loaded = ConditionalGAN.from_preset("hf://keras-condgan/tiny_preset")
    np.testing.assert_array_equal(model.generate([2, 1], seed=0), loaded.generate([2, 1], seed=0))


def test_unreachable_hf_hub_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    with pytest.raises(PresetUnreachableError, match="could not be reached") as info:
        ConditionalGAN.from_preset("hf://keras-condgan/not_cached")
    assert "config.json" not in str(info.value).split("(")[0]


def test_kaggle_handle_resolves_through_the_kagglehub_cache(preset_dir, tmp_path, monkeypatch):
    from kagglehub.cache import Cache
    from kagglehub.handle import parse_model_handle

    model, path = preset_dir
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kaggle_cache"))
    handle = parse_model_handle("keras-condgan/tiny/keras/tiny_preset/1")
    cache = Cache()
    for name in os.listdir(path):
        target = cache.get_path(handle, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy(os.path.join(path, name), target)
        cache.mark_as_complete(handle, name)
    loaded = ConditionalGAN.from_preset("kaggle://keras-condgan/tiny/keras/tiny_preset/1")
    np.testing.assert_array_equal(model.generate([0], seed=1), loaded.generate([0], seed=1))


def test_preset_of_another_class_is_refused(tmp_path):
    path = str(tmp_path / "bert")
    keras_hub.models.BertBackbone(
        vocabulary_size=10, num_layers=1, num_heads=1, hidden_dim=4, intermediate_dim=4
    ).save_to_preset(path)
    with pytest.raises(ValueError, match="not a subclass"):
        ConditionalGAN.from_preset(path)
