"""Measures a ConditionalGAN MNIST preset with a separately trained classifier.

    python tools/evaluate_mnist_cgan.py --preset mnist_cgan --json runs/mnist_cgan_eval.json

The measures are `keras_condgan.evaluation.mnist` (also `keras-condgan evaluate`), for
`--per-class` generated digits of each class (fixed seed): class accuracy (the share the
classifier assigns to the requested class), diversity (within-class mean pairwise feature
distance, generated / real test digits) and the Frechet distance in the classifier's feature
space, next to the same distance between real training and test digits as a floor. The
classifier (`keras_condgan.evaluation.mnist_classifier`, `tools/mnist_classifier.py`) is
trained if `--classifier` is missing; its own test accuracy is printed too.
"""

import argparse
import json

import keras_condgan
from keras_condgan.evaluation import mnist


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
    results = mnist.evaluate_conditional_gan(model, args.classifier, args.per_class, args.seed, args.mnist_dir)
    results["preset"] = str(args.preset)
    results["weights"] = args.weights
    print(json.dumps(results, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
