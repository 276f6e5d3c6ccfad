"""HTTP of notices."""
from . import bp  # noqa: F401
