"""Inference over many inputs, a batch at a time (`generate_from`, `translate`, `synthesize`, `encode`)."""

import numpy as np


def predict_in_batches(model, inputs, batch_size, output_shapes):
    """Runs `model` in inference mode over aligned NumPy `inputs`, `batch_size` rows at a
    time; returns its outputs (shapes `(N,) + output_shapes[i]`) as float32 NumPy arrays.

    `predict_on_batch` runs the compiled predict function (XLA on JAX) without autograd
    and without touching batch-normalisation statistics. The last batch is zero-padded to
    the size of the others, so that every call has the same shape and compiles once;
    padding rows are dropped (in inference mode each row's output depends on that row
    alone).

    Args:
        model: a Keras model (e.g. a GAN's generator or encoder).
        inputs: a list of arrays with the same number of rows, one per model input.
        batch_size: rows per call (capped at the number of rows).
        output_shapes: the shape of one row of each model output, without the batch axis.
    """
    inputs = [np.asarray(x) for x in inputs]
    count = len(inputs[0])
    if any(len(x) != count for x in inputs):
        raise ValueError(f"The inputs have different numbers of rows: {[len(x) for x in inputs]}.")
    if int(batch_size) < 1:
        raise ValueError(f"`batch_size` must be a positive integer; got {batch_size!r}.")
    outputs = [[np.zeros((0,) + tuple(shape), "float32")] for shape in output_shapes]
    size = max(1, min(int(batch_size), count))
    for start in range(0, count, size):
        chunk = [x[start : start + size] for x in inputs]
        rows = len(chunk[0])
        if rows < size:
            chunk = [np.concatenate([c, np.zeros((size - rows,) + c.shape[1:], c.dtype)]) for c in chunk]
        results = model.predict_on_batch(chunk if len(chunk) > 1 else chunk[0])
        results = results if isinstance(results, (list, tuple)) else [results]
        for collected, result in zip(outputs, results, strict=True):
            collected.append(np.asarray(result, dtype="float32")[:rows])
    return [np.concatenate(collected) for collected in outputs]
