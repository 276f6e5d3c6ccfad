"""The CJK font every PDF embeds, registered with reportlab once per process.

reportlab's built-in STSong-Light is a reference to a font the PDF viewer must have, so on a
machine without Chinese fonts it prints blank; and reportlab embeds only TrueType outlines, so
Noto CJK (PostScript outlines) is refused. WenQuanYi Micro Hei is TrueType, redistributable and
shipped in fonts/; reportlab embeds the subset of glyphs a document uses (~30 KB)."""
import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

DEFAULT_FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
FONT_NAME = "FrontdeskCJK"

# Parsing the 5 MB collection costs ~100 ms: keep one registration per font file per process.
_registered: dict[str, str] = {}
_lock = threading.Lock()


def configured_font_path() -> Path:
    """PDF_FONT_PATH from the app's config when there is an app, else the shipped font."""
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("PDF_FONT_PATH"):
        return Path(current_app.config["PDF_FONT_PATH"])
    return DEFAULT_FONT_PATH


def register_font(path=None) -> str:
    """Register the font at `path` (default: the configured one) and return its reportlab name.

    The first face of a collection (.ttc) is used: for WenQuanYi that is the proportional
    Micro Hei, not Micro Hei Mono."""
    key = str(Path(path) if path else configured_font_path())
    name = _registered.get(key)
    if name:
        return name
    with _lock:
        if key not in _registered:
            name = FONT_NAME if not _registered else f"{FONT_NAME}-{len(_registered)}"
            pdfmetrics.registerFont(TTFont(name, key, subfontIndex=0))
            _registered[key] = name
        return _registered[key]
