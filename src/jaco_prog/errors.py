"""Errors that the command line turns into one clear line and a non-zero exit."""


class UserError(Exception):
    """Bad input from the user (a missing file, a mismatched checkpoint, a bad flag combination)."""
