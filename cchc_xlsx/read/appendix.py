"""A consolidated workbook (written by ``consolidate``) read back for the
narrative report: its totals, each unit's figures and the submission status.

The totals are read and checked exactly as one level up
(:func:`~cchc_xlsx.read.workbook.read_workbook`); the units' own cells of the
summed appendix and the status sheet are read for the charts and for the
"19/20 xã đã gửi báo cáo" of the draft.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.errors import UsageError
from cchc_xlsx.issues import Issue
from cchc_xlsx.layout.form import FIRST_DATA_ROW, ROW_HEAD1, ROW_HEAD2, build_layout
from cchc_xlsx.layout.meta import SummaryIdentity
from cchc_xlsx.layout.summary import FIRST_UNIT_COL, STATUS_SHEET, SUMMARY_SHEET, row_index
from cchc_xlsx.read.model import XlsxError
from cchc_xlsx.read.package import Package
from cchc_xlsx.read.values import cell_text
from cchc_xlsx.read.workbook import read_bytes_safely, read_meta, read_workbook
from cchc_xlsx.vocabulary import COLUMN_STATUS_TEXT

# the status sheet's columns: STT, Mã đơn vị, Tên đơn vị, Tình trạng (tables.write_status)
_STATUS_CODE, _STATUS_NAME, _STATUS_STATE, _STATUS_FILE = 1, 2, 3, 4
# a unit column of an appendix rolled up across periods: "kho lưu · X02 · … (thiếu 2024-Q3)"
_LACKS = re.compile(r"\(thiếu ([^)]*)\)\s*$")


@dataclass(frozen=True)
class AppendixUnit:
    """One expected unit of the appendix: ``code``, ``name`` and ``status``
    (``submitted``, ``missing``, ``rejected``, ``conflict``)."""

    code: str
    name: str
    status: str
    short: str = ""  # an appendix rolled up across periods: the periods it lacks ("2024-Q3")


@dataclass
class Appendix:
    """What the draft report quotes from a consolidated workbook.

    ``totals``: the Tổng cộng column by catalogue code (ratios in percent
    points, full precision); ``unit_values``: each unit's figure of every
    numeric row, in the order of ``units`` (None where blank); ``submitted``
    of ``expected`` units sent a usable return; ``level`` is the form's level
    and ``units_level`` that of the units added; ``issues``: what reading the
    book found (a total that includes values in error …)."""

    path: str
    catalog: Catalog
    unit: str | None
    unit_name: str
    level: str
    units_level: str
    period: str
    totals: dict[str, object]
    submitted: int
    expected: int
    units: list[AppendixUnit] = field(default_factory=list)
    unit_values: dict[str, list[float | None]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def missing(self) -> list[AppendixUnit]:
        """The expected units without a usable return."""
        return [u for u in self.units if u.status != "submitted"]


def read_appendix(path: str | os.PathLike[str], catalog: Catalog) -> Appendix:
    """Read the consolidated workbook ``path`` written by ``consolidate`` with
    ``catalog`` (or a unit's own filled form: its figures, no units under it). Raises :class:`UsageError` (option ``appendix``) naming the
    file when it cannot be read or is not such a workbook."""
    name = os.fspath(path)
    res = read_workbook(name, catalog)
    if res.status == "rejected" or res.kind not in ("consolidated", "template"):
        why = "; ".join(i.message.rstrip(". ") for i in res.issues if i.severity == "error")
        if res.status != "rejected":
            why = "không phải biểu mẫu hay biểu tổng hợp do cchc-xlsx tạo"
        raise UsageError(
            f"Không dùng được “{name}” để viết báo cáo: {why or 'không đọc được tệp'}.",
            option="appendix",
        )
    if res.kind == "template":
        # NOTE: a unit's own filled form: its report quotes its own figures (seed 000)
        return Appendix(
            path=name,
            catalog=catalog,
            unit=res.unit,
            unit_name=res.unit_name or res.unit or "",
            level=res.level or "",
            units_level=res.level or "",
            period=res.period or "",
            totals=dict(res.values),
            submitted=0,
            expected=0,
            issues=list(res.issues),
        )
    try:
        data, _st = read_bytes_safely(name)
        pkg = Package(data, os.path.basename(name))
        meta = read_meta(pkg) or {}
        identity = SummaryIdentity.from_meta(meta)
    except (XlsxError, ValueError) as exc:  # pragma: no cover - it was just read
        raise UsageError(f"Không đọc lại được “{name}”: {exc}.", option="appendix") from exc
    out = Appendix(
        path=name,
        catalog=catalog,
        unit=res.unit,
        unit_name=res.unit_name or res.unit or "",
        level=res.level or "",
        units_level=identity.units_level or res.level or "",
        period=res.period or "",
        totals=dict(res.values),
        submitted=identity.submitted,
        expected=identity.expected,
        issues=list(res.issues),
    )
    _read_units(out, pkg, identity.expected)
    return out


def _read_units(out: Appendix, pkg: Package, n: int) -> None:
    """The units' names, codes, status and their own figures."""
    layout = build_layout(out.catalog, out.level)
    at = row_index(layout)
    info = pkg.sheet(SUMMARY_SHEET)
    status_info = pkg.sheet(STATUS_SHEET)
    if info is None or n == 0:
        return
    last = FIRST_UNIT_COL + n - 1
    sd = pkg.read_sheet(info, FIRST_DATA_ROW + len(layout.rows) + 5, last)
    states: dict[str, str] = {}
    shorts: dict[str, str] = {}
    if status_info is not None:
        st = pkg.read_sheet(status_info, n + 2, max(_STATUS_STATE, _STATUS_FILE))
        by_text = {text: key for key, text in COLUMN_STATUS_TEXT.items()}
        for r in range(1, n + 1):
            code_at = st.cells.get((r, _STATUS_CODE))
            state = st.cells.get((r, _STATUS_STATE))
            if code_at is None or state is None:
                continue
            text = cell_text(state)
            states[cell_text(code_at)] = next(
                (key for label, key in by_text.items() if text.startswith(label)), "submitted"
            )
            source = st.cells.get((r, _STATUS_FILE))
            lacks = _LACKS.search(cell_text(source)) if source is not None else None
            if lacks:
                shorts[cell_text(code_at)] = lacks.group(1)
    for c in range(FIRST_UNIT_COL, last + 1):
        name_cell, code_cell = sd.cells.get((ROW_HEAD1, c)), sd.cells.get((ROW_HEAD2, c))
        code = cell_text(code_cell) if code_cell is not None else ""
        name = cell_text(name_cell) if name_cell is not None else code
        out.units.append(
            AppendixUnit(code, name, states.get(code, "submitted"), shorts.get(code, ""))
        )
    for rl in layout.rows:
        if not rl.row.is_numeric:
            continue
        values: list[float | None] = []
        for c in range(FIRST_UNIT_COL, last + 1):
            cell = sd.cells.get((at[rl.code], c))
            values.append(
                float(cell.value)  # type: ignore[arg-type,unused-ignore]  # kind "n": a number
                if cell is not None and cell.kind == "n" and cell.value is not None
                else None
            )
        out.unit_values[rl.code] = values
