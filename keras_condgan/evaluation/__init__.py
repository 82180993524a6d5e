"""Evaluation: the measures behind the presets' model cards, for any model of the same task.
The `keras-condgan evaluate` command and the repository's tools/ scripts call these.

- `mnist`: a class-conditional MNIST generator judged by a separately trained classifier
  (`mnist_classifier`): class accuracy, diversity, Fréchet classifier distance.
- `facades`: image-to-image models on paired test images (facades or your own): L1, PSNR,
  SSIM, LPIPS, FID, beside reference rows.
- `quality`: measures to watch during training with `callbacks.QualityMonitor`
  (`ClassifierQuality`, `PairedQuality`).
"""

from keras_condgan.evaluation import facades, mnist, mnist_classifier, quality

__all__ = ["facades", "mnist", "mnist_classifier", "quality"]
