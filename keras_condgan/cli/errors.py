"""What the command line reports as a user's mistake: one line, no traceback."""


class UserError(Exception):
    """A mistake in what the user asked for (a missing file, an unknown preset, a label out of
    range, ...): the command prints its message as one line and exits with status 2."""


class UsageError(UserError):
    """Command-line arguments that argparse refused."""
