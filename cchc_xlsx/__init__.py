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

Exceptions (for what must be fixed before anything can run; problems in the
returned files are :class:`Issue` values of the results)::

    CchcError
     ├── CatalogError(ValueError)     the catalogue cannot be used (every problem, by line and code)
     ├── UnitsError(ValueError)       the units file cannot be used (every problem, by line)
     ├── PeriodError(ValueError)      not a period (2024-Q1 … 2024-Q4, 2024-H1, 2024-9M, 2024)
     ├── UsageError(ValueError)       arguments that cannot work (``option`` names the one at fault)
     └── OutputError(OSError)         an output cannot be written
          └── OutputExistsError       an output exists and ``force`` was not given
"""

from ._version import __version__
from .api import check, consolidate, generate
from .batch import CheckResult
from .catalog import Catalog, load_catalog
from .consolidation import Consolidation, UnitColumn
from .errors import (
    CatalogError,
    CchcError,
    OutputError,
    OutputExistsError,
    PeriodError,
    UnitsError,
    UsageError,
)
from .issues import Issue
from .periods import Period, parse_period
from .reader import FileResult
from .resources import example_path
from .template import GeneratedFile
from .units import Unit, Units, load_units

__all__ = [
    "CatalogError",
    "Catalog",
    "CchcError",
    "CheckResult",
    "Consolidation",
    "FileResult",
    "GeneratedFile",
    "Issue",
    "OutputError",
    "OutputExistsError",
    "Period",
    "PeriodError",
    "Unit",
    "UnitColumn",
    "Units",
    "UnitsError",
    "UsageError",
    "__version__",
    "check",
    "consolidate",
    "example_path",
    "generate",
    "load_catalog",
    "load_units",
    "parse_period",
]
