"""The zh_CN catalog covers every string of the UI, and the committed .mo matches the .po."""
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
# Babel names the locale zh_CN "zh_Hans_CN" when it looks for the catalog, so the folder carries that name
CATALOG = ROOT / "frontdesk" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _source_messages():
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    # like scripts/translations, look into directories such as templates/_macros too
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS,
        directory_filter=lambda path: not Path(path).name.startswith("."),
    ):
        found.add((message if isinstance(message, str) else message[0], context))
    return found


def _hashable(value):
    """A plural message is a list when read from the .mo file and a tuple when read from the .po file."""
    return tuple(value) if isinstance(value, list) else value


def _key(message):
    """Message id and context; read_mo gives the context as bytes, read_po as text."""
    context = message.context.decode() if isinstance(message.context, bytes) else message.context
    return _hashable(message.id), context


def _po():
    with open(CATALOG / "messages.po", "rb") as f:
        return read_po(f, locale="zh_CN")


def test_every_ui_string_has_a_chinese_translation():
    catalog = _po()
    missing = sorted(m for m, context in _source_messages()
                     if m and (catalog.get(m, context=context) is None or not catalog.get(m, context=context).string))
    assert missing == [], f"{len(missing)} strings lack a zh_CN translation, e.g. {missing[:10]}"
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert fuzzy == []


def test_translations_keep_their_placeholders():
    wrong = []
    for message in _po():
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if set(PLACEHOLDER.findall(ids[0])) != set(PLACEHOLDER.findall(strings[0])):
            wrong.append(ids[0])
    assert wrong == []


def test_compiled_catalog_matches_the_po_file():
    with open(CATALOG / "messages.mo", "rb") as f:
        compiled = {_key(m): _hashable(m.string) for m in read_mo(f) if m.id}
    source = {_key(m): _hashable(m.string) for m in _po() if m.id and m.string and not m.fuzzy}
    assert compiled == source, "run scripts/translations to recompile the catalog"


def test_login_page_speaks_chinese_by_default_and_english_on_request(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page
    with client.session_transaction() as session:
        session["locale"] = "en"
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page and "登录" not in page.replace('lang="zh-CN">中文', "")
