"""Measures a ConditionalGAN MNIST preset with a separately trained classifier.

    python tools/evaluate_mnist_cgan.py --preset mnist_cgan --json runs/mnist_cgan_eval.json

Reports, for `--per-class` generated digits of each class (fixed seed):
- class accuracy: the share the classifier assigns to the requested class;
- diversity: mean pairwise distance of the classifier's 128-d features within
  each class, generated / real test digits (1.0 = as varied as real digits;
  mode collapse drives it towards 0);
- Frechet distance in that feature space (a "Frechet classifier distance")
  between generated and real test digits, next to the same distance between
  real training and real test digits as a floor.
The classifier (tools/mnist_classifier.py) is trained if `--classifier` is
missing; its own test accuracy is printed too.
"""

import argparse
import json
import os
import sys

import keras
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import mnist_classifier  # noqa: E402

import keras_condgan  # noqa: E402
from keras_condgan.datasets import mnist  # noqa: E402
from keras_condgan.metrics.fid import features_distance  # noqa: E402


def mean_pairwise_distance(features, rng, pairs=2000):
    i, j = rng.integers(0, len(features), (2, pairs))
    keep = i != j
    return float(np.mean(np.linalg.norm(features[i[keep]] - features[j[keep]], axis=1)))


def evaluate(model, classifier, x_test, y_test, x_train, per_class=1000, seed=0):
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="mnist_cgan", help="preset name, folder or handle")
    parser.add_argument("--weights", default=None, help="evaluate this .weights.h5 (e.g. a training checkpoint) instead of the preset's")
    parser.add_argument("--classifier", default="runs/mnist_classifier.keras")
    parser.add_argument("--per-class", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mnist-dir", default=None)
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()

    model = keras_condgan.ConditionalGAN.from_preset(args.preset, load_weights=args.weights is None)
    if args.weights:
        model.load_weights(args.weights)
    classifier, classifier_accuracy = mnist_classifier.load_or_train(args.classifier, args.mnist_dir)
    (x_train, _), (x_test, y_test) = mnist.load_data(args.mnist_dir)
    results = evaluate(model, classifier, x_test, y_test, x_train, args.per_class, args.seed)
    results["classifier_test_accuracy"] = classifier_accuracy
    results["preset"] = str(args.preset)
    results["weights"] = args.weights
    results["backend"] = keras.backend.backend()
    print(json.dumps(results, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
