"""Pure rules of estate master data: identity numbers, phone numbers, unit numbers, areas and
occupancy periods. No database, no Flask request: each function takes text and returns the
normalised value or raises ValidationFailed with a translatable message."""
import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from ..core.errors import ValidationFailed

# GB 32100-2015: the letters I, O, S, V and Z are never used, so 31 characters remain
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 11643-1999 (ISO 7064 MOD 11-2): weight of position i is 2^(17-i) mod 11
ID_NUMBER_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_NUMBER_CHECK = "10X98765432"

# every dash a Chinese input method or a word processor produces in place of "-"
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"})
_UNIT_NUMBER = re.compile(r"([0-9A-Z#]{1,10})-([0-9A-Z][0-9A-Z-]{0,14})")
_MOBILE = re.compile(r"1\d{10}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
MAX_AREA = Decimal("99999999.99")


def halfwidth(text) -> str:
    """Full-width letters, digits and punctuation (ＡＢ１２３－) as their ASCII forms, trimmed."""
    if text is None:
        return ""
    return unicodedata.normalize("NFKC", str(text)).translate(_DASHES).strip()


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code computed from the first 17."""
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(text) -> str:
    """A unified social credit code (统一社会信用代码) in upper case, with its check character verified."""
    code = re.sub(r"\s", "", halfwidth(text)).upper()
    if len(code) != 18:
        raise ValidationFailed(_l("A unified social credit code has 18 characters; '%(value)s' has %(n)s."),
                               field="credit_code", value=text, n=len(code))
    if any(c not in CREDIT_CODE_ALPHABET for c in code):
        raise ValidationFailed(_l("The unified social credit code '%(value)s' contains characters that such codes never use."),
                               field="credit_code", value=text)
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationFailed(_l("The unified social credit code '%(value)s' is mistyped: its check character does not match."),
                               field="credit_code", value=text)
    return code


def id_number_check_char(first17: str) -> str:
    """The 18th character of a mainland resident ID number computed from the first 17 digits."""
    return ID_NUMBER_CHECK[sum(int(c) * w for c, w in zip(first17, ID_NUMBER_WEIGHTS)) % 11]


def normalise_id_number(text, today: date | None = None) -> str:
    """A mainland resident ID number (身份证号), 18 characters with X allowed last, upper case.
    The birth date inside it must be a real date, not before 1900 and not after `today`."""
    number = re.sub(r"\s", "", halfwidth(text)).upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationFailed(_l("An ID number has 17 digits and a last digit or X; '%(value)s' does not."),
                               field="id_number", value=text)
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or (today is not None and born > today):
        raise ValidationFailed(_l("The ID number '%(value)s' does not contain a valid birth date."),
                               field="id_number", value=text)
    if id_number_check_char(number[:17]) != number[17]:
        raise ValidationFailed(_l("The ID number '%(value)s' is mistyped: its check digit does not match."),
                               field="id_number", value=text)
    return number


def _phone_digits(text) -> str:
    phone = re.sub(r"[\s()]", "", halfwidth(text))
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    return phone


def is_mobile(text) -> bool:
    """A mainland mobile number: 11 digits starting with 1."""
    return bool(_MOBILE.fullmatch(_phone_digits(text).replace("-", "")))


def normalise_mobile(text, field="phone") -> str:
    phone = _phone_digits(text).replace("-", "")
    if not _MOBILE.fullmatch(phone):
        raise ValidationFailed(_l("'%(value)s' is not a mobile number: it needs 11 digits starting with 1."),
                               field=field, value=text)
    return phone


def normalise_phone(text, field="phone") -> str:
    """A mobile number (13812345678) or a landline with its area code (0571-88886666)."""
    phone = _phone_digits(text)
    if _MOBILE.fullmatch(phone.replace("-", "")):
        return phone.replace("-", "")
    if _LANDLINE.fullmatch(phone):
        return phone
    raise ValidationFailed(_l("'%(value)s' is not a phone number: give a mobile number (11 digits starting with 1) "
                              "or a landline with its area code, such as 0571-88886666."), field=field, value=text)


def phone_last4(phone) -> str | None:
    """The last four digits, kept beside the phone for the cashier's "尾号 5678" lookup."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:] if len(digits) >= 4 else None


def normalise_building_code(text) -> str:
    code = re.sub(r"\s", "", halfwidth(text)).upper()
    if not re.fullmatch(r"[0-9A-Z#]{1,10}", code):
        raise ValidationFailed(_l("'%(value)s' is not a building code: use up to 10 letters, digits or #, such as A or 3#."),
                               field="code", value=text)
    return code


def normalise_unit_number(text) -> str:
    """A unit number as the desk writes it: building code, dash, room ("a－1203" → "A-1203")."""
    number = re.sub(r"\s", "", halfwidth(text)).upper()
    if not _UNIT_NUMBER.fullmatch(number):
        raise ValidationFailed(_l("'%(value)s' is not a unit number: write a building code, a dash and a room number, "
                                  "such as A-1203."), field="number", value=text)
    return number


def building_code_of(unit_number: str) -> str:
    """The building code a normalised unit number starts with: "A-1203" → "A"."""
    return unit_number.split("-", 1)[0]


def parse_area(text) -> Decimal:
    """An area in m², greater than 0 with at most 2 decimals. Accepts "89.5", "89.5㎡", "89.5平方米"."""
    cleaned = halfwidth(text).lower().replace(",", "")
    for unit in ("平方米", "平米", "m2"):
        if cleaned.endswith(unit):
            cleaned = cleaned[: -len(unit)].strip()
    try:
        area = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationFailed(_l("The area '%(value)s' is not a number."), field="area", value=text) from None
    if not area.is_finite():
        raise ValidationFailed(_l("The area '%(value)s' is not a number."), field="area", value=text)
    if area <= 0:
        raise ValidationFailed(_l("The area must be greater than 0."), field="area")
    if area != area.quantize(Decimal("0.01")):
        raise ValidationFailed(_l("The area '%(value)s' has more than 2 decimal places."), field="area", value=text)
    if area > MAX_AREA:
        raise ValidationFailed(_l("The area '%(value)s' is too large."), field="area", value=text)
    return area.quantize(Decimal("0.01"))


def periods_overlap(start_a: date, end_a: date | None, start_b: date, end_b: date | None) -> bool:
    """Whether two occupancy periods share a day. End dates are the last day held (inclusive);
    None means open-ended."""
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


def check_period(start_on: date, end_on: date | None) -> None:
    if end_on is not None and end_on < start_on:
        raise ValidationFailed(_l("The end date must not be before the start date."), field="end_on")


def parse_date(value) -> date:
    """A date as people type it in a spreadsheet: 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日, 20240301."""
    if isinstance(value, date):
        return value if type(value) is date else value.date()
    text = halfwidth(value)
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    try:
        if match:
            return date(*(int(g) for g in match.groups()))
    except ValueError:
        pass
    raise ValidationFailed(_l("'%(value)s' is not a date: write it as 2024-03-01."), field="start_on", value=value)


def normalise_email(text) -> str | None:
    email = halfwidth(text)
    if not email:
        return None
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ValidationFailed(_l("'%(value)s' is not an email address."), field="email", value=text)
    return email


# The labels the desk shows, and the words a spreadsheet may use for each code.
SITE_KIND_LABELS = {"estate": _l("Residential estate"), "park": _l("Industrial park")}
USE_LABELS = {"home": _l("Home"), "shop": _l("Shop"), "office": _l("Office"), "factory": _l("Factory"),
              "parking": _l("Parking space")}
CUSTOMER_KIND_LABELS = {"person": _l("Person"), "company": _l("Company")}
ROLE_LABELS = {"owner": _l("Owner"), "tenant": _l("Tenant")}
COPY_LABELS = {"stub": _l("Stub copy"), "customer": _l("Customer copy"), "accounting": _l("Accounting copy")}

USE_WORDS = {"住宅": "home", "商铺": "shop", "办公": "office", "厂房": "factory", "车位": "parking"}
CUSTOMER_KIND_WORDS = {"个人": "person", "企业": "company", "公司": "company"}
ROLE_WORDS = {"业主": "owner", "租户": "tenant"}


def word_to_code(text, words: dict, codes) -> str | None:
    """The code for a spreadsheet word: the Chinese word, or the English code in any case."""
    value = halfwidth(text)
    if value in words:
        return words[value]
    value = value.lower()
    return value if value in codes else None
