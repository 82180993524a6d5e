"""Speed of our GAN training steps, beside bare steps and the code users would otherwise run.

    python tools/benchmark.py --quick --out runs/benchmark_cpu.json     # 2-core CPU, < 10 min
    python tools/benchmark.py --gpu --out benchmark_gpu.json            # one GPU, < 8 min
    python tools/benchmark.py --backends jax --cases cgan --steps 20     # a part of the table

For each case (a model family at a size and batch size) and each Keras backend, in one process
per backend and one after another on the same device, it measures:

- `step_ms`: our training step through `model.fit` on in-memory uint8 arrays (the user's path;
  median over repeats of a `steps`-step `fit`, after a warm-up `fit` that compiles; `fit` ends
  each repeat by reading the logs, which waits for the device);
- `bare_ms`: the same networks and losses trained by the backend's own gradient code on float
  batches already on the device (`tools/bare_step.py`); `overhead` = step / bare;
- `reference_step_ms`: the TensorFlow step of the keras.io / TensorFlow tutorials
  (`tools/reference_tensorflow.py`: a `tf.function` with GradientTapes, no XLA);
- `torch_reference_step_ms`: Pix2Pix and GauGAN as plain PyTorch `nn.Module`s with an eager
  step, as junyanz's pix2pix and NVlabs' SPADE run (`tools/reference_torch.py`);
- `loader_step_ms` (Pix2Pix): `fit` fed by `PairedImageDataset` with the paper's jitter,
  against `step_ms` on ready arrays: the input pipeline is the bottleneck when it is higher;
- `infer_b1_ms` and `infer_images_per_s`: the generator in inference mode at batch 1 and at a
  large batch (`predict_on_batch`, results back on the host);
- `peak_memory_mb`: the device's peak memory (torch: per case; JAX: the process peak so far);
- `flops_per_step` (XLA's count for the bare step, from JAX on CPU: on a GPU XLA does not count
  the convolutions it hands to cuDNN) and `flops_share_of_peak` where the device's peak is known.

Records go to `--out` as JSON (`{"results": [...]}`); a table is printed. The TensorFlow
reference needs TensorFlow in the environment (the lent GPU machines have only JAX and torch).
"""

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (family, constructor arguments, batch size, precision)
CASES = {
    "cgan": ("ConditionalGAN", {"preset": "mnist_cgan"}, 64, "float32"),
    "pix2pix_256": ("Pix2Pix", {"image_shape": (256, 256, 3), "filters": 64, "norm": "batch"}, 1, "float32"),
    "pix2pix_preset": ("Pix2Pix", {"preset": "pix2pix_facades"}, 1, "float32"),
    "pix2pix_256_b16": ("Pix2Pix", {"image_shape": (256, 256, 3), "filters": 64, "norm": "batch"}, 16, "float32"),
    "pix2pix_256_b16_bf16": (
        "Pix2Pix", {"image_shape": (256, 256, 3), "filters": 64, "norm": "batch"}, 16, "mixed_bfloat16"),
    "gaugan_256": ("GauGAN", {"image_shape": (256, 256, 3), "num_classes": 12}, 4, "float32"),
    "gaugan_preset": ("GauGAN", {"preset": "gaugan_facades"}, 4, "float32"),
    "gaugan_256_b16": ("GauGAN", {"image_shape": (256, 256, 3), "num_classes": 12}, 16, "float32"),
    "gaugan_256_b16_bf16": ("GauGAN", {"image_shape": (256, 256, 3), "num_classes": 12}, 16, "mixed_bfloat16"),
    # Seconds-long cases for the tests of this tool.
    "cgan_tiny": ("ConditionalGAN", {"image_shape": (8, 8, 1), "num_classes": 3, "latent_dim": 8,
                                     "generator_filters": (16, 8, 8), "discriminator_filters": (8, 16)}, 8, "float32"),
    "pix2pix_tiny": ("Pix2Pix", {"image_shape": (32, 32, 3), "filters": 8, "norm": "instance"}, 2, "float32"),
    "gaugan_tiny": ("GauGAN", {"image_shape": (16, 16, 3), "num_classes": 4, "latent_dim": 8, "generator_filters": 4,
                               "discriminator_filters": 4, "encoder_filters": 4, "spade_filters": 4,
                               "num_upsamples": 2}, 2, "float32"),
}
QUICK_CASES = ["cgan", "pix2pix_preset", "gaugan_preset"]
# In order of priority: a worker skips the cases left when its time budget is spent.
GPU_CASES = ["cgan", "pix2pix_256", "gaugan_256", "pix2pix_256_b16", "pix2pix_256_b16_bf16", "gaugan_256_b16",
             "gaugan_256_b16_bf16", "gaugan_preset", "pix2pix_preset"]
# Keras on torch runs eagerly and is bound by Python at these sizes (see the README): its
# large-batch precision comparison is left out of the GPU table to keep it within 8 minutes.
GPU_TORCH_CASES = ["cgan", "pix2pix_256", "gaugan_256", "gaugan_preset"]
GPU_TIME_BUDGET = {"jax": 210, "torch": 90}
# Large-batch inference sizes.
THROUGHPUT_BATCH = {"ConditionalGAN": 1024, "Pix2Pix": 32, "GauGAN": 32}
# Dense peak FLOP/s of the device for float32 (TF32 tensor cores, which XLA and cuDNN use for
# float32 convolutions by default) and bfloat16.
DEVICE_PEAK_FLOPS = {"H100": {"float32": 494e12, "mixed_bfloat16": 989e12},
                     "H200": {"float32": 494e12, "mixed_bfloat16": 989e12}}


# --- the worker: one backend, in its own process ------------------------------------------


def device_name():
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        return device.device_kind if device.platform != "cpu" else "CPU"
    if backend == "torch":
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU") if gpus else "CPU"


def synchronize(value=None):
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        jax.block_until_ready(value)
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()
    elif value is not None:
        [getattr(v, "numpy", lambda: v)() for v in (value if isinstance(value, (list, tuple)) else [value])]


def peak_memory_mb(reset=False):
    import keras

    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        if not torch.cuda.is_available():
            return None
        if reset:
            torch.cuda.reset_peak_memory_stats()
        return round(torch.cuda.max_memory_allocated() / 2**20, 1)
    if backend == "jax":
        import jax

        stats = jax.devices()[0].memory_stats() or {}
        return round(stats["peak_bytes_in_use"] / 2**20, 1) if "peak_bytes_in_use" in stats else None
    return None


def timing_perceptual_loss():
    """GauGAN's VGG19 perceptual loss with random weights: the lent GPU machines cannot
    download ImageNet weights, and the weights do not change what a step costs."""
    from keras_condgan import losses
    from keras_condgan.metrics import vgg

    loss = losses.PerceptualLoss.__new__(losses.PerceptualLoss)
    loss.network = "vgg19"
    loss.layer_weights = losses.PERCEPTUAL_LAYER_WEIGHTS
    normalization = vgg.ImageNetNormalization(vgg.CAFFE_MEAN, vgg.CAFFE_STD, bgr=True)
    backbone = vgg.vgg_backbone(vgg.VGG19_BLOCKS, normalization, "vgg19")
    loss.model = vgg._features_model(backbone, vgg.PERCEPTUAL_LOSS_LAYERS, "vgg19_features")
    loss.model.trainable = False
    return loss


def build_model(family, arguments, precision):
    import keras

    import keras_condgan

    model_class = getattr(keras_condgan, family)
    arguments = dict(arguments)
    keras.mixed_precision.set_global_policy(precision)
    if family == "GauGAN":
        arguments.setdefault("perceptual_network", None)
    if "preset" in arguments:
        # The preset's folder in this checkout, so the tool also runs without installing the package.
        name = arguments.pop("preset")
        folder = os.path.join(ROOT, "presets", name)
        model = model_class.from_preset(folder if os.path.isdir(folder) else name, load_weights=False, **arguments)
    else:
        model = model_class(**arguments)
    perceptual = None
    if family == "GauGAN":
        perceptual = timing_perceptual_loss()
        model.perceptual_network = "vgg19"
        model._perceptual_holder.value = perceptual
    return model, perceptual


def random_data(model, family, count, rng):
    import numpy as np

    images = rng.integers(0, 256, (count, *model.image_shape), dtype=np.uint8)
    if family == "ConditionalGAN":
        return images, rng.integers(0, model.num_classes, count)
    if family == "Pix2Pix":
        return images, 255 - images
    return rng.integers(0, model.num_classes, (count, *model.image_shape[:2])).astype("int32"), images


def time_fit(model, x, y, batch_size, steps, repeats):
    """Median ms per step of `fit`, and the fixed cost of a `fit` call in ms.

    Each repeat times a `fit` of `steps` steps and one of `2 * steps`: their difference is
    the cost of `steps` steps alone, without what every `fit` call costs once (making the
    data iterator, callbacks, reading the logs back). A warm-up `fit` compiles first."""
    import numpy as np

    def fit_seconds(count):
        start = time.perf_counter()
        model.fit(x[:count], y[:count], batch_size=batch_size, epochs=1, verbose=0, shuffle=False)
        return time.perf_counter() - start

    fit_seconds(batch_size * steps)
    step_times, call_costs = [], []
    for _ in range(repeats):
        short, long = fit_seconds(batch_size * steps), fit_seconds(batch_size * 2 * steps)
        # On a busy machine the difference can come out negative: fall back to the plain average.
        step_times.append((long - short) / steps if long > short else long / (2 * steps))
        call_costs.append(short - steps * step_times[-1])
    return float(np.median(step_times)) * 1000, float(np.median(call_costs)) * 1000


def time_calls(fn, steps, repeats, warmup=2):
    """Median ms per call of `fn` over `repeats` runs of `steps` calls, synchronised at the end."""
    import numpy as np

    result = None
    for _ in range(warmup):
        result = fn()
    synchronize(result)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            result = fn()
        synchronize(result)
        times.append((time.perf_counter() - start) / steps)
    return float(np.median(times)) * 1000


def to_device(batch):
    from keras import ops

    return {k: ops.convert_to_tensor(v) for k, v in batch.items()}


JIT_COMPILE = {"auto": "auto", "true": True, "false": False}


def measure_case(name, args, deadline):
    import keras
    import numpy as np

    from tools import bare_step

    family, arguments, batch_size, precision = CASES[name]
    backend = keras.backend.backend()
    record = {"model": name, "family": family, "backend": backend, "device": device_name(),
              "batch_size": batch_size, "precision": precision}
    steps, repeats = args.steps, args.repeats
    rng = np.random.default_rng(0)
    peak_memory_mb(reset=True)

    model, perceptual = build_model(family, arguments, precision)
    record["parameters"] = int(model.count_params())
    model.compile(jit_compile=JIT_COMPILE[args.jit_compile])
    record["jit_compile"] = str(model.jit_compile)
    x, y = random_data(model, family, batch_size * 2 * steps, rng)
    start = time.perf_counter()
    step_ms, call_ms = time_fit(model, x, y, batch_size, steps, repeats)
    record["step_ms"], record["fit_call_ms"] = round(step_ms, 2), round(call_ms, 1)
    record["compile_and_step_s"] = round(time.perf_counter() - start, 1)
    record["images_per_s"] = round(batch_size / record["step_ms"] * 1000, 1)
    record["peak_memory_mb"] = peak_memory_mb()

    # The large-batch cases only compare precisions: our step alone.
    details = not name.endswith(("_b16", "_b16_bf16"))
    if details and time.perf_counter() < deadline and not args.skip_bare:
        step = bare_step.make_bare_step(model, jit_compile=True, perceptual=perceptual)
        batch = to_device(bare_step.float_batch(model, x[:batch_size], y[:batch_size], rng))
        record["bare_ms"] = round(time_calls(lambda: step(batch), steps, repeats), 2)
        record["overhead"] = round(record["step_ms"] / record["bare_ms"], 3)
        # XLA's count misses convolutions that run as cuDNN custom calls on a GPU: on CPU only.
        if backend == "jax" and hasattr(step, "jitted") and record["device"] == "CPU":
            try:
                cost = step.jitted.lower(step.state["state"], batch).compile().cost_analysis()
                cost = cost[0] if isinstance(cost, (list, tuple)) else cost
                record["flops_per_step"] = float(cost["flops"])
            except Exception as error:  # cost analysis is best effort
                print(f"# no FLOP count for {name}: {error}", file=sys.stderr)
        if backend == "tensorflow" and time.perf_counter() < deadline:
            from tools.reference_tensorflow import make_reference_step

            reference = make_reference_step(model, perceptual)
            record["reference_step_ms"] = round(time_calls(lambda: reference(batch), steps, repeats), 2)

    if details and backend == "torch" and family in ("Pix2Pix", "GauGAN") and time.perf_counter() < deadline:
        record["torch_reference_step_ms"] = round(
            torch_reference_ms(model, family, batch_size, steps, repeats, precision), 2)

    loader_case = family == "Pix2Pix" and precision == "float32" and batch_size <= 2
    if loader_case and time.perf_counter() < deadline and not args.skip_loader:
        from keras_condgan.datasets.paired_images import PairedImageDataset

        size = model.image_shape[0]
        loader = PairedImageDataset(list(x), list(y), batch_size=batch_size, image_size=size, augment=True,
                                    workers=args.workers, use_multiprocessing=False)
        seconds = []
        for count in (2, steps, 2 * steps):  # a warm-up, then the difference of two fits as in `time_fit`
            start = time.perf_counter()
            model.fit(loader, epochs=1, verbose=0, steps_per_epoch=count)
            seconds.append(time.perf_counter() - start)
        marginal = seconds[2] - seconds[1] if seconds[2] > seconds[1] else seconds[2] / 2
        record["loader_step_ms"] = round(marginal / steps * 1000, 2)
        record["loader_workers"] = args.workers

    if details and time.perf_counter() < deadline:
        record.update(measure_inference(model, family, x, y, steps, repeats, rng))
    return record


def torch_reference_ms(model, family, batch_size, steps, repeats, precision):
    """The plain PyTorch step; under a mixed policy with `torch.autocast`, as PyTorch users write AMP."""
    import contextlib

    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if precision.startswith("mixed"):
        dtype = torch.bfloat16 if precision == "mixed_bfloat16" else torch.float16
        autocast = torch.autocast(device, dtype=dtype)
    else:
        autocast = contextlib.nullcontext()
    with autocast:
        return _torch_reference_ms(model, family, batch_size, steps, repeats, device)


def _torch_reference_ms(model, family, batch_size, steps, repeats, device):
    import torch

    from tools import reference_torch

    if family == "Pix2Pix":
        reference = reference_torch.Pix2PixReference(model.image_shape[0], model.filters, model.depth, model.norm,
                                                     device=device)
        condition = torch.rand(batch_size, 3, *model.image_shape[:2], device=device) * 2 - 1
        target = torch.rand_like(condition) * 2 - 1
        return time_calls(lambda: reference.train_step(condition, target), steps, repeats)
    reference = reference_torch.GauGANReference(
        model.image_shape[0], model.num_classes, model.latent_dim, model.generator_filters,
        model.discriminator_filters, model.encoder_filters, model.spade_filters, model.num_upsamples,
        model.discriminator_scales, model.discriminator_layers, model.spectral_norm, perceptual=True, device=device)
    labels = torch.randint(0, model.num_classes, (batch_size, *model.image_shape[:2]), device=device)
    seg = torch.nn.functional.one_hot(labels, model.num_classes).permute(0, 3, 1, 2).float()
    image = torch.rand(batch_size, 3, *model.image_shape[:2], device=device) * 2 - 1
    return time_calls(lambda: reference.train_step(seg, image), steps, repeats)


def measure_inference(model, family, x, y, steps, repeats, rng):
    import numpy as np

    from tools import bare_step

    large = THROUGHPUT_BATCH[family]
    generator = model.generator

    def inputs(count):
        batch = bare_step.float_batch(model, x[:1].repeat(count, 0), y[:1].repeat(count, 0), rng)
        if family == "ConditionalGAN":
            return [batch["noise"], batch["labels"]]
        if family == "Pix2Pix":
            return batch["conditions"]
        return [batch["noise"], batch["label_maps"]]

    one, many = inputs(1), inputs(large)
    latency = time_calls(lambda: np.asarray(generator.predict_on_batch(one)), steps, repeats)
    per_batch = time_calls(lambda: np.asarray(generator.predict_on_batch(many)), max(2, steps // 4), repeats, 1)
    return {"infer_b1_ms": round(latency, 2), "infer_batch": large,
            "infer_images_per_s": round(large / per_batch * 1000, 1)}


def worker(args):
    sys.path.insert(0, ROOT)
    deadline = time.perf_counter() + args.time_budget
    for name in args.cases:
        if time.perf_counter() > deadline:
            print(json.dumps({"model": name, "skipped": "time budget spent"}), flush=True)
            continue
        try:
            record = measure_case(name, args, deadline)
        except Exception as error:  # one failing case must not lose the others
            import traceback

            traceback.print_exc()
            record = {"model": name, "error": f"{type(error).__name__}: {error}"[:500]}
        print("RECORD " + json.dumps(record), flush=True)
        if os.environ.get("BENCHMARK_PARTIAL"):  # kept even if the run is cut short
            with open(os.environ["BENCHMARK_PARTIAL"], "a") as file:
                file.write(json.dumps(record) + "\n")


# --- the orchestrator: one worker process per backend, then the table -------------------------


def merge_references(records):
    """Every backend's record of a case gets the references measured for that case."""
    by_case = {}
    for record in records:
        for key in ("reference_step_ms", "torch_reference_step_ms", "flops_per_step"):
            if key in record:
                by_case.setdefault(record["model"], {})[key] = record[key]
    for record in records:
        if "step_ms" not in record:
            continue
        record.update({k: v for k, v in by_case.get(record["model"], {}).items() if k not in record})
        for key, label in (("reference_step_ms", "speedup_vs_tf_reference"),
                           ("torch_reference_step_ms", "speedup_vs_torch_reference")):
            if key in record:
                record[label] = round(record[key] / record["step_ms"], 2)
        peak = next((v for k, v in DEVICE_PEAK_FLOPS.items() if k in record["device"]), None)
        if peak and "flops_per_step" in record:
            achieved = record["flops_per_step"] / (record["step_ms"] / 1000)
            record["achieved_tflops"] = round(achieved / 1e12, 2)
            record["flops_share_of_peak"] = round(achieved / peak[record["precision"]], 4)
    return records


COLUMNS = [("model", "case"), ("backend", "backend"), ("batch_size", "batch"), ("precision", "precision"),
           ("step_ms", "step ms"), ("images_per_s", "img/s"), ("bare_ms", "bare ms"), ("overhead", "step/bare"),
           ("reference_step_ms", "TF ref ms"), ("torch_reference_step_ms", "torch ref ms"),
           ("loader_step_ms", "loader ms"), ("infer_b1_ms", "infer b1 ms"), ("infer_images_per_s", "infer img/s"),
           ("peak_memory_mb", "peak MB"), ("flops_share_of_peak", "share of peak")]


def table(records):
    rows = [[label for _, label in COLUMNS]]
    for record in records:
        if "step_ms" in record:
            rows.append(["" if record.get(key) is None else str(record.get(key)) for key, _ in COLUMNS])
        else:
            rows.append([record.get("model", "?"), record.get("backend", ""), record.get("error")
                         or record.get("skipped", "")] + [""] * (len(COLUMNS) - 3))
    widths = [max(len(row[i]) for row in rows if len(row) > i) for i in range(len(COLUMNS))]
    lines = ["| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def run_backend(backend, args):
    cases = GPU_TORCH_CASES if args.gpu and backend == "torch" and args.cases == GPU_CASES else args.cases
    budget = GPU_TIME_BUDGET.get(backend, args.time_budget) if args.gpu else args.time_budget
    command = [sys.executable, os.path.abspath(__file__), "--worker", "--cases", *cases,
               "--steps", str(args.steps), "--repeats", str(args.repeats), "--workers", str(args.workers),
               "--time-budget", str(budget)]
    command += ["--jit-compile", args.jit_compile]
    command += ["--skip-bare"] * args.skip_bare + ["--skip-loader"] * args.skip_loader
    env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=os.pathsep.join(
        [ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    print(f"# {backend}: {' '.join(cases)}", file=sys.stderr, flush=True)
    process = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)
    records = []
    for line in process.stdout.splitlines():
        if line.startswith("RECORD "):
            records.append(json.loads(line[len("RECORD "):]))
        elif line.startswith("{"):
            records.append({**json.loads(line), "backend": backend})
    if process.returncode and not records:
        records.append({"model": ",".join(args.cases), "backend": backend,
                        "error": f"worker exited with status {process.returncode}"})
    for record in records:
        record.setdefault("backend", backend)
    return records


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the 2-core CPU table: few steps, small cases")
    parser.add_argument("--gpu", action="store_true", help="the whole table on one GPU (JAX and torch)")
    parser.add_argument("--backends", nargs="+", default=None)
    parser.add_argument("--cases", nargs="+", default=None, choices=sorted(CASES))
    parser.add_argument("--steps", type=int, default=None, help="steps per timed repeat")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--workers", type=int, default=4, help="PyDataset workers of the loader measurement")
    parser.add_argument("--time-budget", type=float, default=None, help="seconds per backend; later cases skipped")
    parser.add_argument("--jit-compile", default="auto", choices=sorted(JIT_COMPILE),
                        help="our fit step's `compile(jit_compile=...)`; the bare step is always XLA")
    parser.add_argument("--skip-bare", action="store_true")
    parser.add_argument("--skip-loader", action="store_true")
    parser.add_argument("--out", help="write the records as JSON here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        return worker(args)
    if args.quick:
        defaults = dict(backends=["tensorflow", "jax", "torch"], cases=QUICK_CASES, steps=2, repeats=2,
                        time_budget=120)
    elif args.gpu:
        defaults = dict(backends=["jax", "torch"], cases=GPU_CASES, steps=8, repeats=3, time_budget=250)
    else:
        defaults = dict(backends=["tensorflow", "jax", "torch"], cases=["cgan"], steps=10, repeats=3,
                        time_budget=1800)
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    started = time.strftime("%Y-%m-%d %H:%M")
    records = []
    for backend in args.backends:
        records += run_backend(backend, args)
    records = merge_references(records)
    print(table(records))
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as file:
            json.dump({"date": started, "command": " ".join(sys.argv), "results": records}, file, indent=1)
        print(f"# wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
