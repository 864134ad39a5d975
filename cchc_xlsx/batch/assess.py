"""Comparing what each file claims with what was expected (units, level,
period), marking duplicates and conflicts."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from cchc_xlsx.batch.discover import walk
from cchc_xlsx.batch.result import CheckResult, Expectation
from cchc_xlsx.batch.store import FileStore
from cchc_xlsx.batch.workers import read_packed
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.errors import UsageError
from cchc_xlsx.issues import Issue, IssueCode, issue
from cchc_xlsx.layout.a1 import a1
from cchc_xlsx.layout.form import UNIT_INPUT_CELL
from cchc_xlsx.periods import parse_period
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.units import fold
from cchc_xlsx.vocabulary import LEVELS, FileStatus


def read_batch(
    paths: Sequence[str | Path],
    catalog: Catalog,
    expect: Expectation,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    require_files: bool = False,
) -> CheckResult:
    """Find, read and assess every file of a batch. Each file's record goes to
    disk as it is read (:class:`FileStore`): nothing is kept per file here.

    ``require_files``: raise :class:`UsageError` before reading anything when
    the paths hold no file to read (an empty folder, or only lock and
    temporary files)."""
    if expect.period is not None:
        expect.period = parse_period(expect.period).code
    store = FileStore()
    for key, skipped in walk(paths, expect.outputs, expect.scratch):
        if store.note_path(key, to_read=skipped is None) and skipped is not None:
            store.add(skipped)
    if require_files and store.count_to_read() == 0:
        shown = ", ".join(f"“{p}”" for p in list(paths)[:5])
        found = len(store)
        what = (
            f"chỉ có {found} tệp tạm, tệp khóa hoặc kết quả của công cụ (được bỏ qua)"
            if found
            else "không có tệp nào"
        )
        store.close()
        raise UsageError(
            f"Không tìm thấy biểu nào để đọc trong {shown}: {what}. Hãy kiểm tra lại đường dẫn thư mục chứa các biểu nộp về.",
            option="paths",
        )
    for _i, packed in read_packed(
        store.to_read(), store.count_to_read(), catalog, workers=workers, progress=progress
    ):
        store.add_packed(packed)
    batch = CheckResult(files=store)
    assess(batch, catalog, expect)
    return batch


def assess(batch: CheckResult, catalog: Catalog, expect: Expectation) -> None:
    """Compare each file's identity with what is expected; mark duplicates."""
    files = batch.files
    # identical bytes: the first one (in path order) counts
    for _id, f, first in files.later_duplicates():
        f.status = "skipped"
        f.issues = [
            issue(
                IssueCode.DUPLICATE_FILE,
                f"Giống hệt tệp {os.path.basename(first)} đã đọc; chỉ tính một lần.",
            )
        ]
        f.values, f.notes, f.state = {}, {}, None
        files.save(f)
    # own outputs: a consolidated book of the consolidating unit itself
    if expect.unit:
        for _id, f in files.items(status="accepted", kind="consolidated", unit=expect.unit):
            if expect.level is None or f.unit_level != expect.level:
                _drop(
                    f,
                    "skipped",
                    issue(
                        IssueCode.OWN_OUTPUT,
                        "Biểu tổng hợp của chính đơn vị tổng hợp (kết quả lần chạy trước), không phải biểu nộp lên.",
                    ),
                )
                files.save(f)
    batch.level = expect.level or files.most_common("unit_level", status="accepted")
    batch.period = (
        None
        if expect.mixed_periods
        else expect.period or files.most_common("period", status="accepted")
    )
    # the form: the one the units of the expected level were issued with
    batch.form_level = files.most_common(
        "level", status="accepted", same=("unit_level", batch.level) if batch.level else None
    ) or files.most_common("level", status="accepted")
    if expect.level is not None and expect.level not in catalog.levels:
        raise UsageError(
            f"Cấp “{expect.level}” không có trong danh mục (có: {', '.join(catalog.levels)})."
        )
    expected = (
        expect.expected_units()
        if expect.level
        else (
            [
                u.code
                for u in (
                    expect.units.descendants(expect.unit, batch.level)
                    if expect.unit
                    else expect.units.at_level(batch.level)
                )
            ]
            if expect.units is not None and batch.level
            else None
        )
    )
    if expect.unit and expect.units is not None and expect.unit not in expect.units:
        raise UsageError(
            f"Đơn vị tổng hợp “{expect.unit}” không có trong tệp đơn vị {expect.units.path}."
        )
    batch.expected = expected
    expected_set = frozenset(expected) if expected is not None else None
    for _id, f in files.items(status="accepted"):
        before = (f.status, len(f.issues), f.unit, f.period)
        _settle(f, batch, expect, expected_set)
        if (f.status, len(f.issues), f.unit, f.period) != before:
            files.save(f)


def _settle(
    f: FileResult, batch: CheckResult, expect: Expectation, expected: frozenset[str] | None
) -> None:
    """One accepted file against the batch's period, form and units."""
    if f.period is None and batch.period:
        f.period = batch.period
        f.issues.append(
            issue(
                IssueCode.METADATA_MISSING,
                f"Không xác định được kỳ báo cáo trong tệp; coi là kỳ {batch.period}.",
                severity="warning",
            )
        )
    if batch.period and f.period != batch.period:
        _drop(
            f,
            "rejected",
            issue(
                IssueCode.WRONG_PERIOD,
                f"Biểu của kỳ {_period_label(f.period)}, còn đang xử lý kỳ {_period_label(batch.period)}; hãy gửi biểu đúng kỳ.",
            ),
        )
        return
    if batch.form_level and f.level != batch.form_level:
        _drop(
            f,
            "rejected",
            issue(
                IssueCode.WRONG_LEVEL,
                f"Biểu mẫu {_level(f.level)} khác với biểu mẫu của các tệp còn lại ({_level(batch.form_level)}).",
            ),
        )
        return
    if batch.level and f.unit_level and f.unit_level != batch.level:
        _drop(
            f,
            "rejected",
            issue(
                IssueCode.WRONG_LEVEL,
                f"Biểu của đơn vị {_level(f.unit_level)}, còn đang tổng hợp các đơn vị {_level(batch.level)}.",
            ),
        )
        return
    _attribute(f, expect, batch.level, expected)


def _attribute(
    f: FileResult, expect: Expectation, level: str | None, expected: frozenset[str] | None
) -> None:
    units = expect.units
    if f.unit is None:
        if units is None:
            if f.unit_name:
                f.issues.append(
                    issue(
                        IssueCode.UNIT_UNKNOWN,
                        f"Biểu ghi đơn vị “{f.unit_name}”; cần tệp danh sách đơn vị để xác định mã đơn vị.",
                        severity="warning",
                    )
                )
            else:
                f.issues.append(
                    issue(
                        IssueCode.UNIT_UNKNOWN, "Biểu không ghi đơn vị báo cáo.", severity="warning"
                    )
                )
            return
        if not f.unit_name:
            _drop(
                f,
                "rejected",
                issue(
                    IssueCode.UNIT_UNKNOWN,
                    "Biểu không ghi tên đơn vị báo cáo (ô B1 để trống); hãy chọn hoặc gõ tên đơn vị rồi gửi lại.",
                    cell=a1(*UNIT_INPUT_CELL),
                ),
            )
            return
        unit, close = units.match_name(f.unit_name, level)
        for hint in f.unit_hints if unit is None else ():
            unit, _near = units.match_name(hint, level)
            if unit is not None:
                break
        if unit is None:
            near = (
                "; gần giống: " + ", ".join(f"{u.name} ({u.code})" for u in close) if close else ""
            )
            what = (
                "trùng với nhiều đơn vị"
                if close and len(close) > 1 and all(_same(u.name, close[0].name) for u in close)
                else "không có trong danh sách đơn vị"
            )
            _drop(
                f,
                "rejected",
                issue(
                    IssueCode.UNIT_UNKNOWN,
                    f"Tên đơn vị “{f.unit_name}” {what}{near}.",
                    cell=a1(*UNIT_INPUT_CELL),
                ),
            )
            return
        f.unit = unit.code
        f.issues.append(
            issue(
                IssueCode.UNIT_UNKNOWN,
                f"Đơn vị “{f.unit_name}” được xác định là {unit.name} ({unit.code}).",
                severity="info",
            )
        )
    if units is not None:
        u = units.get(f.unit)
        if u is None:
            _drop(
                f,
                "rejected",
                issue(
                    IssueCode.UNIT_UNEXPECTED,
                    f"Mã đơn vị “{f.unit}” của biểu không có trong danh sách đơn vị.",
                ),
            )
            return
        if expected is not None and f.unit not in expected:
            scope = (
                f" thuộc {units[expect.unit].name}" if expect.unit and expect.unit in units else ""
            )
            _drop(
                f,
                "rejected",
                issue(
                    IssueCode.UNIT_UNEXPECTED,
                    f"{u.name} ({u.code}) không thuộc các đơn vị {_level(level)}{scope} đang tổng hợp.",
                ),
            )
            return


def mark_conflicts(batch: CheckResult) -> list[str]:
    """Units with more than one accepted (different) file: each file gets an error. Returns the codes."""
    out = batch.files.units_with_several()
    for code in out:
        files = list(batch.files.items(status="accepted", unit=code))
        names = ", ".join(os.path.basename(f.path) for _id, f in files)
        for _id, f in files:
            f.issues.append(
                issue(
                    IssueCode.UNIT_CONFLICT,
                    f"Đơn vị {code} có {len(files)} tệp khác nhau ({names}); khi tổng hợp sẽ không cộng tệp nào, trừ khi chọn tệp cần dùng (lựa chọn prefer: tên tệp đó, hoặc latest để lấy tệp mới nhất).",
                )
            )
            batch.files.save(f)
    return out


def _same(a: str, b: str) -> bool:

    return fold(a) == fold(b)


def _drop(f: FileResult, status: FileStatus, why: Issue) -> None:
    f.status = status
    f.issues.append(why)
    f.values, f.state = {}, None


def _level(code: str | None) -> str:
    """``cấp xã (xa)``: a level as a message names it."""
    return f"{LEVELS.get(code, code)} ({code})" if code else "không rõ cấp"


def _period_label(code: str | None) -> str:
    if not code:
        return "không rõ"
    try:
        return parse_period(code).label
    except ValueError:
        return code


def single_period(batch: CheckResult) -> None:
    """Refuse a batch of returns of several periods when none was named: which
    one is being consolidated must not be a guess."""
    periods = batch.files.counts_of("period", status=("accepted", "rejected"))
    if len(periods) > 1:

        def label(code: str) -> str:
            try:
                return parse_period(code).label
            except ValueError:
                return code

        shown = ", ".join(f"{label(p)}: {n} tệp" for p, n in periods.most_common())
        raise UsageError(
            f"Các biểu nộp về thuộc nhiều kỳ báo cáo khác nhau ({shown}); hãy nêu rõ kỳ báo cáo cần tổng hợp.",
            option="period",
        )
