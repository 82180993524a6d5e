"""The TensorFlow reference step for `tools/benchmark.py`: the same networks and losses as our
models, trained the way the public examples do it.

The keras.io conditional GAN and the TensorFlow pix2pix tutorial write one `tf.function`
(graph mode; XLA is not asked for) holding a `tf.GradientTape` per network and two
optimizers' `apply`. This is that step, with the discriminator updated first and then the
generator (GauGAN: generator and encoder), as our models do; the losses are those of
`tools/bare_step.py`, the networks are our models' own.
"""

import keras
import tensorflow as tf

from tools.bare_step import step_parts, training_calls


def make_reference_step(model, perceptual=None):
    """`batch -> (d_loss, g_loss)`: one tutorial-style `tf.function` step of `model`'s networks."""
    nets, d_loss_fn, g_loss_fn, d_names, g_names = step_parts(model, perceptual)
    calls = training_calls(nets)
    discriminator_variables = [v for n in d_names for v in nets[n].trainable_variables]
    generator_variables = [v for n in g_names for v in nets[n].trainable_variables]
    discriminator_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    generator_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)

    @tf.function
    def train_step(batch):
        with tf.GradientTape() as disc_tape:
            d_loss = d_loss_fn(calls, batch)
        gradients = disc_tape.gradient(d_loss, discriminator_variables)
        discriminator_optimizer.apply_gradients(zip(gradients, discriminator_variables))
        with tf.GradientTape() as gen_tape:
            g_loss = g_loss_fn(calls, batch)
        gradients = gen_tape.gradient(g_loss, generator_variables)
        generator_optimizer.apply_gradients(zip(gradients, generator_variables))
        return d_loss, g_loss

    return lambda batch: train_step({k: tf.convert_to_tensor(v) for k, v in batch.items()})
