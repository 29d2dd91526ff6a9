"""The columns of an import file: which field each column holds, detected from the usual
Chinese and English header names, with the user's own mapping applied on top."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: Header synonyms per field, Chinese and English, compared after `_header_key()`.
# fmt: off
LEAD_COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "phone": ("手机", "手机号", "手机号码", "电话", "联系电话", "电话号码", "联系方式", "移动电话",
              "客户电话", "客户手机", "号码", "phone", "mobile", "tel", "telephone",
              "phonenumber", "mobilephone", "cellphone", "cell", "mobileno", "phoneno"),
    "name": ("姓名", "客户姓名", "客户名称", "客户", "联系人", "名字", "称呼", "name", "fullname",
             "customer", "customername", "contact", "contactname"),
    "company": ("公司", "单位", "公司名称", "企业", "企业名称", "工作单位", "company",
                "companyname", "organization", "organisation", "employer"),
    "region": ("地区", "省份", "城市", "区域", "所在地", "所在地区", "省市", "地址", "region",
               "city", "province", "area", "location", "address"),
    "source": ("来源", "渠道", "线索来源", "客户来源", "source", "channel", "leadsource"),
    "notes": ("备注", "说明", "描述", "notes", "note", "remark", "remarks", "comment", "comments"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "邮件", "email", "e-mail", "mail", "emailaddress"),
    "wechat": ("微信", "微信号", "wechat", "weixin", "wechatid"),
    "product": ("产品", "意向产品", "感兴趣产品", "product", "interest", "productofinterest"),
    "budget": ("预算", "预算金额", "budget"),
    "intent": ("意向", "意向度", "意向程度", "意向等级", "intent", "intention"),
    "timeline": ("时间", "购买时间", "计划时间", "预计时间", "时间计划", "timeline", "timeframe"),
}
# fmt: on
DNC_COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "phone": LEAD_COLUMN_SYNONYMS["phone"],
    "reason": ("原因", "理由", "备注", "说明", "reason", "note", "notes", "remark", "comment"),
}


def column_fields(kind: str) -> tuple[str, ...]:
    """The fields a column of this kind of import may be mapped to."""
    return tuple((DNC_COLUMN_SYNONYMS if kind == "dnc" else LEAD_COLUMN_SYNONYMS).keys())


def _header_key(text: Any) -> str:
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    for noise in ("(必填)", "(选填)", "(required)", "(optional)", "*", ":"):
        text = text.replace(noise, "")
    return "".join(ch for ch in text if ch.isalnum())


def detect_columns(header: list[str], *, kind: str = "leads") -> dict[int, str]:
    """Map header cells to fields by their usual Chinese/English names; each field once.

    An exact synonym wins; otherwise a Chinese synonym contained in the cell ("客户手机号"),
    the longest first, phone before the rest. Unrecognized columns are left out, for the
    user to map or ignore.
    """
    synonyms = DNC_COLUMN_SYNONYMS if kind == "dnc" else LEAD_COLUMN_SYNONYMS
    exact = {_header_key(word): name for name, words in synonyms.items() for word in words}
    result: dict[int, str] = {}
    taken: set[str] = set()
    keys = [_header_key(cell) for cell in header]
    for index, key in enumerate(keys):
        name = exact.get(key)
        if name and name not in taken:
            result[index] = name
            taken.add(name)
    for index, key in enumerate(keys):
        if index in result or not key:
            continue
        best: tuple[int, str] | None = None
        for name, words in synonyms.items():
            for word in words:
                word_key = _header_key(word)
                if word_key.isascii() or word_key not in key:
                    continue
                rank = (len(word_key) + (100 if name == "phone" else 0), name)
                if best is None or rank > best:
                    best = rank
        # The best reading only: "客户手机号" is a second phone column, not a name.
        if best and best[1] not in taken:
            result[index] = best[1]
            taken.add(best[1])
    return result


def columns_resolve(header: list[str], mapping: dict | None, *, kind: str) -> dict[int, str]:
    """Detected columns with the user's mapping applied on top.

    `mapping` keys are column numbers (0-based, as text or int) or header texts; a value is
    a field name, or "" to ignore that column. A field the user placed moves off the
    column it was detected on.
    """
    columns = detect_columns(header, kind=kind)
    allowed = column_fields(kind)
    keys = [_header_key(cell) for cell in header]
    for key, name in (mapping or {}).items():
        index = _mapping_index(key, keys)
        if index is None:
            continue
        if name:
            if name not in allowed:
                continue
            for other, other_name in list(columns.items()):
                if other_name == name and other != index:
                    del columns[other]
            columns[index] = name
        else:
            columns.pop(index, None)
    return columns


def _mapping_index(key: Any, header_keys: list[str]) -> int | None:
    text = str(key).strip()
    if text.isdigit():
        index = int(text)
        return index if index < len(header_keys) else None
    wanted = _header_key(text)
    return header_keys.index(wanted) if wanted in header_keys else None


def mapping_clean(mapping: Any, *, kind: str) -> dict[str, str]:
    """Validate a user's mapping (from a form or the API); raise ValidationError on "mapping"."""
    if mapping in (None, ""):
        return {}
    if not isinstance(mapping, dict):
        raise ValidationError({"mapping": [_("The column mapping must be an object.")]})
    allowed = column_fields(kind)
    cleaned = {}
    for key, name in mapping.items():
        name = "" if name is None else str(name)
        if name and name not in allowed:
            raise ValidationError(
                {
                    "mapping": [
                        _("“%(field)s” is not a field; use one of: %(fields)s.")
                        % {"field": name[:50], "fields": ", ".join(allowed)}
                    ]
                }
            )
        cleaned[str(key)[:200]] = name
    targets = [name for name in cleaned.values() if name]
    if len(targets) != len(set(targets)):
        raise ValidationError({"mapping": [_("Each field may be given to one column only.")]})
    return cleaned
