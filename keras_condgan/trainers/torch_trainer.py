import torch


class TorchGANTrainer:
    """GAN gradient steps on PyTorch: autograd, one `backward` per network update.

    `jit_compile=True` would mean `torch.compile` of the whole step; the step
    switches grad modes between the two networks, which exhausts dynamo's
    recompile limit, so `GAN.compile` runs torch eagerly unless asked otherwise.
    """

    def _gradient_step(self, loss_fn, variables, optimizer, loss_scale=None):
        # Gradients of the other network accumulate in its `.grad` during this
        # backward pass (the generator loss flows through the discriminator):
        # clear everything first so no step sees another step's gradients.
        self.zero_grad()
        loss, logs = loss_fn()
        if loss_scale is not None:  # mixed_float16: see trainers/loss_scale.py
            loss = loss_scale.scale_loss(loss)
        loss.backward()
        grads = [v.value.grad for v in variables]
        with torch.no_grad():
            if loss_scale is None:
                optimizer.apply(grads, variables)
            else:
                loss_scale.apply(optimizer, grads, variables)
        return logs

    def train_step(self, data):
        return self.gan_train_step(data)

    def test_step(self, data):
        with torch.no_grad():
            return self.gan_test_step(data)
