"""All the measures at once, for generated images against their real counterparts."""

from keras_condgan.metrics import fid as fid_module
from keras_condgan.metrics import kid as kid_module
from keras_condgan.metrics import lpips as lpips_module
from keras_condgan.metrics.image_quality import l1, psnr, ssim


def paired_scores(outputs, photos, lpips_model=None, inception=None, photo_features=None):
    """Means over the pairs of L1, PSNR, SSIM and LPIPS, and the FID and KID (with its
    standard error) of the outputs against the photos (uint8 or [-1, 1] batches of the same
    shape; KID needs at least 4 of each). Pass `lpips_model` (`LPIPS()`) and `inception`
    (`fid.load_inception()`) to load each network once, and `photo_features` (the photos'
    `fid.inception_features`) to embed the photos once for several outputs."""
    inception = inception or fid_module.load_inception()
    real = fid_module.inception_features(photos, network=inception) if photo_features is None else photo_features
    fake = fid_module.inception_features(outputs, network=inception)
    scores = {
        "l1": float(l1(outputs, photos).mean()),
        "psnr": float(psnr(outputs, photos).mean()),
        "ssim": float(ssim(outputs, photos).mean()),
        "lpips": float(lpips_module.lpips(outputs, photos, model=lpips_model).mean()),
        "fid": float(fid_module.features_distance(real, fake)),
    }
    if min(len(real), len(fake)) >= 4:
        kid = kid_module.features_kid(real, fake)
        scores.update(kid=kid.value, kid_standard_error=kid.standard_error)
    return scores
