"""The one exception type the command line turns into a one-line error and a non-zero exit."""


class AnalysisError(Exception):
    """A user-facing error: bad file, bad option value, unsupported request."""
