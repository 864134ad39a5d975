"""The units file: ``code,name,level,parent`` (UTF-8 with or without BOM, comma or semicolon),
and optionally a fifth column ``contact`` (who to remind: a person, a phone, an e-mail).

Lines starting with ``#`` before the header are comments (a file's provenance).
Every problem (duplicate code, unknown parent, unknown level, cycle, empty name)
is reported at once with its line number.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cchc_xlsx.errors import Problem, UnitsError, os_error_text
from cchc_xlsx.text import hidden_characters
from cchc_xlsx.vocabulary import LEVELS

HEADER = ["code", "name", "level", "parent"]
OPTIONAL = ["contact"]  # after the four, when present


@dataclass(frozen=True)
class Unit:
    """One administrative unit."""

    code: str
    name: str
    level: str
    parent: str | None
    line: int = 0
    contact: str = ""  # the optional column: who to remind

    @property
    def slug(self) -> str:
        return slugify(self.name)


class Units:
    """The units of a file, in file order, with their tree."""

    def __init__(self, units: Iterable[Unit], path: str = "<units>"):
        self.path = path
        self._list = list(units)
        self._by_code = {u.code: u for u in self._list}

    def __iter__(self) -> Iterator[Unit]:
        return iter(self._list)

    def __len__(self) -> int:
        return len(self._list)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Unit | None:
        """The unit of code ``code``, or None."""
        return self._by_code.get(code)

    def __getitem__(self, code: str) -> Unit:
        return self._by_code[code]

    def at_level(self, level: str) -> list[Unit]:
        """The units of ``level``, in file order."""
        return [u for u in self._list if u.level == level]

    def ancestors(self, code: str) -> list[Unit]:
        """The units above ``code``, nearest first (empty for a top unit or an unknown code)."""
        out: list[Unit] = []
        u = self._by_code.get(code)
        while u is not None and u.parent:
            u = self._by_code.get(u.parent)
            if u is None or u in out:
                break
            out.append(u)
        return out

    def descendants(self, code: str, level: str | None = None) -> list[Unit]:
        """Units below ``code`` (at ``level`` only, when given), in file order."""
        return [
            u
            for u in self._list
            if any(a.code == code for a in self.ancestors(u.code))
            and (level is None or u.level == level)
        ]

    def levels(self) -> list[str]:
        seen: dict[str, None] = {}
        for u in self._list:
            seen.setdefault(u.level, None)
        return list(seen)

    def match_name(self, text: str, level: str | None = None) -> tuple[Unit | None, list[Unit]]:
        """Find a unit by code or by name, diacritics and case aside.

        Returns ``(unit, [])`` on a unique match, else ``(None, closest candidates)``.
        """

        pool = [u for u in self._list if level is None or u.level == level]
        key = fold(text)
        if not key:
            return None, []
        exact = [u for u in pool if fold(u.code) == key or fold(u.name) == key]
        if len(exact) == 1:
            return exact[0], []
        if len(exact) > 1:
            return None, exact
        # "Tân Lập" matches "Xã Tân Lập"
        stripped = [u for u in pool if _strip_prefix(fold(u.name)) == _strip_prefix(key)]
        if len(stripped) == 1:
            return stripped[0], []
        if len(stripped) > 1:
            return None, stripped
        names = {fold(u.name): u for u in pool}
        close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.5)
        return None, [names[n] for n in close]


_PREFIXES = (
    "xa ",
    "phuong ",
    "thi tran ",
    "huyen ",
    "quan ",
    "thi xa ",
    "thanh pho ",
    "tinh ",
    "ubnd ",
    "uy ban nhan dan ",
)


def _strip_prefix(s: str) -> str:
    changed = True
    while changed:
        changed = False
        for p in _PREFIXES:
            if s.startswith(p):
                s = s[len(p) :]
                changed = True
    return s


def fold(text: str) -> str:
    """Lower-case ASCII with diacritics removed and spaces collapsed (``Đ`` → ``d``)."""
    s = unicodedata.normalize("NFD", str(text).replace("Đ", "D").replace("đ", "d"))
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return " ".join(s.casefold().split())


def slugify(text: str) -> str:
    """ASCII slug for file names: ``Xã Tân Lập`` → ``xa_tan_lap``."""
    out = []
    for ch in fold(text):
        out.append(ch if ch.isascii() and ch.isalnum() else "_")
    slug = "_".join(p for p in "".join(out).split("_") if p)
    return slug or "don_vi"


def load_units(path: str | os.PathLike[str], levels: Iterable[str] | Any | None = None) -> Units:
    """Load a units file; raise :class:`~cchc_xlsx.errors.UnitsError` listing every
    problem with its line.

    The file is ``code,name,level,parent`` (UTF-8 with or without BOM; comma or
    semicolon separated, as Excel saves "CSV" in a Vietnamese locale). One
    register serves every form: units at levels a catalogue does not use are
    kept and simply not addressed by that form. ``levels`` (level codes, or a
    :class:`~cchc_xlsx.catalog.model.Catalog`) adds level codes to the standard ones
    (``xa``, ``huyen``, ``so``, ``tinh``); a unit at any other level is an error.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise UnitsError(
            [Problem(str(p), None, None, f"không đọc được tệp: {os_error_text(exc)}")]
        ) from exc
    return parse_units(raw, str(p), levels)


_DELIMITERS = (",", ";", "\t")


def _delimiter(header_line: str) -> str:
    """The separator of the header line: the one that splits it into the four column names."""
    for d in _DELIMITERS:
        if [h.strip().lower() for h in header_line.split(d)] in (HEADER, HEADER + OPTIONAL):
            return d
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _name_problem(text: str) -> str | None:
    hidden = hidden_characters(text) + [f"U+{ord(ch):04X}" for ch in "\t\n\r" if ch in text]
    if not hidden:
        return None
    return (
        f"có ký tự ẩn hoặc ký tự điều khiển ({', '.join(hidden)}), thường do dán từ phần mềm khác; "
        "hãy gõ lại ô này"
    )


def parse_units(
    raw: bytes, path: str = "<units>", levels: Iterable[str] | Any | None = None
) -> Units:
    """:func:`load_units` of a file's bytes (``path`` is used in messages)."""
    problems: list[Problem] = []

    def add(line: int | None, code: str | None, msg: str) -> None:
        problems.append(Problem(path, line, code, msg))

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnitsError(
            [
                Problem(
                    path,
                    None,
                    None,
                    "tệp không phải UTF-8. Trong Excel, hãy chọn Tệp › Lưu thành › kiểu “CSV UTF-8 (Comma delimited) (*.csv)” rồi dùng tệp mới",
                )
            ]
        ) from exc
    # NOTE: only CR, LF and CR LF end a line (str.splitlines also splits on
    # vertical tab, form feed, U+0085 and U+2028, which a pasted name may hold)
    lines = re.split(r"\r\n|\r|\n", text)
    header_at = None
    for i, text_line in enumerate(lines):
        if text_line.strip() and not text_line.lstrip().startswith("#"):
            header_at = i
            break
    if header_at is None:
        raise UnitsError(
            [Problem(path, None, None, "tệp trống; cần dòng tiêu đề code,name,level,parent")]
        )
    delimiter = _delimiter(lines[header_at])
    reader = csv.reader(io.StringIO("\n".join(lines[header_at:])), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    while len(header) > len(HEADER) and header[-1] == "":
        header.pop()  # NOTE: Excel adds empty columns ("code;name;level;parent;;") when a sheet had them
    width = len(header)
    if header not in (HEADER, HEADER + OPTIONAL):
        raise UnitsError(
            [
                Problem(
                    path,
                    header_at + 1,
                    None,
                    f"dòng tiêu đề phải là “{','.join(HEADER)}” (gặp “{delimiter.join(header)}”). "
                    "Dòng đầu tiên không bắt đầu bằng # phải ghi đúng bốn tên cột code, name, level, parent "
                    "(mã, tên, cấp, mã đơn vị cấp trên), có thể thêm cột thứ năm contact (người, số điện thoại "
                    "hoặc thư điện tử để nhắc nộp), phân cách bằng dấu phẩy hoặc dấu chấm phẩy",
                )
            ]
        )
    known_levels = set(LEVELS)
    if isinstance(levels, (str, os.PathLike)):
        raise TypeError(
            "levels: level codes or a Catalog (cchc_xlsx.load_units also takes a catalogue's path)"
        )
    if levels is not None:
        catalog_levels = getattr(levels, "levels", None)
        known_levels |= set(catalog_levels if catalog_levels is not None else levels)
    units: list[Unit] = []
    seen: dict[str, int] = {}
    for offset, rec in enumerate(reader, start=1):
        line = header_at + 1 + offset
        if not rec or all(not x.strip() for x in rec):
            continue
        if rec[0].lstrip().startswith("#"):
            continue
        while len(rec) > width and not rec[-1].strip():
            rec = rec[:-1]
        if width == 5 and len(rec) == 4:
            rec = [*rec, ""]  # no contact for this unit
        if len(rec) != width:
            add(
                line,
                None,
                f"cần {width} cột {delimiter.join(header)} (gặp {len(rec)})",
            )
            continue
        code, name, level, parent = (x.strip() for x in rec[:4])
        contact = rec[4].strip() if width == 5 else ""
        if not code:
            add(line, None, "thiếu mã đơn vị")
            continue
        bad = _name_problem(code) or _name_problem(parent)
        if bad:
            add(line, code, "mã đơn vị " + bad)
            continue
        if code in seen:
            add(line, code, f"mã đơn vị trùng với dòng {seen[code]}")
            continue
        seen[code] = line
        if not name:
            add(line, code, "thiếu tên đơn vị")
        elif _name_problem(name):
            add(line, code, "tên đơn vị " + str(_name_problem(name)))
        if level not in known_levels:
            add(
                line,
                code,
                f"cấp “{level}” không hợp lệ; dùng một trong {', '.join(sorted(known_levels))} (xa: xã, huyen: huyện, so: sở, ngành, tinh: tỉnh)",
            )
        if contact and _name_problem(contact):
            add(line, code, "cột contact " + str(_name_problem(contact)))
        units.append(Unit(code, name, level, parent or None, line, contact))
    by_code = {u.code: u for u in units}
    for u in units:
        if u.parent and u.parent not in by_code:
            add(u.line, u.code, f"đơn vị cấp trên “{u.parent}” không có trong tệp")
        if u.parent == u.code:
            add(u.line, u.code, "đơn vị là cấp trên của chính nó")
    # cycles
    for u in units:
        seen_chain = [u.code]
        cur = u
        while cur.parent and cur.parent in by_code and cur.parent != cur.code:
            if cur.parent in seen_chain:
                if cur.parent == u.code:
                    add(
                        u.line,
                        u.code,
                        "vòng lặp cấp trên: " + " → ".join(seen_chain + [cur.parent]),
                    )
                break
            seen_chain.append(cur.parent)
            cur = by_code[cur.parent]
    if problems:
        raise UnitsError(problems)
    return Units(units, path)
