"""cchc-xlsx: locked, self-checking Excel forms and exact consolidation for CCHC statistics.

The verbs of a quarterly script, their result types, :class:`Issue` and the
exceptions; nothing else is public::

    import cchc_xlsx as cx

    catalog = cx.load_catalog()                      # the bundled default form
    units = cx.load_units("units.csv", catalog)
    cx.generate(catalog, "xa", "2024-Q1", "bieu_mau", units)
    result = cx.consolidate("nop_ve", catalog, "huyen_H01.xlsx",
                            level="xa", period="2024-Q1", units=units, unit="H01")
    result.totals["1.2"]                             # percent points, full precision

With the office's history store (``store=`` on :func:`check` and
:func:`consolidate`; :class:`Store` to ask it what it knows)::

    result = cx.consolidate("nop_ve", None, "tong_hop.xlsx", level="xa",
                            period="2024-Q1", units=units, store="kho.sqlite")
    result.timeliness.reporting_rate                 # percent points of the expected units
    with cx.Store("kho.sqlite") as store:
        store.versions("2024-Q1", "X0101")           # every return of a unit, oldest first

Exceptions (for what must be fixed before anything can run; problems in the
returned files are :class:`Issue` values of the results)::

    CchcError
     ├── CatalogError(ValueError)     the catalogue cannot be used (every problem, by line and code)
     ├── UnitsError(ValueError)       the units file cannot be used (every problem, by line)
     ├── PeriodError(ValueError)      not a period (2024-Q1 … 2024-Q4, 2024-H1, 2024-9M, 2024)
     ├── UsageError(ValueError)       arguments that cannot work (``option`` names the one at fault)
     ├── StoreError                   the history store cannot be used (locked, newer, not a store)
     ├── TemplateError(ValueError)    a report template's tag is broken or unknown (named)
     └── OutputError(OSError)         an output cannot be written
          └── OutputExistsError       an output exists and ``force`` was not given

The names are imported when first used, so that ``import cchc_xlsx`` (and the
command line's start) stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from .api import (
        FeedbackResult,
        check,
        consolidate,
        feedback,
        generate,
        load_units,
        report,
        rollup,
        series,
    )
    from .batch.result import CheckResult
    from .catalog.load import load_catalog
    from .catalog.model import Catalog
    from .consolidation.model import Consolidation, UnitColumn
    from .consolidation.series import Series
    from .errors import (
        CatalogError,
        CchcError,
        OutputError,
        OutputExistsError,
        PeriodError,
        StoreError,
        TemplateError,
        UnitsError,
        UsageError,
    )
    from .history.deadlines import Deadlines
    from .history.store import Store, Version
    from .history.timeliness import PeriodStatus
    from .issues import Issue, IssueCode
    from .outputs.report.make import ReportResult
    from .periods import Period, parse_period
    from .read.record import FileResult, Return
    from .resources import example_path
    from .units import Unit, Units
    from .write.generate import GeneratedFile

# public name → the module that defines it
_WHERE = {
    "check": "api",
    "feedback": "api",
    "FeedbackResult": "api",
    "consolidate": "api",
    "generate": "api",
    "rollup": "api",
    "series": "api",
    "Series": "consolidation.series",
    "load_units": "api",
    "report": "api",
    "ReportResult": "outputs.report.make",
    "TemplateError": "errors",
    "CheckResult": "batch.result",
    "Catalog": "catalog.model",
    "load_catalog": "catalog.load",
    "Consolidation": "consolidation.model",
    "UnitColumn": "consolidation.model",
    "CatalogError": "errors",
    "CchcError": "errors",
    "OutputError": "errors",
    "OutputExistsError": "errors",
    "PeriodError": "errors",
    "UnitsError": "errors",
    "UsageError": "errors",
    "Issue": "issues",
    "Period": "periods",
    "parse_period": "periods",
    "FileResult": "read.record",
    "Return": "read.record",
    "example_path": "resources",
    "GeneratedFile": "write.generate",
    "Unit": "units",
    "Units": "units",
    "IssueCode": "issues",
    "StoreError": "errors",
    "Store": "history.store",
    "Version": "history.store",
    "Deadlines": "history.deadlines",
    "PeriodStatus": "history.timeliness",
}

__all__ = [
    "CatalogError",
    "Catalog",
    "CchcError",
    "CheckResult",
    "Consolidation",
    "FeedbackResult",
    "FileResult",
    "GeneratedFile",
    "Deadlines",
    "Issue",
    "IssueCode",
    "OutputError",
    "OutputExistsError",
    "Period",
    "PeriodError",
    "PeriodStatus",
    "ReportResult",
    "Return",
    "Series",
    "Store",
    "StoreError",
    "TemplateError",
    "Unit",
    "UnitColumn",
    "Units",
    "UnitsError",
    "UsageError",
    "Version",
    "__version__",
    "check",
    "consolidate",
    "example_path",
    "feedback",
    "generate",
    "load_catalog",
    "load_units",
    "parse_period",
    "report",
    "rollup",
    "series",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'cchc_xlsx' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = (
        value  # NOTE: set after the submodule is imported, so the verb wins over a module's name
    )
    return value


def __dir__() -> list[str]:
    return list(__all__)
