"""How an entry's before/after values read on the page."""


def changes(before, after):
    """[(field, value before, value after)] for every field in either snapshot, values as text;
    fields that only one side has show an empty other side."""
    before, after = before or {}, after or {}
    fields = list(before) + [k for k in after if k not in before]
    return [(field, as_text(before.get(field)), as_text(after.get(field))) for field in fields]


def as_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list):
        return ", ".join(as_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {as_text(v)}" for k, v in value.items())
    return str(value)
