"""For tests/test_distribution.py: trains each GAN family for a few steps on one device and
data-parallel on several virtual CPU devices, from the same weights on the same global
batches, and writes what the test compares to `--out` (JSON): the losses of every step, the
largest difference of any variable (weights, batch-norm statistics, spectral-norm vectors,
noise states, optimizer state) between the two runs, and between the devices' copies.

- JAX: `keras.distribution.DataParallel` over `--devices` CPU devices, with the model's own
  noise and dropout (JAX draws them for the global batch, so they match one device), and for
  the ConditionalGAN also `ModelParallel` on a 2 x (devices / 2) mesh that shards kernels.
- TensorFlow: `tf.distribute.MirroredStrategy` over logical CPU devices. Each replica draws
  its own noise and dropout masks there, so the comparison holds them fixed: dropout 0 and a
  latent noise that is a fixed function of each row's image (`fixed_noise`); the model's own
  noise is checked apart (`noise_streams`).

The ConditionalGAN trains with its default Adams; Pix2Pix and GauGAN with SGD (see
`compile_model`). XLA_FLAGS (JAX) and the logical devices (TensorFlow) must be set before
the backend initialises, hence a script of its own.
"""

import argparse
import json
import os
import sys
import tempfile
import threading
import time

BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")
GLOBAL_BATCH = 8
STEPS = 3


def configure_devices(count):
    # Both runs of a comparison compile alike; these settings only make compiling the many
    # small steps quicker (about 3x for XLA on a 2-core CPU).
    if BACKEND == "jax":
        os.environ["XLA_FLAGS"] = (
            os.environ.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={count}"
            + " --xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
        )
    elif BACKEND == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
        tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    else:
        raise SystemExit(f"data-parallel training is tested on jax and tensorflow, not {BACKEND}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--families", nargs="+", default=["cgan", "pix2pix", "gaugan"])
    parser.add_argument("--steps", type=int, default=STEPS)
    args = parser.parse_args()
    configure_devices(args.devices)

    import keras
    import numpy as np
    from keras import ops

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from conftest import synthetic_digits, tiny_cgan, tiny_pix2pix  # noqa: E402
    from test_gaugan import tiny_gaugan  # noqa: E402

    import keras_condgan  # noqa: E402

    def fixed_noise(images, size):
        """`size` values of each row's image, evenly spaced: noise that depends on the row
        alone, so that any split of the batch over replicas sees the same noise."""
        flat = ops.reshape(images, (ops.shape(images)[0], -1))
        stride = flat.shape[1] // size
        return flat[:, : size * stride : stride]

    # MirroredStrategy traces the replicas in threads that share the model: per thread.
    row_noise = threading.local()

    class FixedNoiseConditionalGAN(keras_condgan.ConditionalGAN):
        def prepare_batch(self, data):
            batch = super().prepare_batch(data)
            row_noise.value = fixed_noise(batch["images"], self.latent_dim)
            return batch

        def sample_noise(self, batch_size):
            return row_noise.value

    class FixedNoiseGauGAN(keras_condgan.GauGAN):
        def sample_latent(self, images, training=True):
            mean, log_variance = self.encoder(images, training=training)
            epsilon = fixed_noise(images, self.latent_dim)
            return mean + ops.exp(0.5 * log_variance) * epsilon, mean, log_variance

    fixed_randomness = BACKEND == "tensorflow"
    count = GLOBAL_BATCH * args.steps

    def cgan_case():
        config = dict(image_shape=(8, 8, 1), num_classes=3, latent_dim=8, generator_filters=(16, 8, 8),
                      discriminator_filters=(8, 16), seed=1)
        cls = FixedNoiseConditionalGAN if fixed_randomness else keras_condgan.ConditionalGAN
        return (lambda: cls(**config)), synthetic_digits(count=count)

    def pix2pix_case():
        rng = np.random.default_rng(0)
        blocks = rng.integers(0, 256, (count, 4, 4, 3), dtype="uint8")
        conditions = blocks.repeat(4, axis=1).repeat(4, axis=2)
        # BatchNorm (the paper's) in both networks; 16 x 16 (U-Net depth 4), 16 x 16 patches.
        config = dict(image_shape=(16, 16, 3), norm="batch", receptive_field=16)
        if fixed_randomness:
            config["dropout"] = 0.0
        return (lambda: tiny_pix2pix(**config)), (conditions, 255 - conditions)

    def gaugan_case():
        # SPADE batch norms, spectral norms and instance norms as in test_gaugan's tiny
        # model, at 16 x 16 with one upsampling.
        config = dict(image_shape=(16, 16, 3), num_upsamples=1)
        if fixed_randomness:
            def build():
                return FixedNoiseGauGAN.from_config(tiny_gaugan(**config).get_config())
        else:
            def build():
                return tiny_gaugan(**config)
        rng = np.random.default_rng(0)
        label_maps = rng.integers(0, 3, (count, 4, 4)).repeat(4, axis=1).repeat(4, axis=2).astype("int32")
        # Noisy images: on flat colour blocks the instance norms of the tiny networks divide
        # by a variance of rounding noise, and any two summation orders give other gradients.
        images = rng.integers(0, 256, label_maps.shape + (3,), dtype="uint8")
        return build, (label_maps, images)

    cases = {"cgan": cgan_case, "pix2pix": pix2pix_case, "gaugan": gaugan_case}

    def compile_model(model, family):
        # XLA on TensorFlow cannot compile a multi-replica step: off on both sides there.
        jit_compile = BACKEND == "jax"
        if family == "cgan":  # the default Adams (their state must stay equal on all devices)
            model.compile(jit_compile=jit_compile)
            return
        # An update proportional to the gradient: a gradient summed over the replicas but not
        # divided by their number shows, which Adam's first updates (about lr * sign(gradient))
        # would hide; and a gradient within rounding of zero cannot flip a whole lr step.
        model.compile(
            generator_optimizer=keras.optimizers.SGD(0.05, momentum=0.5),
            discriminator_optimizer=keras.optimizers.SGD(0.05, momentum=0.5),
            jit_compile=jit_compile,
        )

    class StepLosses(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.steps = []

        def on_train_batch_end(self, batch, logs=None):
            self.steps.append({k: float(v) for k, v in logs.items()})

    def train(model, data):
        recorder = StepLosses()
        model.fit(*data, batch_size=GLOBAL_BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[recorder])
        return recorder.steps

    def all_variables(model):
        return list(model.variables) + list(model.optimizer.variables)

    def values(model):
        return [np.asarray(ops.convert_to_numpy(v)).astype("float64") for v in all_variables(model)]

    def compare(reference, reference_values, model_values):
        """The largest difference between the two runs' values of a variable, relative to
        the largest magnitude of that variable (at least 1), and the variable's path."""
        worst, worst_name = 0.0, None
        for variable, a, b in zip(all_variables(reference), reference_values, model_values):
            if not a.size:
                continue
            difference = float(np.max(np.abs(a - b)) / max(1.0, np.max(np.abs(a))))
            if difference > worst:
                worst, worst_name = difference, variable.path
        return worst, worst_name

    def replica_spread(model, strategy=None):
        """The largest difference between two devices' copies of any variable (0 when every
        variable holds the same value on every device)."""
        worst, worst_name = 0.0, None
        for variable in all_variables(model):
            if BACKEND == "tensorflow":
                groups = [[c.numpy() for c in strategy.experimental_local_results(variable.value)]]
            else:
                # Devices that hold the same slice of the variable (all of them, unless it
                # is sharded) must hold the same values.
                by_slice = {}
                for shard in variable.value.addressable_shards:
                    by_slice.setdefault(str(shard.index), []).append(np.asarray(shard.data))
                groups = list(by_slice.values())
            for copies in groups:
                for copy in copies[1:]:
                    spread = float(np.max(np.abs(copy.astype("float64") - copies[0]))) if copy.size else 0.0
                    if spread > worst:
                        worst, worst_name = spread, variable.path
        return worst, worst_name

    results = {"backend": BACKEND, "devices": args.devices, "families": {}}
    tmp = tempfile.mkdtemp()

    def parallel_scope(kind):
        """A context in which a model is built, compiled and trained on several devices."""
        if BACKEND == "tensorflow":
            strategy = mirrored_strategy(args.devices)
            return strategy.scope(), strategy
        devices = keras.distribution.list_devices("cpu")
        if kind == "data":
            distribution = keras.distribution.DataParallel(devices=devices)
        else:  # the device-mesh API: batch over one mesh axis, kernels sharded over the other
            mesh = keras.distribution.DeviceMesh((2, len(devices) // 2), ["batch", "model"], devices)
            layout_map = keras.distribution.LayoutMap(mesh)
            # Output channels of the transposed (generator) and strided (discriminator)
            # convolutions. Not the generator's `project` Dense: its output is reshaped into
            # the seed map, which would split a transposed convolution's input along its
            # height, and jax 0.10.2 then doubles that input's gradient (plain JAX does too).
            layout_map["up.*/kernel"] = (None, None, "model", None)
            layout_map["down.*/kernel"] = (None, None, None, "model")
            distribution = keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
        return distribution.scope(), None

    runs = [(family, "data") for family in args.families]
    if BACKEND == "jax" and "cgan" in args.families:
        runs.append(("cgan", "model"))
    for family, kind in runs:
        started = time.time()
        build, data = cases[family]()
        # The same seeds for both builds: Keras does not save the dropout layers' noise
        # states with the weights.
        keras.utils.set_random_seed(0)
        single = build()
        marks = {"build": time.time() - started}
        if BACKEND == "tensorflow" and family == "gaugan":
            # Keras' synchronised batch norm (the replicas' path) computes the variance as
            # E[x^2] - E[x]^2, one device as E[(x - E[x])^2]; on a few channels of the tiny
            # GauGAN whose mean dwarfs their spread the two differ by ~1% after a few steps.
            # The reference uses the same formula, so only the split over replicas differs.
            for layer in single._flatten_layers():
                if isinstance(layer, keras.layers.BatchNormalization):
                    layer.synchronized = True
        compile_model(single, family)
        weights = os.path.join(tmp, f"{family}_{kind}.weights.h5")
        single.save_weights(weights)
        single_losses = train(single, data)
        marks["single_fit"] = time.time() - started
        single_values = values(single)

        scope, strategy = parallel_scope(kind)
        with scope:
            keras.utils.set_random_seed(0)
            parallel = build()
            marks["parallel_build"] = time.time() - started
            parallel.load_weights(weights)
            compile_model(parallel, family)
            parallel_losses = train(parallel, data)
            marks["parallel_fit"] = time.time() - started
            spread = replica_spread(parallel, strategy)
        difference = compare(single, single_values, values(parallel))
        if BACKEND == "jax":  # variables split over devices, not copied: ModelParallel's kernels
            split = [v.path for v in parallel.variables if len({str(s.index) for s in v.value.addressable_shards}) > 1]
        else:
            split = []
        results["families"][f"{family}/{kind}"] = {
            "split_variables": split,
            "single_losses": single_losses,
            "parallel_losses": parallel_losses,
            "max_weight_difference": difference,
            "replica_spread": spread,
            "seconds": round(time.time() - started, 1),
            "seconds_at": {k: round(v, 1) for k, v in marks.items()},
        }
        print(f"{family}/{kind}: {results['families'][f'{family}/{kind}']}", flush=True)

    if BACKEND == "tensorflow":
        results["noise_streams"] = noise_streams(keras, args.devices)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)


_strategies = {}


def mirrored_strategy(devices):
    """One MirroredStrategy per process: training under a second one after the first failed
    with "Shape mismatch in the collective instance 100" (its collectives paired with others)."""
    import tensorflow as tf

    if devices not in _strategies:
        _strategies[devices] = tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(devices)])
    return _strategies[devices]


def noise_streams(keras, devices):
    """The model's own noise under MirroredStrategy: what each replica draws inside a step,
    and each replica's noise state after it; and what `compile()` makes of XLA there."""
    import tensorflow as tf
    from conftest import tiny_cgan

    import warnings

    strategy = mirrored_strategy(devices)
    with strategy.scope():
        model = tiny_cgan()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.compile()  # jit_compile="auto"
    initial = model.seed_generator.state.numpy().tolist()

    @tf.function
    def draw():
        def replica_step():
            with model._replica_consistent_state():  # as in train_step
                return keras.random.normal((4,), seed=model.seed_generator)

        return strategy.run(replica_step)

    draws = [d.numpy().tolist() for d in strategy.experimental_local_results(draw())]
    states = [s.numpy().tolist() for s in strategy.experimental_local_results(model.seed_generator.state.value)]
    single = tiny_cgan()
    single_draw = keras.random.normal((4,), seed=single.seed_generator)
    return {
        "jit_compile": model.jit_compile,
        "compile_warnings": [str(w.message) for w in caught],
        "initial_state": initial,
        "replica_draws": draws,
        "replica_states": states,
        "single_device_draw": single_draw.numpy().tolist(),
        "single_device_state": single.seed_generator.state.numpy().tolist(),
    }


if __name__ == "__main__":
    main()
