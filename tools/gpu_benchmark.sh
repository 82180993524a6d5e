#!/usr/bin/env bash
# The speed table on one GPU: `tools/benchmark.py --gpu` (JAX, then PyTorch), in about 8 minutes.
#
#   OUT=runs/gpu_benchmark bash tools/gpu_benchmark.sh
#
# Written for the project's lent GPU machines (JAX and PyTorch installed; no Keras, KerasHub or
# TensorFlow, no network), which receive the repository plus the git-ignored folder .whl/ made
# here beforehand:
#   pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --platform manylinux_2_28_x86_64 -d .whl keras==3.15.1 keras-hub==0.32.0 namex optree
# (not kagglehub: without its kagglesdk it breaks `import keras_hub`). TensorFlow does not fit
# the machine's 64 MB transfer limit, so the TensorFlow reference is measured on CPUs only.
# Elsewhere, with the package installed, run `python tools/benchmark.py --gpu --out FILE`.
set -u
OUT=${OUT:-runs/gpu_benchmark}
mkdir -p "$OUT"
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
fi
export PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2 BENCHMARK_PARTIAL=$OUT/partial.jsonl
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null
python3 -c "import jax, torch; print('jax', jax.__version__, jax.devices(), '| torch', torch.__version__)"
python3 tools/benchmark.py --gpu --out "$OUT/benchmark_gpu.json" "$@" 2> "$OUT/benchmark_gpu.log"
status=$?
tail -40 "$OUT/benchmark_gpu.log" | grep -v "^\s*$" | tail -25
exit $status
