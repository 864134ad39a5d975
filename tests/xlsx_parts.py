"""SpreadsheetML parts written in any spelling XML 1.0 and ISO/IEC 29500 allow, and
a minimal .xlsx package around them, for the differential tests of the reader.

A part is described twice over: *what* it says (:class:`SheetSpec`, :class:`RowSpec`,
:class:`CellSpec`, :class:`Rst` — rows, cells, values, formulas, shared strings)
and *how* it is spelled (:class:`Dialect` — namespace prefixes, quotes,
whitespace inside and between tags, character references, CDATA sections,
comments and processing instructions, empty-element tags, attribute order,
line ends and the encoding of the part). :class:`Writer` renders the first in
the second; every spelling it produces is well-formed XML 1.0 (§2.1) and
namespace-well-formed, and says the same thing as the plainest spelling
(``Dialect()``), so that every conforming reader must read the same values.

Per-element choices (which whitespace, which character to write as a reference)
come from a :class:`random.Random` seeded by the caller; with every flag of the
dialect off nothing random is written at all, so a shrunk example is plain.
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass, field

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
FOREIGN = "urn:example:foreign"  # an extension namespace no reader knows
FOREIGN_PREFIX = "foo"
EXT_URI = "{78C0D931-6437-407d-A8EE-F0AAD7539E65}"
SHEET_PATH = "xl/worksheets/sheet1.xml"
SST_PATH = "xl/sharedStrings.xml"
LAST_COL = 16383  # XFD (ISO/IEC 29500-1 §18.3.1.4: at most 16,384 columns)
STYLES_PATH = "xl/styles.xml"

# number format of each cell style (``s`` index) in :data:`STYLES`: 1–3 show
# percentages, 4 has its % inside quotes (a literal, not a percentage); no date or
# time format (openpyxl turns numbers under those into datetimes)
STYLE_FORMATS: tuple[str, ...] = ("General", "0%", "0.00%", "0.0%", '0" %"', "0.00", "@", "#,##0")
_STYLE_IDS = (0, 9, 10, 164, 165, 2, 49, 3)

STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="0.0%"/>'
    '<numFmt numFmtId="165" formatCode="0&quot; %&quot;"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    f'<cellXfs count="{len(_STYLE_IDS)}">'
    + "".join(
        f'<xf numFmtId="{i}" fontId="0" fillId="0" borderId="0" xfId="0"'
        + (' applyNumberFormat="1"/>' if i else "/>")
        for i in _STYLE_IDS
    )
    + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
).encode()

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    f'<Override PartName="/{SHEET_PATH}" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    f'<Override PartName="/{STYLES_PATH}" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    f'<Override PartName="/{SST_PATH}" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
).encode()

ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
).encode()

WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
).encode()

WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
).encode()

EMPTY_SST = f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{MAIN}" count="0" uniqueCount="0"/>'.encode()


def package(sheet: bytes, shared_strings: bytes | None = None, styles: bytes = STYLES) -> bytes:
    """A minimal valid .xlsx package (in memory) holding one worksheet part."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            (STYLES_PATH, styles),
            (SST_PATH, EMPTY_SST if shared_strings is None else shared_strings),
            (SHEET_PATH, sheet),
        ):
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 4, 1, 0, 0, 0)), body, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def col_letters(col: int) -> str:
    """``0`` → ``A``, ``26`` → ``AA``."""
    s = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


def ref(row: int, col: int) -> str:
    """A1 reference of a zero-based (row, col)."""
    return f"{col_letters(col)}{row + 1}"


# --------------------------------------------------------------------------- spelling


ENCODINGS = ("utf-8", "utf-8-no-decl", "utf-8-bom", "utf-8-decl-no-encoding", "utf-16", "utf-16-be")


@dataclass(frozen=True)
class Dialect:
    """How a part is spelled; the default is the plainest spelling (what Excel writes, minus its
    extensions). Every field is a way XML 1.0 or Namespaces in XML 1.0 allow to say the same."""

    prefix: str | None = None  # main-namespace prefix (``x`` → ``<x:c>``); None: default namespace
    mixed_prefix: bool = False  # with a prefix: declare the default namespace too, and use either per element
    quotes: str = '"'  # '"', "'" or "mixed" (per attribute)
    tag_space: bool = False  # whitespace (spaces, tabs, newlines) inside tags: around '=', before '>' and '/>', in end tags
    between: bool = False  # whitespace and newlines between elements (element-only content)
    misc: bool = False  # comments and processing instructions between elements and inside text
    charrefs: bool = False  # characters written as character references or predefined entities
    ns_charrefs: bool = False  # … in namespace names too (xmlns="&#104;ttp://…": the same namespace)
    cdata: bool = False  # text (partly) in CDATA sections
    self_close: str = "always"  # empty elements: "always" <a/>, "never" <a></a>, or "mixed"
    shuffle: bool = False  # attribute (and namespace declaration) order shuffled
    newline: str = "\n"  # how a line feed of the text is written: "\n", "\r\n" or "\r" (XML 1.0 §2.11)
    encoding: str = "utf-8"  # one of ENCODINGS (XML 1.0 §4.3.3; OPC allows UTF-8 and UTF-16)


PLAIN = Dialect()

# comment and processing-instruction bodies; some look like markup or name a DTD
COMMENTS = (" note ", ' <c r="A1"><v>999</v></c> ', " <!DOCTYPE x> ", " <!ENTITY e 'x'> ", "Tổng 𝔸", "")
PIS = (("app", "note"), ("x-cell", '<c r="A1"><v>999</v></c>'), ("mso-application", 'progid="Excel.Sheet"'), ("p", ""))

_SPACES = (" ", "  ", "\n", "\t", "\n    ", "\r\n\t")


class Writer:
    """Renders markup in one :class:`Dialect`; ``rnd`` makes the per-element choices."""

    def __init__(self, dialect: Dialect = PLAIN, rnd: random.Random | None = None):
        self.d = dialect
        self.rnd = rnd or random.Random(0)
        self._stack: list[str] = []

    # -- small choices

    def _flip(self, p: float = 0.5) -> bool:
        return self.rnd.random() < p

    def _ws(self, required: bool) -> str:
        """Whitespace inside a tag: between attributes (``required``) or around '=' and before '>'."""
        if not self.d.tag_space:
            return " " if required else ""
        options = _SPACES if required else ("",) + _SPACES
        return self._nl(self.rnd.choice(options))

    def _nl(self, s: str) -> str:
        return s.replace("\r\n", "\n").replace("\n", self.d.newline)

    def qname(self, local: str) -> str:
        p = self.d.prefix
        if p is None or (self.d.mixed_prefix and self._flip()):
            return local
        return f"{p}:{local}"

    # -- markup

    def attrs(self, attrs: list[tuple[str, str]]) -> str:
        items = list(attrs)
        if self.d.shuffle:
            self.rnd.shuffle(items)
        out = []
        for name, value in items:
            q = self.d.quotes if self.d.quotes != "mixed" else self.rnd.choice(("'", '"'))
            is_ns = name == "xmlns" or name.startswith("xmlns:")
            text = self.attr_value(value, q) if not is_ns or self.d.ns_charrefs else value
            out.append(f"{self._ws(True)}{name}{self._ws(False)}={self._ws(False)}{q}{text}{q}")
        return "".join(out)

    def open(self, local: str, attrs: list[tuple[str, str]] | None = None, *, qname: str | None = None) -> str:
        name = qname or self.qname(local)
        self._stack.append(name)
        return f"<{name}{self.attrs(attrs or [])}{self._ws(False)}>"

    def close(self) -> str:
        name = self._stack.pop()
        return f"</{name}{self._ws(False)}>"

    def empty(self, local: str, attrs: list[tuple[str, str]] | None = None, *, qname: str | None = None) -> str:
        """An element without content: ``<a/>`` or ``<a></a>`` (XML 1.0 §3.1: the same)."""
        sc = self.d.self_close
        if sc == "always" or (sc == "mixed" and self._flip()):
            name = qname or self.qname(local)
            return f"<{name}{self.attrs(attrs or [])}{self._ws(False)}/>"
        return self.open(local, attrs, qname=qname) + self.close()

    def element(self, local: str, attrs: list[tuple[str, str]] | None = None, content: str = "", *, qname: str | None = None) -> str:
        if content == "":
            return self.empty(local, attrs, qname=qname)
        return self.open(local, attrs, qname=qname) + content + self.close()

    def gap(self) -> str:
        """What may stand between two elements in element-only content."""
        out = ""
        if self.d.between and self._flip(0.6):
            out += self._nl(self.rnd.choice(("\n", " ", "\n  ", "\t", "\n\n")))
        if self.d.misc and self._flip(0.25):
            out += self._misc()
        return out

    def _misc(self) -> str:
        if self._flip():
            return f"<!--{self._nl(self.rnd.choice(COMMENTS))}-->"
        target, body = self.rnd.choice(PIS)
        return f"<?{target}{' ' + body if body else ''}?>"

    # -- character data

    def _char(self, ch: str, attr_quote: str | None) -> str:
        """One character of text (attr_quote None) or of an attribute value."""
        code = ord(ch)
        must = ch in "<&" or ch == "\r" or (attr_quote is not None and (ch == attr_quote or ch in "\t\n"))
        if self.d.charrefs and (must or self._flip(0.3)):
            named = {"<": "lt", ">": "gt", "&": "amp", '"': "quot", "'": "apos"}.get(ch)
            form = self.rnd.randrange(3 if named else 2)
            if form == 2:
                return f"&{named};"
            return f"&#{code};" if form == 0 else f"&#x{code:X};" if self._flip() else f"&#x{code:x};"
        if must:
            named = {"<": "lt", "&": "amp", '"': "quot", "'": "apos"}.get(ch)
            return f"&{named};" if named else f"&#{code};"
        if ch == "\n" and attr_quote is None:
            return self.d.newline
        return ch

    def attr_value(self, value: str, quote: str) -> str:
        return "".join(self._char(ch, quote) for ch in value)

    def _escaped(self, s: str, before: str = "") -> str:
        """``s`` as character data, written after ``before``."""
        out: list[str] = []
        for ch in s:
            piece = self._char(ch, None)
            if ch == ">" and piece == ">" and (before + "".join(out[-2:]))[-2:] == "]]":
                piece = "&gt;"  # ']]>' may not stand in character data (XML 1.0 §2.4)
            out.append(piece)
        return "".join(out)

    def text(self, s: str) -> str:
        """Character data meaning ``s``: escaped, partly in CDATA, split by comments or PIs."""
        if not (self.d.cdata or self.d.misc) or len(s) < 1:
            return self._escaped(s)
        cut = sorted(self.rnd.sample(range(len(s) + 1), min(2, len(s) + 1)))
        pieces = [s[: cut[0]], s[cut[0] : cut[-1]], s[cut[-1] :]]
        out = []
        for i, piece in enumerate(pieces):
            if i and self.d.misc and self._flip(0.5):
                out.append(self._misc())
            if self.d.cdata and piece and "\r" not in piece and "]]>" not in piece and self._flip(0.6):
                out.append(f"<![CDATA[{self._nl(piece)}]]>")
            else:
                out.append(self._escaped(piece, "".join(out)))
        return "".join(out)

    # -- the document

    def declaration(self) -> str:
        enc = self.d.encoding
        if enc in ("utf-8-no-decl",) or (enc == "utf-8-bom" and self._flip()):
            return ""
        q = self.d.quotes if self.d.quotes != "mixed" else "'"
        sp = self._ws(True)
        decl = f"<?xml{sp}version={q}1.0{q}"
        if enc.startswith("utf-16"):
            decl += f" encoding={q}{self.rnd.choice(('UTF-16', 'utf-16'))}{q}"
        elif enc != "utf-8-decl-no-encoding":
            decl += f" encoding={q}{self.rnd.choice(('UTF-8', 'utf-8'))}{q}"
        if self._flip():
            decl += f" standalone={q}yes{q}"
        return decl + f"{self._ws(False)}?>" + self._nl(self.rnd.choice(("", "\n", "\r\n")))

    def encode(self, doc: str) -> bytes:
        """The document (declaration included) in the dialect's encoding; UTF-16 with its byte
        order mark (XML 1.0 §4.3.3: a UTF-16 entity MUST begin with it)."""
        enc = self.d.encoding
        if enc == "utf-16":
            return b"\xff\xfe" + doc.encode("utf-16-le")
        if enc == "utf-16-be":
            return b"\xfe\xff" + doc.encode("utf-16-be")
        if enc == "utf-8-bom":
            return b"\xef\xbb\xbf" + doc.encode("utf-8")
        return doc.encode("utf-8")

    def root_attrs(self, extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
        decl: list[tuple[str, str]] = []
        if self.d.prefix is None or self.d.mixed_prefix:
            decl.append(("xmlns", MAIN))
        if self.d.prefix is not None:
            decl.append((f"xmlns:{self.d.prefix}", MAIN))
        return decl + extra


# --------------------------------------------------------------------------- what a part says


@dataclass(frozen=True)
class Foreign:
    """An element of an extension namespace (inside an ``extLst``/``ext`` or an
    ``mc:AlternateContent``): its local name may be one SpreadsheetML uses."""

    local: str
    attrs: tuple[tuple[str, str], ...] = ()
    text: str = ""
    default_ns: bool = False  # spelled ``<c xmlns="urn:…">`` instead of ``<foo:c>``


@dataclass(frozen=True)
class Rst:
    """Rich text (CT_Rst): the content of ``<si>`` and ``<is>`` (ISO/IEC 29500-1 §18.4.8, §18.3.1.53)."""

    t: str | None = None  # the plain <t> (None: none)
    runs: tuple[tuple[str, bool], ...] = ()  # rich runs <r>: (text, with <rPr>)
    phonetic: tuple[str, ...] = ()  # phonetic runs <rPh> (not part of the value)
    phonetic_pr: bool = False
    preserve: bool = False  # xml:space="preserve" on the <t> elements

    @property
    def text(self) -> str:
        return (self.t or "") + "".join(text for text, _ in self.runs)


@dataclass(frozen=True)
class Formula:
    """A cell formula (CT_CellFormula, §18.3.1.40). ``kind``: normal, array, shared master
    (``shared`` with text), shared child (``shared`` without), dataTable."""

    kind: str = "normal"
    text: str = ""
    explicit_t: bool = False  # t="normal" written out (it is the default)
    si: int | None = None
    ref: str | None = None
    attrs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CellSpec:
    col: int  # zero-based
    write_r: bool = True
    t: str | None = None  # the t attribute as written (None: absent, meaning "n")
    s: str | None = None  # the s attribute as written
    v: str | None = None  # the text of <v> (None: no <v>)
    inline: Rst | None = None  # <is> (t="inlineStr")
    formula: Formula | None = None
    ext: tuple[Foreign, ...] = ()  # a cell-level extLst
    foreign_attrs: tuple[tuple[str, str], ...] = ()  # (local name, value) in the foreign namespace


@dataclass(frozen=True)
class RowSpec:
    r: int  # one-based
    write_r: bool = True
    r_text: str | None = None  # how r is written (default str(r))
    cells: tuple[CellSpec, ...] = ()
    spans: str | None = None
    attrs: tuple[tuple[str, str], ...] = ()  # ht, customHeight, x14ac:dyDescent …
    ext: tuple[Foreign, ...] = ()


@dataclass(frozen=True)
class SheetSpec:
    rows: tuple[RowSpec, ...] = ()
    dimension: str | None = None
    protection: str | None = None  # value of sheetProtection/@sheet; "" writes the element without it
    alt_before: bool = False  # an mc:AlternateContent before sheetData
    alt_after: bool = False  # … and after it
    ext: tuple[Foreign, ...] = ()  # the worksheet's extLst
    excel_extras: bool = False  # mc:Ignorable="x14ac", sheetViews, sheetFormatPr, pageMargins


def _foreign(w: Writer, f: Foreign) -> str:
    if f.default_ns:
        attrs = [("xmlns", FOREIGN), *f.attrs]
        return w.element(f.local, attrs, w.text(f.text), qname=f.local)
    return w.element(f.local, list(f.attrs), w.text(f.text), qname=f"{FOREIGN_PREFIX}:{f.local}")


def ext_list(w: Writer, items: tuple[Foreign, ...]) -> str:
    """``<extLst><ext uri=…>`` (main namespace) around foreign elements (§18.2.10, §18.2.7)."""
    inner = "".join(w.gap() + _foreign(w, f) for f in items)
    ext = w.open("ext", [("uri", EXT_URI), (f"xmlns:{FOREIGN_PREFIX}", FOREIGN)]) + inner + w.gap() + w.close()
    return w.open("extLst") + w.gap() + ext + w.gap() + w.close()


def _t(w: Writer, text: str, preserve: bool) -> str:
    attrs = [("xml:space", "preserve")] if preserve else []
    return w.element("t", attrs, w.text(text))


def rst(w: Writer, value: Rst) -> str:
    """The content of an ``<si>`` or ``<is>``."""
    out = ""
    if value.t is not None:
        out += w.gap() + _t(w, value.t, value.preserve)
    for text, with_pr in value.runs:
        rpr = ""
        if with_pr:
            rpr = w.gap() + w.open("rPr") + w.empty("b") + w.empty("sz", [("val", "11")]) + w.empty("rFont", [("val", "Times New Roman")]) + w.close()
        out += w.gap() + w.open("r") + rpr + w.gap() + _t(w, text, value.preserve) + w.gap() + w.close()
    for text in value.phonetic:
        out += w.gap() + w.open("rPh", [("sb", "0"), ("eb", "1")]) + _t(w, text, False) + w.close()
    if value.phonetic_pr:
        out += w.gap() + w.empty("phoneticPr", [("fontId", "1"), ("type", "noConversion")])
    return out + (w.gap() if out else "")


def shared_strings(w: Writer, items: list[Rst]) -> bytes:
    """A shared-strings part (§18.4.9 sst)."""
    attrs = w.root_attrs([("count", str(len(items))), ("uniqueCount", str(len(items)))])
    body = "".join(w.gap() + w.element("si", [], rst(w, item)) for item in items)
    doc = w.declaration() + (w.element("sst", attrs, body + w.gap()) if items else w.empty("sst", attrs))
    return w.encode(doc)


def cell(w: Writer, c: CellSpec, row: int) -> str:
    """A ``<c>`` (§18.3.1.4) in row ``row`` (one-based)."""
    attrs: list[tuple[str, str]] = []
    if c.write_r:
        attrs.append(("r", f"{col_letters(c.col)}{row}"))
    if c.s is not None:
        attrs.append(("s", c.s))
    if c.t is not None:
        attrs.append(("t", c.t))
    attrs += [(f"{FOREIGN_PREFIX}:{name}", value) for name, value in c.foreign_attrs]
    inner = ""
    if c.formula is not None:
        f = c.formula
        fa: list[tuple[str, str]] = []
        if f.kind != "normal" or f.explicit_t:
            fa.append(("t", "shared" if f.kind.startswith("shared") else f.kind))
        if f.ref is not None:
            fa.append(("ref", f.ref))
        if f.si is not None:
            fa.append(("si", str(f.si)))
        fa += list(f.attrs)
        inner += w.gap() + w.element("f", fa, w.text(f.text))
    if c.v is not None:
        inner += w.gap() + w.element("v", [], w.text(c.v))
    if c.inline is not None:
        inner += w.gap() + w.element("is", [], rst(w, c.inline))
    if c.ext:
        inner += w.gap() + ext_list(w, c.ext)
    return w.element("c", attrs, inner + (w.gap() if inner else ""))


def row_xml(w: Writer, r: RowSpec) -> str:
    attrs: list[tuple[str, str]] = []
    if r.write_r:
        attrs.append(("r", r.r_text if r.r_text is not None else str(r.r)))
    if r.spans is not None:
        attrs.append(("spans", r.spans))
    attrs += list(r.attrs)
    inner = "".join(w.gap() + cell(w, c, r.r) for c in r.cells)
    if r.ext:
        inner += w.gap() + ext_list(w, r.ext)
    return w.element("row", attrs, inner + (w.gap() if inner else ""))


def _alternate_content(w: Writer) -> str:
    """An ``mc:AlternateContent`` (ISO/IEC 29500-3 §10.2) whose branches hold only extension markup."""
    choice = w.open("Choice", [("Requires", "x14"), ("xmlns:x14", X14)], qname="mc:Choice")
    choice += w.empty("x", [("y", "1")], qname="x14:sheetData") + w.close()
    fallback = w.empty("Fallback", [], qname="mc:Fallback")
    return w.open("AlternateContent", [("xmlns:mc", MC)], qname="mc:AlternateContent") + choice + fallback + w.close()


def sheet(w: Writer, spec: SheetSpec) -> bytes:
    """A worksheet part (§18.3.1.99 worksheet) in the writer's dialect."""
    extra: list[tuple[str, str]] = [("xmlns:r", REL)]
    uses_foreign_attr = any(c.foreign_attrs for r in spec.rows for c in r.cells)
    if spec.excel_extras or uses_foreign_attr:
        ignorable = " ".join(p for p, used in (("x14ac", spec.excel_extras), (FOREIGN_PREFIX, uses_foreign_attr)) if used)
        extra += [("xmlns:mc", MC), ("mc:Ignorable", ignorable)]
        if spec.excel_extras:
            extra.append(("xmlns:x14ac", X14AC))
        if uses_foreign_attr:
            extra.append((f"xmlns:{FOREIGN_PREFIX}", FOREIGN))
    body = ""
    if spec.dimension is not None:
        body += w.gap() + w.empty("dimension", [("ref", spec.dimension)])
    if spec.excel_extras:
        body += w.gap() + w.open("sheetViews") + w.empty("sheetView", [("workbookViewId", "0")]) + w.close()
        body += w.gap() + w.empty("sheetFormatPr", [("defaultRowHeight", "15"), ("x14ac:dyDescent", "0.25")])
    if spec.alt_before:
        body += w.gap() + _alternate_content(w)
    rows = "".join(w.gap() + row_xml(w, r) for r in spec.rows)
    body += w.gap() + w.element("sheetData", [], rows + (w.gap() if rows else ""))
    if spec.protection is not None:
        pa = [("sheet", spec.protection)] if spec.protection != "" else []
        body += w.gap() + w.empty("sheetProtection", pa + [("objects", "1"), ("scenarios", "1")])
    if spec.alt_after:
        body += w.gap() + _alternate_content(w)
    if spec.excel_extras:
        margins = [("left", "0.7"), ("right", "0.7"), ("top", "0.75"), ("bottom", "0.75"), ("header", "0.3"), ("footer", "0.3")]
        body += w.gap() + w.empty("pageMargins", margins)
    if spec.ext:
        body += w.gap() + ext_list(w, spec.ext)
    doc = w.declaration() + w.element("worksheet", w.root_attrs(extra), body + w.gap())
    return w.encode(doc)


@dataclass
class Built:
    """A rendered case: the package and its two generated parts."""

    sheet_xml: bytes
    sst_xml: bytes | None
    data: bytes = field(repr=False, default=b"")

    def __post_init__(self) -> None:
        if not self.data:
            self.data = package(self.sheet_xml, self.sst_xml)
