"""cchc-xlsx: locked, self-checking Excel forms and exact consolidation for CCHC statistics.

The public surface is the pipeline's verbs and their result types::

    catalog = load_catalog("indicator_catalog.yaml")
    units = load_units("examples/units_cho_don.csv", catalog.levels)
    period = parse_period("2024-Q1")
    generate(catalog, "xa", period, "out/", units)
"""

__version__ = "0.1.0"

from .catalog import Catalog, Row, Rule, load_catalog  # noqa: E402
from .errors import CatalogError, CchcError, OutputError, PeriodError, UnitsError, UsageError  # noqa: E402
from .layout import FormLayout, build_layout  # noqa: E402
from .periods import Period, parse_period  # noqa: E402
from .template import GeneratedFile, generate  # noqa: E402
from .units import Unit, Units, load_units  # noqa: E402

__all__ = [
    "Catalog",
    "CatalogError",
    "CchcError",
    "FormLayout",
    "GeneratedFile",
    "OutputError",
    "Period",
    "PeriodError",
    "Row",
    "Rule",
    "Unit",
    "Units",
    "UnitsError",
    "UsageError",
    "__version__",
    "build_layout",
    "generate",
    "load_catalog",
    "load_units",
    "parse_period",
]
