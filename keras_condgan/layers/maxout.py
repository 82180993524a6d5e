import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_condgan")
class Maxout(keras.layers.Layer):
    """Maxout units (Goodfellow et al., 2013): the max over `pieces` affine maps.

    Output `units` features; each is `max_k (x W_k + b_k)` over `pieces` linear
    pieces, computed as one `Dense(units * pieces)` followed by a max.
    """

    def __init__(self, units, pieces, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.pieces = int(pieces)
        # Same precision policy as this layer.
        self.dense = keras.layers.Dense(self.units * self.pieces, dtype=self.dtype_policy, name="pieces")

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, inputs):
        x = self.dense(inputs)
        x = ops.reshape(x, (-1, self.units, self.pieces))
        return ops.max(x, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "pieces": self.pieces})
        return config
