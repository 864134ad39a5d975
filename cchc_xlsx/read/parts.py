"""The workbook's parts besides its sheets: the workbook (sheets, protection,
date system), relationships, shared strings, and styles (what each number
format shows). Each by a fast path where it can prove it read everything, else expat."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from cchc_xlsx.read.model import MAIN_NS, REL_NS, STRICT_REL_NS
from cchc_xlsx.read.xml import (
    RPH_RE,
    T_RE,
    attr,
    attrs,
    parse_xml,
    plain_xml,
    prefixed_main,
    unescape,
    unescape_text,
    xstring,
)
from cchc_xlsx.semantics.numbers import BUILTIN_FORMAT_KINDS, format_kind

# NOTE: the returns of one form share these parts byte for byte (only the
# shared strings and the form's sheet differ): each is parsed once per process,
# keyed by its exact bytes. At most a few are kept (all dropped when full),
# and only small ones (a large part is parsed every time: a worker holds no
# hostile file's parts).
# The results are tuples: they are shared.
_KEPT = 8
_KEPT_SIZE = 1 << 16
_R = TypeVar("_R")


def _kept(parse: Callable[..., _R]) -> Callable[..., _R]:
    """``parse(data, *args)``, remembered for a few small ``data``."""
    kept: dict[tuple[object, ...], _R] = {}

    @wraps(parse)
    def remembered(data: bytes, *args: str) -> _R:
        if len(data) > _KEPT_SIZE:
            return parse(data, *args)
        key = (data, *args)
        parsed = kept.get(key)
        if parsed is None:
            parsed = parse(data, *args)
            if len(kept) >= _KEPT:
                kept.clear()  # NOTE: one step, never a half-updated table (threads)
            kept[key] = parsed
        return parsed

    return remembered


_REL_RE = re.compile(rb"<Relationship\b([^>]*?)/?>")
_SHEET_TAG_RE = re.compile(rb"<sheet\b([^>]*?)/?>")
_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.-]*:)?workbook\b([^>]*)>")
_WBPR_RE = re.compile(rb"<workbookPr\b([^>]*?)/?>")


def fast_workbook(
    data: bytes, part: str
) -> tuple[str | None, list[tuple[str, str, str]], bool] | None:
    """Namespace, sheets (name, state, relationship id) and the
    1904 date system, or None for expat."""
    if not plain_xml(data):
        return None
    root = _ROOT_RE.search(data)
    if root is None or root.group(1):
        return None
    ns = attrs(root.group(2)).get("xmlns")
    sheets = []
    for m in _SHEET_TAG_RE.finditer(data):
        a = attrs(m.group(1))
        rid = next((v for k, v in a.items() if k.endswith(":id")), None)
        if rid is None:
            return None
        sheets.append((a.get("name", ""), a.get("state", "visible"), rid))
    pr = _WBPR_RE.search(data)
    date1904 = bool(pr) and attrs(pr.group(1)).get("date1904", "0") in ("1", "true")  # type: ignore[union-attr]
    return ns, sheets, date1904


@_kept
def parse_workbook(
    data: bytes, part: str
) -> tuple[str | None, tuple[tuple[str, str, str], ...], bool]:
    """Namespace, sheets (name, state, relationship id) and the 1904 date system."""
    parsed = fast_workbook(data, part)
    if parsed is None:
        parsed = expat_workbook(data, part)
    ns, sheets, date1904 = parsed
    return ns, tuple(sheets), date1904


def expat_workbook(data: bytes, part: str) -> tuple[str | None, list[tuple[str, str, str]], bool]:
    sheets: list[tuple[str, str, str]] = []
    state: dict[str, Any] = {"ns": None, "date1904": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        ns, _, local = tag.rpartition(" ")
        if state["ns"] is None:
            state["ns"] = ns
        if local == "sheet":
            rid = attrs.get(f"{REL_NS} id") or attrs.get(f"{STRICT_REL_NS} id") or ""
            sheets.append((attrs.get("name", ""), attrs.get("state", "visible"), rid))
        elif local == "workbookPr":
            state["date1904"] = attrs.get("date1904", "0") in ("1", "true")

    parse_xml(data, start, part=part)
    return state["ns"], sheets, bool(state["date1904"])


@_kept
def parse_rels(data: bytes) -> tuple[tuple[str, str, str], ...]:
    if plain_xml(data) and b":Relationship" not in data:
        out_fast = []
        for m in _REL_RE.finditer(data):
            a = attrs(m.group(1))
            out_fast.append((a.get("Id", ""), a.get("Target", ""), a.get("Type", "")))
        return tuple(out_fast)
    out: list[tuple[str, str, str]] = []

    def start(tag: str, a: dict[str, str]) -> None:
        if tag.endswith(" Relationship") or tag == "Relationship":
            out.append((a.get("Id", ""), a.get("Target", ""), a.get("Type", "")))

    parse_xml(data, start, part="rels")
    return tuple(out)


def parse_sst(data: bytes, part: str = "sharedStrings.xml") -> list[str]:
    out: list[str] = []
    buf: list[str] = []
    st: dict[str, Any] = {"in_t": False, "skip": 0}

    def start(tag: str, _a: dict[str, str]) -> None:
        ns, _, local = tag.rpartition(" ")
        if st["skip"] or ns != MAIN_NS or local in ("rPh", "extLst"):
            st["skip"] += 1  # phonetic runs and foreign or extension markup: not the string
        elif local == "si":
            buf.clear()
        elif local == "t":
            st["in_t"] = True

    def end(tag: str) -> None:
        if st["skip"]:
            st["skip"] -= 1
            return
        local = tag.rpartition(" ")[2]
        if local == "t":
            st["in_t"] = False
        elif local == "si":
            out.append(xstring("".join(buf)))

    def chars(text: str) -> None:
        if st["in_t"]:
            buf.append(text)

    parse_xml(data, start, end, chars, part=part)
    return out


_NUMFMT_RE = re.compile(rb"<numFmt\b([^>]*?)/?>")
_XF_RE = re.compile(rb"<xf\b([^>]*?)/?>")


def fast_styles(data: bytes) -> tuple[dict[int, str], list[int]] | None:
    """Custom number formats and each cell style's format id, or None for expat."""
    if not plain_xml(data) or b":cellXfs" in data or b":numFmt" in data:
        return None
    start = data.find(b"<cellXfs")
    end = data.find(b"</cellXfs>", start)
    if start < 0 or end < 0:
        return None
    custom: dict[int, str] = {}
    for m in _NUMFMT_RE.finditer(data, 0, start):
        a = attrs(m.group(1))
        try:
            custom[int(a.get("numFmtId", "-1"))] = a.get("formatCode", "")
        except ValueError:
            pass
    xf_fmt: list[int] = []
    for m in _XF_RE.finditer(data, start, end):
        fid = attr(b" " + m.group(1), b"numFmtId")
        xf_fmt.append(int(fid) if fid is not None and fid.isdigit() else 0)
    return custom, xf_fmt


@_kept
def parse_format_kinds(data: bytes) -> tuple[str, ...]:
    fast = fast_styles(data)
    custom, xf_fmt = fast if fast is not None else expat_styles(data)
    kinds = {fid: format_kind(code) for fid, code in custom.items()}
    return tuple(
        kinds[fid] if fid in kinds else BUILTIN_FORMAT_KINDS.get(fid, "") for fid in xf_fmt
    )


def expat_styles(data: bytes) -> tuple[dict[int, str], list[int]]:
    custom: dict[int, str] = {}
    xf_fmt: list[int] = []
    st: dict[str, Any] = {"in_xfs": False}

    def start(tag: str, a: dict[str, str]) -> None:
        local = tag.rpartition(" ")[2]
        if local == "numFmt":
            try:
                custom[int(a.get("numFmtId", "-1"))] = a.get("formatCode", "")
            except ValueError:
                pass
        elif local == "cellXfs":
            st["in_xfs"] = True
        elif local == "xf" and st["in_xfs"]:
            try:
                xf_fmt.append(int(a.get("numFmtId", "0")))
            except ValueError:
                xf_fmt.append(0)

    def end(tag: str) -> None:
        if tag.endswith("cellXfs"):
            st["in_xfs"] = False

    parse_xml(data, start, end, part="styles.xml")
    return custom, xf_fmt


# groups: a plain <t> text, any other body. Matched in the part decoded as a
# whole (ASCII only, as over bytes): every group starts and ends beside an ASCII
# character, where UTF-8 decoding starts afresh, so each group is what decoding
# its bytes alone gives.
_SI_BODY_RE = re.compile(
    r'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>|<si>(.*?)</si>|<si/>', re.S | re.A
)
_PLAIN_T_RE = re.compile(rb"^<t(?: [^>]*)?>(.*)</t>$", re.S)
_SI_ODD = re.compile(rb"<si[\t\r\n]")
_SI_KEPT = 1024  # distinct rich strings remembered (a form has a few dozen)
_SI_KEPT_SIZE = 4096
_si_texts: dict[str, str] = {}


def _si_text(body: str) -> str:
    """The text of an ``<si>`` that is not one plain ``<t>`` (rich text, phonetic
    runs, …); remembered, as the returns of one form repeat theirs."""
    text = _si_texts.get(body)
    if text is None:
        text = _si_body_text(body.encode())
        if len(body) <= _SI_KEPT_SIZE:
            if len(_si_texts) >= _SI_KEPT:
                _si_texts.clear()
            _si_texts[body] = text
    return text


def _si_body_text(body: bytes) -> str:
    m = (
        _PLAIN_T_RE.match(body)
        if b"<r>" not in body and b"<r " not in body and b"rPh" not in body
        else None
    )
    if m is not None and b"<t" not in m.group(1):
        text = m.group(1)
        return unescape(text) if b"&" in text else text.decode("utf-8", errors="replace")
    if b"rPh" in body:
        body = RPH_RE.sub(b"", body)
    return "".join(unescape(t.group(1) or b"") for t in T_RE.finditer(body))


def fast_sst(data: bytes, part: str) -> list[str]:
    root = data.find(b"<sst")
    if (
        not plain_xml(data)
        or prefixed_main(data)
        or root < 0
        or b"\r" in data
        or b"xmlns" in data[data.find(b">", root) :]
        or b"<extLst" in data
        or _SI_ODD.search(data)
    ):
        return parse_sst(data, part)  # NOTE: expat also turns a raw CR LF into LF, as XML says
    out: list[str] = []
    append = out.append
    for plain, body in _SI_BODY_RE.findall(data.decode("utf-8", "replace")):
        if plain or not body:
            append(unescape_text(plain) if "&" in plain else plain)
        else:
            append(_si_text(body))
    # NOTE: every <si> must have been seen, or the indexes of the strings after
    # a missed one shift: a shape the patterns do not cover goes to expat
    if len(out) != data.count(b"<si>") + data.count(b"<si/>") + data.count(b"<si "):
        return parse_sst(data, part)
    if b"_x" in data:
        return [xstring(t) for t in out]
    return out
