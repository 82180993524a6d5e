import jax
import jax.numpy as jnp
import keras
from keras.src.backend.common.stateless_scope import get_stateless_scope


class JAXGANTrainer:
    """GAN gradient steps on JAX, written against Keras' functional `fit` state.

    JAX's `fit` calls `train_step(state, data)` with every variable value passed
    in (the variables themselves are purged) and expects the new values back.
    We run the backend-agnostic step inside a `StatelessScope` that maps each
    variable to its value in `state`, so the ordinary Keras code of the GAN
    (sub-model calls, BatchNorm updates, seed generators, optimizer `apply`,
    metric updates) reads and writes the scope instead of the variables. Only
    `_gradient_step` differs: it turns the loss into a pure function of the
    values of the variables it differentiates, for `jax.value_and_grad`; and so do
    `_input_gradients` (`jax.vjp`) and `_state_cond` (`lax.cond`), see below.
    """

    def _state_variables(self, training=True):
        if training:
            return (
                self.trainable_variables,
                self.non_trainable_variables,
                self.optimizer.variables,
                self.metrics_variables,
            )
        return (
            self.trainable_variables,
            self.non_trainable_variables,
            self.metrics_variables,
        )

    def _run_stateless(self, step_fn, state, data, training):
        groups = self._state_variables(training)
        mapping = [
            (variable, value)
            for variables, values in zip(groups, state)
            for variable, value in zip(variables, values)
        ]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            logs = step_fn(data)
        new_state = tuple(
            [scope.get_current_value(v) for v in variables] for variables in groups
        )
        return logs, new_state

    def train_step(self, state, data):
        return self._run_stateless(self.gan_train_step, state, data, training=True)

    def test_step(self, state, data):
        return self._run_stateless(self.gan_test_step, state, data, training=False)

    def _gradient_step(self, loss_fn, variables, optimizer, loss_scale=None):
        outer = get_stateless_scope()
        # Everything the loss may read: the current values from the outer scope.
        tracked = self.trainable_variables + self.non_trainable_variables
        differentiated = {id(v) for v in variables}
        fixed = [v for v in tracked if id(v) not in differentiated]
        fixed_values = [outer.get_current_value(v) for v in fixed]
        # Only the variables the loss writes (BatchNorm statistics, seed states)
        # come back out; trainable values change through the optimizer alone.
        written = self.non_trainable_variables

        # mixed_float16 (see trainers/loss_scale.py): the scale is read here, since the
        # function below maps the model's variables only.
        scale = None if loss_scale is None else outer.get_current_value(loss_scale.scale)

        def pure_loss(values):
            mapping = list(zip(variables, values)) + list(zip(fixed, fixed_values))
            with keras.StatelessScope(state_mapping=mapping) as scope:
                loss, logs = loss_fn()
                if loss_scale is not None:
                    loss = loss_scale.scale_loss(loss, scale)
            return loss, (logs, [scope.get_current_value(v) for v in written])

        values = [outer.get_current_value(v) for v in variables]
        (_, (logs, new_values)), grads = jax.value_and_grad(pure_loss, has_aux=True)(
            values
        )
        for variable, value in zip(written, new_values):
            variable.assign(value)  # recorded by the outer scope
        if loss_scale is None:
            optimizer.apply(grads, variables)
        else:
            # Under jit the update is a `lax.cond` over values: both branches must be pure.
            groups = (variables, optimizer.variables, loss_scale.variables)
            new_groups = loss_scale.stateless_apply(
                optimizer, grads, variables, *([outer.get_current_value(v) for v in group] for group in groups)
            )
            for group, new_group in zip(groups, new_groups):
                for variable, value in zip(group, new_group):
                    variable.assign(value)
        return logs

    # --- functions of the model's state inside a differentiated or branched function ------
    #
    # `jax.vjp` (for input gradients) and `lax.cond` (for a lazily applied penalty) trace
    # their functions separately: a variable written inside one (BatchNorm statistics,
    # spectral-norm vectors, seed-generator states) must leave it as an output, or its new
    # value, a tracer of the inner trace, would leak into the enclosing scope. So each such
    # function runs in a `StatelessScope` of its own, mapping every model variable to its
    # current value, and hands back the values of the non-trainable variables it wrote; the
    # caller then assigns them in the enclosing scope. The result is what TensorFlow and
    # torch do in place: the pass is one more forward pass of the network, whose updates
    # are kept (a penalty's discriminator pass advances BatchNorm statistics, spectral-norm
    # vectors and augmentation noise like any other training call).

    def _model_state(self):
        """`(variables, values, written)`: every model variable with its current value (from
        the enclosing scope, if any), and the variables a forward pass may write."""
        variables = self.trainable_variables + self.non_trainable_variables
        scope = get_stateless_scope()
        values = []
        for variable in variables:
            value = None if scope is None else scope.get_current_value(variable)
            values.append(variable.value if value is None else value)
        return variables, values, self.non_trainable_variables

    def _pure(self, fn, variables, values, written):
        """`fn` as a function that writes no variable: returns `(fn(*args), written values)`."""

        def pure_fn(*args):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))) as scope:
                outputs = fn(*args)
            return outputs, [scope.get_current_value(v) for v in written]

        return pure_fn

    def _input_gradients(self, fn, inputs):
        """`(fn(inputs), d sum(fn(inputs)) / d inputs)` with `jax.vjp`. Called inside
        `_gradient_step`'s `jax.value_and_grad`, the gradients are differentiable with respect
        to the variables `fn` reads (their values are that function's tracers, read here from
        the enclosing scope). The inputs are constants for any outer differentiation; the
        sum is taken in float32. Variables `fn` writes: see above (kept, from this pass)."""
        variables, values, written = self._model_state()
        inputs = jax.lax.stop_gradient(jnp.asarray(keras.ops.convert_to_tensor(inputs)))
        pure_fn = self._pure(fn, variables, values, written)
        outputs, vjp_fn, new_values = jax.vjp(pure_fn, inputs, has_aux=True)
        # d sum(outputs) / d inputs, the cotangent of a float32 sum cast to the outputs' dtype.
        (gradients,) = vjp_fn(jnp.ones_like(outputs))
        for variable, value in zip(written, new_values):
            variable.assign(value)
        return outputs, gradients

    def _state_cond(self, pred, true_fn, false_fn):
        """`ops.cond` (`lax.cond`) for branches that may write variables: each branch runs as
        a pure function (see above); the writes of the branch taken are assigned after."""
        variables, values, written = self._model_state()
        outputs, new_values = jax.lax.cond(
            pred,
            self._pure(true_fn, variables, values, written),
            self._pure(false_fn, variables, values, written),
        )
        for variable, value in zip(written, new_values):
            variable.assign(value)
        return outputs

    # Keras' JAX `fit`, `evaluate` and `predict` detach ("purge") every
    # variable's value and reattach the new values after the loop. When the
    # very first step fails (a batch of the wrong shape, say, caught while
    # tracing), nothing is reattached and the model loses its weights. Keep
    # the values of the latest purge until the call ends, and put back
    # whatever was not reattached.

    def _purge_model_variables(self, **groups):
        sources = {
            "trainable_variables": lambda: self.trainable_variables,
            "non_trainable_variables": lambda: self.non_trainable_variables,
            "optimizer_variables": lambda: self.optimizer.variables,
            "metrics_variables": lambda: self.metrics_variables,
        }
        detached = [
            (v, v._value)
            for group, variables in sources.items()
            if groups.get(group)
            for v in variables()
            if v._value is not None
        ]
        object.__setattr__(self, "_detached_values", detached)
        super()._purge_model_variables(**groups)

    def _keeping_weights(self, loop, *args, **kwargs):
        try:
            return loop(*args, **kwargs)
        finally:
            for variable, value in getattr(self, "_detached_values", None) or []:
                if variable._value is None and not value.is_deleted():
                    variable._value = value
            object.__setattr__(self, "_detached_values", None)

    def fit(self, *args, **kwargs):
        return self._keeping_weights(super().fit, *args, **kwargs)

    def evaluate(self, *args, **kwargs):
        return self._keeping_weights(super().evaluate, *args, **kwargs)

    def predict(self, *args, **kwargs):
        return self._keeping_weights(super().predict, *args, **kwargs)
