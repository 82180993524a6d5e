"""GauGAN presets: bundled with the package or on a hub (none yet)."""

backbone_presets = {}
