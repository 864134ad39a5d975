"""Filling a generated template programmatically (example data, the demo, benchmarks).

Writes values straight into the blank input cells of the sheet XML, so the
workbook keeps every protection, validation, name and format exactly as issued
— as if a person had typed them in Excel. Only for templates written by this
tool (XlsxWriter writes a blank input cell as ``<c r="D10" s="14"/>``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from xml.sax.saxutils import escape

from cchc_xlsx.layout.a1 import a1
from cchc_xlsx.layout.form import COL_NOTE, COL_VALUE, UNIT_INPUT_CELL, FormLayout
from cchc_xlsx.read.package import Package
from cchc_xlsx.write.zipstamp import StampableZip


def _cell_xml(ref: str, style: str, value: object) -> str:
    if value is None:
        return f'<c r="{ref}"{style}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


class Filler:
    """Fill many copies of one template quickly (parse it once)."""

    def __init__(self, template: bytes, layout: FormLayout):
        self.layout = layout
        self.zip = StampableZip(template)
        pkg = Package(template)
        self.paths = []
        for sl in layout.sheets:
            info = pkg.sheet(sl.name)
            if info is None:
                raise ValueError(f"sheet {sl.name!r} missing from the template")
            self.paths.append(info.path)
        self.sheets = [self.zip.plain[p].decode("utf-8") for p in self.paths]

    def fill(
        self,
        values: Mapping[str, object],
        notes: Mapping[str, str] | None = None,
        unit_name: str | None = None,
    ) -> bytes:
        """The template with ``values`` typed into the value cells (and notes, and B1)."""
        per_sheet: list[dict[str, object]] = [{} for _ in self.sheets]
        for code, v in values.items():
            rl = self.layout[code]
            per_sheet[rl.sheet][a1(rl.r, COL_VALUE)] = v
        for code, text in (notes or {}).items():
            rl = self.layout[code]
            per_sheet[rl.sheet][a1(rl.r, COL_NOTE)] = text
        if unit_name is not None:
            per_sheet[0][a1(*UNIT_INPUT_CELL)] = unit_name
        replacements: dict[str, bytes] = {}
        for path, xml, cells in zip(self.paths, self.sheets, per_sheet):
            if not cells:
                continue

            def put(m: re.Match[str], cells: dict[str, object] = cells) -> str:
                ref, style = m.group(1), m.group(2) or ""
                if ref in cells:
                    return _cell_xml(ref, style, cells.pop(ref))
                return m.group(0)

            new = re.sub(r'<c r="([A-Z]+\d+)"( s="\d+")?/>', put, xml)
            if cells:
                raise ValueError(f"cells not blank in the template: {sorted(cells)}")
            replacements[path] = new.encode("utf-8")
        return self.zip.write(replacements)


def fill_template(
    template: bytes,
    layout: FormLayout,
    values: Mapping[str, object],
    notes: Mapping[str, str] | None = None,
    unit_name: str | None = None,
) -> bytes:
    """One filled copy of ``template``."""
    return Filler(template, layout).fill(values, notes, unit_name)
