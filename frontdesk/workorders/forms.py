"""Forms of work orders: shape only (required, length, range, choices); the services check the rules."""

# --- the desk: logging, the order page and its actions ---------------------------------------------

# --- shift handover, settings ---------------------------------------------------------------------
