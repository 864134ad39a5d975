"""The template's verdict and the reader's agree, severity included.

A table of inputs is TYPED into templates by LibreOffice as a commune official
types them (``tests/lo_typing.py``: Calc's own input parsing in the vi-VN or
en-US locale, so "1/4" becomes a date and "12,5%" a percentage), each into its
own copy of the template, all in one soffice run; LibreOffice recalculates and
saves. Then, for each typed cell:

- the template's verdict is what its check column says after recalculation:
  the row's hidden error count (G) and warning count (H);
- the reader's verdict is the worst issue it reports for that cell when it
  reads the saved file as the district would.

Both come from one definition per value type (``cchc_xlsx.semantics.valuetypes``); this
test is what proves the two compilations say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from cchc_xlsx import generate, load_catalog, load_units
from cchc_xlsx.layout.a1 import a1
from cchc_xlsx.layout.form import COL_VALUE, build_layout
from cchc_xlsx.read.workbook import read_workbook
from cchc_xlsx.resources import example_path
from tests.lo_typing import TypingResult, type_codes_all

PERIOD = "2024-Q1"
UNIT = "X0101"
COUNT, PERCENT, BOOLEAN, CHOICE = "1.1", "4.4", "1.6", "1.5.2"


@dataclass(frozen=True)
class Typed:
    code: str
    text: str
    locale: str
    verdict: str  # what both must say: "ok", "warning" or "error"
    why: str


# fmt: off
TABLE = [
    # Có/Không: the labels (case aside) and the codes 1/0; nothing else
    Typed(BOOLEAN, "Có", "vi-VN", "ok", "the label"),
    Typed(BOOLEAN, "có", "vi-VN", "ok", "case aside, as Excel compares"),
    Typed(BOOLEAN, "Không", "vi-VN", "ok", "the other label"),
    Typed(BOOLEAN, " Có ", "vi-VN", "ok", "trimmed as TRIM trims"),
    Typed(BOOLEAN, "1", "vi-VN", "ok", "the code of Có, a number"),
    Typed(BOOLEAN, "co", "vi-VN", "error", "not the label: diacritics matter"),
    Typed(BOOLEAN, "x", "vi-VN", "error", "a tick is not an answer"),
    Typed(BOOLEAN, "2", "vi-VN", "error", "not a code"),
    Typed(BOOLEAN, "TRUE", "en-US", "error", "a boolean value, not Có"),
    Typed(CHOICE, "Phát phiếu", "vi-VN", "ok", "an option's label"),
    Typed(CHOICE, "2", "vi-VN", "ok", "an option's code"),
    Typed(CHOICE, "Truc tuyen", "vi-VN", "error", "without diacritics"),
    # counts
    Typed(COUNT, "5", "vi-VN", "ok", "a count"),
    Typed(COUNT, "1.594", "vi-VN", "ok", "vi-VN groups thousands with dots: the number 1594"),
    Typed(COUNT, "'1.594", "vi-VN", "error", "text (a leading apostrophe), read as 1594 but flagged"),
    Typed(COUNT, "3.0000000001", "en-US", "error", "not whole, to Excel's 15 digits"),
    Typed(COUNT, "3.0000000001", "vi-VN", "error", "in vi-VN not even a number: text"),
    Typed(COUNT, "12,5%", "vi-VN", "error", "0.125 with a % format: not a whole number"),
    Typed(COUNT, "-1", "vi-VN", "error", "negative"),
    Typed(COUNT, "mười", "vi-VN", "error", "a word"),
    Typed(COUNT, "1/4", "vi-VN", "error", "1 April: a date, not a count"),
    Typed(COUNT, "12:30", "vi-VN", "error", "a time"),
    Typed(COUNT, "=2+3", "vi-VN", "error", "a formula where a figure is wanted"),
    Typed(COUNT, "TRUE", "en-US", "error", "a boolean value"),
    Typed(COUNT, "1e16", "en-US", "error", "beyond Excel's 15 digits"),
    # percentages (percent points, 0–100)
    Typed(PERCENT, "92,5", "vi-VN", "ok", "percent points"),
    Typed(PERCENT, "12,5%", "vi-VN", "ok", "0.125 with a % format: 12.5 points"),
    Typed(PERCENT, "150%", "vi-VN", "error", "1.5 with a % format: 150 points"),
    Typed(PERCENT, "0,925", "vi-VN", "warning", "a fraction where points are meant (92,5?)"),
    Typed(PERCENT, "0.925", "en-US", "warning", "the same in en-US"),
    Typed(PERCENT, "1", "vi-VN", "ok", "1 % is a percentage"),
    Typed(PERCENT, "120", "vi-VN", "error", "over 100"),
    Typed(PERCENT, "12.5%", "vi-VN", "error", "in vi-VN text"),
]
# fmt: on


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[TypingResult, dict[str, str]]]:
    base = tmp_path_factory.mktemp("agreement")
    catalog = load_catalog()
    units = load_units(example_path("units_cho_don.csv"), catalog)
    files = generate(catalog, "xa", PERIOD, base / "template", units)
    template = next(f.path for f in files if f.unit is not None and f.unit.code == UNIT)
    results: list[tuple[TypingResult, dict[str, str]]] = []
    for locale in ("vi-VN", "en-US"):
        cases = [(i, t) for i, t in enumerate(TABLE) if t.locale == locale]
        jobs = [(template, {t.code: t.text}, base / locale / f"case_{i:02}.xlsx") for i, t in cases]
        for (i, _t), res in zip(cases, type_codes_all(jobs, catalog, "xa", locale=locale), strict=True):
            results.append((res, {"index": str(i)}))
    results.sort(key=lambda r: int(r[1]["index"]))
    return results


def template_verdict(res: TypingResult, code: str) -> str:
    cell = res[code]
    if cell.errors:
        return "error"
    return "warning" if cell.warnings else "ok"


def reader_verdict(path: Path, code: str) -> tuple[str, list[str]]:
    catalog = load_catalog()
    layout = build_layout(catalog, "xa")
    ref = a1(layout[code].r, COL_VALUE)
    f = read_workbook(str(path), catalog)
    assert f.status == "accepted", f.issues
    mine = [i for i in f.issues if i.cell == ref and i.severity != "info"]
    severities = {i.severity for i in mine}
    verdict = "error" if "error" in severities else "warning" if "warning" in severities else "ok"
    return verdict, [i.code for i in mine]


@pytest.mark.parametrize("index", range(len(TABLE)), ids=[f"{t.code}={t.text!r}@{t.locale}" for t in TABLE])
def test_the_template_and_the_reader_give_the_same_verdict(typed: list[tuple[TypingResult, dict[str, str]]], index: int) -> None:
    case = TABLE[index]
    res, _meta = typed[index]
    cell = res[case.code]
    assert cell.refused is None
    template = template_verdict(res, case.code)
    reader, codes = reader_verdict(res.output, case.code)
    assert (template, reader) == (case.verdict, case.verdict), (
        f"{case.why}: LibreOffice stored {cell.value!r} [{cell.number_format}]; "
        f"template says {template} ({cell.check!r}), reader says {reader} {codes}"
    )
