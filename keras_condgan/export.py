"""Exporting a network of a GAN for serving without Keras: `GAN.export`.

One network (the generator, or GauGAN's style encoder) is written in a format that a runtime
without Keras serves, with its inputs and outputs under the names the model documents
(`noise`/`labels` -> `images`, `condition` -> `images`, `latent`/`label_map` -> `images`,
`style_image` -> `mean`/`log_variance`) and a free batch size (except LiteRT from torch):

- `"tf_saved_model"` (TensorFlow, JAX): a folder for `tf.saved_model.load` or TF Serving. Its
  `serve` function (also the `serving_default` signature) takes the inputs by name and returns
  a dict of the outputs. Written with `keras.export.ExportArchive`.
- `"onnx"` (TensorFlow with tf2onnx, JAX with jax2onnx, torch with torch.onnx): a file for
  onnxruntime. Written by Keras' exporter, then the graph's inputs and outputs are renamed.
- `"litert"` (TensorFlow; torch with litert-torch): a `.tflite` file whose signature runner
  takes and returns the named tensors. On TensorFlow, the SavedModel above converted with
  `tf.lite.TFLiteConverter`; on torch, Keras' exporter (a fixed batch size).
- `"torch"` (torch): a `torch.export` program (`.pt2`) whose module takes the inputs as
  keyword arguments and returns a dict of the outputs.
- `"openvino"` (any backend, with openvino): Keras' exporter as it is (not tested here: the
  inputs are named as Keras names them).

Not tested here either, for want of the package: ONNX from JAX (jax2onnx) and LiteRT from torch
(litert-torch); their inputs and outputs are renamed (ONNX) or named by Keras (LiteRT).

Backend-specific modules are imported only inside the format that needs them, as Keras'
exporters do.
"""

import importlib.util
import inspect
import os
import tempfile
import warnings

import keras

BACKENDS = ("tensorflow", "jax", "torch")
FORMATS = ("tf_saved_model", "onnx", "litert", "torch", "openvino")

# format -> backend -> {module to import: pip package that installs it}. A backend absent
# from a format's entry cannot write that format (`CANNOT` says why).
NEEDS = {
    "tf_saved_model": {"tensorflow": {}, "jax": {"tensorflow": "tensorflow"}},
    "onnx": {
        "tensorflow": {"tf2onnx": "tf2onnx", "onnx": "onnx"},
        "jax": {"jax2onnx": "jax2onnx", "onnx": "onnx"},
        "torch": {"onnxscript": "onnxscript", "onnx": "onnx"},
    },
    "litert": {"tensorflow": {}, "torch": {"litert_torch": "litert-torch"}},
    "torch": {"torch": {}},
    "openvino": {backend: {"openvino": "openvino"} for backend in BACKENDS},
}
CANNOT = {
    ("tf_saved_model", "torch"): (
        "Keras writes a SavedModel from torch only through torch_xla (experimental); export from "
        "TensorFlow or JAX instead (the same preset or weights load on every backend)"
    ),
    ("litert", "jax"): "Keras converts models to LiteRT from TensorFlow or torch only",
    ("torch", "tensorflow"): "a torch.export program is written from the torch backend only",
    ("torch", "jax"): "a torch.export program is written from the torch backend only",
}
# Packages of the `export` extra (`pip install "keras-condgan[export]"`).
EXTRA = ("onnx", "onnxruntime", "onnxscript", "tf2onnx")


def missing_packages(format, backend):
    """The pip packages that `format` needs on `backend` and that are not installed."""
    return [pip for module, pip in NEEDS[format][backend].items() if importlib.util.find_spec(module) is None]


def describe_formats(backend):
    """`"tf_saved_model, onnx (pip install tf2onnx), litert, openvino (pip install openvino)"`:
    the formats `backend` writes, with what each still needs."""
    described = []
    for format in FORMATS:
        if backend not in NEEDS[format]:
            continue
        missing = missing_packages(format, backend)
        described.append(f"{format} (pip install {' '.join(missing)})" if missing else format)
    return ", ".join(described)


def check_format(format, backend=None):
    """Raises a ValueError naming the formats that work on `backend` when `format` is not one
    of them, and an ImportError saying what to pip install when its packages are missing."""
    backend = backend or keras.backend.backend()
    if backend not in BACKENDS:
        raise ValueError(f"Exporting needs the TensorFlow, JAX or torch backend; Keras runs on {backend}.")
    available = f"On the {backend} backend, the formats are: {describe_formats(backend)}."
    if format not in FORMATS:
        raise ValueError(f"Unknown export format {format!r}. {available}")
    if backend not in NEEDS[format]:
        raise ValueError(f"format={format!r} does not work on the {backend} backend: {CANNOT[(format, backend)]}. {available}")
    missing = missing_packages(format, backend)
    if missing:
        extra = ' (or pip install "keras-condgan[export]")' if set(missing) <= set(EXTRA) else ""
        raise ImportError(
            f"format={format!r} on the {backend} backend needs {', '.join(missing)}: "
            f"pip install {' '.join(missing)}{extra}."
        )


def export_network(network, filepath, format, output_names, verbose=None, input_signature=None, **kwargs):
    """Writes `network` (a functional Keras model) to `filepath` in `format`, with its inputs
    named as its `keras.Input`s and its outputs named `output_names` (in order).

    Args:
        input_signature: None (every input with a free batch size), or one spec per input in
            the network's order (`keras.InputSpec`, `tf.TensorSpec`, a tensor: their shape and
            dtype; the names are always the network's), e.g. a fixed batch size for LiteRT.
        **kwargs: passed to the exporter of the format (as `keras.Model.export` passes them).
    """
    check_format(format)
    filepath = os.fspath(filepath)
    input_names = [tensor.name for tensor in network.inputs]
    specs = input_specs(network, input_signature)
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    verbose = True if verbose is None else verbose  # as Keras
    backend = keras.backend.backend()
    if format == "tf_saved_model":
        saved_model_archive(network, specs, output_names, **kwargs).write_out(filepath, verbose=verbose)
    elif format == "litert" and backend == "tensorflow":
        write_litert(network, specs, output_names, filepath, **kwargs)
    elif format == "torch":
        write_torch_program(network, specs, output_names, filepath, **kwargs)
    else:  # onnx, openvino, litert from torch: Keras' exporters
        with quiet_tracing():
            network.export(filepath, format=format, verbose=False, input_signature=keras_signature(network, specs), **kwargs)
        if format == "onnx":
            rename_onnx_values(filepath, input_names, output_names)
    if verbose and format != "tf_saved_model":  # write_out reports SavedModels itself
        print(
            f"Saved {format} artifact at '{filepath}': inputs {', '.join(input_names)}; "
            f"outputs {', '.join(output_names)}."
        )
    return filepath


# --- inputs -------------------------------------------------------------------------------


def input_specs(network, input_signature=None):
    """One `keras.InputSpec` per input of `network`, named after it."""
    inputs = network.inputs
    if input_signature is None:
        given = [None] * len(inputs)
    else:
        given = keras.tree.flatten(input_signature)
        if len(given) != len(inputs):
            raise ValueError(
                f"`input_signature` needs one spec per input of the {network.name} "
                f"({', '.join(x.name for x in inputs)}); got {len(given)}."
            )
    specs = []
    for tensor, spec in zip(inputs, given):
        if spec is None:
            shape, dtype = (None,) + tuple(tensor.shape[1:]), tensor.dtype
        else:
            shape = tuple(None if d is None else int(d) for d in spec.shape)
            dtype = spec.dtype
        specs.append(keras.InputSpec(shape=shape, dtype=keras.backend.standardize_dtype(dtype), name=tensor.name))
    return specs


def keras_signature(network, specs):
    """The `input_signature` Keras' exporters take for a functional model: one argument, the
    structure of its inputs (a list, or the tensor itself for a single input)."""
    return [specs if len(network.inputs) > 1 else specs[0]]


def named_function(function, names):
    """`function(*tensors)` as a function whose parameters are `names`, so that exporters that
    read a function's signature (tf.function, torch.export) name its inputs after them."""

    def call(*args, **kwargs):
        return function(*args, *(kwargs[name] for name in names[len(args):]))

    call.__signature__ = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in names]
    )
    return call


def serving_function(network, output_names):
    """`serve(*inputs) -> {output name: tensor}`: the network in inference mode."""

    def serve(*tensors):
        outputs = network(list(tensors) if len(tensors) > 1 else tensors[0], training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        if len(outputs) != len(output_names):
            raise ValueError(f"The {network.name} has {len(outputs)} outputs; got names {output_names}.")
        return dict(zip(output_names, outputs))

    return named_function(serve, [tensor.name for tensor in network.inputs])


# --- formats ------------------------------------------------------------------------------


def saved_model_archive(network, specs, output_names, **kwargs):
    """A `keras.export.ExportArchive` whose `serve` endpoint (the `serving_default` signature
    too) takes the named inputs and returns the named outputs. `kwargs`: on JAX, `is_static`
    and `jax2tf_kwargs` (see `ExportArchive.add_endpoint`)."""
    archive = keras.export.ExportArchive()
    archive.track(network)
    archive.add_endpoint("serve", serving_function(network, output_names), specs, **kwargs)
    return archive


def write_litert(network, specs, output_names, filepath, **kwargs):
    """On TensorFlow: the SavedModel of `saved_model_archive` converted as Keras' LiteRT
    exporter converts (TFLite builtins and select TF ops); `kwargs` set attributes of the
    `tf.lite.TFLiteConverter` (e.g. `optimizations=[tf.lite.Optimize.DEFAULT]`)."""
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as saved_model:
        saved_model_archive(network, specs, output_names).write_out(saved_model, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
        converter.experimental_enable_resource_variables = True
        for name, value in kwargs.items():
            if not hasattr(converter, name):
                raise ValueError(f"Unknown LiteRT converter option {name!r} (a tf.lite.TFLiteConverter attribute).")
            setattr(converter, name, value)
        flatbuffer = converter.convert()
    with open(filepath, "wb") as file:
        file.write(flatbuffer)


def write_torch_program(network, specs, output_names, filepath, **kwargs):
    """A `torch.export` program of the network in inference mode, taking the inputs as keyword
    arguments, with a free batch size where the spec's is None; `kwargs` go to
    `torch.export.export` (`strict` is False by default, as in Keras)."""
    import torch

    names = [spec.name for spec in specs]
    serve = serving_function(network, output_names)

    class Serving(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.network = network  # registers the network's parameters

        def forward(self, *args, **kwargs):
            return serve(*args, **kwargs)

    Serving.forward.__signature__ = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in ["self"] + names]
    )
    # A sample batch of 2: torch.export specialises a dimension of size 1 to a constant.
    samples = {spec.name: torch.ones([2 if d is None else d for d in spec.shape], dtype=getattr(torch, spec.dtype))
               for spec in specs}
    batch = torch.export.Dim("batch", min=1)
    dynamic = {spec.name: ({0: batch} if spec.shape[0] is None else None) for spec in specs}
    kwargs.setdefault("strict", False)
    module = Serving().eval()
    with torch.no_grad(), quiet_tracing():
        program = torch.export.export(module, (), kwargs=samples, dynamic_shapes=dynamic, **kwargs)
    torch.export.save(program, filepath)


def rename_onnx_values(path, input_names, output_names):
    """Renames the graph inputs and outputs of the ONNX file at `path`, in order (exporters
    name outputs `Identity:0`, `314`, ...), and checks that there are as many as names."""
    import onnx

    model = onnx.load(path)
    graph = model.graph
    initializers = {tensor.name for tensor in graph.initializer}
    inputs = [value for value in graph.input if value.name not in initializers]
    if len(inputs) != len(input_names) or len(graph.output) != len(output_names):
        raise RuntimeError(
            f"The exported ONNX graph has inputs {[v.name for v in inputs]} and outputs "
            f"{[v.name for v in graph.output]}; expected {input_names} and {output_names}."
        )
    renames = {
        value.name: name
        for value, name in zip(inputs + list(graph.output), list(input_names) + list(output_names))
        if value.name != name
    }
    if not renames:
        return
    used = {name for node in graph.node for name in list(node.input) + list(node.output)}
    clashes = (set(renames.values()) & used) - set(renames)
    if clashes:
        raise RuntimeError(f"Cannot rename the ONNX graph's values: {sorted(clashes)} already name other values.")
    for value in list(graph.input) + list(graph.output) + list(graph.value_info):
        value.name = renames.get(value.name, value.name)
    for node in graph.node:
        node.input[:] = [renames.get(name, name) for name in node.input]
        node.output[:] = [renames.get(name, name) for name in node.output]
    onnx.save(model, path)


class quiet_tracing(warnings.catch_warnings):
    """Silences torch's TracerWarnings (Keras' layers read static shapes as Python numbers,
    which the tracer reports, rightly treating them as constants) and the FutureWarning of
    Keras' tf2onnx patch for NumPy 2."""

    def __enter__(self):
        result = super().__enter__()
        warnings.filterwarnings("ignore", message=r".*np\.object.*", category=FutureWarning)
        # torch.onnx cannot fold a strided slice (SPADE's label-map resizing) into a constant.
        warnings.filterwarnings("ignore", message=r"Constant folding - Only steps=1", category=UserWarning)
        if keras.backend.backend() == "torch":
            import torch

            warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        return result
