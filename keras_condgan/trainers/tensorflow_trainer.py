import tensorflow as tf

from keras_condgan.trainers.loss_scale import all_finite, unscale


class TensorFlowGANTrainer:
    """GAN gradient steps on TensorFlow: a `GradientTape` per network update."""

    def _gradient_step(self, loss_fn, variables, optimizer, loss_scale=None):
        with tf.GradientTape() as tape:
            loss, logs = loss_fn()
            if loss_scale is not None:  # mixed_float16: see trainers/loss_scale.py
                loss = loss_scale.scale_loss(loss)
        grads = tape.gradient(loss, variables)
        if loss_scale is None:
            optimizer.apply(grads, variables)
        else:
            apply_scaled_gradients(loss_scale, optimizer, grads, variables)
        return logs

    def train_step(self, data):
        return self.gan_train_step(data)

    def test_step(self, data):
        return self.gan_test_step(data)


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
