"""Measures of a class-conditional MNIST generator, judged by a separately trained classifier
(`keras_condgan.evaluation.mnist_classifier`).

For `per_class` generated digits of each class (fixed seed):
- class accuracy: the share the classifier assigns to the requested class;
- diversity: mean pairwise distance of the classifier's 128-d features within each class,
  generated / real test digits (1.0 = as varied as real digits; mode collapse drives it to 0);
- Fréchet distance in that feature space (a "Fréchet classifier distance") between generated
  and real test digits, next to the same distance between real training and real test digits
  as a floor.
"""

import keras
import numpy as np

from keras_condgan.datasets import mnist
from keras_condgan.evaluation import mnist_classifier
from keras_condgan.metrics.fid import features_distance

MNIST_SHAPE = (28, 28, 1)


def check_mnist_model(model):
    """The MNIST measures judge 28 x 28 grayscale digits of 10 classes."""
    if tuple(model.image_shape) != MNIST_SHAPE or model.num_classes != 10:
        raise ValueError(
            "The MNIST measures need a 10-class ConditionalGAN of 28 x 28 x 1 images (the judge is an "
            f"MNIST classifier); this model makes {tuple(model.image_shape)} images of "
            f"{model.num_classes} classes."
        )


def mean_pairwise_distance(features, rng, pairs=2000):
    i, j = rng.integers(0, len(features), (2, pairs))
    keep = i != j
    return float(np.mean(np.linalg.norm(features[i[keep]] - features[j[keep]], axis=1)))


def evaluate(model, classifier, x_test, y_test, x_train, per_class=1000, seed=0):
    """The measures (see the module docstring) of `model` as a dict."""
    check_mnist_model(model)
    features_model = keras.Model(classifier.input, [classifier.get_layer("features").output, classifier.output])

    def embed(images):
        features, logits = features_model.predict(images, batch_size=500, verbose=0)
        return features, np.argmax(logits, -1)

    labels = np.repeat(np.arange(10), per_class)
    generated = model.generate(labels, seed=seed)
    gen_features, gen_pred = embed(generated)
    real_features, _ = embed(x_test[..., None])
    train_features, _ = embed(x_train[:10000, ..., None])
    rng = np.random.default_rng(seed)
    per_class_accuracy = [float(np.mean(gen_pred[labels == c] == c)) for c in range(10)]
    diversity = [
        mean_pairwise_distance(gen_features[labels == c], rng) / mean_pairwise_distance(real_features[y_test == c], rng)
        for c in range(10)
    ]
    return {
        "generated_per_class": per_class,
        "seed": seed,
        "class_accuracy": float(np.mean(gen_pred == labels)),
        "per_class_accuracy": per_class_accuracy,
        "diversity_ratio": float(np.mean(diversity)),
        "min_class_diversity_ratio": float(np.min(diversity)),
        "frechet_classifier_distance": features_distance(real_features, gen_features),
        "frechet_classifier_distance_real_train_vs_test": features_distance(real_features, train_features),
    }


def evaluate_conditional_gan(model, classifier_path=None, per_class=1000, seed=0, mnist_dir=None):
    """Loads (or trains, once) the judge classifier and the MNIST digits, and returns
    `evaluate(...)` with the classifier's own test accuracy added."""
    check_mnist_model(model)
    classifier, classifier_accuracy = mnist_classifier.load_or_train(classifier_path, mnist_dir)
    (x_train, _), (x_test, y_test) = mnist.load_data(mnist_dir)
    results = evaluate(model, classifier, x_test, y_test, x_train, per_class, seed)
    results["classifier_test_accuracy"] = classifier_accuracy
    results["backend"] = keras.backend.backend()
    return results


def format_results(results):
    """A few lines for people: the headline figures of `evaluate`."""
    per_class = results["per_class_accuracy"]
    return "\n".join([
        f"generated digits classified as the requested class: {results['class_accuracy']:.2%} "
        f"(per class {min(per_class):.1%} - {max(per_class):.1%}; {results['generated_per_class']} per class)",
        f"diversity, generated / real test digits: {results['diversity_ratio']:.3f} "
        f"(lowest class {results['min_class_diversity_ratio']:.3f})",
        f"Fréchet classifier distance to the real test digits: {results['frechet_classifier_distance']:.2f} "
        f"(real training digits: {results['frechet_classifier_distance_real_train_vs_test']:.2f})",
        f"judge classifier's accuracy on the real test digits: {results['classifier_test_accuracy']:.2%}",
    ])
