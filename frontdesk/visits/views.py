"""Pages of customer visits."""
from . import bp  # noqa: F401
