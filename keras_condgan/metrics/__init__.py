"""Image-to-image quality measures: L1, PSNR, SSIM, LPIPS and FID, and pretrained VGG features.

- `image_quality`: `l1`, `psnr`, `ssim` in NumPy.
- `vgg`: frozen ImageNet VGG16 / VGG19 feature extractors as Keras models (also for perceptual losses).
- `lpips`: the `LPIPS` layer (keras.ops, every backend) and `lpips.lpips(...)` on NumPy batches.
- `fid`: `fid.fid(real, fake)`, the Fréchet Inception Distance with the standard FID Inception network
  (runs on PyTorch).
- `kid`: `kid.kid(real, fake)`, the Kernel Inception Distance (unbiased at any sample size) with its
  standard error, on the same network; `kid.features_kid` on features of any network.
- `paired_scores`: all of the above at once for generated images against their real counterparts.

The modules `lpips`, `fid` and `kid` keep their names here (their functions of the same name are not
re-exported), so that `keras_condgan.metrics.fid` is always the module.
"""

from keras_condgan.metrics import fid, kid, lpips
from keras_condgan.metrics.image_quality import l1, psnr, ssim
from keras_condgan.metrics.lpips import LPIPS
from keras_condgan.metrics.paired import paired_scores
from keras_condgan.metrics.vgg import vgg16_features, vgg19_features

__all__ = ["LPIPS", "fid", "kid", "l1", "lpips", "paired_scores", "psnr", "ssim", "vgg16_features", "vgg19_features"]
