"""Small helpers every view uses: showing a domain error, the client's address, safe redirects."""
from urllib.parse import urlsplit

from flask import flash


def show_error(form, error):
    """Put a DomainError next to its field when the form has it, else flash it."""
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = list(field.errors or []) + [str(error)]
    else:
        flash(str(error), "error")


def safe_next(target, default):
    """Only same-site relative paths are followed after login."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    # browsers read "/\\evil.example" and "/<tab>/evil.example" as "//evil.example"
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    return target


MAX_ID = 2**31 - 1  # the largest id a database integer column holds on both databases


def int_arg(name, default=None, *, minimum=1):
    """An integer query parameter within what the database can compare; anything else is the default.
    (?page=99999999999999999999 must not reach the database as an OFFSET it cannot hold.)"""
    from flask import request

    value = request.args.get(name, type=int)
    if value is None or not minimum <= value <= MAX_ID:
        return default
    return value


def pdf_response(data, name):
    """A PDF shown in the browser's viewer (inline), saved under `name`.pdf."""
    from flask import Response

    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


def site_record_or_404(model, object_id, site):
    """Get-or-404 within one site: another site's records do not exist for this desk."""
    from flask import abort

    from ..extensions import db

    obj = db.session.get(model, object_id)
    if obj is None or site is None or obj.site_id != site.id:
        abort(404)
    return obj
