"""Pure rules of notices: the transition table of a revision, the notice markup, the wording check
and the text-message limit."""
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .models import APPROVED, CHECKED, DRAFT, GENERAL, MAINTENANCE, OFFICIAL, PROMOTION, SUBMITTED, SUPERSEDED

KIND_LABELS = {PROMOTION: _l("Promotion"), MAINTENANCE: _l("Equipment maintenance"), OFFICIAL: _l("Official"),
               GENERAL: _l("General")}

STATUS_LABELS = {DRAFT: _l("Draft"), SUBMITTED: _l("Waiting for the supervisor"),
                 CHECKED: _l("Waiting for the project manager"), APPROVED: _l("Approved"),
                 SUPERSEDED: _l("Superseded")}

# draft → submitted → checked (supervisor) → approved (project manager); a rejection or the author
# taking it back returns it to draft; the next approved revision supersedes this one
ALLOWED = {
    DRAFT: {SUBMITTED},
    SUBMITTED: {CHECKED, DRAFT},
    CHECKED: {APPROVED, DRAFT},
    APPROVED: {SUPERSEDED},
    SUPERSEDED: set(),
}


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, set())


# --- the body ---------------------------------------------------------------------------------------
# A small markup the drafter types, stored as typed and never as HTML: "# " starts a heading ("#3号楼"
# does not), "- " an item of a list, "1. " an item of a numbered list, **…** is bold; a blank line
# ends a paragraph.

@dataclass(frozen=True)
class Block:
    kind: str  # heading, paragraph, list, numbered
    lines: tuple  # each line a tuple of (text, bold) runs


MAX_BODY = 5000
# a tag, a script link or an event attribute (onclick=, but not the end of "reasons=")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!]|javascript:|(?<![a-zA-Z])on[a-z]+\s*=", re.IGNORECASE)
_NUMBERED = re.compile(r"\d{1,2}(?:\.(?!\d)|、)\s*")  # "1. ", "1.", "1、"; not "3.5元"
_HEADING = re.compile(r"#{1,3}\s+")  # "# 停水通知"; not "#3号楼"


def body_problem(text) -> str | None:
    """Why a body cannot be kept, or None."""
    if not (text or "").strip():
        return _l("Write the text of the notice.")
    if len(text) > MAX_BODY:
        return _l("Keep the notice under %(limit)s characters.", limit=MAX_BODY)
    if _TAG.search(text):
        return _l("The text may not contain HTML or script. Use # for a heading, - for a list and **…** for bold.")
    return None


def _runs(line: str) -> tuple:
    parts = line.split("**")
    if len(parts) % 2 == 0:  # an unpaired ** is shown as typed
        parts = ["**".join(parts)]
    return tuple((part, index % 2 == 1) for index, part in enumerate(parts) if part)


def parse_body(text: str) -> list[Block]:
    """The blocks of a body, for the page and the PDF to lay out (both escape or draw the text)."""
    blocks, paragraph = [], []

    def close_paragraph():
        if paragraph:
            blocks.append(Block("paragraph", (_runs("".join(paragraph)),)))
            paragraph.clear()

    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            close_paragraph()
            continue
        if _HEADING.match(line):
            close_paragraph()
            blocks.append(Block("heading", (_runs(_HEADING.sub("", line, count=1)),)))
            continue
        item_kind, item = None, None
        if line[:2] in ("- ", "* ", "• "):
            item_kind, item = "list", line[2:].strip()
        elif _NUMBERED.match(line):
            item_kind, item = "numbered", _NUMBERED.sub("", line, count=1)
        if item_kind:
            close_paragraph()
            if blocks and blocks[-1].kind == item_kind:
                blocks[-1] = Block(item_kind, blocks[-1].lines + (_runs(item),))
            else:
                blocks.append(Block(item_kind, (_runs(item),)))
            continue
        paragraph.append(line)
    close_paragraph()
    return blocks


# --- wording -------------------------------------------------------------------------------------
# The phrases the service standards forbid (服务忌语), and the courtesy a notice to customers shows.
FORBIDDEN_PHRASES = (
    "喂", "不知道", "你自己看", "墙上贴着", "没长眼睛", "急什么", "烦死人了", "有本事你去告", "我不管", "该找谁找谁",
    "你问我，我问谁", "我说不能办就不能办", "你怎么这么麻烦", "这个事儿我处理不了", "要下班了", "今天不办公",
)
COURTESY_WORDS = ("您", "请", "谢谢")


@dataclass(frozen=True)
class WordingNote:
    kind: str  # forbidden, courtesy
    phrase: str


def wording_notes(title: str, body: str) -> list[WordingNote]:
    """What the drafter is told before submitting: each forbidden phrase found, and whether the text
    lacks every courtesy word. The drafter may still submit."""
    text = f"{title or ''}\n{body or ''}"
    notes = [WordingNote("forbidden", phrase) for phrase in FORBIDDEN_PHRASES
             if re.search(re.escape(phrase) + ("(?![养食])" if phrase == "喂" else ""), text)]
    if not any(word in text for word in COURTESY_WORDS):
        notes.append(WordingNote("courtesy", "、".join(COURTESY_WORDS)))
    return notes

