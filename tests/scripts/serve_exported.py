"""Serving exported generators as a user without Keras would, for tests/test_export.py.

`serve(format, path, feeds)` runs an artifact of `GAN.export` through its runtime's own API
(tf.saved_model, the LiteRT interpreter, onnxruntime, torch.export) with the inputs given by
name, and returns its outputs by name. The test module imports it; run as a script,

    python serve_exported.py JOBS.json

it first makes Keras (and KerasHub, keras_condgan) unimportable, then serves each job of the
JSON list `[{"format", "path", "feeds": NPZ, "out": NPZ}]`, writing the outputs to `out`.
"""

import json
import sys
import warnings

import numpy as np


def serve(format, path, feeds):
    """`{output name: array}` of the artifact at `path` for `feeds` (`{input name: array}`)."""
    if format == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        names = [output.name for output in session.get_outputs()]
        return dict(zip(names, session.run(None, feeds)))
    if format == "tf_saved_model":
        import tensorflow as tf

        loaded = tf.saved_model.load(path)  # held: its variables die with it
        served = loaded.serve(**feeds)
        return {name: value.numpy() for name, value in served.items()}
    if format == "litert":
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:  # the interpreter TensorFlow still ships
            import tensorflow as tf

            Interpreter = tf.lite.Interpreter
        with warnings.catch_warnings():  # tf.lite.Interpreter's deprecation notice
            warnings.simplefilter("ignore", UserWarning)
            runner = Interpreter(model_path=path).get_signature_runner()
        return {name: np.asarray(value) for name, value in runner(**feeds).items()}
    if format == "torch":
        import torch

        module = torch.export.load(path).module()
        with torch.no_grad():
            served = module(**{name: torch.from_numpy(value) for name, value in feeds.items()})
        return {name: value.numpy() for name, value in served.items()}
    raise ValueError(f"No runtime for {format!r} here.")


def main(jobs_file):
    for name in ("keras", "keras_hub", "keras_condgan"):
        sys.modules[name] = None  # `import keras` now raises ImportError
    with open(jobs_file) as file:
        jobs = json.load(file)
    for job in jobs:
        feeds = dict(np.load(job["feeds"]))
        np.savez(job["out"], **serve(job["format"], job["path"], feeds))
    assert not any(sys.modules.get(name) for name in ("keras", "keras_hub", "keras_condgan"))


if __name__ == "__main__":
    main(sys.argv[1])
