"""Quality measures to watch during training (with `keras_condgan.callbacks.QualityMonitor`).

Each measure is called with the model and returns a dict of floats; its `directions` say which
way is better for each figure (`"max"`, `"min"`, or None for figures that are not goals, such as a
standard error), so that `EarlyStopping` and `ModelCheckpoint(save_best_only=True)` can watch them
without `mode=`. Everything fixed (the inputs, the seeds, the real images' features) is prepared
once, so that figures from different epochs differ only by the model.

- `ClassifierQuality`: a class-conditional generator judged by a classifier: the share of
  generated images classified as the requested class, and KID in the classifier's feature space
  against real held-out images. `ClassifierQuality.mnist()` uses the MNIST judge
  (`evaluation.mnist_classifier`) and the MNIST test digits.
- `PairedQuality`: an image-to-image model (`Pix2Pix.translate`, or `GauGAN.synthesize` with
  random styles drawn with a fixed seed) on held-out pairs: LPIPS to the real targets, and KID
  (Inception features, run with PyTorch) against them; FID on request (biased upwards with few
  images: compare only at equal counts).
"""

import keras
import numpy as np

from keras_condgan.metrics import fid as fid_module
from keras_condgan.metrics import kid as kid_module
from keras_condgan.metrics import lpips as lpips_module


class ClassifierQuality:
    """Class accuracy and KID of a class-conditional generator, judged by a classifier.

    Args:
        classifier: a Keras model from images (as the generator makes them, uint8) to class
            logits, with a layer named `features_layer` whose output is the feature space of KID.
        real_images: held-out real images (uint8 `(N, H, W, C)`), the reference of KID.
        per_class: generated images per class (from latents fixed by `seed`).
        seed: seed of the generated images' latents and of KID's blocks.
        subsets: KID's disjoint blocks (`metrics.kid.features_kid`).
        features_layer: the classifier layer KID compares in.
    """

    directions = {"class_accuracy": "max", "kid": "min", "kid_standard_error": None}

    def __init__(self, classifier, real_images, per_class=100, seed=0, subsets=10, features_layer="features"):
        self.embedder = keras.Model(
            classifier.inputs, [classifier.get_layer(features_layer).output, classifier.outputs[0]]
        )
        self.per_class, self.seed, self.subsets = int(per_class), seed, subsets
        self.real_features, _ = self.embed(np.asarray(real_images))

    @classmethod
    def mnist(cls, per_class=100, real_count=1000, seed=0, classifier_path=None, mnist_dir=None):
        """The MNIST judge classifier (trained once and kept in the Keras cache when missing)
        and the first `real_count` MNIST test digits."""
        from keras_condgan.datasets import mnist
        from keras_condgan.evaluation import mnist_classifier

        classifier, _ = mnist_classifier.load_or_train(classifier_path, mnist_dir)
        _, (x_test, _) = mnist.load_data(mnist_dir)
        return cls(classifier, x_test[:real_count, ..., None], per_class, seed)

    def embed(self, images):
        features, logits = self.embedder.predict(images, batch_size=500, verbose=0)
        return features, np.argmax(logits, axis=-1)

    def __call__(self, model):
        if not getattr(model, "conditional", False):
            raise ValueError("ClassifierQuality judges a class-conditional generator; this model has no classes.")
        labels = np.repeat(np.arange(model.num_classes), self.per_class)
        features, predicted = self.embed(model.generate(labels, seed=self.seed))
        kid = kid_module.features_kid(self.real_features, features, self.subsets, self.seed)
        return {
            "class_accuracy": float(np.mean(predicted == labels)),
            "kid": kid.value,
            "kid_standard_error": kid.standard_error,
        }


class PairedQuality:
    """LPIPS, KID (and optionally FID) of an image-to-image model on held-out pairs.

    Args:
        conditions: the inputs as the model's inference call takes them: images for
            `Pix2Pix.translate`, label maps for `GauGAN.synthesize` (random styles, seeded).
        targets: the real images (uint8 `(N, H, W, 3)`) at the size of the outputs.
        measures: any of "lpips" (mean over the pairs), "kid" (with its standard error) and "fid".
        seed: seed of GauGAN's random styles and of KID's blocks.
        subsets: KID's disjoint blocks.
        lpips_model, inception: the networks, when already loaded (else loaded on first use).
    """

    MEASURES = ("lpips", "kid", "fid")
    directions = {"lpips": "min", "kid": "min", "kid_standard_error": None, "fid": "min"}

    def __init__(self, conditions, targets, measures=("lpips", "kid"), seed=0, subsets=10, lpips_model=None, inception=None):
        unknown = sorted(set(measures) - set(self.MEASURES))
        if unknown or not measures:
            raise ValueError(f"Unknown measures {unknown}; choose among {self.MEASURES}.")
        self.conditions, self.targets = conditions, np.asarray(targets)
        self.measures, self.seed, self.subsets = tuple(measures), seed, subsets
        self.lpips_model, self.inception = lpips_model, inception
        self.real_features = None

    def outputs(self, model):
        if hasattr(model, "translate"):
            return model.translate(self.conditions)
        if hasattr(model, "synthesize"):
            return model.synthesize(self.conditions, seed=self.seed)
        raise ValueError("PairedQuality measures a Pix2Pix or a GauGAN model (translate or synthesize).")

    def __call__(self, model):
        outputs = np.asarray(self.outputs(model))
        if outputs.shape != self.targets.shape:
            raise ValueError(f"The model gives images of shape {outputs.shape[1:]}; the targets are {self.targets.shape[1:]}.")
        results = {}
        if "lpips" in self.measures:
            self.lpips_model = self.lpips_model or lpips_module.LPIPS()
            results["lpips"] = float(lpips_module.lpips(outputs, self.targets, model=self.lpips_model).mean())
        if "kid" in self.measures or "fid" in self.measures:
            self.inception = self.inception or fid_module.load_inception()
            if self.real_features is None:
                self.real_features = fid_module.inception_features(self.targets, network=self.inception)
            features = fid_module.inception_features(outputs, network=self.inception)
            if "kid" in self.measures:
                kid = kid_module.features_kid(self.real_features, features, self.subsets, self.seed)
                results.update(kid=kid.value, kid_standard_error=kid.standard_error)
            if "fid" in self.measures:
                results["fid"] = fid_module.features_distance(self.real_features, features)
        return results
