"""A non-editable install carries the bundled presets."""

import glob
import os
import subprocess
import sys

import pytest
from conftest import BACKEND, ROOT

LOAD_SCRIPT = """
import keras_condgan, numpy as np
assert "site" in keras_condgan.__file__ or "target" in keras_condgan.__file__, keras_condgan.__file__
model = keras_condgan.ConditionalGAN.from_preset("mnist_cgan")
print(model.generate(np.arange(10), seed=0).shape)
print(sorted(keras_condgan.presets()))
"""


@pytest.mark.skipif(BACKEND != "tensorflow", reason="packaging does not depend on the backend: checked once")
def test_wheel_ships_the_bundled_preset(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"), ROOT],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = glob.glob(str(tmp_path / "dist" / "*.whl"))
    target = tmp_path / "target"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), wheel],
        capture_output=True, text=True,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    for name in ("config.json", "metadata.json", "model.weights.h5", "README.md"):
        assert os.path.isfile(target / "keras_condgan" / "bundled_presets" / "mnist_cgan" / name), name
    # The command line, training and evaluation ship too, with the `keras-condgan` console script.
    for module in ("__main__.py", "cli/main.py", "training/run_folder.py", "evaluation/facades.py"):
        assert os.path.isfile(target / "keras_condgan" / module), module
    (entry_points,) = glob.glob(str(target / "keras_condgan-*.dist-info" / "entry_points.txt"))
    with open(entry_points) as f:
        assert "keras-condgan = keras_condgan.cli:main" in f.read()
    # Run from an empty folder so that the checkout itself cannot be imported.
    env = dict(os.environ, PYTHONPATH=str(target))
    run = subprocess.run([sys.executable, "-c", LOAD_SCRIPT], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "(10, 28, 28, 1)" in run.stdout
    assert "['gaugan_facades', 'mnist_cgan', 'pix2pix_facades']" in run.stdout
