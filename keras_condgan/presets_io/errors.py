"""The errors a preset load raises for the user's mistakes and the network's."""


class PresetError(ValueError):
    """A preset that cannot be found, read or trusted."""


class PresetUnreachableError(ConnectionError):
    """A hub preset that could not be downloaded (no network, unknown repo...)."""
