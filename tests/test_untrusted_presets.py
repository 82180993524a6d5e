"""Loading a preset never runs its code and notices damaged weights; saving one is atomic."""

import json
import os
import sys

import keras_hub
import numpy as np
import pytest
from conftest import tiny_cgan

from keras_condgan import ConditionalGAN, PresetError
from keras_condgan.presets_io import weights_file
from keras_condgan.presets_io.registry import bundled_presets_dir
from keras_condgan.utils.files import sha256_of


def read_config(path):
    with open(os.path.join(path, "config.json")) as file:
        return json.load(file)


def write_config(path, config):
    with open(os.path.join(path, "config.json"), "w") as file:
        json.dump(config, file)


def test_config_naming_an_outside_module_is_refused_before_it_is_imported(preset_dir, tmp_path, monkeypatch):
    """A crafted preset whose config points Keras at a module of the attacker's: Keras
    would import it (running its code) to look the class up. The module here leaves a
    marker file when imported; loading must refuse and the marker must not appear."""
    _, path = preset_dir
    marker = tmp_path / "pwned"
    (tmp_path / "evil_payload.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\nclass Model: pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    config = read_config(path)
    config.update({"module": "evil_payload", "class_name": "Model", "registered_name": None})
    write_config(path, config)
    with pytest.raises(PresetError, match=r"Refusing to load .*'evil_payload'.*outside keras, keras_hub, keras_condgan"):
        ConditionalGAN.from_preset(path)
    assert not marker.exists() and "evil_payload" not in sys.modules


def test_nested_objects_and_registered_names_are_checked_too(preset_dir):
    _, path = preset_dir
    config = read_config(path)
    config["config"]["dtype"] = {"module": "os", "class_name": "system", "config": {}, "registered_name": None}
    write_config(path, config)
    with pytest.raises(PresetError, match=r"config\.dtype names 'system' from 'os'"):
        ConditionalGAN.from_preset(path)
    config = read_config(path)
    config["config"]["dtype"] = {"class_name": "Thing", "config": {}, "registered_name": "evil_pkg>Thing"}
    write_config(path, config)
    with pytest.raises(PresetError, match="'evil_pkg'"):
        ConditionalGAN.from_preset(path)


def test_a_lambda_in_the_config_is_refused(preset_dir):
    _, path = preset_dir
    config = read_config(path)
    config["config"]["seed"] = {"class_name": "__lambda__", "config": {"value": "print('hi')"}}
    write_config(path, config)
    with pytest.raises(PresetError, match="lambda"):
        ConditionalGAN.from_preset(path)


def test_saved_presets_record_the_weights_checksum(preset_dir):
    _, path = preset_dir
    with open(os.path.join(path, "metadata.json")) as file:
        recorded = json.load(file)["weights_sha256"]["model.weights.h5"]
    assert recorded == sha256_of(os.path.join(path, "model.weights.h5"))
    for name in ("mnist_cgan", "pix2pix_facades"):  # the bundled presets carry theirs
        with open(bundled_presets_dir() / name / "metadata.json") as file:
            assert len(json.load(file)["weights_sha256"]["model.weights.h5"]) == 64


def test_truncated_weights_are_named_in_the_error(preset_dir):
    _, path = preset_dir
    weights = os.path.join(path, "model.weights.h5")
    size = os.path.getsize(weights)
    with open(weights, "r+b") as file:
        file.truncate(size // 2)
    with pytest.raises(PresetError, match=r"model\.weights\.h5 is damaged.*sha256"):
        ConditionalGAN.from_preset(path)


def test_missing_weights_file_is_named(preset_dir):
    _, path = preset_dir
    os.remove(os.path.join(path, "model.weights.h5"))
    with pytest.raises(PresetError, match=r"has no model\.weights\.h5"):
        ConditionalGAN.from_preset(path)


def test_config_that_does_not_fit_the_weights_is_explained(preset_dir):
    _, path = preset_dir
    config = read_config(path)
    config["config"]["latent_dim"] = config["config"]["latent_dim"] + 3
    write_config(path, config)
    with pytest.raises(PresetError, match="do not fit this model"):
        ConditionalGAN.from_preset(path)


def test_preset_without_a_checksum_loads_with_a_warning(preset_dir):
    model, path = preset_dir
    metadata_path = os.path.join(path, "metadata.json")
    with open(metadata_path) as file:
        metadata = json.load(file)
    del metadata["weights_sha256"]
    with open(metadata_path, "w") as file:
        json.dump(metadata, file)
    with pytest.warns(UserWarning, match="no weights checksum"):
        loaded = ConditionalGAN.from_preset(path)
    np.testing.assert_array_equal(loaded.generate([1, 2], seed=0), model.generate([1, 2], seed=0))


def test_an_interrupted_save_leaves_the_previous_preset_whole(preset_dir, monkeypatch):
    model, path = preset_dir
    with open(os.path.join(path, "README.md"), "w") as file:
        file.write("# model card\n")
    before = {name: open(os.path.join(path, name), "rb").read() for name in os.listdir(path)}

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # as if Ctrl-C arrived while the weights were being written

    monkeypatch.setattr(weights_file, "cast_weights_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        tiny_cgan(seed=5).save_to_preset(path, weights_dtype="float16")
    after = {name: open(os.path.join(path, name), "rb").read() for name in os.listdir(path)}
    assert after == before
    assert os.listdir(os.path.dirname(path)) == [os.path.basename(path)]  # no half-written folder left
    np.testing.assert_array_equal(ConditionalGAN.from_preset(path).generate([2], seed=1), model.generate([2], seed=1))
    monkeypatch.undo()
    # A save that completes replaces the preset's own files and keeps the model card.
    other = tiny_cgan(seed=5)
    other.save_to_preset(path)
    assert open(os.path.join(path, "README.md")).read() == "# model card\n"
    np.testing.assert_array_equal(ConditionalGAN.from_preset(path).generate([2], seed=1), other.generate([2], seed=1))


# --- KerasHub's own loader runs the same checks ---------------------------------------


@pytest.mark.parametrize("where", ["seed", "compile_config"])
def test_keras_hub_loader_refuses_an_outside_module_in_the_config(preset_dir, tmp_path, monkeypatch, where):
    """`keras_hub.models.Backbone.from_preset` bypasses `GAN.from_preset`; `GAN.from_config`
    (the model's arguments) and `GAN.compile_from_config` (a `compile_config` beside them,
    which Keras deserialises too) check the config before anything in it is deserialised."""
    _, path = preset_dir
    marker = tmp_path / "pwned"
    (tmp_path / "evil_payload.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\nclass Thing: pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    evil = {"module": "evil_payload", "class_name": "Thing", "config": {}, "registered_name": None}
    config = read_config(path)
    if where == "seed":
        config["config"]["seed"] = evil
    else:
        config["compile_config"] = {"generator_optimizer": evil, "discriminator_optimizer": "adam"}
    write_config(path, config)
    with pytest.raises(PresetError, match=r"names 'Thing' from 'evil_payload'"):
        keras_hub.models.Backbone.from_preset(path)
    assert not marker.exists() and "evil_payload" not in sys.modules


def test_keras_hub_loader_checks_the_weights_checksum(preset_dir):
    _, path = preset_dir
    weights = os.path.join(path, "model.weights.h5")
    with open(weights, "r+b") as file:
        file.truncate(os.path.getsize(weights) // 2)
    with pytest.raises(PresetError, match=r"model\.weights\.h5 is damaged.*sha256"):
        keras_hub.models.Backbone.from_preset(path)


def test_keras_hub_loader_needs_the_metadata_that_records_the_checksum(preset_dir):
    _, path = preset_dir
    os.remove(os.path.join(path, "metadata.json"))
    with pytest.raises(PresetError, match=r"has no metadata\.json, which records the sha256"):
        keras_hub.models.Backbone.from_preset(path)


def test_weights_files_outside_presets_load_unchecked(tmp_path):
    """`load_weights` checks only a preset's weights (config.json beside it); a checkpoint of
    the same name elsewhere loads as before."""
    model = tiny_cgan(seed=4)
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    other = tiny_cgan(seed=4)
    other.load_weights(path)
    np.testing.assert_array_equal(other.generate([1], seed=2), model.generate([1], seed=2))
