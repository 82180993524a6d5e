import tensorflow as tf


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
            loss_scale.apply(optimizer, grads, variables)
        return logs

    def train_step(self, data):
        return self.gan_train_step(data)

    def test_step(self, data):
        return self.gan_test_step(data)
