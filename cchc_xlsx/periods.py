"""Reporting periods: ``2024-Q1`` … ``2024-Q4``, ``2024-H1``, ``2024-9M``, ``2024``.

The data window follows Nghị định 09/2019/NĐ-CP: a report's figures run from
the 15th of the last month of the previous period to the 14th of the last month
of the period (Quý I 2024 = 15/12/2023 – 14/3/2024); 6-month, 9-month and
annual reports are cumulative from 15/12 of the previous year. A province that
uses other dates passes ``cutoff_day`` to :func:`parse_period`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cchc_xlsx.errors import PeriodError

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_FORMS = "2024-Q1 … 2024-Q4 (quý), 2024-H1 (6 tháng), 2024-9M (9 tháng), 2024 (năm)"
_RE = re.compile(r"^(?P<year>\d{4})(?:-(?P<kind>Q[1-4]|H1|9M))?$")
# last month of each kind of period
_END_MONTH = {"Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, "H1": 6, "9M": 9, "Y": 12}


@dataclass(frozen=True)
class Period:
    """A reporting period. ``kind`` is ``Q1``…``Q4``, ``H1``, ``9M`` or ``Y``.

    Periods sort by their data window (end, then start), so 2024-Q1 < 2024-H1.
    """

    year: int
    kind: str
    start: dt.date
    end: dt.date

    @property
    def code(self) -> str:
        """The period's code: ``2024-Q1``, ``2024-H1``, ``2024-9M`` or ``2024``."""
        return str(self.year) if self.kind == "Y" else f"{self.year}-{self.kind}"

    @property
    def label(self) -> str:
        """Vietnamese label: ``Quý I năm 2024``, ``6 tháng đầu năm 2024`` …"""
        if self.kind.startswith("Q"):
            return f"Quý {_ROMAN[int(self.kind[1])]} năm {self.year}"
        if self.kind == "H1":
            return f"6 tháng đầu năm {self.year}"
        if self.kind == "9M":
            return f"9 tháng năm {self.year}"
        return f"năm {self.year}"

    @property
    def label_in_year(self) -> str:
        """The label in a sentence about one year: ``Quý III``, ``6 tháng``, ``9 tháng``, ``năm 2024``."""
        return self.label.replace(f" năm {self.year}", "").replace(" đầu", "")

    @property
    def window_label(self) -> str:
        """``Số liệu từ ngày 15/12/2023 đến ngày 14/3/2024``."""
        return f"Số liệu từ ngày {short_date(self.start)} đến ngày {short_date(self.end)}"

    @property
    def is_cumulative(self) -> bool:
        """6-month, 9-month and annual reports cover the year so far."""
        return self.kind in ("H1", "9M", "Y")

    @property
    def end_month(self) -> int:
        return _END_MONTH[self.kind]

    def __str__(self) -> str:
        return self.code

    def __lt__(self, other: Period) -> bool:
        return (self.end, self.start) < (other.end, other.start)


def short_date(day: dt.date) -> str:
    """``15/12/2023``, as a window or a "tính đến" label prints a date."""
    return f"{day.day}/{day.month}/{day.year}"


def parse_period(text: str, cutoff_day: int = 14) -> Period:
    """Parse a period string; raise :class:`PeriodError` naming the accepted forms.

    ``cutoff_day`` is the last day of the data window in the period's last month
    (14 under Nghị định 09/2019/NĐ-CP); the window starts the day after the
    cut-off of the month before the period.
    """
    s = str(text).strip().upper()
    m = _RE.match(s)
    if not m:
        raise PeriodError(f"Kỳ báo cáo “{text}” không hợp lệ. Dùng một trong các dạng: {_FORMS}.")
    year = int(m.group("year"))
    if not 2000 <= year <= 2100:
        raise PeriodError(f"Năm {year} của kỳ báo cáo “{text}” nằm ngoài khoảng 2000–2100.")
    if not 1 <= cutoff_day <= 28:
        raise PeriodError("Ngày chốt số liệu phải từ 1 đến 28.")
    kind = m.group("kind") or "Y"
    end_month = _END_MONTH[kind]
    end = dt.date(year, end_month, cutoff_day)
    if kind in ("Q1", "Q2", "Q3", "Q4"):
        start_month = end_month - 3
    else:
        start_month = 0  # cumulative from the start of the year
    start_year = year if start_month >= 1 else year - 1
    start_month = start_month if start_month >= 1 else start_month + 12
    start = dt.date(start_year, start_month, cutoff_day) + dt.timedelta(days=1)
    return Period(year, kind, start, end)


def quarters_of(period: Period) -> list[Period]:
    """The quarters a cumulative period is made of (a quarter: itself)."""
    if period.kind.startswith("Q"):
        return [period]
    last = {"H1": 2, "9M": 3, "Y": 4}[period.kind]
    return [
        parse_period(f"{period.year}-Q{q}", cutoff_day=period.end.day) for q in range(1, last + 1)
    ]


# how many quarters each kind of period covers from the start of its year (a quarter: its own)
_QUARTERS = {"H1": 2, "9M": 3, "Y": 4}


def _span(period: Period) -> tuple[int, int]:
    """The quarters (first, last; 1–4) of its year that ``period`` covers."""
    if period.kind.startswith("Q"):
        q = int(period.kind[1])
        return q, q
    return 1, _QUARTERS[period.kind]


@dataclass(frozen=True)
class Cover:
    """How a unit's figures for ``target`` are made of the returns it has.

    ``pieces``: the returns used, disjoint and in order (a cumulative return
    first, then the quarters after it); never a cumulative report together
    with its own quarters. ``missing``: the quarters of ``target`` that no
    return covers. ``own``: ``target`` itself is among the returns (a 6-month,
    9-month or annual report), so it is the unit's figure.
    """

    target: Period
    pieces: tuple[Period, ...]
    missing: tuple[Period, ...]

    @property
    def own(self) -> bool:
        return self.pieces == (self.target,)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def ends_the_period(self) -> bool:
        """The last piece ends where ``target`` ends (a stock or cumulative row is known)."""
        return bool(self.pieces) and _span(self.pieces[-1])[1] == _span(self.target)[1]


def cover(target: Period, held: Iterable[Period | str]) -> Cover:
    """Which of the returns ``held`` (periods or codes, any year) make up ``target``.

    The period algebra of the reporting regime: Q1 + Q2 = 6 tháng (H1);
    H1 + Q3 = 9 tháng (9M); 9M + Q4 = H1 + Q3 + Q4 = Q1 + … + Q4 = năm. The
    longest cumulative return that fits is taken first (it is the unit's own
    figure for those quarters), then the quarters after it; a quarter that
    no return covers is ``missing``. A quarter's cover is itself.
    """
    first, last = _span(target)
    have: dict[str, Period] = {}
    for h in held:
        p = h if isinstance(h, Period) else parse_period(h, cutoff_day=target.end.day)
        if p.year == target.year:
            have[p.kind] = p
    if target.kind.startswith("Q"):
        got = have.get(target.kind)
        return Cover(target, (got,) if got else (), () if got else (target,))
    quarters = {q.kind: q for q in quarters_of(target)}
    pieces: list[Period] = []
    at = 0  # the last quarter covered so far
    for kind in ("Y", "9M", "H1"):
        n = _QUARTERS[kind]
        if kind in have and n <= last:
            pieces.append(have[kind])
            at = n
            break
    missing: list[Period] = []
    for q in range(max(at + 1, first), last + 1):
        if f"Q{q}" in have:
            pieces.append(have[f"Q{q}"])
        else:
            missing.append(quarters[f"Q{q}"])
    return Cover(target, tuple(pieces), tuple(missing))


def period_range(text: str, cutoff_day: int = 14) -> list[Period]:
    """Periods from ``2021..2025`` (every year), ``2024-Q1..2024-Q4`` (every
    quarter), or a comma-separated list (``2021,2022,2025-Q1``), in that order,
    each once.

    Raises :class:`PeriodError` for a malformed range, one that runs backwards,
    mixes kinds (``2021..2024-Q2``) or has more than 40 periods."""
    out: list[Period] = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        if ".." not in part:
            out.append(parse_period(part, cutoff_day))
            continue
        a_text, b_text = (x.strip() for x in part.split("..", 1))
        a, b = parse_period(a_text, cutoff_day), parse_period(b_text, cutoff_day)
        a_q, b_q = a.kind.startswith("Q"), b.kind.startswith("Q")
        if (a.kind == "Y") != (b.kind == "Y") or a_q != b_q or not (a_q or a.kind == "Y"):
            raise PeriodError(
                f"Khoảng kỳ “{part}” phải từ năm đến năm (2021..2025) hoặc từ quý đến quý "
                "(2024-Q1..2025-Q2)."
            )
        if b < a:
            raise PeriodError(f"Khoảng kỳ “{part}” đi ngược: kỳ đầu phải trước kỳ cuối.")
        if a.kind == "Y":
            out += [parse_period(str(y), cutoff_day) for y in range(a.year, b.year + 1)]
        else:
            q, y = int(a.kind[1]), a.year
            while (y, q) <= (b.year, int(b.kind[1])):
                out.append(parse_period(f"{y}-Q{q}", cutoff_day))
                q, y = (1, y + 1) if q == 4 else (q + 1, y)
        if len(out) > 40:
            break
    if not out:
        raise PeriodError(
            f"Chưa nêu kỳ nào trong “{text}”. Ví dụ: 2021..2025 hoặc 2024-Q1,2024-Q2."
        )
    out = list({p.code: p for p in out}.values())  # a period named twice is one column
    if len(out) > 40:
        raise PeriodError(f"“{text}” có hơn 40 kỳ; hãy chọn khoảng ngắn hơn.")
    return out


_LABEL_RE = [
    (re.compile(r"qu[ýy]\s+(I{1,3}|IV|[1-4])\s+(?:n[ăa]m\s+)?(\d{4})", re.I), "Q"),
    (re.compile(r"6\s+th[áa]ng\s+(?:đầu\s+)?(?:n[ăa]m\s+)?(\d{4})", re.I), "H1"),
    (re.compile(r"9\s+th[áa]ng\s+(?:đầu\s+)?(?:n[ăa]m\s+)?(\d{4})", re.I), "9M"),
    (re.compile(r"n[ăa]m\s+(\d{4})", re.I), "Y"),
]
_ROMAN_NUM = {"I": 1, "II": 2, "III": 3, "IV": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def period_from_label(text: str) -> Period | None:
    """Read a period back from a caption such as ``(Quý I năm 2024)``; None if there is none."""
    for pattern, kind in _LABEL_RE:
        m = pattern.search(text)
        if not m:
            continue
        if kind == "Q":
            return parse_period(f"{m.group(2)}-Q{_ROMAN_NUM[m.group(1).upper()]}")
        code = m.group(1) if kind == "Y" else f"{m.group(1)}-{kind}"
        return parse_period(code)
    return None


def same_period_last_year(period: Period) -> Period:
    """The same kind of period one year earlier (2024-H1 → 2023-H1, 2024-Q1 → 2023-Q1),
    with the same cut-off day; :class:`PeriodError` before 2000."""
    code = str(period.year - 1) if period.kind == "Y" else f"{period.year - 1}-{period.kind}"
    return parse_period(code, cutoff_day=period.end.day)


def previous_period(period: Period) -> Period:
    """The period a unit reported just before, of the same kind: the quarter before
    for a quarter (2024-Q1 → 2023-Q4), and for the cumulative 6-month, 9-month and
    annual reports (one a year) the same period of the previous year."""
    if not period.kind.startswith("Q"):
        return same_period_last_year(period)
    q = int(period.kind[1])
    code = f"{period.year}-Q{q - 1}" if q > 1 else f"{period.year - 1}-Q4"
    return parse_period(code, cutoff_day=period.end.day)
