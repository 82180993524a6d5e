"""Dynamic loss scaling of one network's updates, for `mixed_float16` (backend-neutral, `keras.ops`).

In float16 small gradients underflow to zero. Loss scaling multiplies the loss by a large
factor before differentiating and divides the gradients by it before the update. The factor
is dynamic, with Keras' rule (`keras.optimizers.LossScaleOptimizer`): an update whose
gradients are not all finite is skipped whole (weights and optimizer state untouched) and
the scale is halved; after `growth_steps` finite updates in a row it is doubled.

Keras puts one such scale on the model's single optimizer. A GAN needs one per network:
the discriminator's and the generator's losses differ in size (a Pix2Pix generator loss
carries 100 x L1), so one shared scale would be too small for one and overflow for the
other, and one network's overflow must not skip the other's update. The two optimizers live
in a `MultiOptimizer`, which refuses a `LossScaleOptimizer` inside it, so `GAN.compile`
gives each network a `DynamicLossScale` instead, whose two variables it adds to the
model's optimizer: JAX threads them through `fit` like the rest of the optimizer state.

Each backend's `_gradient_step` (in `keras_condgan.trainers`) calls `scale_loss` on the loss
it differentiates, then `apply` (TensorFlow, torch: updates variables in place under
`ops.cond`) or `stateless_apply` (JAX: returns the new values, as Keras' stateless
optimizer API does). Under a `tf.distribute` strategy the TensorFlow trainer takes the same
decision across replicas with `all_finite`, `unscale` and `update_scale`.
"""

import keras
from keras import ops


class DynamicLossScale:
    """The loss scale of one network's updates, and the rule that moves it.

    Args:
        optimizer: the optimizer that holds the scale's two variables (the model's
            `MultiOptimizer`; not the network's own optimizer, whose state a skipped
            update must leave untouched).
        name: the network's name, to name the variables.
        initial_scale: the starting scale (Keras' default, 2**15).
        growth_steps: finite updates in a row after which the scale doubles (2000).
    """

    def __init__(self, optimizer, name, initial_scale=2.0**15, growth_steps=2000):
        if int(growth_steps) < 1:
            raise ValueError(f"`growth_steps` must be at least 1; got {growth_steps!r}.")
        self.name = name
        self.growth_steps = int(growth_steps)
        self.scale = optimizer.add_variable(
            (), initializer=keras.initializers.Constant(initial_scale), dtype="float32", name=f"{name}_loss_scale"
        )
        self.finite_steps = optimizer.add_variable((), initializer="zeros", dtype="int", name=f"{name}_finite_steps")

    @property
    def variables(self):
        return [self.scale, self.finite_steps]

    def scale_loss(self, loss, scale=None):
        """`loss * scale`, in float32. `scale`: the scale's current value where the variable
        cannot be read (inside JAX's differentiated function)."""
        return ops.multiply(ops.cast(loss, "float32"), self.scale if scale is None else scale)

    # --- the rule, on values -------------------------------------------------------------

    def _next_state(self, finite, scale, finite_steps):
        """The scale and finite-step count after an update whose gradients were (not) finite."""
        counted = finite_steps + 1
        grow = ops.logical_and(finite, ops.greater_equal(counted, self.growth_steps))
        scale = ops.where(finite, ops.where(grow, scale * 2.0, scale), scale * 0.5)
        finite_steps = ops.where(ops.logical_and(finite, ops.logical_not(grow)), counted, ops.zeros_like(counted))
        return scale, finite_steps

    # --- stateful: TensorFlow and torch --------------------------------------------------

    def apply(self, optimizer, scaled_grads, variables):
        """Unscales `scaled_grads` and applies them to `variables` with `optimizer`, or, if any
        is not finite, skips the update; then moves the scale."""
        finite = all_finite(scaled_grads)
        # The update reads the scale before `update_scale` changes it.
        ops.cond(
            finite,
            lambda: optimizer.apply(unscale(scaled_grads, self.scale), variables),
            lambda: None,
        )
        self.update_scale(finite)

    def update_scale(self, finite):
        """Moves the scale after an update whose gradients were all finite (or not)."""
        scale, finite_steps = self._next_state(finite, self.scale, self.finite_steps)
        self.scale.assign(scale)
        self.finite_steps.assign(finite_steps)

    # --- stateless: JAX ----------------------------------------------------------------------

    def stateless_apply(self, optimizer, scaled_grads, variables, variable_values, optimizer_values, scale_values):
        """`apply` on values: returns the new `(variable_values, optimizer_values,
        scale_values)`, where `optimizer_values` follow `optimizer.variables` and
        `scale_values` this object's `variables`. A skipped update returns the values given."""
        scale, finite_steps = scale_values
        finite = all_finite(scaled_grads)

        def update():
            mapping = list(zip(variables, variable_values)) + list(zip(optimizer.variables, optimizer_values))
            with keras.StatelessScope(state_mapping=mapping) as scope:
                optimizer.apply(unscale(scaled_grads, scale), variables)
            return (
                [scope.get_current_value(v) for v in variables],
                [scope.get_current_value(v) for v in optimizer.variables],
            )

        def skip():
            return list(variable_values), list(optimizer_values)

        new_variable_values, new_optimizer_values = ops.cond(finite, update, skip)
        return new_variable_values, new_optimizer_values, list(self._next_state(finite, scale, finite_steps))


def all_finite(grads):
    """Whether every gradient holds finite values only (a scalar boolean tensor)."""
    return ops.all(ops.stack([ops.all(ops.isfinite(g)) for g in grads if g is not None]))


def unscale(scaled_grads, scale):
    return [None if g is None else ops.divide(g, ops.cast(scale, g.dtype)) for g in scaled_grads]
