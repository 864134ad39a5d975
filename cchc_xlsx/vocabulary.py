"""The words of the domain, typed: levels, row types, aggregations, severities,
statuses. A misspelt value is a type error (mypy), not a silent ``False``.

The string values are the contract's (the catalogue's YAML, the JSON report,
DESIGN.md); the aggregation names follow DHIS2's aggregation types where one
exists (``sum``, ``average`` is our ``mean``, ``count``, ``min``, ``max``).
"""

from __future__ import annotations

from typing import Literal, get_args

#: the standard levels and how the form names them (a catalogue may add its own)
LEVELS: dict[str, str] = {
    "xa": "cấp xã",
    "huyen": "cấp huyện",
    "so": "sở, ngành",
    "tinh": "cấp tỉnh",
}

RowType = Literal[
    "heading", "count", "decimal", "percent", "ratio", "boolean", "choice", "text", "sum"
]
ROW_TYPES: tuple[RowType, ...] = get_args(RowType)
#: a person types this row's value (column D is unlocked)
INPUT_TYPES: frozenset[RowType] = frozenset(
    {"count", "decimal", "percent", "boolean", "choice", "text"}
)
#: may be a ratio's numerator or denominator, a sum's term, a weight
NUMBER_TYPES: frozenset[RowType] = frozenset({"count", "decimal", "sum"})
#: holds a number a rule may compare
NUMERIC_TYPES: frozenset[RowType] = frozenset({"count", "decimal", "percent", "ratio", "sum"})

Agg = Literal[
    "sum", "ratio", "count_yes", "count_options", "mean", "weighted_mean", "min", "max", "none"
]
AGGS: tuple[Agg, ...] = get_args(Agg)
#: how a row adds up across units when the catalogue does not say
DEFAULT_AGG: dict[RowType, Agg] = {
    "count": "sum",
    "decimal": "sum",
    "sum": "sum",
    "percent": "mean",
    "ratio": "ratio",
    "boolean": "count_yes",
    "choice": "count_options",
    "text": "none",
    "heading": "none",
}
#: which aggregations make sense for which type
ALLOWED_AGG: dict[RowType, frozenset[Agg]] = {
    "count": frozenset({"sum", "mean", "weighted_mean", "min", "max"}),
    "decimal": frozenset({"sum", "mean", "weighted_mean", "min", "max"}),
    "sum": frozenset({"sum"}),
    "percent": frozenset({"mean", "weighted_mean", "min", "max"}),
    "ratio": frozenset({"ratio"}),
    "boolean": frozenset({"count_yes"}),
    "choice": frozenset({"count_options"}),
    "text": frozenset({"none"}),
    "heading": frozenset({"none"}),
}

PeriodAgg = Literal["flow", "stock", "cumulative"]
PERIOD_AGGS: tuple[PeriodAgg, ...] = get_args(PeriodAgg)

Severity = Literal["error", "warning", "info"]
#: how the workbooks and the console name a severity
SEVERITY_TEXT: dict[Severity, str] = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}
#: a catalogue rule's severity (a rule is never merely "info")
RuleSeverity = Literal["error", "warning"]
#: how a fed row adds up its lower level's row (``fed_by.agg``)
FedAgg = Literal["sum", "count_yes"]

#: what became of a file of a batch
FileStatus = Literal["accepted", "rejected", "skipped"]
FILE_STATUSES: tuple[FileStatus, ...] = get_args(FileStatus)
#: what became of an expected unit in a consolidation (DHIS2: reported / not reported)
ColumnStatus = Literal["submitted", "missing", "rejected", "conflict"]
#: how the status sheet names a column's status
COLUMN_STATUS_TEXT: dict[ColumnStatus, str] = {
    "submitted": "đã nộp",
    "missing": "chưa nộp",
    "rejected": "bị từ chối",
    "conflict": "nộp trùng",
}

#: what a workbook says it is (its identity sheet), or how it was recognised
FileKind = Literal["template", "consolidated", "recovered"]

#: what the history store holds of a unit's return of a previous period (a
#: template's reference column): ``found`` (its current version), ``blank`` (a
#: return without figures), ``conflict`` (several versions, none chosen),
#: ``missing`` (no usable return)
PreviousState = Literal["found", "blank", "conflict", "missing"]

#: ``PRAGMA application_id`` of a history store ("CCHC"), so that the tool knows its own file
STORE_APPLICATION_ID = 0x43434843
