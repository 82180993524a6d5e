"""Pix2Pix presets: bundled with the package or on a hub."""

backbone_presets = {}
