"""Snapshots as the billing service freezes them, and ways to read a PDF back the way a person
(or a PDF viewer) would: its text, page by page, and where each word sits."""
import copy
import io
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
from pypdf import PdfReader

RECEIPT = {
    "number": "SJ2026-000123", "site_name": "金桥产业园", "company_name": "上海示例物业服务有限公司",
    "site_address": "上海市浦东新区金桥路1号", "site_phone": "021-58880000",
    "issued_at": "2026-03-31 10:00", "payer": "上海星河科技有限公司", "units": "A-1203",
    "lines": [
        {"item": "物业管理费", "period": "2026-03", "description": "", "amount": "1234.56"},
        {"item": "水费", "period": "2026-03", "description": "读数 1203→1250，47 m³", "amount": "235.00"},
        {"item": "停车费", "period": "2026-03", "description": "沪A12345", "amount": "300.00"},
    ],
    "prepayment": "0.00", "total": "1769.56", "total_figures": "￥1,769.56",
    "total_capitals": "人民币壹仟柒佰陆拾玖元伍角陆分", "method": "cash", "method_label": "现金",
    "tendered": "1800.00", "change": "30.44", "reference": "", "cashier": "王收费",
    "copies": ["stub", "customer", "accounting"],
}

# shaped as billing.queries.day_figures freezes it
DAY_CLOSE = {
    "company_name": "上海示例物业服务有限公司", "site_name": "金桥产业园", "cashier": "王收费",
    "business_on": "2026-03-31", "confirmed_at": "2026-03-31 18:05", "count": 3,
    "first_number": "SJ2026-000101", "last_number": "SJ2026-000103",
    "totals_by_method": [
        {"method": "cash", "label": "现金", "count": 1, "amount": "1769.56"},
        {"method": "wechat", "label": "微信支付", "count": 1, "amount": "500.00"},
    ],
    "total": "2269.56",
    "receipts": [
        {"number": "SJ2026-000101", "issued_at": "09:12", "payer": "上海星河科技有限公司", "units": "A-1203",
         "method_label": "现金", "amount": "1769.56", "status": "issued"},
        {"number": "SJ2026-000102", "issued_at": "10:40", "payer": "张伟", "units": "B-0801",
         "method_label": "现金", "amount": "88.00", "status": "voided"},
        {"number": "SJ2026-000103", "issued_at": "14:05", "payer": "李娜", "units": "B-0902",
         "method_label": "微信支付", "amount": "500.00", "status": "issued"},
    ],
    "voids": [{"number": "SJ2026-000102", "amount": "88.00", "reason": "收费项目选错，已重开"}],
}


@pytest.fixture
def receipt():
    """A fresh copy of a typical cash receipt: three lines, three copies."""
    return copy.deepcopy(RECEIPT)


@pytest.fixture
def day_close():
    return copy.deepcopy(DAY_CLOSE)


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page with whitespace removed: CJK has no spaces, and extractors differ
    in where they put them."""
    return [re.sub(r"\s+", "", page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages]


def words(pdf: bytes) -> list[list[dict]]:
    """Each page's words with their boxes, as poppler (what prints and previews) places them."""
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    root = ET.fromstring(out.decode().replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    pages = []
    for page in root.iter("page"):
        size = (float(page.get("width")), float(page.get("height")))
        pages.append([
            {"text": w.text or "", "page": size, **{k: float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")}}
            for w in page.iter("word")
        ])
    return pages
