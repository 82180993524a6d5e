"""The backend-specific half of GAN training: one gradient step per backend.

Keras picks its trainer by backend when it is imported, and so do we: `GANTrainer`
is the mixin for the backend named by `KERAS_BACKEND`. Each mixin implements
`_gradient_step(loss_fn, variables, optimizer)`, where a network's update differentiates
its loss, and `_input_gradients(fn, inputs)`, the gradients of a function's sum with
respect to its inputs, themselves differentiable with respect to the network's weights
(gradient penalties), with `_state_cond`, a condition whose branches may update
variables (the lazy penalty): the only places where gradients are taken. JAX's mixin
also threads the functional `fit` state through the step.
Everything else about a GAN (losses, the order of the steps, metrics) is written
once, in `keras.ops`, in `keras_condgan.models.gan.GAN`.
"""

import keras

_backend = keras.backend.backend()
if _backend == "tensorflow":
    from keras_condgan.trainers.tensorflow_trainer import TensorFlowGANTrainer as GANTrainer
elif _backend == "jax":
    from keras_condgan.trainers.jax_trainer import JAXGANTrainer as GANTrainer
elif _backend == "torch":
    from keras_condgan.trainers.torch_trainer import TorchGANTrainer as GANTrainer
else:
    raise ImportError(
        f"keras_condgan supports the tensorflow, jax and torch backends; "
        f"KERAS_BACKEND is {_backend!r}."
    )

__all__ = ["GANTrainer"]
