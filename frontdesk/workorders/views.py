"""HTTP of work orders. Thin: load, authorize, validate the form, call one service, commit, redirect."""
from . import bp  # noqa: F401

# --- the desk: logging, the order page and its actions, lists, the technician's page --------------

# --- chase notices, shift handover, phone help, settings -----------------------------------------
