"""Types text into workbook cells through LibreOffice's UNO bridge (see tests/lo_typing.py).

Run by the SYSTEM python (the one with Debian's ``python3-uno``), never by the
project's venv, and never collected by pytest::

    /usr/bin/python3 tests/_lo_type_worker.py REQUEST.json RESULT.json

REQUEST.json: ``{"pipe": NAME, "connect_timeout": SECONDS, "method": METHOD,
"jobs": [{"template": PATH, "out": PATH, "cells": [[REF, TEXT], ...]}]}`` where
REF is ``D10`` (first sheet), ``Sheet!D10`` or ``'Sheet name'!D10``. An soffice
listening on ``pipe,name=NAME;urp;`` must be running (the harness starts it).

For each job: load the template hidden; type each text (see below); a locked
cell of a protected sheet is refused without typing, as Calc's UI refuses it;
``calculateAll()``; read back every typed cell and its row's F/G/H; store as
"Calc MS Excel 2007 XML"; only then ask "Mark Invalid Data"
(``XSheetAuditing.showInvalid``) which typed cells break their data
validation (the circles are never saved); close. At the end,
``Desktop.terminate()``.

Typing (METHOD):

- ``formula_local`` (default): set the cell's ``FormulaLocal`` property. Calc
  runs ``ScDocFunc::SetCellText(..., bEnglish=false)``, which for anything but
  a formula is ``ScDocFunc::SetNormalString``: the text is parsed with the
  cell's number format language (the profile's locale) and a recognised date,
  time, percent… gets its number format, exactly what Enter in the input line
  does (``ScViewFunc::EnterData`` calls the same ``SetNormalString``).
- ``enter_string``: select the cell and dispatch ``.uno:EnterString`` (the
  view's ``EnterData`` itself). Same results on every input tried, but
  LibreOffice 7.4 headless aborts a few seconds after any such view dispatch
  on a hidden document (a timer calls ``vcl::Window::GetCursor`` on nothing),
  so it is only there to re-check the equivalence on another version.

``XCell.setFormula`` is NOT typing (always en-US, no format: ``1/4`` is the
serial of 4 January, ``12,5%`` text), nor is ``setString`` (always text).

RESULT.json: ``{"jobs": [{"template", "out", "error", "status", "cells":
[{...one dict per typed cell...}]}]}``; see ``TypedCell`` in lo_typing.py.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]

XLSX_FILTER = "Calc MS Excel 2007 XML"
# the template's columns (zero-based): D value, F check text, G errors, H warnings
COL_VALUE, COL_CHECK, COL_NERR, COL_NWARN = 3, 5, 6, 7
STATUS_CELL = "D6"
METHOD = "formula_local"


def prop(name: str, value: Any) -> Any:
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(pipe: str, timeout: float) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def split_ref(ref: str) -> tuple[str | None, str]:
    """``'Biểu 1'!D10`` → ("Biểu 1", "D10"); ``D10`` → (None, "D10")."""
    if "!" not in ref:
        return None, ref.replace("$", "")
    sheet, cell = ref.rsplit("!", 1)
    if len(sheet) >= 2 and sheet[0] == sheet[-1] == "'":
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cell.replace("$", "")


def a1(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def cell_kind(cell: Any) -> str:
    # com.sun.star.table.CellContentType: EMPTY, VALUE, TEXT, FORMULA
    return str(cell.Type.value).lower()


def format_string(doc: Any, key: int) -> str:
    try:
        return str(doc.NumberFormats.getByKey(key).FormatString)
    except Exception:  # pragma: no cover - an unknown key
        return ""


def formula_result(cell: Any) -> Any:
    """A formula cell's result: its number, or its text when it is text."""
    if cell_kind(cell) != "formula":
        return None
    # FormulaResultType2: 1 VALUE, 2 STRING, 4 ERROR (com.sun.star.sheet.FormulaResult)
    kind = cell.FormulaResultType2
    if kind == 1:
        return cell.getValue()
    return cell.getString()


def row_verdict(sheet: Any, row: int) -> dict[str, Any]:
    def number(col: int) -> float | None:
        c = sheet.getCellByPosition(col, row)
        return c.getValue() if cell_kind(c) != "empty" and c.getString() != "" else None

    return {
        "check": sheet.getCellByPosition(COL_CHECK, row).getString(),
        "errors": number(COL_NERR),
        "warnings": number(COL_NWARN),
    }


def validation_info(cell: Any) -> dict[str, Any]:
    v = cell.Validation
    kind = str(v.Type.value)  # ANY, WHOLE, DECIMAL, DATE, TIME, TEXT_LEN, LIST, CUSTOM
    return {
        "validation": None if kind == "ANY" else kind,
        "alert": str(v.ErrorAlertStyle.value) if kind != "ANY" else None,  # STOP, WARNING, INFO, MACRO
        "shows_error": bool(v.ShowErrorMessage) if kind != "ANY" else False,
    }


def invalid_cells(sheet: Any) -> set[tuple[int, int]]:
    """(row, col) of the cells of ``sheet`` that Calc's "Mark Invalid Data" circles.

    XSheetAuditing.showInvalid() is the model-side twin of Tools ▸ Detective ▸
    Mark Invalid Data (it works on a protected sheet too); each circle is an
    ellipse shape anchored to its cell. NOTE: the dispatch .uno:ShowInvalid does
    the same but, like .uno:EnterString, makes LibreOffice 7.4 headless crash a
    few seconds later (a view timer of the hidden frame).
    """
    page = sheet.DrawPage
    before = page.Count
    sheet.showInvalid()
    found: set[tuple[int, int]] = set()
    for i in range(before, page.Count):
        shape = page.getByIndex(i)
        if shape.ShapeType != "com.sun.star.drawing.EllipseShape":
            continue
        anchor = shape.Anchor
        if hasattr(anchor, "getCellAddress"):
            addr = anchor.getCellAddress()
            found.add((addr.Row, addr.Column))
    return found


def run_job(desktop: Any, dispatcher: Any, job: dict[str, Any], method: str) -> dict[str, Any]:
    url = uno.systemPathToFileUrl(job["template"])
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
    if doc is None:
        raise RuntimeError(f"LibreOffice could not open {job['template']}")
    try:
        controller = doc.CurrentController
        frame = controller.Frame
        sheets = doc.Sheets
        first = sheets.getByIndex(0)
        typed: list[tuple[dict[str, Any], Any, Any]] = []
        for ref, text in job["cells"]:
            sheet_name, cell_ref = split_ref(ref)
            if sheet_name is not None and not sheets.hasByName(sheet_name):
                raise KeyError(f"no sheet {sheet_name!r} in {job['template']} (cell {ref})")
            sheet = sheets.getByName(sheet_name) if sheet_name is not None else first
            cell = sheet.getCellRangeByName(cell_ref)
            addr = cell.getCellAddress()
            record: dict[str, Any] = {
                "ref": ref,
                "sheet": sheet.Name,
                "cell": a1(addr.Row, addr.Column),
                "text": text,
                "refused": None,
            }
            record.update(validation_info(cell))
            if sheet.isProtected() and cell.CellProtection.IsLocked:
                # NOTE: Calc's UI refuses this with a message box; FormulaLocal
                # silently changes nothing; setString would overwrite the locked cell.
                record["refused"] = "protected"
            elif method == "enter_string" and text != "":
                controller.setActiveSheet(sheet)
                controller.select(cell)
                dispatcher.executeDispatch(
                    frame, ".uno:EnterString", "", 0, (prop("StringName", text),)
                )
            else:
                # "" clears the content (the Delete key), the format stays
                cell.FormulaLocal = text
            typed.append((record, sheet, cell))
        if method == "enter_string":
            # leave the cursor on a cell without validation input help
            controller.setActiveSheet(first)
            controller.select(first.getCellRangeByName("A1"))
        doc.calculateAll()
        for record, sheet, cell in typed:
            kind = cell_kind(cell)
            record["kind"] = kind
            if kind == "value":
                record["value"] = cell.getValue()
            elif kind == "text":
                record["value"] = cell.getString()
            elif kind == "formula":
                record["value"] = formula_result(cell)
            else:
                record["value"] = None
            record["display"] = cell.getString()
            record["formula"] = cell.getFormula()
            record["number_format"] = format_string(doc, cell.NumberFormat)
            record.update(row_verdict(sheet, cell.getCellAddress().Row))
        status = first.getCellRangeByName(STATUS_CELL).getString()
        doc.storeToURL(
            uno.systemPathToFileUrl(job["out"]),
            (prop("FilterName", XLSX_FILTER), prop("Overwrite", True)),
        )
        # after the store: the validation circles must not end up in the file
        by_sheet: dict[str, set[tuple[int, int]]] = {}
        for record, sheet, cell in typed:
            if sheet.Name not in by_sheet:
                by_sheet[sheet.Name] = invalid_cells(sheet)
            addr = cell.getCellAddress()
            record["invalid"] = (addr.Row, addr.Column) in by_sheet[sheet.Name]
        return {"status": status, "cells": [r for r, _, _ in typed]}
    finally:
        doc.close(True)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: _lo_type_worker.py REQUEST.json RESULT.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        request = json.load(f)
    ctx = connect(request["pipe"], float(request.get("connect_timeout", 90)))
    smgr = ctx.ServiceManager
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
    results: list[dict[str, Any]] = []
    try:
        for job in request["jobs"]:
            entry: dict[str, Any] = {"template": job["template"], "out": job["out"], "error": None}
            try:
                entry.update(run_job(desktop, dispatcher, job, request.get("method", METHOD)))
            except Exception as exc:  # reported per job, the others go on
                entry["error"] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
            results.append(entry)
        with open(argv[2], "w", encoding="utf-8") as f:
            json.dump({"jobs": results}, f, ensure_ascii=False)
    finally:
        try:
            desktop.terminate()
        except Exception:  # the bridge goes down with the office
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
