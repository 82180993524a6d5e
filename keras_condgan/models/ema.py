"""An exponential moving average of a GAN's generator weights.

Averaging the generator's weights over the last few thousand updates gives better samples
than the last weights: the average smooths out the oscillation of adversarial training
(Yazici et al., "The Unusual Effectiveness of Averaging in GAN Training", ICLR 2019; Karras
et al., Progressive GAN, 2018, and every StyleGAN since; StudioGAN's `--apply_g_ema`).

Keras' optimizer option `use_ema` does not fit a GAN: it averages every variable of the one
optimizer that moves them (here the model's `MultiOptimizer`, which never applies gradients
itself), keeps the average in optimizer state (not saved in presets, which hold no optimizer)
and swaps it into the live weights at the end of `fit` (`finalize_variable_values`), so the
next `fit` would go on training from the average. Here the averages live in copies of the
averaged networks, whose weights are non-trainable model variables: they are saved with the
model's weights (checkpoints, presets, under `ema/`), threaded through JAX's compiled step
like every other model variable, and used for inference, while training moves the live
networks only.
"""

import keras
from keras import ops


def is_float_variable(variable):
    return keras.backend.standardize_dtype(variable.dtype).startswith(("float", "bfloat"))


@keras.saving.register_keras_serializable(package="keras_condgan")
class ExponentialMovingAverage(keras.layers.Layer):
    """Averaged copies of networks: after each update of the live networks, every averaged
    float weight moves as `average <- decay_t * average + (1 - decay_t) * live`.

    With `warmup`, `decay_t = min(decay, (1 + t) / (10 + t))` after `t` earlier updates (the
    warm-up of TensorFlow's `ExponentialMovingAverage(num_updates=...)`, used by StudioGAN):
    the average follows the fast-changing early weights closely and the random initial
    weights are forgotten within a few hundred updates. Without it, `decay_t = decay`.

    Variables that are not floats (the seed states of dropout layers) are copied, not
    averaged. BatchNorm's moving statistics are float variables and are averaged with the
    weights they belong to.

    Args:
        networks: the live Keras models to average (the generator, and GauGAN's encoder).
        decay: the decay, e.g. 0.999 (StudioGAN's default is 0.9999 for ~100k-step runs;
            the half-life is `log(0.5) / log(decay)` updates: 693 for 0.999).
        warmup: use the warm-up rule above.
    """

    def __init__(self, networks, decay=0.999, warmup=True, **kwargs):
        super().__init__(**kwargs)
        decay = float(decay)
        if not 0.0 < decay < 1.0:
            raise ValueError(f"`ema_decay` must be between 0 and 1 (e.g. 0.999), or None for no average; got {decay}.")
        self.decay = decay
        self.warmup = bool(warmup)
        # Copies with the live networks' architectures (and dtype policies), starting from their
        # weights; their variables are non-trainable: no optimizer ever moves them.
        self.averaged = [clone_network(network) for network in networks]
        # Updates made so far (float32: exact up to 2**24 updates, well past any run here).
        self.updates = self.add_weight(shape=(), initializer="zeros", dtype="float32", trainable=False, name="updates")
        self.built = True

    def current_decay(self):
        """The decay of the next update (a scalar tensor)."""
        if not self.warmup:
            return ops.convert_to_tensor(self.decay, "float32")
        t = ops.convert_to_tensor(self.updates)
        return ops.minimum(self.decay, (1.0 + t) / (10.0 + t))

    def update(self, live_networks):
        """Moves the averages one step towards the live networks' current weights."""
        decay = self.current_decay()
        for average, live in self._pairs(live_networks):
            value = ops.stop_gradient(ops.convert_to_tensor(live))
            if is_float_variable(average):
                step = ops.cast(1.0 - decay, average.dtype)
                average.assign(average + step * (ops.cast(value, average.dtype) - average))
            else:
                average.assign(value)
        self.updates.assign_add(1.0)

    def reset(self, live_networks):
        """Sets the averages to the live networks' weights and restarts the warm-up (e.g. after
        loading live weights into a model that has an average, to fine-tune it)."""
        for average, live in self._pairs(live_networks):
            average.assign(live)
        self.updates.assign(0.0)

    def _pairs(self, live_networks):
        if len(live_networks) != len(self.averaged):
            raise ValueError(f"Expected {len(self.averaged)} networks to average; got {len(live_networks)}.")
        pairs = []
        for average, live in zip(self.averaged, live_networks):
            if len(average.weights) != len(live.weights):
                raise ValueError(f"The average of {live.name} does not have its weights.")
            pairs += list(zip(average.weights, live.weights))
        return pairs


def clone_network(network):
    """A copy of a functional network with its own, non-trainable variables holding the same
    values."""
    copy = keras.models.clone_model(network)
    copy.set_weights(network.get_weights())
    copy.trainable = False
    return copy
