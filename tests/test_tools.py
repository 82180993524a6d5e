"""The scripts in tools/: publishing (up to the network call) and the demo."""

import os
import subprocess
import sys

import pytest
from conftest import ROOT, tiny_cgan

sys.path.insert(0, os.path.join(ROOT, "tools"))
import publish_preset  # noqa: E402


@pytest.fixture
def preset_folder(tmp_path):
    folder = str(tmp_path / "tiny")
    tiny_cgan().save_to_preset(folder)
    with open(os.path.join(folder, "README.md"), "w") as f:
        f.write("# our model card\n")
    return folder


def test_publish_dry_run_lists_exactly_the_files(preset_folder, capsys):
    assert publish_preset.main([preset_folder, "hf://someone/tiny", "--dry-run"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.splitlines()[1:]]
    assert listed == sorted(os.listdir(preset_folder))


def test_publish_refuses_incomplete_folder_and_bad_handle(preset_folder, capsys):
    os.remove(os.path.join(preset_folder, "README.md"))
    assert publish_preset.main([preset_folder, "hf://someone/tiny", "--dry-run"]) == 2
    assert "missing README.md" in capsys.readouterr().err
    assert publish_preset.main([preset_folder, "s3://bucket/tiny", "--dry-run"]) == 2


def test_publish_to_hf_keeps_our_card_and_reaches_the_network_call(preset_folder, monkeypatch):
    # Point huggingface_hub at a closed local port: the upload must get as
    # far as the HTTP request, and our README.md must survive the attempt.
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setattr("huggingface_hub.constants.ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("HF_TOKEN", "hf_dummy_token_for_tests")
    with pytest.raises(Exception) as info:
        publish_preset.publish(preset_folder, "hf://someone/tiny")
    assert any(word in repr(info.value) + str(info.value.__context__) for word in ("Connect", "connect", "127.0.0.1"))
    with open(os.path.join(preset_folder, "README.md")) as f:
        assert f.read() == "# our model card\n"


def test_demo_writes_grid_and_gif(tmp_path):
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tools", "demo.py"), "--out", str(tmp_path), "--per-digit", "3"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(os.listdir(tmp_path)) == ["mnist_cgan_digits.png", "mnist_cgan_interpolation.gif"]
