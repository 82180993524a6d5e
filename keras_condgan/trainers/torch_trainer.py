import keras
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

    def _input_gradients(self, fn, inputs):
        """`(fn(inputs), d sum(fn(inputs)) / d inputs)`, the gradients differentiable with respect
        to the parameters `fn` reads (`create_graph=True`: a gradient penalty inside
        `_gradient_step`'s `backward`). The inputs are constants for any outer
        differentiation (detached); the sum is taken in float32."""
        inputs = torch.as_tensor(keras.ops.convert_to_tensor(inputs)).detach().requires_grad_(True)
        with torch.enable_grad():
            outputs = fn(inputs)
            total = outputs.float().sum()
            (gradients,) = torch.autograd.grad(total, inputs, create_graph=True, allow_unused=True)
        if gradients is None:  # `fn` does not depend on its inputs
            gradients = torch.zeros_like(inputs)
        return outputs, gradients

    def _state_cond(self, pred, true_fn, false_fn):
        """`ops.cond` for branches that may update variables: eager, so only the branch taken runs."""
        return true_fn() if bool(pred) else false_fn()

    def train_step(self, data):
        return self.gan_train_step(data)

    def test_step(self, data):
        with torch.no_grad():
            return self.gan_test_step(data)
