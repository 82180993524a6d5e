"""Spectral normalisation of a convolution (Miyato et al., 2018), as a reparameterisation.

`SpectralConv2D` is a `Conv2D` whose kernel is divided by an estimate of its largest
singular value on every call, the way PyTorch's `torch.nn.utils.spectral_norm` (used by the
official SPADE code) does it: the kernel variable keeps the unnormalised weights, the
gradient flows through the division by sigma, and the kernel variable is only ever changed
by the optimizer.

Why not `keras.layers.SpectralNormalization`: in a training call it writes the normalised
kernel back into the wrapped layer's kernel variable (`kernel.assign(kernel / sigma)`) and
differentiates the layer as if that were a plain kernel. In a GAN the generator update runs
the discriminator in training mode, so every generator update would rewrite the
discriminator's trainable weights; and under the JAX trainer, which keeps only
non-trainable writes, the same code would differentiate through sigma and drop the write,
training differently from TensorFlow and torch.

One power iteration per training call refines `vector_u`, the estimate of the kernel
matrix's leading right singular vector (a non-trainable weight, like PyTorch's `u`).
Inference runs the same iteration from the stored vector without storing the result, so it
does not change any state and does not depend on the batch.

Under a mixed precision policy the convolution computes in the policy's dtype (bfloat16 or
float16) while the power iteration and sigma stay float32: half precision would make the
singular-vector estimate drift and sigma too coarse to normalise by.
"""

import keras
from keras import ops


def _l2_normalize(x, epsilon=1e-12):
    return x / ops.maximum(ops.sqrt(ops.sum(ops.square(x))), epsilon)


@keras.saving.register_keras_serializable(package="keras_condgan")
class SpectralConv2D(keras.layers.Conv2D):
    """`keras.layers.Conv2D` with a spectrally normalised kernel (largest singular value 1).

    Args:
        power_iterations: power-method steps per training call (1, as in the paper).
        **kwargs: those of `keras.layers.Conv2D`.
    """

    def __init__(self, *args, power_iterations=1, **kwargs):
        super().__init__(*args, **kwargs)
        if int(power_iterations) < 1:
            raise ValueError(f"`power_iterations` must be at least 1; got {power_iterations!r}.")
        self.power_iterations = int(power_iterations)

    def build(self, input_shape):
        super().build(input_shape)
        self.vector_u = self.add_weight(
            shape=(1, self.filters),
            initializer=keras.initializers.RandomNormal(0.0, 1.0),
            trainable=False,
            autocast=False,  # read in float32 even inside a mixed precision call
            name="vector_u",
        )

    def normalized_kernel(self, training=False):
        """`(kernel / sigma, new vector_u)`; sigma ~ the largest singular value of the kernel
        seen as a `(kernel_h * kernel_w * in_channels, filters)` matrix."""
        # In a mixed precision call the kernel reads in the compute dtype; sigma is float32.
        kernel = ops.cast(self.kernel, "float32")
        matrix = ops.reshape(kernel, (-1, self.filters))
        # The power iteration only estimates the singular vectors: no gradient through it.
        frozen = ops.stop_gradient(matrix)
        u = ops.convert_to_tensor(self.vector_u)
        for _ in range(self.power_iterations):
            v = _l2_normalize(ops.matmul(u, ops.transpose(frozen)))
            u = _l2_normalize(ops.matmul(v, frozen))
        sigma = ops.sum(ops.matmul(v, matrix) * u)
        return kernel / sigma, u

    def call(self, inputs, training=None):
        kernel, u = self.normalized_kernel(training)
        if training:
            self.vector_u.assign(u)
        outputs = self.convolution_op(inputs, ops.cast(kernel, self.compute_dtype))
        if self.use_bias:
            outputs = outputs + ops.reshape(ops.cast(self.bias, self.compute_dtype), (1, 1, 1, self.filters))
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    # Conv2D saves and loads its kernel and bias only: the singular-vector estimate is
    # state too (inference normalises with it), so it goes into weights files as well.

    def _saved_variables(self):
        return [self.kernel] + ([self.bias] if self.use_bias else []) + [self.vector_u]

    def save_own_variables(self, store):
        if not self.built:
            return
        for i, variable in enumerate(self._saved_variables()):
            store[str(i)] = variable

    def load_own_variables(self, store):
        self._check_load_own_variables(store)
        if not self.built:
            return
        for i, variable in enumerate(self._saved_variables()):
            variable.assign(store[str(i)])

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}
