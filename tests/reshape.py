"""The same workbook, written the way other programs write it.

Every public function takes the bytes of an .xlsx written by this tool (a
template stamped by ``cchc_xlsx.write.generate`` and filled by ``cchc_xlsx.testing``)
and returns the bytes of the *same* workbook — the same cells, values,
formulas, styles, protection, names, validations — spelt the way another
producer spells SpreadsheetML. A reader must return the same values for all
of them. Parts a shape does not concern are copied byte for byte; shapes of
the cells change the form's sheet(s) only (:func:`form_sheets`) and leave the
hidden metadata sheet byte for byte, unless the shape cannot be had without
it (no shared strings left: :func:`google_sheets`) or it describes how a
program writes every part (indentation, quotes, line ends, byte-order marks).

The shapes (each function's docstring says who writes a package this way):

- :func:`google_sheets` — no ``<dimension>``, no ``spans``, every text inline,
  no shared-strings part; :func:`excel_shared_strings` — the reverse: every
  text in the shared strings;
- :func:`openxml_sdk_prefix` — every SpreadsheetML element as ``x:…``;
- :func:`power_bi` — both of the above and rows and cells without ``r``,
  indented, in every sheet;
- :func:`cells_without_r`, :func:`rows_without_r`,
  :func:`rows_and_cells_without_r` — positions implied by order;
- :func:`shared_formulas` — ``<f t="shared" ref=… si=…>`` masters and
  ``<f t="shared" si=…/>`` followers, cached values kept;
- :func:`utf16` (with BOM) and :func:`latin1` (``ISO-8859-1``, characters
  beyond Latin-1 as ``&#…;``) — one part re-encoded;
- :func:`pretty_printed`, :func:`windows_line_ends`,
  :func:`attributes_on_several_lines`, :func:`single_quoted_attributes`,
  :func:`reordered_attributes`, :func:`utf8_bom`,
  :func:`without_xml_declaration`;
- :func:`java_number_notation` — whole numbers as ``3.0`` (Apache POI);
- :func:`numbers_as_character_references`, :func:`comments_in_sheet_data`,
  :func:`cdata_text`, :func:`processing_instructions`;
- :func:`rich_text_shared_strings`, :func:`rich_text_inline_strings` — runs
  with ``<rPr>`` and phonetic runs (``<rPh>``, to be ignored);
- :func:`explicit_number_type`, :func:`empty_values_in_blank_cells`,
  :func:`excel_extensions` (``mc:AlternateContent``, ``extLst``, Excel's
  ``x14ac``/``xr`` decorations).

The functions work on a small tree of each part (:func:`parse` / :func:`dump`,
which give back an untouched part byte for byte), so any of them may be
applied to the output of any other; elements are matched by their local name,
whatever their prefix.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
FORM_SHEET = "xl/worksheets/sheet1.xml"  # XlsxWriter's name for the first sheet: the form
SHARED_STRINGS = "xl/sharedStrings.xml"
WORKBOOK = "xl/workbook.xml"
STYLES = "xl/styles.xml"
CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_WORKSHEET = re.compile(r"^xl/worksheets/sheet\d+\.xml$")


# --------------------------------------------------------------------------- a small XML tree


class Markup(str):
    """A comment, CDATA section or processing instruction inside an element, written as is."""


@dataclass
class El:
    """One element: its name as written, its attributes (values escaped as written), its content."""

    tag: str
    attrs: list[tuple[str, str]] = field(default_factory=list)
    kids: list[El | str] = field(default_factory=list)  # str: character data, escaped as written
    short: bool = False  # written ``<x/>`` (only while it has no content)

    @property
    def local(self) -> str:
        return self.tag.rpartition(":")[2]

    @property
    def prefix(self) -> str:
        return self.tag.rpartition(":")[0]

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.attrs if k == name), None)

    def set(self, name: str, value: str, after: tuple[str, ...] = ()) -> None:
        """Set an attribute; a new one goes after the last of ``after`` present (else last)."""
        for i, (k, _v) in enumerate(self.attrs):
            if k == name:
                self.attrs[i] = (name, value)
                return
        at = max((i + 1 for i, (k, _v) in enumerate(self.attrs) if k in after), default=len(self.attrs))
        self.attrs.insert(at, (name, value))

    def drop(self, name: str) -> None:
        self.attrs = [(k, v) for k, v in self.attrs if k != name]

    def elements(self, local: str | None = None) -> list[El]:
        return [k for k in self.kids if isinstance(k, El) and (local is None or k.local == local)]

    def first(self, local: str) -> El | None:
        return next(iter(self.elements(local)), None)

    def iter(self, local: str | None = None) -> Iterator[El]:
        if local is None or self.local == local:
            yield self
        for k in self.kids:
            if isinstance(k, El):
                yield from k.iter(local)

    def child(self, local: str, *, attrs: list[tuple[str, str]] | None = None, kids: list[El | str] | None = None, short: bool = False) -> El:
        """A new element named like this one's children (same prefix)."""
        return El(f"{self.prefix}:{local}" if self.prefix else local, attrs or [], kids or [], short)


@dataclass
class Doc:
    prolog: str  # the XML declaration and whatever precedes the root, as written
    root: El
    epilog: str = ""


_TOKEN = re.compile(
    r"(?P<markup><\?.*?\?>|<!--.*?-->|<!\[CDATA\[.*?\]\]>)"
    r"|<(?P<close>/)?(?P<tag>[A-Za-z_][\w.:-]*)(?P<attrs>(?:\s+[\w.:-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(?P<short>/)?>"
    r"|(?P<text>[^<]+)",
    re.S,
)
_ATTR = re.compile(r"([\w.:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def parse(data: bytes) -> Doc:
    """A part's tree (UTF-8 parts only: this tool writes nothing else)."""
    text = data.decode("utf-8")
    stack: list[El] = []
    prolog: list[str] = []
    root: El | None = None
    epilog: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() != pos:
            raise ValueError(f"cannot tokenise the part at {pos}: {text[pos:pos + 60]!r}")
        pos = m.end()
        if m.group("tag"):
            if m.group("close"):
                done = stack.pop()
                if done.tag != m.group("tag"):
                    raise ValueError(f"</{m.group('tag')}> closes <{done.tag}>")
                continue
            el = El(m.group("tag"), [(a.group(1), a.group(2) if a.group(2) is not None else a.group(3)) for a in _ATTR.finditer(m.group("attrs"))])
            if stack:
                stack[-1].kids.append(el)
            elif root is None:
                root = el
            else:
                raise ValueError("two root elements")
            if m.group("short"):
                el.short = True
            else:
                stack.append(el)
            continue
        piece = m.group(0)
        if stack:
            stack[-1].kids.append(Markup(piece) if m.group("markup") else piece)
        elif root is None:
            prolog.append(piece)
        else:
            epilog.append(piece)
    if pos != len(text) or stack or root is None:
        raise ValueError("not a well-formed part")
    return Doc("".join(prolog), root, "".join(epilog))


@dataclass(frozen=True)
class Style:
    """How :func:`dump` spells markup."""

    quote: str = '"'
    indent: str | None = None  # indentation between elements (None: none)
    attr_lines: bool = False  # every attribute on its own line
    slash_space: bool = False  # empty elements as ``<c r="A1" />`` (.NET's XmlWriter)
    newline: str = "\n"  # the line end of indentation and of line breaks in text
    reorder: Callable[[El], list[tuple[str, str]]] | None = None


def dump(doc: Doc, style: Style = Style()) -> bytes:
    out: list[str] = [doc.prolog]
    if style.indent is not None and doc.prolog and not doc.prolog.endswith("\n"):
        out.append("\n")
    _dump(doc.root, style, 0, out)
    out.append(doc.epilog)
    text = "".join(out)
    if style.newline != "\n":
        text = text.replace("\n", style.newline)
    return text.encode("utf-8")


def _dump(el: El, style: Style, depth: int, out: list[str]) -> None:
    attrs = style.reorder(el) if style.reorder else el.attrs
    q = style.quote
    out.append("<" + el.tag)
    for k, v in attrs:
        if q == "'":
            v = v.replace("'", "&apos;").replace("&quot;", '"')
        sep = "\n" + (style.indent or "  ") * (depth + 1) if style.attr_lines else " "
        out.append(f"{sep}{k}={q}{v}{q}")
    if not el.kids:
        out.append((" />" if style.slash_space else "/>") if el.short else f"></{el.tag}>")
        return
    out.append(">")
    # only elements (and blank text) inside: indentation is not content, so it may go between them
    element_only = all(isinstance(k, El) or (type(k) is str and not k.strip()) for k in el.kids)
    for k in el.kids:
        if isinstance(k, El):
            if style.indent is not None and element_only:
                out.append("\n" + style.indent * (depth + 1))
            _dump(k, style, depth + 1, out)
        elif style.indent is not None and element_only:
            continue  # blank text between elements: replaced by the indentation
        else:
            out.append(k)
    if style.indent is not None and element_only:
        out.append("\n" + style.indent * depth)
    out.append(f"</{el.tag}>")


_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def unescape(raw: str) -> str:
    def one(m: re.Match[str]) -> str:
        key = m.group(1)
        if key.startswith("#x"):
            return chr(int(key[2:], 16))
        if key.startswith("#"):
            return chr(int(key[1:]))
        return _NAMED[key]

    return _ENTITY.sub(one, raw)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text_of(el: El, skip: tuple[str, ...] = ("rPh",)) -> str:
    """The character data of ``el``'s ``<t>`` descendants (phonetic runs left out), unescaped."""
    out: list[str] = []

    def walk(e: El, inside_t: bool) -> None:
        for k in e.kids:
            if isinstance(k, El):
                if k.local not in skip:
                    walk(k, inside_t or k.local == "t")
            elif inside_t:
                if isinstance(k, Markup):
                    if k.startswith("<![CDATA["):
                        out.append(k[9:-3])
                else:
                    out.append(unescape(k))

    walk(el, el.local == "t")
    return "".join(out)


# --------------------------------------------------------------------------- the package


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def repack(data: bytes, replace: dict[str, bytes], drop: Iterable[str] = ()) -> bytes:
    """``data`` with some parts replaced and some dropped; every other entry (name,
    date, compression, content) as it was, in the same order."""
    gone = set(drop)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            if info.filename in gone:
                continue
            body = replace.get(info.filename, src.read(info))
            dst.writestr(info, body, compress_type=info.compress_type)
    return buf.getvalue()


def worksheets(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [n for n in z.namelist() if _WORKSHEET.match(n)]


def form_sheets(data: bytes) -> list[str]:
    """The worksheet parts of the visible sheets: the form, not the hidden metadata
    sheet (which a shape leaves byte for byte unless it has to change it)."""
    p = parts(data)
    targets = {rel.get("Id"): rel.get("Target") or "" for rel in parse(p[WORKBOOK_RELS]).root.elements("Relationship")}
    out = []
    for sheet in parse(p[WORKBOOK]).root.iter("sheet"):
        if (sheet.get("state") or "visible") != "visible":
            continue
        rid = next(v for k, v in sheet.attrs if k.endswith(":id"))
        target = targets[rid]
        out.append(target.lstrip("/") if target.startswith("/") else "xl/" + target)
    return out


def _sheets(data: bytes, all_sheets: bool) -> list[str]:
    return worksheets(data) if all_sheets else form_sheets(data)


def _xml_parts(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [n for n in z.namelist() if n.endswith((".xml", ".rels"))]


def _edit(data: bytes, names: Iterable[str], edit: Callable[[Doc], None], style: Style = Style(), drop: Iterable[str] = ()) -> bytes:
    """Parse each named part, let ``edit`` change its tree, write it back in ``style``."""
    all_parts = parts(data)
    new: dict[str, bytes] = {}
    for name in names:
        if name not in all_parts:
            continue
        doc = parse(all_parts[name])
        edit(doc)
        new[name] = dump(doc, style)
    return repack(data, new, drop)


def _nothing(_doc: Doc) -> None:
    return None


def _shared_strings(data: bytes) -> list[str]:
    p = parts(data)
    if SHARED_STRINGS not in p:
        return []
    return [text_of(si) for si in parse(p[SHARED_STRINGS]).root.elements("si")]


def _sheet_data(doc: Doc) -> El:
    sd = doc.root.first("sheetData")
    if sd is None:
        raise ValueError("a worksheet without <sheetData>")
    return sd


def _cell_value(c: El) -> El | None:
    return c.first("v")


_REF = re.compile(r"^([A-Z]{1,3})([0-9]+)$")


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def col_letters(index: int) -> str:
    s = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        s = chr(65 + rem) + s
    return s


def _position(c: El) -> tuple[int, int]:
    m = _REF.match(c.get("r") or "")
    if m is None:
        raise ValueError(f"a cell without a reference: {c}")
    return int(m.group(2)) - 1, col_index(m.group(1))


def _inline(c: El, text: str) -> None:
    """Make ``c`` an inline-string cell holding ``text``."""
    space = [("xml:space", "preserve")] if text != text.strip() or "\n" in text or "\t" in text else []
    t = c.child("t", attrs=space, kids=[escape(text)] if text else [])
    c.kids = [k for k in c.kids if not (isinstance(k, El) and k.local == "v")] + [c.child("is", kids=[t])]
    c.set("t", "inlineStr", after=("r", "s"))


def _drop_shared_strings_part(data: bytes) -> bytes:
    """Remove sharedStrings.xml with its content type and relationship (no cell refers to it)."""
    p = parts(data)

    def no_override(doc: Doc) -> None:
        doc.root.kids = [k for k in doc.root.kids if not (isinstance(k, El) and (k.get("PartName") or "").endswith("/sharedStrings.xml"))]

    def no_rel(doc: Doc) -> None:
        doc.root.kids = [k for k in doc.root.kids if not (isinstance(k, El) and (k.get("Type") or "").endswith("/sharedStrings"))]

    out = _edit(data, [CONTENT_TYPES], no_override, drop=[SHARED_STRINGS] if SHARED_STRINGS in p else [])
    return _edit(out, [WORKBOOK_RELS], no_rel)


def _inline_every_string(data: bytes) -> bytes:
    sst = _shared_strings(data)

    def edit(doc: Doc) -> None:
        for c in _sheet_data(doc).iter("c"):
            if c.get("t") == "s":
                v = _cell_value(c)
                _inline(c, sst[int(chars(v))] if v is not None else "")

    return _drop_shared_strings_part(_edit(data, worksheets(data), edit))


def chars(el: El) -> str:
    """``el``'s own character data (CDATA included), unescaped."""
    out: list[str] = []
    for k in el.kids:
        if isinstance(k, Markup):
            if k.startswith("<![CDATA["):
                out.append(k[9:-3])
        elif isinstance(k, str):
            out.append(unescape(k))
    return "".join(out)


# --------------------------------------------------------------------------- the shapes


def google_sheets(data: bytes) -> bytes:
    """No ``<dimension>``, no ``spans`` on rows, every text cell an inline string
    (``t="inlineStr"><is><t>…</t></is>``) and no shared-strings part at all.

    Google Sheets' downloads have no ``<dimension>`` (tidyverse/readxl#26,
    odoo/odoo#177604: readers that relied on it broke); writers that put
    every string inline instead of in ``sharedStrings.xml`` include Power BI's
    export (dilshod/xlsx2csv#311), PHP_XLSXWriter and DataTables Buttons.
    """

    def edit(doc: Doc) -> None:
        doc.root.kids = [k for k in doc.root.kids if not (isinstance(k, El) and k.local == "dimension")]
        for row in _sheet_data(doc).elements("row"):
            row.drop("spans")

    return _inline_every_string(_edit(data, worksheets(data), edit))


def excel_shared_strings(data: bytes) -> bytes:
    """Every inline string of the form (the notes and the texts typed in value
    cells) moved to the shared strings (``t="s"`` and its index), a text
    already there reusing its entry: Excel never writes inline strings, so a
    return typed in Excel and saved comes back this way."""
    p = parts(data)
    sst = parse(p[SHARED_STRINGS])
    index = {text_of(si): i for i, si in reversed(list(enumerate(sst.root.elements("si"))))}
    uses = 0

    def edit(doc: Doc) -> None:
        nonlocal uses
        for c in _sheet_data(doc).iter("c"):
            is_ = c.first("is")
            if c.get("t") != "inlineStr" or is_ is None:
                continue
            text = text_of(is_)
            if text not in index:
                index[text] = len(sst.root.elements("si"))
                space = [("xml:space", "preserve")] if text != text.strip() or "\n" in text else []
                sst.root.kids.append(sst.root.child("si", kids=[sst.root.child("t", attrs=space, kids=[escape(text)])]))
            c.kids = [k for k in c.kids if not (isinstance(k, El) and k.local == "is")] + [c.child("v", kids=[str(index[text])])]
            c.set("t", "s")
            uses += 1

    out = _edit(data, form_sheets(data), edit)
    sst.root.set("count", str(int(sst.root.get("count") or "0") + uses))
    sst.root.set("uniqueCount", str(len(sst.root.elements("si"))))
    return repack(out, {SHARED_STRINGS: dump(sst)})


def openxml_sdk_prefix(data: bytes, all_sheets: bool = False) -> bytes:
    """Every SpreadsheetML element with the ``x:`` prefix (``<x:worksheet
    xmlns:x="…/spreadsheetml/2006/main">``, ``<x:c>``, ``<x:v>``…) in the
    form's worksheet (every worksheet with ``all_sheets``), the workbook, the
    shared strings and the styles, and empty elements closed the way .NET's
    ``XmlWriter`` closes them (``<x:c r="D9" s="11" />``).

    What the .NET Open XML SDK writes for parts a program builds with it
    (``new Worksheet(new SheetData())``); Power BI's exports are one example
    (dilshod/xlsx2csv#311).
    """

    def edit(doc: Doc) -> None:
        _prefix(doc.root, "x", default=None)

    return _edit(data, [*_sheets(data, all_sheets), WORKBOOK, SHARED_STRINGS, STYLES], edit, Style(slash_space=True))


def _prefix(el: El, prefix: str, default: str | None) -> None:
    declared = el.get("xmlns")
    if declared is not None:
        default = declared
        if declared == MAIN_NS:
            el.attrs = [(f"xmlns:{prefix}", v) if k == "xmlns" else (k, v) for k, v in el.attrs]
    if ":" not in el.tag and default == MAIN_NS:
        el.tag = f"{prefix}:{el.tag}"
    for k in el.elements():
        _prefix(k, prefix, default)


def cells_without_r(data: bytes) -> bytes:
    """Cells of the form without their ``r`` reference: a cell's column is the one after the
    previous cell's (ISO/IEC 29500-1 §18.3.1.4 makes ``r`` optional; Excel and
    LibreOffice — ``SheetDataContext::importCell``: ``++mnCol`` — place such
    a cell right after the previous one). So every row is written left to
    right from column A, an empty ``<c/>`` standing in for each missing cell.

    Minimal and streaming writers do this (Power BI's export, dilshod/xlsx2csv#311).
    """

    def edit(doc: Doc) -> None:
        for row in _sheet_data(doc).elements("row"):
            _cells_in_order(row)

    return _edit(data, form_sheets(data), edit)


def _cells_in_order(row: El) -> None:
    cells = row.elements("c")
    others = [k for k in row.kids if not (isinstance(k, El) and k.local == "c")]
    by_col: dict[int, El] = {}
    for c in cells:
        by_col[_position(c)[1]] = c
        c.drop("r")
    filled: list[El | str] = [by_col[i] if i in by_col else row.child("c", short=True) for i in range(max(by_col, default=-1) + 1)]
    row.kids = filled + [k for k in others if isinstance(k, El)]  # a row's extLst follows its cells


def rows_without_r(data: bytes) -> bytes:
    """Rows of the form without their ``r`` number: a row is the one after the previous row
    (LibreOffice's ``SheetDataContext::importRow``: ``++mnRow``), so an empty
    ``<row/>`` stands in for every missing row. Cells keep their references.

    Written by minimal writers (Power BI's export, dilshod/xlsx2csv#311).
    """

    def edit(doc: Doc) -> None:
        _rows_in_order(_sheet_data(doc))

    return _edit(data, form_sheets(data), edit)


def _rows_in_order(sd: El) -> None:
    rows = sd.elements("row")
    by_number = {int(r.get("r") or "0") - 1: r for r in rows}
    for r in rows:
        r.drop("r")
        r.drop("spans")  # spans are optional, and meaningless without the row's number
    sd.kids = [by_number[i] if i in by_number else sd.child("row", short=True) for i in range(max(by_number, default=-1) + 1)]


def rows_and_cells_without_r(data: bytes, all_sheets: bool = False) -> bytes:
    """Neither rows nor cells of the form (of every sheet with ``all_sheets``)
    carry a reference: every position is implied by order
    (:func:`rows_without_r` and :func:`cells_without_r` together), as in
    Power BI's exports (dilshod/xlsx2csv#311)."""

    def edit(doc: Doc) -> None:
        sd = _sheet_data(doc)
        for row in sd.elements("row"):
            _cells_in_order(row)
        _rows_in_order(sd)

    return _edit(data, _sheets(data, all_sheets), edit)


_FORMULA_REF = re.compile(r'"[^"]*"|(?<![A-Za-z0-9_.$])(\$?)([A-Z]{1,3})(\$?)([0-9]{1,7})(?![A-Za-z0-9_(!])')


def relative_form(formula: str, row: int, col: int) -> str:
    """The formula as Excel's R1C1 notation sees it from (row, col): equal for
    cells that may share it. String literals are left as they are."""

    def one(m: re.Match[str]) -> str:
        if m.group(2) is None:
            return m.group(0)
        cabs, letters, rabs, digits = m.groups()
        c = col_index(letters)
        r = int(digits) - 1
        cs = f"C{c}" if cabs else f"C[{c - col}]"
        rs = f"R{r}" if rabs else f"R[{r - row}]"
        return rs + cs

    return _FORMULA_REF.sub(one, formula)


def shared_formulas(data: bytes) -> bytes:
    """Each run of the form's formula cells down a column whose formulas are one formula
    filled down (the same in R1C1 notation) written as Excel writes a fill:
    the first cell ``<f t="shared" ref="G12:G20" si="0">…</f>``, the others
    ``<f t="shared" si="0"/>``; every cached ``<v>`` is kept.

    Excel writes this for any formula filled or copied down a column; so do
    EPPlus and the Open XML SDK when asked to.
    """

    def edit(doc: Doc) -> None:
        columns: dict[int, list[tuple[int, El]]] = {}
        for c in _sheet_data(doc).iter("c"):
            f = c.first("f")
            if f is None or f.get("t") is not None or not f.kids:
                continue
            r, col = _position(c)
            columns.setdefault(col, []).append((r, c))
        si = 0
        for col, cells in sorted(columns.items()):
            cells.sort(key=lambda rc: rc[0])
            runs: list[list[tuple[int, El]]] = []
            for r, c in cells:
                f = c.first("f")
                assert f is not None
                form = relative_form(chars(f), r, col)
                last = runs[-1] if runs else None
                if last and last[-1][0] == r - 1 and relative_form(chars(_f(last[0][1])), last[0][0], col) == form:
                    last.append((r, c))
                else:
                    runs.append([(r, c)])
            for run in runs:
                if len(run) < 2:
                    continue
                first_r, master = run[0]
                ref = f"{col_letters(col)}{first_r + 1}:{col_letters(col)}{run[-1][0] + 1}"
                mf = _f(master)
                mf.attrs = [("t", "shared"), ("ref", ref), ("si", str(si))]
                for _r, c in run[1:]:
                    f = _f(c)
                    f.attrs = [("t", "shared"), ("si", str(si))]
                    f.kids = []
                    f.short = True
                si += 1

    return _edit(data, form_sheets(data), edit)


def _f(c: El) -> El:
    f = c.first("f")
    if f is None:
        raise ValueError("not a formula cell")
    return f


_DECLARATION = re.compile(rb"^<\?xml[^>]*\?>")


def utf16(data: bytes, part: str = FORM_SHEET) -> bytes:
    """One part (by default the form's worksheet) in UTF-16, little-endian with a
    byte-order mark, declared ``<?xml version="1.0" encoding="UTF-16"?>``.

    Open Packaging Conventions (ISO/IEC 29500-2 §8.1.4) allow UTF-8 or UTF-16
    for every XML part; .NET writers using ``Encoding.Unicode`` produce this.
    """
    body = parts(data)[part]
    text = _DECLARATION.sub(b'<?xml version="1.0" encoding="UTF-16" standalone="yes"?>', body, count=1).decode("utf-8")
    return repack(data, {part: b"\xff\xfe" + text.encode("utf-16-le")})


def latin1(data: bytes, part: str = FORM_SHEET) -> bytes:
    """One part (by default the form's worksheet) declared
    ``encoding="ISO-8859-1"``: characters of Latin-1 (``ó``, ``à``, ``ê``…)
    as single bytes, every other one (``ế``, ``ộ``, ``đ``) as a character
    reference (``&#7871;``).

    Not allowed by the Open Packaging Conventions (UTF-8 or UTF-16 only), but
    what a Java or PHP program writes when its XML writer is set to Latin-1;
    every XML parser (expat, libxml2, Xerces) reads it.
    """
    body = parts(data)[part]
    text = _DECLARATION.sub(b'<?xml version="1.0" encoding="ISO-8859-1" standalone="yes"?>', body, count=1).decode("utf-8")
    return repack(data, {part: text.encode("latin-1", errors="xmlcharrefreplace")})


def windows_line_ends(data: bytes) -> bytes:
    """Every XML part indented with Windows line ends, and every line break
    inside a text (a note typed on two lines) written ``\r\n`` too, as .NET's
    ``XmlWriter`` (``Indent = true``, ``NewLineHandling.Replace``) writes on
    Windows. XML parsers hand ``\r\n`` over as ``\n`` (XML 1.0 §2.11)."""
    return _edit(data, _xml_parts(data), _nothing, Style(indent="  ", newline="\r\n"))


def utf8_bom(data: bytes) -> bytes:
    """Every XML part preceded by a UTF-8 byte-order mark (``EF BB BF``), as .NET
    writes with ``Encoding.UTF8`` and Windows editors save."""
    return repack(data, {n: b"\xef\xbb\xbf" + b for n, b in parts(data).items() if n.endswith((".xml", ".rels"))})


def without_xml_declaration(data: bytes) -> bytes:
    """Every XML part without its ``<?xml version="1.0" …?>`` declaration (it is
    optional: UTF-8 is the default), as ElementTree's ``tostring()`` and many
    hand-written writers leave it out."""
    out = {}
    for n, b in parts(data).items():
        if n.endswith((".xml", ".rels")):
            out[n] = _DECLARATION.sub(b"", b, count=1).lstrip(b"\r\n")
    return repack(data, out)


def java_number_notation(data: bytes) -> bytes:
    """Every whole number of a number cell of the form or a cached formula result written
    as Java's ``Double.toString`` writes it, ``3`` → ``3.0``, as Apache POI
    (and the Java systems built on it) write ``<v>``."""

    def edit(doc: Doc) -> None:
        for c in _sheet_data(doc).iter("c"):
            v = _cell_value(c)
            if c.get("t") in (None, "n") and v is not None and v.kids:
                text = chars(v)
                if re.fullmatch(r"-?[0-9]+", text):
                    v.kids = [text + ".0"]

    return _edit(data, form_sheets(data), edit)


def pretty_printed(data: bytes) -> bytes:
    """Every XML part indented: a new line and two spaces per level between
    elements (never inside an element that holds text), as ``xmllint --format``
    or an editor's "format document" leaves a part, and as Gnumeric writes."""
    return _edit(data, _xml_parts(data), _nothing, Style(indent="  "))


def attributes_on_several_lines(data: bytes) -> bytes:
    """Every attribute of every element of every XML part on its own line
    (``<c\\n  r="D10"\\n  s="14">``), as XML formatters set to split
    attributes (VS Code's XML extension, Prettier's XML plugin) write them."""
    return _edit(data, _xml_parts(data), _nothing, Style(attr_lines=True))


def single_quoted_attributes(data: bytes) -> bytes:
    """Every attribute of every XML part in single quotes (``r='D10'``), as
    some hand-written and PHP/JavaScript string-template writers do."""
    return _edit(data, _xml_parts(data), _nothing, Style(quote="'"))


def _reversed_attrs(el: El) -> list[tuple[str, str]]:
    return list(reversed(el.attrs))


def reordered_attributes(data: bytes) -> bytes:
    """Attributes in the reverse order in the form's worksheet, the workbook and the
    shared strings: ``<c t="s" s="9" r="B10">``, ``<row … r="10">`` (XML
    gives attribute order no meaning; serialisers that keep attributes in a
    hash map write them in any order)."""
    return _edit(data, [*form_sheets(data), WORKBOOK, SHARED_STRINGS], _nothing, Style(reorder=_reversed_attrs))


def numbers_as_character_references(data: bytes, shared_string_indices: bool = False) -> bytes:
    """Every number in a ``<v>`` of the form written as character references (``12`` →
    ``<v>&#49;&#50;</v>``): the number cells and the formulas' cached numbers
    (and, with ``shared_string_indices``, the shared-string indices of its text
    cells too). Legal XML that every parser decodes to the same digits; no
    common spreadsheet program writes numbers this way, but writers that escape
    every character they are unsure of and hand-made files do, and a number
    spelt so is still a number, not text."""
    kinds = {None, "n", "b"} | ({"s"} if shared_string_indices else set())

    def edit(doc: Doc) -> None:
        for c in _sheet_data(doc).iter("c"):
            v = _cell_value(c)
            if c.get("t") in kinds and v is not None and v.kids:
                v.kids = ["".join(f"&#{ord(ch)};" for ch in chars(v))]

    return _edit(data, form_sheets(data), edit)


def comments_in_sheet_data(data: bytes) -> bytes:
    """XML comments inside the form's ``<sheetData>``: at its start, between rows, between
    the cells of a row and inside cells (before their ``<v>``), as a program
    that annotates what it writes, or a person editing the XML, leaves them."""

    def edit(doc: Doc) -> None:
        sd = _sheet_data(doc)
        sd.kids.insert(0, Markup("<!-- exported cells -->"))
        new: list[El | str] = []
        for k in sd.kids:
            if isinstance(k, El) and k.local == "row":
                new.append(Markup(f"<!-- row {k.get('r') or ''} -->"))
                row_kids: list[El | str] = []
                for c in k.kids:
                    if isinstance(c, El) and c.local == "c":
                        row_kids.append(Markup("<!-- cell -->"))
                        if c.kids:
                            c.kids.insert(0, Markup("<!-- value follows -->"))
                    row_kids.append(c)
                k.kids = row_kids
            new.append(k)
        sd.kids = new

    return _edit(data, form_sheets(data), edit)


def cdata_text(data: bytes) -> bytes:
    """Every non-empty ``<t>`` (inline strings of the form's worksheet and the shared
    strings) as a CDATA section: ``<t><![CDATA[Gồm 2 công văn & …]]></t>``,
    as writers that wrap text in CDATA rather than escape ``&`` and ``<`` write it."""

    def edit(doc: Doc) -> None:
        for t in doc.root.iter("t"):
            text = text_of(t)
            if text:
                t.kids = [Markup("<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>")]

    return _edit(data, [*form_sheets(data), SHARED_STRINGS], edit)


def processing_instructions(data: bytes) -> bytes:
    """Processing instructions in the form's worksheet: one after the XML declaration
    (``<?mso-application progid="Excel.Sheet"?>``, as in Excel's XML formats)
    and one between the rows of ``<sheetData>``; and one in the shared strings."""

    def edit(doc: Doc) -> None:
        doc.prolog = doc.prolog.rstrip("\n") + '\n<?mso-application progid="Excel.Sheet"?>\n'
        sd = doc.root.first("sheetData")
        if sd is not None:
            rows = sd.elements("row")
            if rows:
                sd.kids.insert(sd.kids.index(rows[len(rows) // 2]), Markup('<?generator name="reshape"?>'))

    def edit_sst(doc: Doc) -> None:
        doc.root.kids.insert(0, Markup("<?cache fresh?>"))

    out = _edit(data, form_sheets(data), edit)
    return _edit(out, [SHARED_STRINGS], edit_sst)


_RUN_PROPS = '<rPr><b/><sz val="12"/><color theme="1"/><rFont val="Times New Roman"/><family val="1"/></rPr>'
_PHONETIC = "ヨミガナ"  # a reading guide: shown above the text by East-Asian Excel, never part of the value


def _runs(owner: El, text: str) -> list[El | str]:
    """``text`` as two formatted runs (split at a space near the middle) and a phonetic run."""
    cut = text.find(" ", len(text) // 2)
    pieces = [text[:cut], text[cut:]] if 0 < cut < len(text) - 1 else [text]
    kids: list[El | str] = []
    for piece in pieces:
        rpr = parse(_RUN_PROPS.encode()).root
        _rename(rpr, owner.prefix)
        space = [("xml:space", "preserve")] if piece != piece.strip() else []
        kids.append(owner.child("r", kids=[rpr, owner.child("t", attrs=space, kids=[escape(piece)])]))
    kids.append(owner.child("rPh", attrs=[("sb", "0"), ("eb", str(len(text)))], kids=[owner.child("t", kids=[_PHONETIC])]))
    kids.append(owner.child("phoneticPr", attrs=[("fontId", "0"), ("type", "noConversion")], short=True))
    return kids


def _rename(el: El, prefix: str) -> None:
    if prefix:
        el.tag = f"{prefix}:{el.tag}"
    for k in el.elements():
        _rename(k, prefix)


def rich_text_shared_strings(data: bytes) -> bytes:
    """Every shared string as rich text: formatted runs
    (``<r><rPr>…</rPr><t>…</t></r>``, the text split in two where it has a
    space) followed by a phonetic run (``<rPh><t>ヨミガナ</t></rPh>``) and
    ``<phoneticPr>``, as Excel writes a label typed with mixed formatting in
    an East-Asian edition. The value is the runs' text; the phonetic run is
    a reading aid and is not part of it."""

    def edit(doc: Doc) -> None:
        for si in doc.root.elements("si"):
            text = text_of(si)
            if not text:
                continue
            if si.first("r") is not None:  # already rich: keep its runs, add the reading
                si.kids = [k for k in si.kids if isinstance(k, El) and k.local == "r"] + _runs(si, text)[-2:]
            else:
                si.kids = _runs(si, text)

    return _edit(data, [SHARED_STRINGS], edit)


def rich_text_inline_strings(data: bytes) -> bytes:
    """Every inline string of the form (the notes and the texts typed in
    value cells) as formatted runs plus a phonetic run, like
    :func:`rich_text_shared_strings`."""

    def edit(doc: Doc) -> None:
        for c in _sheet_data(doc).iter("c"):
            is_ = c.first("is")
            if c.get("t") == "inlineStr" and is_ is not None:
                text = text_of(is_)
                if text:
                    is_.kids = _runs(is_, text)

    return _edit(data, form_sheets(data), edit)


def explicit_number_type(data: bytes) -> bytes:
    """``t="n"`` written on every number cell of the form and every formula cell with a
    cached number (it is the default, so most writers leave it out;
    LibreOffice writes it)."""

    def edit(doc: Doc) -> None:
        for c in _sheet_data(doc).iter("c"):
            if c.get("t") is None and _cell_value(c) is not None:
                c.set("t", "n", after=("r", "s"))

    return _edit(data, form_sheets(data), edit)


def empty_values_in_blank_cells(data: bytes) -> bytes:
    """Every blank cell of the form (``<c r="D15" s="14"/>``) written with an empty value,
    alternately ``<v></v>`` and ``<v/>``, as some writers emit a value element
    for every cell they visit."""

    def edit(doc: Doc) -> None:
        n = 0
        for c in _sheet_data(doc).iter("c"):
            if not c.kids and c.get("t") is None:
                c.short = False
                c.kids = [c.child("v", short=n % 2 == 1)]
                n += 1

    return _edit(data, form_sheets(data), edit)


_XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"
_XR2 = "http://schemas.microsoft.com/office/spreadsheetml/2015/revision2"
_XR3 = "http://schemas.microsoft.com/office/spreadsheetml/2016/revision3"
_X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
_X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
_X15 = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"
_X15AC = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"
_XM = "http://schemas.microsoft.com/office/excel/2006/main"


def excel_extensions(data: bytes) -> bytes:
    """What Excel 2016–365 adds around the same content: markup-compatibility
    declarations (``mc:Ignorable="x14ac xr xr2 xr3"``, ``xr:uid``), ``x14ac:dyDescent``
    on rows, an ``mc:AlternateContent`` in the workbook (Excel's
    ``x15ac:absPath``), an ``extLst`` at the end of the workbook and of the
    form's worksheet, and an ``extLst`` in every cell that holds a value (the
    schema allows one in ``<c>``; Excel itself does not write it there)."""

    def sheet(doc: Doc) -> None:
        root = doc.root
        root.attrs += [
            ("xmlns:mc", MC_NS), ("mc:Ignorable", "x14ac xr xr2 xr3"), ("xmlns:x14ac", _X14AC),
            ("xmlns:xr", _XR), ("xmlns:xr2", _XR2), ("xmlns:xr3", _XR3), ("xr:uid", "{00000000-0001-0000-0000-000000000000}"),
        ]
        for row in _sheet_data(doc).elements("row"):
            row.attrs.append(("x14ac:dyDescent", "0.25"))
            for c in row.elements("c"):
                if c.first("v") is not None or c.first("is") is not None:
                    c.kids.append(c.child("extLst", kids=[c.child("ext", attrs=[("uri", "{CCHC-TEST-CELL}")], short=True)]))
        root.kids.append(parse(
            f'<extLst><ext uri="{{05C60535-1F16-4fd2-B633-F4F36F0B64E0}}" xmlns:x14="{_X14}">'
            f'<x14:sparklineGroups xmlns:xm="{_XM}"/></ext></extLst>'.encode()
        ).root)

    def workbook(doc: Doc) -> None:
        root = doc.root
        root.attrs += [("xmlns:mc", MC_NS), ("mc:Ignorable", "x15 xr"), ("xmlns:x15", _X15), ("xmlns:xr", _XR)]
        pr = root.first("workbookPr")
        at = root.kids.index(pr) + 1 if pr is not None else 1
        root.kids.insert(at, parse(
            f'<mc:AlternateContent xmlns:mc="{MC_NS}"><mc:Choice Requires="x15">'
            f'<x15ac:absPath url="C:\\Users\\nv\\Documents\\" xmlns:x15ac="{_X15AC}"/></mc:Choice></mc:AlternateContent>'.encode()
        ).root)
        root.kids.append(parse(
            f'<extLst><ext uri="{{140A7094-0E35-4892-8432-C4D2E57EDEB5}}" xmlns:x15="{_X15}">'
            '<x15:workbookPr chartTrackingRefBase="1"/></ext></extLst>'.encode()
        ).root)

    return _edit(_edit(data, form_sheets(data), sheet), [WORKBOOK], workbook)


def power_bi(data: bytes) -> bytes:
    """Power BI's "Export data" shape (dilshod/xlsx2csv#311): ``x:``-prefixed
    elements, every string inline with no shared-strings part, rows and cells
    without references, no ``<dimension>``, indented."""
    return pretty_printed(openxml_sdk_prefix(rows_and_cells_without_r(google_sheets(data), all_sheets=True), all_sheets=True))
