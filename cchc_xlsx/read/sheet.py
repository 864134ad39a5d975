"""A worksheet's cells: the fast path and expat, which must agree.

NOTE: a sheet part is ~200 KB (formulas, validations, conditional formats) and
expat with Python callbacks spends ~5 ms on it; the fast path finds the cells
with regular expressions instead. It reads a part only when it can prove it
saw every cell (every "<c" start matched); anything else — prefixes, other
namespaces, character references, unusual spellings — goes to expat. Safety
does not depend on the parser: a part with any markup declaration goes to
expat, which refuses DTDs and entity declarations.
"""

from __future__ import annotations

import re
from typing import Any

from cchc_xlsx.layout.a1 import a1, col_index
from cchc_xlsx.read.model import MAIN_NS, SharedStrings, SheetData
from cchc_xlsx.read.xml import (
    RPH_RE,
    T_RE,
    attr,
    has_charref,
    parse_xml,
    plain_xml,
    prefixed_main,
    unescape,
    xstring,
)
from cchc_xlsx.semantics.cells import RawCell

_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")


def parse_sheet(
    data: bytes,
    pkg: SharedStrings,
    max_row: int,
    max_col: int,
    part: str,
    keep_col: int | None = None,
) -> SheetData:
    """Every cell of rows 0..max_row and columns 0..keep_col (default max_col),
    by expat; cells beyond max_row or max_col are counted as outside.

    Only SpreadsheetML's own elements count: anything in another namespace,
    and extension lists (``extLst``, ISO/IEC 29500-1 §18.2.10), are skipped
    with all they hold (Namespaces in XML 1.0; OPC's markup compatibility)."""
    keep = max_col if keep_col is None else keep_col
    sd = SheetData()
    cur: dict[str, object] = {}
    text: list[str] = []
    formula: list[str] = []
    st: dict[str, Any] = {
        "row": -1,
        "col": -1,
        "mode": "",
        "in_is": False,
        "skip": 0,
        "has_f": False,
        "has_v": False,
        "in_c": False,
    }

    def start(tag: str, a: dict[str, str]) -> None:
        ns, _, local = tag.rpartition(" ")
        if st["skip"] or ns != MAIN_NS or local in ("extLst", "rPh"):
            st["skip"] += 1
            return
        if local == "c":
            ref = (a.get("r") or "").strip()
            if ref:
                m = _REF.match(ref)
                if m:
                    st["row"], st["col"] = int(m.group(2)) - 1, col_index(m.group(1))
                else:
                    st["row"], st["col"] = -1, -1
            else:
                st["col"] = int(st["col"]) + 1
            cur.clear()
            cur["t"] = (a.get("t") or "n").strip()
            cur["s"] = a.get("s")
            text.clear()
            formula.clear()
            st["has_f"] = st["has_v"] = False
            st["in_c"] = True
        elif local == "row":
            r = (a.get("r") or "").strip()
            if r.isdigit():
                st["row"] = int(r) - 1
            else:
                st["row"] = int(st["row"]) + 1
            st["col"] = -1
        elif not st["in_c"]:
            if local == "sheetProtection":
                sd.protected = a.get("sheet", "0").strip() in ("1", "true")
        elif local == "v":
            st["mode"] = "v"
            st["has_v"] = True
        elif local == "f":
            st["mode"] = "f"
            st["has_f"] = True
        elif local == "is":
            st["in_is"] = True
            st["has_v"] = True
        elif local == "t" and st["in_is"]:
            st["mode"] = "t"

    def end(tag: str) -> None:
        if st["skip"]:
            st["skip"] -= 1
            return
        local = tag.rpartition(" ")[2]
        if local in ("v", "f", "t"):
            st["mode"] = ""
        elif local == "is":
            st["in_is"] = False
        elif local == "c":
            st["in_c"] = False
            r, c = int(st["row"]), int(st["col"])
            if r < 0 or c < 0:
                return
            value = "".join(text)
            if r > max_row or c > max_col:
                sd.outside_count += 1
                if len(sd.outside) < 3 and (value or st["has_f"]):
                    sd.outside.append(a1(r, c))
                return
            if c > keep:
                return
            f = "".join(formula) if st["has_f"] else None
            if not st["has_v"]:
                # NOTE: <v> is optional (§18.3.1.4): a styled, typed cell without one holds nothing
                sd.cells[(r, c)] = RawCell(
                    None, None, None if f is None else (f or "(công thức dùng chung)")
                )
                return
            sd.cells[(r, c)] = make_cell(str(cur.get("t")), value, f, cur.get("s"), pkg)

    def chars(data_: str) -> None:
        if st["skip"]:
            return
        mode = st["mode"]
        if mode in ("v", "t"):
            text.append(data_)
        elif mode == "f":
            formula.append(data_)

    parse_xml(data, start, end, chars, part=part)
    return sd


def xsd_double(text: str | bytes) -> float:
    """A cell's ``<v>`` as a number, as XML Schema's ``xsd:double`` reads it.

    Python's ``float`` also takes ``1_000`` (PEP 515), which no spreadsheet
    does (LibreOffice and Gnumeric read 1): an underscore makes the value text.
    Raises ValueError for what is not a number."""
    if ("_" in text) if isinstance(text, str) else (b"_" in text):
        raise ValueError(text)
    return float(text)


def make_cell(t: str, text: str, formula: str | None, style: object, pkg: SharedStrings) -> RawCell:
    f = formula
    if f is not None and f == "":
        f = "(công thức dùng chung)"
    if t == "s":
        try:
            return RawCell("s", pkg.shared_strings[int(text)], f)
        except (ValueError, IndexError):
            return RawCell("e", "#REF!", f)
    if t in ("inlineStr", "str"):
        return RawCell("s", xstring(text), f)
    if t == "d":
        return RawCell("s", text, f)
    if t == "b":
        return RawCell("b", text.strip() in ("1", "true"), f)
    if t == "e":
        return RawCell("e", text, f)
    if text == "":
        return RawCell(None, None, f)
    try:
        num = xsd_double(text)
    except ValueError:
        return RawCell("s", text, f)
    st: int | None = None
    if style is not None:
        try:
            st = int(str(style).strip())
        except ValueError:
            st = None
    return RawCell("n", num, f, "", st)


# NOTE: the fast paths read only parts whose SpreadsheetML elements carry no
# prefix (prefixed_main): a prefixed element there is foreign and not matched.
# An end tag may hold spaces before its ">" (XML 1.0 §3.1 ETag).
_V_RE = re.compile(rb"<v(?:\s[^>]*?)?(?:/>|>(.*?)</v\s*>)", re.S)
_F_RE = re.compile(rb"<f(?:\s[^>]*?)?(?:/>|>(.*?)</f\s*>)", re.S)
_PROT_RE = re.compile(rb"<sheetProtection\b([^>]*)>")
_FOREIGN_TAG = re.compile(rb"</?[A-Za-z_][\w.-]*:")
# cells of columns A.. written the usual way (``r`` first), matched by C code
_CELL_COLS: dict[int, re.Pattern[bytes]] = {}
_OTHER_COLS: dict[int, re.Pattern[bytes]] = {}


def _cells_re(keep: int) -> re.Pattern[bytes]:
    # groups: column letter, row, style, type, other attributes, a plain <v>…</v>, any other body
    if keep not in _CELL_COLS:
        last = chr(65 + keep).encode()
        # NOTE: a cell closed at once (``<c r="D9" s="11"/>``: styled, empty) is
        # matched with no value: the same as no cell, and a third of a form's cells
        _CELL_COLS[keep] = re.compile(
            rb'<c r="([A-'
            + last
            + rb'])([0-9]{1,7})"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,9})")?([^>]*?)'
            rb"(?:/>|>(?:(<v>[^<]*</v>)</c>|(.*?)</c>))",
            re.S,
        )
    return _CELL_COLS[keep]


def _between_re(keep: int, max_col: int) -> re.Pattern[bytes]:
    """Cell starts of the columns after ``keep`` up to ``max_col`` (counted, not read)."""
    key = keep * 100 + max_col
    if key not in _OTHER_COLS:
        _OTHER_COLS[key] = re.compile(
            rb'<c r="[' + chr(66 + keep).encode() + rb"-" + chr(65 + max_col).encode() + rb"][0-9]"
        )
    return _OTHER_COLS[key]


def _far_re(max_col: int) -> re.Pattern[bytes]:
    """Cells beyond column ``max_col``: the reference and the content."""
    key = -1 - max_col
    if key not in _OTHER_COLS:
        first = chr(66 + max_col).encode()
        _OTHER_COLS[key] = re.compile(
            rb'<c r="((?:[A-Z]{2,3}|[' + first + rb'-Z])[0-9]{1,7})"[^>]*?(?:/>|>(.*?)</c>)', re.S
        )
    return _OTHER_COLS[key]


class _Decline(Exception):
    """A shape the fast sheet path does not read: expat reads the part."""


def _has_data(body: bytes) -> bool:
    """Whether a cell's content holds a value or a formula (an empty <v/> or <is> does not)."""
    if b"<f" in body:
        return True
    vm = _V_RE.search(body)
    if vm is not None and vm.group(1):
        return True
    if b"rPh" in body:
        body = RPH_RE.sub(b"", body)  # a phonetic run is not the cell's text (§18.4.6)
    return any(m.group(1) for m in T_RE.finditer(body))


def _other_cell(head: bytes, body: bytes, pkg: SharedStrings) -> RawCell | None:
    """A cell written another way than the two common ones, read by the rules
    of expat's path (:func:`parse_sheet`); None when it holds nothing."""
    if _FOREIGN_TAG.search(body):
        raise _Decline  # markup of another namespace inside a cell
    t_raw = attr(head, b"t") if b"t=" in head else None
    t = unescape(t_raw).strip() if t_raw is not None else "n"
    s_raw = attr(head, b"s") if b"s=" in head else None
    style = unescape(s_raw).strip() if s_raw is not None else None
    formula = None
    if b"<f" in body:
        fm = _F_RE.search(body)
        if fm is None:
            raise _Decline
        formula = unescape(fm.group(1) or b"") or SHARED_FORMULA
    if t == "inlineStr" and b"<is" in body:
        isb = RPH_RE.sub(b"", body) if b"rPh" in body else body
        text = "".join(unescape(x.group(1) or b"") for x in T_RE.finditer(isb))
    else:
        vm = _V_RE.search(body)
        if vm is None:
            # NOTE: <v> is optional (§18.3.1.4): a typed cell without one holds nothing
            return None if formula is None else RawCell(None, None, formula)
        text = unescape(vm.group(1) or b"")
    cell = make_cell(t, text, formula, style, pkg)
    return None if cell.kind is None and cell.formula is None else cell


SHARED_FORMULA = (
    "(công thức dùng chung)"  # a shared formula's child: the formula is written on its master cell
)


def _protection(data: bytes, after: int) -> bool:
    """Whether ``<sheetProtection sheet="1"/>`` follows the sheet data (before any extension list)."""
    ext = data.find(b"<extLst", after)
    i = data.find(b"<sheetProtection", after, ext if ext >= 0 else len(data))
    prot = _PROT_RE.match(data, i) if i >= 0 else None
    if prot is None:
        return False
    value = attr(b" " + prot.group(1), b"sheet")
    return value is not None and unescape(value).strip() in ("1", "true")


def fast_sheet(
    data: bytes,
    pkg: SharedStrings,
    max_row: int,
    max_col: int,
    part: str,
    keep_col: int | None = None,
) -> SheetData | None:
    if not plain_xml(data) or prefixed_main(data):
        return (
            None  # comments, CDATA, processing instructions or prefixed elements: let expat read it
        )
    start = data.find(b"<sheetData")
    if start < 0:
        return None  # NOTE: never "found nothing, so holds nothing": expat decides
    closed = data.find(b"</sheetData>", start)
    end = (
        len(data) if closed < 0 else closed
    )  # <sheetData/>: no cells, and the rest is not cells either
    body_all = data[start:end]
    if max_col > 8:
        return None  # the patterns name columns by one letter: the form's, A to I
    # NOTE: XML turns a raw CR LF into LF in text, and a value may be written as
    # character references (<v>&#49;</v>): expat applies both rules. "#" is
    # rare in a sheet's cells, "&" everywhere: found by the rare byte. Markup
    # of another namespace and extension lists are expat's too.
    if b"\r" in body_all or has_charref(body_all) or b"xmlns" in body_all or b"<extLst" in body_all:
        return None
    keep = max_col if keep_col is None else keep_col
    found = _cells_re(keep).findall(body_all)
    between = len(_between_re(keep, max_col).findall(body_all)) if keep < max_col else 0
    starts = body_all.count(b"<c")
    # NOTE: each match of the three patterns starts at a "<c" of its own, so
    # when the first two account for every one, the third can match none
    far = _far_re(max_col).findall(body_all) if len(found) + between != starts else []
    # NOTE: the proof that every cell was seen: every "<c" in <sheetData> starts
    # a cell (an inline rich string's "<color" would be counted too, and only
    # send the part to expat), and each was matched by one of the patterns,
    # written the common way (no prefix, ``r`` first, double quotes, one space).
    # When one is missed, expat reads the part.
    if len(found) + between + len(far) != starts:
        return None
    sd = SheetData()
    # NOTE: sheetProtection follows sheetData (the schema's order)
    sd.protected = _protection(data, start if closed < 0 else closed)
    # cells beyond the last column read: outside the form; the columns between
    # (the template's check columns) are not read at all
    for ref, content in far:
        sd.outside_count += 1
        if len(sd.outside) < 3 and _has_data(content):
            sd.outside.append(ref.decode("ascii"))
    cells = sd.cells
    shared = None
    new = tuple.__new__  # RawCell(...) without its Python-level __new__: ~600 cells per form
    try:
        for letter, rownum, style, t, rest, plain, body in found:
            if not body and not plain:
                if int(rownum) > max_row + 1:
                    sd.outside_count += 1
                continue  # closed at once: the same as no cell
            r = int(rownum) - 1
            if r > max_row:
                sd.outside_count += 1
                if len(sd.outside) < 3 and _has_data(plain or body):
                    sd.outside.append(f"{letter.decode()}{r + 1}")
                continue
            c = letter[0] - 65
            if rest:
                if rest[-1] != 34:  # '"'
                    return None  # a ">" inside an attribute's value cut the tag short (or an unusual spelling)
            elif plain and len(plain) > 7:  # <v>…</v> with a value
                value = plain[3:-4]
                if not t:
                    # the common number cell: <c r="D10" s="14"><v>3</v></c>
                    try:
                        if b"_" in value:  # xsd_double's rule, inlined: the common cell
                            raise ValueError
                        num = float(value)
                    except ValueError:
                        cells[(r, c)] = new(RawCell, ("s", unescape(value), None, "", None))
                        continue
                    cells[(r, c)] = new(
                        RawCell, ("n", num, None, "", int(style) if style else None)
                    )
                    continue
                if t == b"s":
                    # the common text cell: <c r="B10" s="9" t="s"><v>19</v></c>
                    if shared is None:
                        shared = pkg.shared_strings
                    try:
                        cells[(r, c)] = new(RawCell, ("s", shared[int(value)], None, "", None))
                    except (ValueError, IndexError):
                        cells[(r, c)] = new(RawCell, ("e", "#REF!", None, "", None))
                    continue
            elif (
                not t
                and body.startswith(b"<f>")
                and body.endswith(b"</f><v></v>")
                and b"<" not in body[3:-11]
            ):
                # a formula row's cell as written: <c r="D11" s="16"><f>SUM(D12,D13)</f><v></v></c>
                formula = unescape(body[3:-11]) or SHARED_FORMULA
                cells[(r, c)] = new(RawCell, (None, None, formula, "", None))
                continue
            head = (
                (b' s="' + style + b'"' if style else b"")
                + (b' t="' + t + b'"' if t else b"")
                + rest
            )
            cell = _other_cell(head, plain or body, pkg)
            if cell is not None:
                cells[(r, c)] = cell
    except _Decline:
        return None
    return sd
