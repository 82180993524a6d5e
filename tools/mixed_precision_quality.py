"""Does mixed precision keep quality? Short MNIST cGAN runs under several policies, measured alike.

    KERAS_BACKEND=tensorflow python tools/mixed_precision_quality.py --steps 500 \\
        --runs float32:0 mixed_bfloat16:0 float32:1 --json runs/mixed_precision_quality.json

Each run `POLICY:SEED` trains the `mnist_cgan` architecture from fresh weights for `--steps`
steps at batch 64 (initial weights, data order and training noise set by SEED, so runs with
the same seed differ by precision only), then scores `--per-class` generated digits per class
with `keras_condgan.evaluation.mnist`'s measures (class accuracy by a separately trained
classifier, within-class diversity, Frechet distance in its feature space). Two float32 runs
with different seeds show how much the measures move from seed alone: the noise a precision's
difference should be compared with.
"""

import argparse
import json
import os
import time

import keras
import numpy as np

import keras_condgan
from keras_condgan.datasets import mnist
from keras_condgan.evaluation import mnist as mnist_measures
from keras_condgan.evaluation import mnist_classifier

BATCH_SIZE = 64


def train(policy, seed, steps, x_train, y_train):
    keras.utils.set_random_seed(seed)
    model = keras_condgan.ConditionalGAN.from_preset("mnist_cgan", load_weights=False, seed=seed, dtype=policy)
    model.compile()
    count = steps * BATCH_SIZE
    order = np.random.default_rng(seed).permutation(len(x_train))[:count]
    start = time.time()
    history = model.fit(x_train[order], y_train[order], batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0)
    return model, time.time() - start, history.history


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", nargs="+", default=["float32:0", "mixed_bfloat16:0", "float32:1"])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--per-class", type=int, default=200)
    parser.add_argument("--classifier", default="runs/mnist_classifier.keras")
    parser.add_argument("--mnist-dir", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    (x_train, y_train), (x_test, y_test) = mnist.load_data(args.mnist_dir)
    classifier, classifier_accuracy = mnist_classifier.load_or_train(args.classifier, args.mnist_dir)
    results = []
    for run in args.runs:
        policy, seed = run.split(":")
        model, seconds, history = train(policy, int(seed), args.steps, x_train, y_train)
        scores = mnist_measures.evaluate(model, classifier, x_test, y_test, x_train, args.per_class, seed=0)
        record = {
            "policy": policy,
            "seed": int(seed),
            "steps": args.steps,
            "train_seconds": round(seconds, 1),
            "final_d_loss": history["d_loss"][-1],
            "final_g_loss": history["g_loss"][-1],
            **{k: scores[k] for k in ("class_accuracy", "diversity_ratio", "frechet_classifier_distance")},
        }
        results.append(record)
        print(json.dumps(record), flush=True)
    print(f"\n{keras.backend.backend()}, {args.steps} steps at batch {BATCH_SIZE}, "
          f"{args.per_class} digits per class; classifier test accuracy {classifier_accuracy:.4f}")
    print("| policy | seed | s/step | class accuracy | diversity | Frechet distance |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['policy']} | {r['seed']} | {r['train_seconds'] / r['steps']:.3f} | {100 * r['class_accuracy']:.1f}% "
              f"| {r['diversity_ratio']:.3f} | {r['frechet_classifier_distance']:.2f} |")
    if args.json:
        os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"backend": keras.backend.backend(), "classifier_test_accuracy": classifier_accuracy,
                       "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
