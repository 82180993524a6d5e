from keras_condgan.layers.maxout import Maxout

__all__ = ["Maxout"]
