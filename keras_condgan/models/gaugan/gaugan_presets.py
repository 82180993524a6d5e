"""GauGAN presets: bundled with the package or on a hub."""

backbone_presets = {
    "gaugan_facades": {
        "metadata": {
            "description": (
                "GauGAN (SPADE) for CMP facades, 12-class label map (+ optional style photo) -> "
                "photo at 64x64 (generator width 16, SPADE width 32, latent 256, two-scale "
                "spectral-norm PatchGAN, VGG16 perceptual loss), trained 22 epochs on a CPU "
                "on the 400 training pairs; float16 weights."
            ),
            "params": 8797285,
            "path": "gaugan",
        },
        # Ships inside the package (the top-level `presets/` folder).
        "bundled": "gaugan_facades",
    },
}
