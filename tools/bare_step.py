"""The GAN training step of each family with none of our machinery, for `tools/benchmark.py`.

"Bare" means: the same Keras networks and the same losses as our models, one discriminator
update then one generator update (GauGAN: generator and encoder together), each a plain
forward / backward / optimizer `apply`, on float batches already in [-1, 1] and already on
the device, with fixed noise tensors instead of a seed generator. No `fit`, no input
conversion, no loss trackers, no `MultiOptimizer`, no `StatelessScope`. The gap between
our `fit` step and this one is what the GAN machinery costs.

Three gradient codes, written the way each framework's own documentation writes them:

- TensorFlow: `tf.GradientTape` in a `tf.function`; `jit_compile=True` for the bare step
  (XLA, as our `fit` uses), and `jit_compile=False` for the *reference* step of the
  keras.io conditional GAN and the TensorFlow pix2pix tutorial (`tools/reference_tensorflow.py`).
- JAX: `jax.value_and_grad` of `stateless_call`s inside one `jax.jit`, with
  `optimizer.stateless_apply` (the "JAX training loop" guide of keras.io).
- PyTorch: autograd, `loss.backward()`, then `optimizer.apply` under `torch.no_grad()`.
"""

import keras
from keras import ops

from keras_condgan import losses


# --- the losses, once, in keras.ops ----------------------------------------------------------
# `nets` maps a network name to a callable `(inputs) -> outputs` in training mode; each
# backend supplies its own (stateful on TF and torch, stateless on JAX).


def cgan_d_loss(nets, batch):
    fakes = ops.stop_gradient(nets["generator"]([batch["noise"], batch["labels"]]))
    real = nets["discriminator"]([batch["images"], batch["labels"]])
    fake = nets["discriminator"]([fakes, batch["labels"]])
    return losses.discriminator_bce(real, fake)


def cgan_g_loss(nets, batch):
    fakes = nets["generator"]([batch["noise"], batch["labels"]])
    return losses.generator_bce(nets["discriminator"]([fakes, batch["labels"]]))


def pix2pix_d_loss(nets, batch):
    fakes = ops.stop_gradient(nets["generator"](batch["conditions"]))
    real = nets["discriminator"]([batch["conditions"], batch["targets"]])
    fake = nets["discriminator"]([batch["conditions"], fakes])
    return 0.5 * losses.discriminator_bce(real, fake)


def pix2pix_g_loss(nets, batch):
    fakes = nets["generator"](batch["conditions"])
    fake = nets["discriminator"]([batch["conditions"], fakes])
    return losses.generator_bce(fake) + 100.0 * ops.mean(ops.abs(batch["targets"] - fakes))


def _gaugan_fakes(nets, batch):
    mean, log_variance = nets["encoder"](batch["images"])
    z = mean + ops.exp(0.5 * log_variance) * batch["noise"]
    return nets["generator"]([z, batch["label_maps"]]), mean, log_variance


def gaugan_d_loss(nets, batch):
    fakes, _, _ = _gaugan_fakes(nets, batch)
    fakes = ops.stop_gradient(fakes)
    real = nets["discriminator"]([batch["label_maps"], batch["images"]])
    fake = nets["discriminator"]([batch["label_maps"], fakes])
    return sum(losses.discriminator_hinge(r[-1], f[-1]) for r, f in zip(real, fake)) / len(real)


def gaugan_g_loss(nets, batch, perceptual=None):
    fakes, mean, log_variance = _gaugan_fakes(nets, batch)
    fake = nets["discriminator"]([batch["label_maps"], fakes])
    real = nets["discriminator"]([batch["label_maps"], batch["images"]])
    loss = sum(losses.generator_hinge(f[-1]) for f in fake) / len(fake)
    loss = loss + 10.0 * losses.feature_matching([r[:-1] for r in real], [f[:-1] for f in fake])
    loss = loss + 0.05 * losses.kl_divergence(mean, log_variance)
    if perceptual is not None:
        loss = loss + 10.0 * perceptual(batch["images"], fakes)
    return loss


def family_of(model):
    return type(model).__name__


def step_parts(model, perceptual=None):
    """`(networks, d_loss, g_loss, d_names, g_names)` of a model: the networks by name, the two
    loss functions, and which networks each update trains. `perceptual`: GauGAN's VGG loss
    (a `losses.PerceptualLoss`), or None to leave it out."""
    family = family_of(model)
    if family == "ConditionalGAN":
        nets = {"generator": model.generator, "discriminator": model.discriminator}
        return nets, cgan_d_loss, cgan_g_loss, ["discriminator"], ["generator"]
    if family == "Pix2Pix":
        nets = {"generator": model.generator, "discriminator": model.discriminator}
        return nets, pix2pix_d_loss, pix2pix_g_loss, ["discriminator"], ["generator"]
    nets = {"generator": model.generator, "discriminator": model.discriminator, "encoder": model.encoder}

    def g_loss(n, b):
        return gaugan_g_loss(n, b, perceptual)

    return nets, gaugan_d_loss, g_loss, ["discriminator"], ["generator", "encoder"]


def float_batch(model, images, labels_or_targets, rng):
    """The batch of the bare step as float32 NumPy arrays in the networks' input form."""
    import numpy as np

    family = family_of(model)
    as_float = lambda x: x.astype("float32") / 127.5 - 1.0  # noqa: E731
    if family == "ConditionalGAN":
        return {
            "images": as_float(images),
            "labels": np.eye(model.num_classes, dtype="float32")[labels_or_targets],
            "noise": rng.standard_normal((len(images), model.latent_dim)).astype("float32"),
        }
    if family == "Pix2Pix":
        return {"conditions": as_float(images), "targets": as_float(labels_or_targets)}
    label_maps, images = images, labels_or_targets  # GauGAN trains on (label maps, images)
    return {
        "label_maps": np.eye(model.num_classes, dtype="float32")[label_maps],
        "images": as_float(images),
        "noise": rng.standard_normal((len(images), model.latent_dim)).astype("float32"),
    }


def make_bare_step(model, jit_compile=True, perceptual=None):
    """A function `batch -> (d_loss, g_loss)` that trains `model`'s networks one step, written
    with the current backend's own gradient code. Optimizers: Adam, as the models' defaults."""
    nets, d_loss, g_loss, d_names, g_names = step_parts(model, perceptual)
    d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_vars = [v for n in d_names for v in nets[n].trainable_variables]
    g_vars = [v for n in g_names for v in nets[n].trainable_variables]
    d_opt.build(d_vars)
    g_opt.build(g_vars)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _tensorflow_step(nets, d_loss, g_loss, d_vars, g_vars, d_opt, g_opt, jit_compile)
    if backend == "jax":
        return _jax_step(nets, d_loss, g_loss, d_names, g_names, d_opt, g_opt)
    return _torch_step(nets, d_loss, g_loss, d_vars, g_vars, d_opt, g_opt)


def training_calls(nets):
    """`{name: inputs -> outputs}`: each network called in training mode."""
    return {name: (lambda net: lambda x: net(x, training=True))(net) for name, net in nets.items()}


def _tensorflow_step(nets, d_loss, g_loss, d_vars, g_vars, d_opt, g_opt, jit_compile):
    import tensorflow as tf

    calls = training_calls(nets)

    @tf.function(jit_compile=jit_compile)
    def step(batch):
        with tf.GradientTape() as tape:
            d = d_loss(calls, batch)
        d_opt.apply(tape.gradient(d, d_vars), d_vars)
        with tf.GradientTape() as tape:
            g = g_loss(calls, batch)
        g_opt.apply(tape.gradient(g, g_vars), g_vars)
        return d, g

    return lambda batch: step({k: tf.convert_to_tensor(v) for k, v in batch.items()})


def _torch_step(nets, d_loss, g_loss, d_vars, g_vars, d_opt, g_opt):
    import torch

    calls = training_calls(nets)

    def update(loss_fn, variables, optimizer, batch):
        for v in d_vars + g_vars:
            v.value.grad = None
        loss = loss_fn(calls, batch)
        loss.backward()
        with torch.no_grad():
            optimizer.apply([v.value.grad for v in variables], variables)
        return loss

    def step(batch):
        batch = {k: ops.convert_to_tensor(v) for k, v in batch.items()}
        return update(d_loss, d_vars, d_opt, batch), update(g_loss, g_vars, g_opt, batch)

    return step


def _jax_step(nets, d_loss, g_loss, d_names, g_names, d_opt, g_opt):
    import jax

    names = list(nets)
    state = {
        "trainable": {n: [v.value for v in nets[n].trainable_variables] for n in names},
        "non_trainable": {n: [v.value for v in nets[n].non_trainable_variables] for n in names},
        "d_opt": [v.value for v in d_opt.variables],
        "g_opt": [v.value for v in g_opt.variables],
    }

    def stateless_update(loss_fn, trained, optimizer, opt_key, state, batch):
        def pure_loss(trained_values, state):
            non_trainable = dict(state["non_trainable"])
            calls = {}
            for name in names:
                def call(inputs, name=name):
                    values = trained_values[name] if name in trained else state["trainable"][name]
                    outputs, non_trainable[name] = nets[name].stateless_call(
                        values, non_trainable[name], inputs, training=True
                    )
                    return outputs
                calls[name] = call
            return loss_fn(calls, batch), non_trainable

        trained_values = {n: state["trainable"][n] for n in trained}
        (loss, non_trainable), grads = jax.value_and_grad(pure_loss, has_aux=True)(trained_values, state)
        flat_values = [v for n in trained for v in trained_values[n]]
        flat_grads = [g for n in trained for g in grads[n]]
        new_values, new_opt = optimizer.stateless_apply(state[opt_key], flat_grads, flat_values)
        trainable = dict(state["trainable"])
        start = 0
        for n in trained:
            count = len(trained_values[n])
            trainable[n] = new_values[start : start + count]
            start += count
        return loss, {**state, "trainable": trainable, "non_trainable": non_trainable, opt_key: new_opt}

    @jax.jit
    def step(state, batch):
        d, state = stateless_update(d_loss, d_names, d_opt, "d_opt", state, batch)
        g, state = stateless_update(g_loss, g_names, g_opt, "g_opt", state, batch)
        return (d, g), state

    holder = {"state": state}

    def run(batch):
        (d, g), holder["state"] = step(holder["state"], batch)
        return d, g

    run.jitted = step
    run.state = holder
    return run
