"""The language of the catalogue's rules, compiled twice: to a Python check and to an Excel formula.

A rule's ``check`` is ``LEFT OP RIGHT`` where each side is a sum of row
references ``{code}`` and numbers combined with ``+`` and ``-``. A rule is
checked only when every row it names has a number: a blank is "no data".

Both compilations share the same tolerance, so a value that Excel flags is the
value Python flags (``tests/test_libreoffice_template.py`` compares them in
LibreOffice). Messages quote rows as ``{code}`` too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# Relative tolerance of every comparison (times max(1, |left|, |right|)), in both compilations.
EPS = 1e-9
_TOKEN = re.compile(
    r"\s*(?:(?P<ref>\{[^{}]*\})|(?P<num>\d+(?:\.\d+)?)|(?P<op><=|>=|==|!=|<|>)|(?P<sign>[+-]))"
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class RuleSyntaxError(ValueError):
    """A rule's check expression cannot be parsed."""


@dataclass(frozen=True)
class Term:
    """One signed term: a row reference (``code``) or a number (``constant``)."""

    sign: int
    code: str | None = None
    constant: float = 0.0


@dataclass(frozen=True)
class Side:
    terms: tuple[Term, ...]

    def refs(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.terms if t.code is not None)

    def evaluate(self, values: Mapping[str, float]) -> float:
        total = 0.0
        for t in self.terms:
            total += t.sign * (values[t.code] if t.code is not None else t.constant)
        return total

    def excel(self, cell_of: Callable[[str], str]) -> str:
        parts: list[str] = []
        for i, t in enumerate(self.terms):
            text = cell_of(t.code) if t.code is not None else _excel_number(t.constant)
            if i == 0:
                parts.append(text if t.sign > 0 else f"-{text}")
            else:
                parts.append(("+" if t.sign > 0 else "-") + text)
        return "".join(parts)


@dataclass(frozen=True)
class Comparison:
    """A parsed comparison ``left op right``."""

    left: Side
    op: str
    right: Side
    text: str
    # NOTE: computed once, not on each call: holds() asks for them for every file read
    _refs: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        seen: dict[str, None] = {}
        for code in self.left.refs() + self.right.refs():
            seen.setdefault(code, None)
        object.__setattr__(self, "_refs", tuple(seen))

    def refs(self) -> tuple[str, ...]:
        return self._refs

    def holds(self, values: Mapping[str, float | None]) -> bool | None:
        """True or False when every referenced row has a number, else None (not checked)."""
        nums: dict[str, float] = {}
        for code in self.refs():
            v = values.get(code)
            if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
                return None
            if math.isnan(v) or math.isinf(v):
                return None
            nums[code] = float(v)
        left, right = self.left.evaluate(nums), self.right.evaluate(nums)
        diff = left - right
        tol = EPS * max(1.0, abs(left), abs(right))
        if self.op == "<=":
            return diff <= tol
        if self.op == ">=":
            return diff >= -tol
        if self.op == "<":
            return diff < -tol
        if self.op == ">":
            return diff > tol
        if self.op == "==":
            return abs(diff) <= tol
        return abs(diff) > tol  # "!="

    def excel_violated(self, cell_of: Callable[[str], str]) -> str:
        """An Excel boolean expression, TRUE when the rule is checked and broken.

        ``cell_of`` maps a row code to its cell reference (``D12`` or ``'Biểu 1'!D12``).
        """
        refs = [cell_of(c) for c in self.refs()]
        left, right = self.left.excel(cell_of), self.right.excel(cell_of)
        diff = f"({left})-({right})"
        eps = f"{_excel_number(EPS)}*MAX(1,ABS({left}),ABS({right}))"
        holds = {
            "<=": f"{diff}<={eps}",
            ">=": f"{diff}>=-{eps}",
            "<": f"{diff}<-{eps}",
            ">": f"{diff}>{eps}",
            "==": f"ABS({diff})<={eps}",
            "!=": f"ABS({diff})>{eps}",
        }[self.op]
        # NOTE: COUNT counts numbers only, so text or blanks mean "not checked",
        # exactly like Comparison.holds returning None. IF (not AND) so that text in a
        # cell never reaches the arithmetic: AND evaluates every argument and
        # would pass #VALUE! on.
        return f"IF(COUNT({','.join(refs)})={len(refs)},NOT({holds}),FALSE)"


def parse_check(text: str) -> Comparison:
    """Parse ``"{1.4.2} + {1.4.3} <= {1.4.1}"`` into a :class:`Comparison`."""
    pos = 0
    sides: list[list[Term]] = [[]]
    op: str | None = None
    sign = 1
    sign_seen = False
    expect_operand = True
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise RuleSyntaxError(f"không hiểu “{text[pos:].strip()}” (vị trí {pos + 1})")
        pos = m.end()
        if m.group("ref") is not None or m.group("num") is not None:
            if not expect_operand:
                raise RuleSyntaxError("thiếu dấu + hoặc - giữa hai số hạng")
            if m.group("ref") is not None:
                code = m.group("ref")[1:-1].strip()
                if not code:
                    raise RuleSyntaxError("mã chỉ tiêu trống trong {}")
                sides[-1].append(Term(sign, code=code))
            else:
                sides[-1].append(Term(sign, constant=float(m.group("num"))))
            sign = 1
            sign_seen = False
            expect_operand = False
        elif m.group("sign") is not None:
            if expect_operand and (sides[-1] or sign_seen):
                raise RuleSyntaxError("hai dấu liền nhau")
            sign = -1 if m.group("sign") == "-" else 1
            sign_seen = True
            expect_operand = True
        else:
            if op is not None:
                raise RuleSyntaxError("chỉ được một phép so sánh")
            if expect_operand:
                raise RuleSyntaxError("thiếu số hạng trước phép so sánh")
            op = m.group("op")
            sides.append([])
            sign_seen = False
            expect_operand = True
    if op is None:
        raise RuleSyntaxError("thiếu phép so sánh (<=, <, >=, >, ==, !=)")
    if expect_operand or not sides[0] or not sides[1]:
        raise RuleSyntaxError("thiếu số hạng sau phép so sánh")
    check = Comparison(Side(tuple(sides[0])), op, Side(tuple(sides[1])), text.strip())
    if not check.refs():
        raise RuleSyntaxError("quy tắc không nhắc đến chỉ tiêu nào")
    return check


def message_placeholders(message: str) -> list[str]:
    """The row codes quoted as ``{code}`` in a message."""
    return [m.strip() for m in _PLACEHOLDER.findall(message)]


def format_value(value: float | None) -> str:
    """How a value is quoted in a message (the same as Excel's ``&`` of a number)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return format(value, ".15g")
    return str(value)


def render_message(message: str, values: Mapping[str, float | None]) -> str:
    """The message with every ``{code}`` replaced by that row's value."""
    return _PLACEHOLDER.sub(lambda m: format_value(values.get(m.group(1).strip())), message)


def excel_message(message: str, cell_of: Callable[[str], str]) -> str:
    """The message as an Excel string expression quoting the cells."""
    pieces: list[str] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(message):
        if m.start() > pos:
            pieces.append(excel_string(message[pos : m.start()]))
        pieces.append(cell_of(m.group(1).strip()))
        pos = m.end()
    if pos < len(message):
        pieces.append(excel_string(message[pos:]))
    return "&".join(pieces) if pieces else '""'


def excel_string(text: str) -> str:
    """A string literal for an Excel formula."""
    return '"' + text.replace('"', '""') + '"'


def _excel_number(x: float) -> str:
    if float(x).is_integer():
        return str(int(x))
    return repr(float(x)).upper()
