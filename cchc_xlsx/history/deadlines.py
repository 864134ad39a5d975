"""When a period's returns are due, and whether a return came in time.

Nghị định 09/2019/NĐ-CP fixes the data cut-off of periodic reports (the 14th
of the period's last month, :mod:`cchc_xlsx.periods`) but leaves the date a
commune or district must *send* its return to the office that asks for it
(seed 000: huyện Chợ Đồn's letter 480/UBND-NV asks its communes for Quý I by
letter). The default here is the day after the cut-off — the 15th of the
period's last month — to the end of that day, Vietnam time (UTC+7). A province
sets its own dates in a small YAML file (``--deadlines FILE``)::

    # hạn nộp báo cáo CCHC
    default:          # every period not listed below
      day: 10         # day of the period's last month …
      months_after: 0 # … or of a later month (1: the month after the period)
    levels:           # optional, per level of the units that send
      huyen: {day: 12}
    periods:          # optional, a date per period (or per level of a period)
      2024-Q1: 2024-03-08
      2024-H1: {xa: 2024-06-08, huyen: 2024-06-12}

A return is on time when it was first received on or before its deadline's
date (Vietnam time); otherwise it is late by the whole days between the two.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cchc_xlsx.errors import UsageError, os_error_text
from cchc_xlsx.periods import Period, parse_period
from cchc_xlsx.vocabulary import LEVELS

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
DEFAULT_DAY = 15


@dataclass(frozen=True)
class DueRule:
    """A deadline relative to a period: ``day`` of the period's last month plus ``months_after``."""

    day: int = DEFAULT_DAY
    months_after: int = 0

    def due(self, period: Period) -> dt.date:
        month0 = period.end_month - 1 + self.months_after
        year, month = period.year + month0 // 12, month0 % 12 + 1
        last = calendar.monthrange(year, month)[1]
        return dt.date(year, month, min(self.day, last))


@dataclass(frozen=True)
class Deadlines:
    """The office's deadlines: a default rule, rules per level, dates per period
    (``periods``: period code → date, or level → date). ``source``: the file
    they came from (None: the built-in default)."""

    default: DueRule = DueRule()
    levels: Mapping[str, DueRule] = field(default_factory=dict)
    periods: Mapping[str, dt.date | Mapping[str, dt.date]] = field(default_factory=dict)
    source: str | None = None
    text: str | None = None  # the file's text (kept in the history store for later runs)

    def due(self, period: Period | str, level: str | None = None) -> dt.date:
        """The last day (Vietnam time) on which a return of ``period`` from a unit
        of ``level`` is on time."""
        per = period if isinstance(period, Period) else parse_period(period)
        given = self.periods.get(per.code)
        if isinstance(given, dt.date):
            return given
        if isinstance(given, Mapping) and level is not None and level in given:
            return given[level]
        rule = self.levels.get(level or "", self.default)
        return rule.due(per)

    def describe(self) -> str:
        """Where the deadlines come from, for a report's footnote."""
        if self.source is None:
            return f"mặc định: ngày {self.default.day} tháng cuối kỳ (giờ Việt Nam)"
        return f"theo tệp {self.source}"


def local_time(ts: str) -> str:
    """A stored time (ISO 8601 with a zone) as an office reads it: ``09:30 10/04/2024`` (Vietnam time)."""
    t = dt.datetime.fromisoformat(ts).astimezone(VIETNAM)
    return f"{t.hour:02d}:{t.minute:02d} {t.day:02d}/{t.month:02d}/{t.year}"


def days_late(received_at: str, due: dt.date) -> int:
    """Whole days after ``due`` on which ``received_at`` (ISO 8601 with a time
    zone) falls in Vietnam; 0 when on time."""
    local = dt.datetime.fromisoformat(received_at).astimezone(VIETNAM).date()
    return max(0, (local - due).days)


def load_deadlines(path: str | os.PathLike[str]) -> Deadlines:
    """Read a deadlines file (format in the module's docstring). Raises
    :class:`UsageError` (``option="deadlines"``) naming every problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(
            f"Không đọc được tệp hạn nộp “{p}”: {os_error_text(exc)}.", option="deadlines"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(
            f"Tệp hạn nộp “{p}” không phải văn bản UTF-8; hãy lưu lại với mã UTF-8.",
            option="deadlines",
        ) from None
    return parse_deadlines(text, str(p))


def parse_deadlines(text: str, source: str) -> Deadlines:
    """:func:`load_deadlines` of a file's text (``source`` names it in messages)."""
    import yaml

    p = source
    try:
        data = yaml.safe_load(text) or {}
    except ValueError as exc:  # a date YAML cannot build (2024-02-30)
        raise UsageError(
            f"Tệp hạn nộp “{p}” có ngày không tồn tại ({exc}); hãy sửa lại ngày.",
            option="deadlines",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (dòng {mark.line + 1})" if mark is not None else ""
        raise UsageError(
            f"Tệp hạn nộp “{p}” không đúng cú pháp YAML{where}.", option="deadlines"
        ) from None
    problems: list[str] = []
    if not isinstance(data, dict):
        raise UsageError(
            f"Tệp hạn nộp “{p}” phải gồm các mục default, levels, periods.", option="deadlines"
        )
    unknown = sorted(set(map(str, data)) - {"default", "levels", "periods"})
    if unknown:
        problems.append(
            f"mục không dùng được: {', '.join(unknown)} (chỉ có default, levels, periods)"
        )
    default = _rule(data.get("default"), "default", problems)
    levels: dict[str, DueRule] = {}
    for level, spec in _mapping(data.get("levels"), "levels", problems).items():
        if str(level) not in LEVELS:
            problems.append(f"levels: cấp “{level}” không có (dùng {', '.join(LEVELS)})")
        levels[str(level)] = _rule(spec, f"levels.{level}", problems)
    periods: dict[str, dt.date | dict[str, dt.date]] = {}
    for code, spec in _mapping(data.get("periods"), "periods", problems).items():
        try:
            key = parse_period(str(code)).code
        except ValueError as exc:
            problems.append(f"periods: {exc}")
            continue
        start = parse_period(key).start
        if isinstance(spec, dict):
            bad = [str(lv) for lv in spec if str(lv) not in LEVELS]
            if bad:
                problems.append(
                    f"periods.{code}: cấp {', '.join(bad)} không có (dùng {', '.join(LEVELS)})"
                )
            periods[key] = {
                str(lv): d
                for lv, v in spec.items()
                if (d := _date(v, f"periods.{code}.{lv}", problems, start)) is not None
            }
        elif (d := _date(spec, f"periods.{code}", problems, start)) is not None:
            periods[key] = d
    if problems:
        raise UsageError(
            f"Tệp hạn nộp “{p}” có lỗi:\n" + "\n".join(f"  - {x}" for x in problems),
            option="deadlines",
        )
    return Deadlines(default, levels, periods, source=str(p), text=text)


def _mapping(value: Any, where: str, problems: list[str]) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where}: phải là một bảng (mục: giá trị)")
        return {}
    return value


def _rule(value: Any, where: str, problems: list[str]) -> DueRule:
    spec = _mapping(value, where, problems)
    extra = sorted(set(map(str, spec)) - {"day", "months_after"})
    if extra:
        problems.append(f"{where}: không hiểu {', '.join(extra)} (chỉ có day, months_after)")
    day, after = spec.get("day", DEFAULT_DAY), spec.get("months_after", 0)
    if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 31:
        problems.append(f"{where}.day: phải là số ngày từ 1 đến 31 (có: {day!r})")
        day = DEFAULT_DAY
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= 12:
        problems.append(f"{where}.months_after: phải là số tháng từ 0 đến 12 (có: {after!r})")
        after = 0
    return DueRule(day, after)


def _date(value: Any, where: str, problems: list[str], start: dt.date) -> dt.date | None:
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            problems.append(f"{where}: “{value}” không phải ngày dạng 2024-03-10")
            return None
    if day < start:
        problems.append(
            f"{where}: hạn {day.isoformat()} trước ngày đầu của kỳ ({start.isoformat()})"
        )
        return None
    return day
