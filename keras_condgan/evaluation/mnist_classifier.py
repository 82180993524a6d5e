"""The MNIST classifier that judges generated digits (trained separately from the GAN).

A small CNN (two conv blocks, dropout), trained on the 60,000 training digits with light
augmentation. Its 128-d `features` layer is the feature space of the diversity and Fréchet
measures (`keras_condgan.evaluation.mnist`).
"""

import os

import keras
import numpy as np

from keras_condgan.datasets import mnist


def default_path():
    """Where the command line keeps the classifier: the Keras cache (`~/.keras/models/`)."""
    from keras_condgan.metrics._downloads import keras_cache_dir

    return os.path.join(keras_cache_dir(), "keras_condgan_mnist_classifier.keras")


def build_classifier():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Rescaling(1 / 255.0)(inputs)
    x = keras.layers.RandomTranslation(0.08, 0.08, fill_mode="constant")(x)
    for filters in (32, 64):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.4)(x)
    features = keras.layers.Dense(128, activation="relu", name="features")(x)
    outputs = keras.layers.Dense(10, name="logits")(keras.layers.Dropout(0.4)(features))
    return keras.Model(inputs, outputs, name="mnist_classifier")


def train_classifier(path, epochs=4, seed=0, mnist_dir=None, verbose=2):
    """Trains the classifier, saves it to `path` and returns `(model, test_accuracy)`."""
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = mnist.load_data(mnist_dir)
    model = build_classifier()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(x_train[..., None], y_train, batch_size=128, epochs=epochs, verbose=verbose)
    _, accuracy = model.evaluate(x_test[..., None], y_test, verbose=0)
    print(f"classifier test accuracy: {accuracy:.4f}")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    model.save(path)
    return model, accuracy


def load_or_train(path=None, mnist_dir=None, verbose=2):
    """Returns `(model, test_accuracy)`, training and saving it if `path` (default
    `default_path()`) is missing."""
    path = path or default_path()
    if not os.path.exists(path):
        print(f"training the judge classifier (once; kept in {path})")
        return train_classifier(path, mnist_dir=mnist_dir, verbose=verbose)
    model = keras.saving.load_model(path)
    _, (x_test, y_test) = mnist.load_data(mnist_dir)
    logits = model.predict(x_test[..., None], batch_size=500, verbose=0)
    return model, float(np.mean(np.argmax(logits, -1) == y_test))
