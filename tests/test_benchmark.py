"""tools/benchmark.py measures our step, the bare step and the references, and writes its records."""

import json
import os
import subprocess
import sys

from conftest import BACKEND, ROOT

REQUIRED = ("model", "backend", "device", "batch_size", "precision", "step_ms", "bare_ms", "peak_memory_mb")


def test_benchmark_writes_the_records_of_each_case(tmp_path):
    # Torch runs eagerly: its tiny Pix2Pix case is quick and exercises the plain-PyTorch reference.
    cases = ["cgan_tiny"] + (["pix2pix_tiny"] if BACKEND == "torch" else [])
    out = tmp_path / "benchmark.json"
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tools", "benchmark.py"), "--backends", BACKEND, "--cases", *cases,
         "--steps", "2", "--repeats", "1", "--workers", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records = json.loads(out.read_text())["results"]
    assert [r["model"] for r in records] == cases, records
    for record in records:
        assert "error" not in record, record
        assert all(key in record for key in REQUIRED), record
        assert record["backend"] == BACKEND and record["step_ms"] > 0 and record["bare_ms"] > 0
        assert record["infer_b1_ms"] > 0 and record["infer_images_per_s"] > 0
    if BACKEND == "tensorflow":  # the keras.io / TF-tutorial style step
        assert records[0]["reference_step_ms"] > 0 and records[0]["speedup_vs_tf_reference"] > 0
    if BACKEND == "torch":
        assert records[1]["torch_reference_step_ms"] > 0 and records[1]["loader_step_ms"] > 0
    assert "| cgan_tiny" in result.stdout  # the printed table
