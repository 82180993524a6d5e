import contextlib
import threading
import warnings

import keras
import tensorflow as tf

from keras_condgan.trainers.loss_scale import all_finite, unscale

# Added to a noise stream's seed for each replica id (2**32 / golden ratio): far apart
# after TensorFlow's seed folding (`floormod(seed, 2**31 - 2)`), unlike consecutive seeds.
REPLICA_SEED_STRIDE = 0x9E3779B1
# Guards the count of replica threads tracing a step with synchronised batch norms.
_SYNCHRONIZED_LOCK = threading.Lock()


class TensorFlowGANTrainer:
    """GAN gradient steps on TensorFlow: a `GradientTape` per network update.

    Under a `tf.distribute` strategy with several replicas (`MirroredStrategy`,
    `MultiWorkerMirroredStrategy`) each replica runs the step on its share of the global
    batch, and each optimizer sums the replicas' gradients before updating the mirrored
    weights. So that a step equals one device's step on the global batch:

    - each replica's loss is divided by the number of replicas, as Keras' own losses do
      (`keras/src/losses/loss.py`); the logged losses are not divided;
    - batch normalisation (`BatchNormalization`, SPADE's) normalises with the moments of the
      global batch (Keras' `synchronized=True`, during the step only, so that configs stay
      loadable on other backends); each replica then computes the same moving statistics;
    - each replica draws its own noise and dropout masks: every seed generator's seed is
      offset by the replica id during the step and put back after it (the draws advance
      every replica's counter alike), so the seed states stay equal on all replicas;
    - XLA is off: it cannot compile a step whose variables live on several devices
      (keras-team/keras#19005; Keras' own `jit_compile="auto"` turns it off under
      `tf.distribute` too).
    """

    def compile(self, *args, **kwargs):
        if kwargs.get("jit_compile") and self.distribute_strategy.num_replicas_in_sync > 1:
            warnings.warn(
                f"XLA cannot compile a step spread over {self.distribute_strategy.num_replicas_in_sync} "
                "replicas of a tf.distribute strategy: compiling with `jit_compile=False`.",
                stacklevel=3,
            )
            kwargs["jit_compile"] = False
        super().compile(*args, **kwargs)

    def _gradient_step(self, loss_fn, variables, optimizer, loss_scale=None):
        with tf.GradientTape() as tape:
            loss, logs = loss_fn()
            loss = scale_loss_for_replicas(loss)  # `logs` keep the undivided loss
            if loss_scale is not None:  # mixed_float16: see trainers/loss_scale.py
                loss = loss_scale.scale_loss(loss)
        grads = tape.gradient(loss, variables)
        if loss_scale is None:
            optimizer.apply(grads, variables)
        else:
            apply_scaled_gradients(loss_scale, optimizer, grads, variables)
        return logs

    def _input_gradients(self, fn, inputs):
        """`(fn(inputs), d sum(fn(inputs)) / d inputs)`, the gradients differentiable with respect
        to the variables `fn` reads (a gradient penalty inside `_gradient_step`'s tape): a
        second tape, inside the first, watches the inputs. The inputs are constants for any
        outer differentiation; the sum is taken in float32."""
        inputs = tf.stop_gradient(tf.convert_to_tensor(inputs))
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(inputs)
            outputs = fn(inputs)
            total = tf.reduce_sum(tf.cast(outputs, "float32"))
        gradients = tape.gradient(total, inputs, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return outputs, gradients

    def _state_cond(self, pred, true_fn, false_fn):
        """`ops.cond` for branches that may update variables (BatchNorm statistics, seed
        states): `tf.cond` orders their writes itself."""
        return tf.cond(pred, true_fn, false_fn)

    def train_step(self, data):
        with self._replica_consistent_state():
            return self.gan_train_step(data)

    def test_step(self, data):
        with self._replica_consistent_state():
            return self.gan_test_step(data)

    @contextlib.contextmanager
    def _replica_consistent_state(self):
        """Global-batch normalisation moments and per-replica noise streams while a step is
        traced in a replica context of several replicas (see the class docstring)."""
        context = tf.distribute.get_replica_context()
        if context is None or context.num_replicas_in_sync == 1:
            yield
            return
        layers = list(self._flatten_layers())
        seed_states = list({id(g): g.state for layer in layers for g in layer._seed_generators}.values())
        replica_id = tf.cast(context.replica_id_in_sync_group, "int64")
        offset = tf.stack([replica_id * REPLICA_SEED_STRIDE, tf.constant(0, "int64")])
        for state in seed_states:
            state.assign(state + tf.cast(offset, state.dtype))
        with self._synchronized_batch_norms(layers):
            yield
        for state in seed_states:
            state.assign(state - tf.cast(offset, state.dtype))

    @contextlib.contextmanager
    def _synchronized_batch_norms(self, layers):
        """`synchronized=True` on the BatchNormalization layers while the replicas trace a step.

        The flag is shared by the replicas, which `MirroredStrategy` traces in threads that
        take turns at each cross-replica call (all of them enter the step before any leaves
        it): it goes back when the last replica leaves. Put back by the first one, it would
        let the others trace unsynchronised batch norms, whose missing all-reduces shift the
        collectives of every later op out of step between replicas ("Shape mismatch in the
        collective instance").
        """
        with _SYNCHRONIZED_LOCK:
            users = self.__dict__.get("_synchronized_batch_norm_users", 0)
            if users == 0:
                changed = [
                    layer
                    for layer in layers
                    if isinstance(layer, keras.layers.BatchNormalization) and not layer.synchronized
                ]
                for layer in changed:
                    layer.synchronized = True
                object.__setattr__(self, "_synchronized_batch_norms_changed", changed)
            object.__setattr__(self, "_synchronized_batch_norm_users", users + 1)
        try:
            yield
        finally:
            with _SYNCHRONIZED_LOCK:
                users = self.__dict__["_synchronized_batch_norm_users"] - 1
                object.__setattr__(self, "_synchronized_batch_norm_users", users)
                if users == 0:
                    for layer in self.__dict__.pop("_synchronized_batch_norms_changed"):
                        layer.synchronized = False


def scale_loss_for_replicas(loss):
    """`loss / num_replicas_in_sync` under a `tf.distribute` strategy with several replicas:
    each replica's loss is a mean over its share of the batch and the optimizer sums the
    replicas' gradients, so the sum is the gradient of the mean over the global batch."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if replicas == 1:
        return loss
    return loss * tf.cast(1.0 / replicas, loss.dtype)


def apply_scaled_gradients(loss_scale, optimizer, scaled_grads, variables):
    """`loss_scale.apply` (mixed_float16), also under a strategy whose optimizer update is a
    `merge_call` (`MirroredStrategy`), which cannot sit inside a `cond` in a replica: there
    the replicas' gradients are checked and the update is applied or skipped in the
    cross-replica context, as Keras' `LossScaleOptimizer` does. An overflow on any replica
    skips the update on all (the summed gradient would overflow too)."""
    context = tf.distribute.get_replica_context()
    if (
        context is None
        or context.num_replicas_in_sync == 1
        or tf.__internal__.distribute.strategy_supports_no_merge_call()
    ):
        loss_scale.apply(optimizer, scaled_grads, variables)
        return

    def cross_replica(distribution, scaled_grads):
        finite_per_replica = distribution.extended.call_for_each_replica(all_finite, args=(scaled_grads,))
        finite = tf.reduce_all(tf.stack(distribution.experimental_local_results(finite_per_replica)))

        def update():
            distribution.extended.call_for_each_replica(
                lambda grads: optimizer.apply(unscale(grads, loss_scale.scale), variables), args=(scaled_grads,)
            )

        tf.cond(finite, update, lambda: None)
        loss_scale.update_scale(finite)

    context.merge_call(cross_replica, args=(scaled_grads,))
