"""All the measures at once, for generated images against their real counterparts."""

from keras_condgan.metrics import fid as fid_module
from keras_condgan.metrics import lpips as lpips_module
from keras_condgan.metrics.image_quality import l1, psnr, ssim


def paired_scores(outputs, photos, lpips_model=None, inception=None):
    """Means over the pairs of L1, PSNR, SSIM and LPIPS, and the FID of the outputs
    against the photos (uint8 or [-1, 1] batches of the same shape). Pass `lpips_model`
    (`LPIPS()`) and `inception` (`fid.load_inception()`) to load each network once."""
    return {
        "l1": float(l1(outputs, photos).mean()),
        "psnr": float(psnr(outputs, photos).mean()),
        "ssim": float(ssim(outputs, photos).mean()),
        "lpips": float(lpips_module.lpips(outputs, photos, model=lpips_model).mean()),
        "fid": float(fid_module.fid(photos, outputs, network=inception)),
    }
