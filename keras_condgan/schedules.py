"""Learning-rate schedules for GAN training.

Each network has its own optimizer, so each its own schedule, stepped by that optimizer's
`iterations` (its updates, not the model's steps: with `discriminator_steps=2` the
discriminator's optimizer counts two updates per training step)::

    model.compile(
        generator_optimizer=keras.optimizers.Adam(
            keras_condgan.schedules.LinearDecay.from_epochs(2e-4, 100, 100, steps_per_epoch), beta_1=0.5
        ),
        discriminator_optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.ExponentialDecay(2e-4, 1000, 0.9), beta_1=0.5
        ),
    )

Any `keras.optimizers.schedules.LearningRateSchedule` works there, on every backend. The
optimizers' `iterations` are saved with the model (`.keras` files, `save_weights`, the
`BackupAndRestore` backup of a run folder), so a resumed run continues its schedules where they
were, and a saved compile config (with its schedules) loads back.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_condgan")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """A constant learning rate, then a linear decay towards zero: the schedule of pix2pix and
    CycleGAN (Isola et al. 2017; Zhu et al. 2017; `networks.get_scheduler`, policy 'linear', of
    junyanz/pytorch-CycleGAN-and-pix2pix).

    The official rule, stepped once per epoch, trains 0-based epoch `e` at::

        lr * (1 - max(0, e + 1 - n_epochs) / (n_epochs_decay + 1))

    (its `lambda_rule` with `epoch_count=1`): `n_epochs` epochs at `lr`, then `n_epochs_decay`
    epochs whose rate falls by `lr / (n_epochs_decay + 1)` per epoch, the last at
    `lr / (n_epochs_decay + 1)`. Here the same rule runs on optimizer steps, with "epochs" of
    `steps_per_epoch` steps: at step `s`, with `e = floor(s / steps_per_epoch)`,
    `C = constant_steps / steps_per_epoch` and `D = decay_steps / steps_per_epoch`::

        lr * clip(1 - max(0, e + 1 - C) / (D + 1), 0, 1)

    `LinearDecay.from_epochs(lr, n_epochs, n_epochs_decay, steps_per_epoch)` gives the official
    per-epoch values exactly (constant within each epoch); `steps_per_epoch=1` (the default)
    the same rule step by step. Past `constant_steps + decay_steps` the rate stays at zero.

    Args:
        initial_learning_rate: the rate of the constant part.
        constant_steps: steps (optimizer updates) at the initial rate.
        decay_steps: steps of the decay that follows.
        steps_per_epoch: the rate changes once per this many steps (1: every step).
        name: the schedule's name.
    """

    def __init__(self, initial_learning_rate, constant_steps, decay_steps, steps_per_epoch=1, name="LinearDecay"):
        super().__init__()
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_steps = int(constant_steps)
        self.decay_steps = int(decay_steps)
        self.steps_per_epoch = int(steps_per_epoch)
        self.name = name
        if self.initial_learning_rate < 0:
            raise ValueError(f"`initial_learning_rate` must be non-negative; got {initial_learning_rate!r}.")
        if self.constant_steps < 0 or self.decay_steps < 0:
            raise ValueError(
                f"`constant_steps` and `decay_steps` must be non-negative; got {constant_steps!r} and {decay_steps!r}."
            )
        if self.steps_per_epoch < 1:
            raise ValueError(f"`steps_per_epoch` must be a positive integer; got {steps_per_epoch!r}.")

    @classmethod
    def from_epochs(cls, initial_learning_rate, constant_epochs, decay_epochs, steps_per_epoch, name="LinearDecay"):
        """The schedule of `--n_epochs constant_epochs --n_epochs_decay decay_epochs` in the
        official code: the rate of each epoch is the official one, constant within the epoch.

        Args:
            steps_per_epoch: the updates the optimizer makes per epoch: the batches of an
                epoch (`len(dataset)`, `ceil(samples / batch_size)`), times
                `discriminator_steps` for a discriminator's optimizer.
        """
        steps_per_epoch = int(steps_per_epoch)
        if steps_per_epoch < 1:
            raise ValueError(f"`steps_per_epoch` must be a positive integer; got {steps_per_epoch!r}.")
        return cls(
            initial_learning_rate,
            int(constant_epochs) * steps_per_epoch,
            int(decay_epochs) * steps_per_epoch,
            steps_per_epoch,
            name=name,
        )

    def __call__(self, step):
        step = ops.cast(step, "float32")
        period = float(self.steps_per_epoch)
        epoch = ops.floor(step / period)
        constant, decay = self.constant_steps / period, self.decay_steps / period
        decayed = ops.maximum(epoch + 1.0 - constant, 0.0) / (decay + 1.0)
        return self.initial_learning_rate * ops.clip(1.0 - decayed, 0.0, 1.0)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "constant_steps": self.constant_steps,
            "decay_steps": self.decay_steps,
            "steps_per_epoch": self.steps_per_epoch,
            "name": self.name,
        }


__all__ = ["LinearDecay"]
