"""Reading the visit pages as a user sees them: the page's text, its flash messages, and the error
drawn next to a field."""
import html
import re


def text(response) -> str:
    return response.get_data(as_text=True)


def flashes(page) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<div class="flash flash-\w+">(.*?)</div>', page, re.S)]


def error_next_to(page, field):
    """The error drawn inside the field's own block (its div.field or fieldset marked has-error)."""
    match = re.search(r'<(?:div|fieldset) class="field[^"]*has-error[^"]*"[^>]*>(?:(?!<div class="field).)*?'
                      r'name="%s"(?:(?!<div class="field).)*?<div class="error" role="alert">(.*?)</div>' % field,
                      page, re.S)
    return html.unescape(match.group(1)) if match else None
