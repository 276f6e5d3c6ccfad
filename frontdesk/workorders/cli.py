"""Commands of work orders."""
from . import bp  # noqa: F401
