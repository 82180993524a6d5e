"""Preset folders bundled with keras_condgan (installed as `keras_condgan.bundled_presets`)."""
