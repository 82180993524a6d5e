"""Trains the MNIST classifier that judges generated digits (trained separately from the GAN).

    python tools/mnist_classifier.py --out runs/mnist_classifier.keras

The classifier is `keras_condgan.evaluation.mnist_classifier`: a small CNN (two conv blocks,
dropout), trained on the 60,000 training digits with light augmentation; this prints its
accuracy on the 10,000 test digits. The evaluation trains it the same way when the file is
missing.
"""

import argparse

from keras_condgan.evaluation.mnist_classifier import train_classifier

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/mnist_classifier.keras")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--mnist-dir", default=None)
    args = parser.parse_args()
    train_classifier(args.out, epochs=args.epochs, mnist_dir=args.mnist_dir)
