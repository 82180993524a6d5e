"""`keras-condgan evaluate`: the measures of the presets' model cards, for a preset or a run."""

import json
import os

from keras_condgan.cli.errors import UserError
from keras_condgan.cli.models import load_model


def default_out(model_argument):
    from keras_condgan.training import run_folder

    if os.path.isdir(model_argument) and run_folder.is_run_folder(model_argument):
        return os.path.join(model_argument, "evaluation")
    name = os.path.basename(os.path.normpath(model_argument.split("://")[-1])) or "model"
    return os.path.join("evaluation", name)


def evaluate_conditional_gan(model, args, out):
    from keras_condgan.evaluation import mnist

    per_class = args.limit or 1000
    if per_class < 2:
        raise UserError("--limit must be at least 2 digits per class (diversity compares pairs)")
    results = mnist.evaluate_conditional_gan(model, args.classifier, per_class, args.seed, args.mnist_dir)
    results["model"] = args.model
    print(mnist.format_results(results))
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "evaluation.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
    return path


def run_direction(model_argument):
    """The direction a run folder's model was trained in (`train pix2pix --direction`), else AtoB."""
    path = os.path.join(model_argument, "run.json")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f).get("direction") or "AtoB"
    return "AtoB"


def evaluate_pix2pix(model, args, out):
    from keras_condgan.evaluation import facades as facades_evaluation
    from keras_condgan.training.pix2pix import find_pairs

    pairs = train_photos = None
    if args.data is not None:
        if not os.path.isdir(args.data):
            raise UserError(f"{args.data}: no such folder")
        train, held_out = find_pairs(args.data, args.data_b, args.direction or run_direction(args.model))
        if held_out is None:
            print(f"note: {args.data} has no test/ or val/ folder: scoring on the pairs it holds")
            pairs = train
        else:
            pairs = held_out
            size = model.image_shape[0]
            count = min(len(train[0]), args.limit or len(train[0]))
            _, train_photos = facades_evaluation.resized(train[0][:count], train[1][:count], size)
        where = args.data
    else:
        where = "the CMP facades test split"
    baseline = load_model(args.l1_baseline, "translate") if args.l1_baseline else None
    summary = facades_evaluation.evaluate_pix2pix(
        model, out, pairs, train_photos, baseline, args.facades_dir, args.limit, args.rows, args.seed
    )
    print(f"{summary['test_pairs']} pairs from {where} at {summary['image_size']} x {summary['image_size']}")
    print(facades_evaluation.format_table(summary["results"]))
    return os.path.join(out, "evaluation.json")


def evaluate_gaugan(model, args, out):
    from keras_condgan.evaluation import facades as facades_evaluation

    if args.data is not None:
        raise UserError("GauGAN is evaluated on the facades test class maps; --data applies to Pix2Pix")
    pix2pix = load_model(args.pix2pix, "translate") if args.pix2pix else None
    summary = facades_evaluation.evaluate_gaugan(model, out, pix2pix, args.facades_dir, args.limit, args.rows, args.seed)
    print(f"{summary['test_pairs']} facades test label maps at {summary['image_size']} x {summary['image_size']}")
    print(facades_evaluation.format_table(summary["results"], extra_columns=[("diversity_lpips", "diversity (LPIPS)")]))
    return os.path.join(out, "evaluation.json")


def run(args):
    model = load_model(args.model)
    out = args.out or default_out(args.model)
    family = type(model).__name__
    if family == "ConditionalGAN":
        path = evaluate_conditional_gan(model, args, out)
    elif family == "Pix2Pix":
        path = evaluate_pix2pix(model, args, out)
    else:
        path = evaluate_gaugan(model, args, out)
    print(f"wrote {path}")
    return 0
