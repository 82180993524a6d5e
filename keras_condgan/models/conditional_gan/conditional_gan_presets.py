"""ConditionalGAN presets: bundled with the package or on a hub."""

backbone_presets = {
    "mnist_cgan": {
        "metadata": {
            "description": (
                "Class-conditional DCGAN for 28x28 MNIST digits (one-hot concat "
                "conditioning, non-saturating BCE), trained on the 60,000 MNIST "
                "training images; draws with an average of its generator's weights "
                "(EMA 0.999)."
            ),
            "params": None,
            "path": "conditional_gan",
        },
        # Ships inside the package (the top-level `presets/` folder).
        "bundled": "mnist_cgan",
    },
}
