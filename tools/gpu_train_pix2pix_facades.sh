#!/usr/bin/env bash
# Trains the pix2pix_facades preset and its L1-only baseline side by side on
# one GPU, within a fixed wall-clock budget, and packs the results.
#
#   EPOCHS=200 TIME_LIMIT=400 FILTERS=32 OUT=runs/gpu bash tools/gpu_train_pix2pix_facades.sh
#
# Written for the project's lent GPU machine (JAX and PyTorch installed, no
# Keras, no network), which receives the repository plus two git-ignored
# folders made beforehand:
#   pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --platform manylinux_2_28_x86_64 -d .whl keras==3.15.1 keras-hub==0.32.0 namex optree
#   cp -r ../shared/data/facades .devdata/facades
# (not kagglehub: without its kagglesdk it breaks `import keras_hub`).
# Elsewhere, install the package, leave out .whl/ and set KERAS_CONDGAN_FACADES_DIR.
# JAX is tried first; if it cannot run a training step the runs use PyTorch.
set -u
EPOCHS=${EPOCHS:-200}
TIME_LIMIT=${TIME_LIMIT:-400}
FILTERS=${FILTERS:-32}
IMAGE_SIZE=${IMAGE_SIZE:-256}
OUT=${OUT:-runs/gpu}
RUNS=${RUNS:-/tmp/pix2pix_runs}
mkdir -p "$OUT" "$RUNS"

if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
fi
export KERAS_CONDGAN_FACADES_DIR=${KERAS_CONDGAN_FACADES_DIR:-$PWD/.devdata/facades}
export PYTHONUNBUFFERED=1
# Two JAX processes share the GPU: neither may take the default 75% of its memory.
export XLA_PYTHON_CLIENT_MEM_FRACTION=0.4
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null

backend=jax
KERAS_BACKEND=jax timeout 300 python3 tools/train_pix2pix.py --epochs 1 --limit 2 --filters 4 \
    --image-size 32 --out "$RUNS/smoke" > "$OUT/smoke.log" 2>&1 || backend=torch
echo "backend: $backend"; tail -5 "$OUT/smoke.log"

for run in gan:bce l1:none; do
    name=${run%%:*}; loss=${run##*:}
    KERAS_BACKEND=$backend python3 tools/train_pix2pix.py --epochs "$EPOCHS" --time-limit "$TIME_LIMIT" \
        --filters "$FILTERS" --image-size "$IMAGE_SIZE" --adversarial-loss "$loss" --workers 4 \
        --out "$RUNS/$name" > "$OUT/train_$name.log" 2>&1 &
done
wait
for name in gan l1; do
    tail -4 "$OUT/train_$name.log"
    # The results travel in pieces of at most 15 MB.
    last_sample=$(ls "$RUNS/$name/samples" | tail -1)
    tar -C "$RUNS/$name" -cf - preset history.csv "samples/$last_sample" | split -b 15M - "$OUT/$name.tar.part-"
done
ls -la "$OUT"
