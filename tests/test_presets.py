"""Preset folders: bundled names, local paths, hub handles, clear errors."""

import hashlib
import http.server
import importlib
import os
import shutil
import socket
import threading
import time
import urllib.parse

import h5py
import keras
import keras_hub
import numpy as np
import pytest

import keras_condgan
from conftest import ROOT
from keras_condgan import GAN, ConditionalGAN, GauGAN, Pix2Pix, PresetError, PresetUnreachableError
from keras_condgan.presets_io.registry import bundled_presets_dir

BUNDLED = {"mnist_cgan": ConditionalGAN, "pix2pix_facades": Pix2Pix, "gaugan_facades": GauGAN}


def test_bundled_mnist_cgan_preset_loads_and_generates():
    assert "mnist_cgan" in ConditionalGAN.presets
    model = ConditionalGAN.from_preset("mnist_cgan")
    images = model.generate(np.arange(10), seed=0)
    assert images.shape == (10, 28, 28, 1) and images.dtype == np.uint8
    # Trained weights draw digits: dark background, some bright strokes.
    assert images.mean() < 90 and (images > 200).mean() > 0.05
    folder = bundled_presets_dir() / "mnist_cgan"
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


@pytest.mark.parametrize("preset", ["./no_such_folder", "no/such/folder", "~/no_such_preset_folder"])
def test_a_missing_folder_is_named_as_missing(preset):
    with pytest.raises(PresetError, match=r"preset folder .* does not exist \(looked for /"):
        ConditionalGAN.from_preset(preset)


def test_a_file_instead_of_a_folder_is_explained(preset_dir):
    _, path = preset_dir
    with pytest.raises(PresetError, match="is a file; a preset is the folder"):
        ConditionalGAN.from_preset(os.path.join(path, "model.weights.h5"))


def test_presets_lists_every_family():
    listing = keras_condgan.presets()
    assert {name: entry["family"] for name, entry in listing.items()} == {n: c.__name__ for n, c in BUNDLED.items()}
    for name, entry in listing.items():
        assert entry["description"] and os.path.isfile(os.path.join(entry["location"], "config.json"))
    assert GAN.presets == listing
    assert list(Pix2Pix.presets) == ["pix2pix_facades"]
    # The bundled folders are the package `keras_condgan.bundled_presets`: importing it does
    # not replace the function.
    importlib.import_module("keras_condgan.bundled_presets")
    assert callable(keras_condgan.presets)


def h5_datasets(path):
    found = {}
    with h5py.File(path, "r") as file:
        file.visititems(lambda name, item: found.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset) else None)
    return found


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_gan_and_keras_hub_build_the_family_of_any_bundled_preset_by_name(name, tmp_path):
    """`GAN.from_preset(name)` builds the preset's family, and every array of the bundled
    weights file lands in a variable of the same name (saved again, the file holds the same
    arrays under the same paths: the layer names are those the presets were saved with)."""
    model = GAN.from_preset(name)
    assert type(model) is BUNDLED[name]
    model.save_weights(str(tmp_path / "again.weights.h5"))
    bundled = h5_datasets(bundled_presets_dir() / name / "model.weights.h5")
    again = h5_datasets(tmp_path / "again.weights.h5")
    assert set(again) - set(bundled) <= {"vars/training_noise_state"}, sorted(set(again) - set(bundled))
    for path, array in bundled.items():
        np.testing.assert_array_equal(again[path], array.astype(again[path].dtype), err_msg=path)
    assert type(keras_hub.models.Backbone.from_preset(name, load_weights=False)) is BUNDLED[name]


def test_a_preset_of_another_family_names_its_family():
    with pytest.raises(PresetError, match=r"'pix2pix_facades' is a Pix2Pix preset.*Pix2Pix\.from_preset"):
        ConditionalGAN.from_preset("pix2pix_facades")


# --- a Hugging Face Hub on localhost -------------------------------------------------

COMMIT = "89abcdef0123456789abcdef0123456789abcdef"


class FakeHubHandler(http.server.BaseHTTPRequestHandler):
    """Answers huggingface_hub's HEAD and GET `/{org}/{name}/resolve/{revision}/{file}` from
    the folders in `repos` ({"org/name": folder}), with the headers the real hub sends."""

    repos = {}

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.answer(send_body=False)

    def do_GET(self):
        self.answer(send_body=True)

    def answer(self, send_body):
        parts = urllib.parse.unquote(urllib.parse.urlparse(self.path).path).strip("/").split("/")
        folder = self.repos.get("/".join(parts[:2])) if len(parts) == 5 and parts[2] == "resolve" else None
        path = os.path.join(folder, parts[4]) if folder else None
        if path is None or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("X-Error-Code", "EntryNotFound" if folder else "RepoNotFound")
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(path, "rb") as file:
            data = file.read()
        self.send_response(200)
        self.send_header("X-Repo-Commit", COMMIT)
        self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if send_body:
            self.wfile.write(data)


def point_huggingface_hub_at(endpoint, cache, monkeypatch):
    monkeypatch.setattr("huggingface_hub.constants.ENDPOINT", endpoint)
    monkeypatch.setattr(
        "huggingface_hub.constants.HUGGINGFACE_CO_URL_TEMPLATE", endpoint + "/{repo_id}/resolve/{revision}/{filename}"
    )
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)


@pytest.fixture
def fake_hub(tmp_path, monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeHubHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    point_huggingface_hub_at(f"http://127.0.0.1:{server.server_address[1]}", tmp_path / "hf_cache", monkeypatch)
    monkeypatch.setattr(FakeHubHandler, "repos", {})
    try:
        yield FakeHubHandler.repos
    finally:
        server.shutdown()


def test_hf_download_and_keras_hub_loader_check_the_weights(preset_dir, fake_hub, tmp_path):
    """A real download (through the reachability check), and KerasHub's own loader, which
    fetches only config and weights: the check fetches metadata.json from the same commit and
    refuses weights that do not match it."""
    model, path = preset_dir
    fake_hub["keras-condgan/tiny"] = path
    loaded = ConditionalGAN.from_preset("hf://keras-condgan/tiny")
    np.testing.assert_array_equal(loaded.generate([0, 2], seed=3), model.generate([0, 2], seed=3))

    fake_hub["keras-condgan/tiny_again"] = path
    assert isinstance(keras_hub.models.Backbone.from_preset("hf://keras-condgan/tiny_again"), ConditionalGAN)
    snapshot = tmp_path / "hf_cache" / "models--keras-condgan--tiny_again" / "snapshots" / COMMIT
    assert (snapshot / "metadata.json").is_file()

    tampered = str(tmp_path / "tampered")
    shutil.copytree(path, tampered)
    with open(os.path.join(tampered, "model.weights.h5"), "r+b") as file:
        file.truncate(os.path.getsize(os.path.join(tampered, "model.weights.h5")) - 100)
    fake_hub["keras-condgan/tampered"] = tampered
    with pytest.raises(PresetError, match=r"model\.weights\.h5 is damaged"):
        keras_hub.models.Backbone.from_preset("hf://keras-condgan/tampered")


def test_an_unreachable_hf_hub_fails_within_seconds(tmp_path, monkeypatch):
    """huggingface_hub alone retries a refused connection for about 23 s."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    point_huggingface_hub_at(f"http://127.0.0.1:{port}", tmp_path / "hf_cache", monkeypatch)
    start = time.monotonic()
    with pytest.raises(PresetUnreachableError, match="could not be reached"):
        ConditionalGAN.from_preset("hf://keras-condgan/anything")
    assert time.monotonic() - start < 5


def test_hub_cache_folders_name_their_repository(tmp_path, monkeypatch):
    """The weights check finds the metadata.json of a hub download from the folder KerasHub's
    loader put the weights in (it fetches only config and weights)."""
    from keras_condgan.presets_io import hub

    snapshot = tmp_path / "hf" / "models--keras-condgan--tiny-gan" / "snapshots" / COMMIT
    assert hub.hf_cache_origin(snapshot) == (str(tmp_path / "hf"), "keras-condgan/tiny-gan", COMMIT)
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kaggle"))
    version = tmp_path / "kaggle" / "models" / "org" / "tiny" / "keras" / "tiny_preset" / "2"
    assert hub.kaggle_cache_origin(version) == "org/tiny/keras/tiny_preset/2"
    for elsewhere in (tmp_path / "a_preset", version.parent):
        assert hub.hf_cache_origin(elsewhere) is None and hub.kaggle_cache_origin(elsewhere) is None
    assert hub.fetch_beside(str(tmp_path / "a_preset" / "model.weights.h5"), "metadata.json") is None


def test_a_source_checkout_finds_the_bundled_presets(monkeypatch):
    # Run from a checkout on PYTHONPATH without installing (the GPU scripts do), the package
    # `keras_condgan.bundled_presets` does not exist: the repository's presets/ is used.
    from keras_condgan.presets_io import registry

    def not_installed(package):
        raise ModuleNotFoundError(f"No module named {package!r}")

    monkeypatch.setattr(registry.importlib.resources, "files", not_installed)
    folder = registry.bundled_presets_dir()
    assert os.path.samefile(folder, os.path.join(ROOT, "presets"))
    assert os.path.isfile(os.path.join(folder, "mnist_cgan", "config.json"))
