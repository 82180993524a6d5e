"""Pix2Pix presets: bundled with the package or on a hub."""

backbone_presets = {
    "pix2pix_facades": {
        "metadata": {
            "description": (
                "Pix2Pix for CMP facades, colour label map -> photo at 256x256 (U-Net "
                "generator of width 32 with instance norm, 70x70 PatchGAN, BCE + 100 L1), "
                "trained on the 400 training pairs; float16 weights."
            ),
            "params": 14298948,
            "path": "pix2pix",
        },
        # Ships inside the package (the top-level `presets/` folder).
        "bundled": "pix2pix_facades",
    },
}
