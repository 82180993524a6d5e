import tensorflow as tf


class TensorFlowGANTrainer:
    """GAN gradient steps on TensorFlow: a `GradientTape` per network update."""

    def _gradient_step(self, loss_fn, variables, optimizer):
        with tf.GradientTape() as tape:
            loss, logs = loss_fn()
        grads = tape.gradient(loss, variables)
        optimizer.apply(grads, variables)
        return logs

    def train_step(self, data):
        return self.gan_train_step(data)

    def test_step(self, data):
        return self.gan_test_step(data)
