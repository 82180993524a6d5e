"""Training on several devices: a data-parallel run of each GAN family matches a run on one
device, on the same global batches from the same weights, and every device holds the same
state.

The devices are virtual CPU devices, which must be configured before the backend starts, so
the runs happen in a subprocess (`scripts/data_parallel_training.py`, whose docstring says
what each backend compares): JAX with `keras.distribution.DataParallel` (and `ModelParallel`
on a device mesh), TensorFlow with `tf.distribute.MirroredStrategy`.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import BACKEND, ROOT

pytestmark = pytest.mark.skipif(
    BACKEND == "torch",
    reason=(
        "Keras' torch backend has no multi-device training: `keras.distribution` is not "
        "implemented for it and `fit` runs on one device (see the README, 'Training on "
        "several devices')."
    ),
)

DEVICES = 4
FAMILIES = ("cgan", "pix2pix", "gaugan")
# Float32 rounding of sums taken in another order; the errors these tests are about (a loss
# not divided by the number of replicas, batch norms with per-replica moments) move the
# weights by 1e-2 or more within these three steps.
WEIGHT_TOLERANCE = 1e-5
LOSS_TOLERANCE = 1e-5
# Every device runs the same ops on the same values: its copies must agree bit for bit, up
# to the order in which a collective sums what the replicas send.
REPLICA_TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("distribution") / "runs.json"
    script = os.path.join(ROOT, "tests", "scripts", "data_parallel_training.py")
    env = dict(os.environ, KERAS_BACKEND=BACKEND)
    result = subprocess.run(
        [sys.executable, script, "--out", str(out), "--devices", str(DEVICES)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return json.loads(out.read_text())


def assert_same_losses(run):
    single, parallel = run["single_losses"], run["parallel_losses"]
    assert len(single) == len(parallel) == 3
    for step, (expected, actual) in enumerate(zip(single, parallel), 1):
        assert expected.keys() == actual.keys()
        for name in expected:
            np.testing.assert_allclose(
                actual[name], expected[name], rtol=LOSS_TOLERANCE, err_msg=f"{name} at step {step}"
            )


@pytest.mark.parametrize("family", FAMILIES)
def test_data_parallel_training_matches_one_device(runs, family):
    run = runs["families"][f"{family}/data"]
    assert_same_losses(run)
    difference, variable = run["max_weight_difference"]
    assert difference < WEIGHT_TOLERANCE, f"{variable} differs by {difference:.3g} after 3 steps"


@pytest.mark.parametrize("family", FAMILIES)
def test_every_device_holds_the_same_state(runs, family):
    # Weights, optimizer state, batch-norm moving statistics, spectral-norm vectors and the
    # noise states of the model and its dropout layers.
    spread, variable = runs["families"][f"{family}/data"]["replica_spread"]
    assert spread <= REPLICA_TOLERANCE, f"the devices' copies of {variable} differ by {spread:.3g}"


@pytest.mark.skipif(BACKEND != "jax", reason="the device-mesh API (ModelParallel) is JAX's")
def test_model_parallel_training_matches_one_device(runs):
    run = runs["families"]["cgan/model"]
    # The layout map split the kernels over the mesh's "model" axis...
    assert {"up0/kernel", "down0/kernel"} <= set(run["split_variables"])
    # ...and training is unchanged.
    assert_same_losses(run)
    difference, variable = run["max_weight_difference"]
    assert difference < WEIGHT_TOLERANCE, f"{variable} differs by {difference:.3g} after 3 steps"
    spread, variable = run["replica_spread"]
    assert spread <= REPLICA_TOLERANCE, f"the devices' copies of {variable} differ by {spread:.3g}"


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute draws noise per replica")
def test_replicas_draw_their_own_noise_from_one_noise_state(runs):
    streams = runs["noise_streams"]
    draws = np.array(streams["replica_draws"])
    assert draws.shape == (DEVICES, 4)
    # Replica 0 draws what one device would; the others draw other noise, not copies of it
    # (with copies, a global batch of 64 on 4 replicas would hold only 16 distinct latents).
    np.testing.assert_array_equal(draws[0], streams["single_device_draw"])
    for i in range(DEVICES):
        for j in range(i):
            assert np.abs(draws[i] - draws[j]).max() > 1e-3, f"replicas {j} and {i} drew the same noise"
    # After the step every replica holds the state one device would hold.
    assert streams["replica_states"] == [streams["single_device_state"]] * DEVICES
    assert streams["single_device_state"] != streams["initial_state"]


@pytest.mark.skipif(BACKEND != "tensorflow", reason="XLA with tf.distribute is TensorFlow's")
def test_compile_under_a_strategy_turns_xla_off(runs):
    streams = runs["noise_streams"]
    assert streams["jit_compile"] is False
    assert any("XLA cannot compile a step spread over 4 replicas" in w for w in streams["compile_warnings"])
