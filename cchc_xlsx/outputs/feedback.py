"""The feedback round's outputs: a feedback workbook per unit with problems, and the reminder list."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cchc_xlsx.atomic import OutputSet, refuse_existing
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.errors import UsageError
from cchc_xlsx.history.deadlines import Deadlines
from cchc_xlsx.history.run import StoreArg
from cchc_xlsx.history.store import Version, existing_store
from cchc_xlsx.history.timeliness import PeriodStatus
from cchc_xlsx.periods import Period
from cchc_xlsx.units import slugify
from cchc_xlsx.write.feedback import feedback_workbook
from cchc_xlsx.write.identity import now_iso
from cchc_xlsx.write.reminders import reminder_text, reminder_workbook


@dataclass(frozen=True)
class FeedbackResult:
    """What :func:`feedback` wrote: ``workbooks`` (one per unit with problems,
    ``{unit code: path}``), the reminder list of the units without a usable
    return (``missing``: (code, name, state, contact); ``reminder_text`` and
    ``reminder_book``: its text and its workbook, None when nobody is missing),
    and ``not_written``: units whose return could not be given back, with why."""

    workbooks: dict[str, Path]
    missing: list[tuple[str, str, str, str]]
    reminder_text: Path | None
    reminder_book: Path | None
    not_written: dict[str, str] = field(default_factory=dict)


def write_feedback(
    store: StoreArg,
    period: Period | None,
    out: Path,
    cat: Catalog,
    *,
    unit: str | None,
    office: str | None,
    force: bool,
    password: str,
    deadlines: Deadlines | None = None,
) -> FeedbackResult:
    """:func:`cchc_xlsx.feedback` once its arguments are loaded."""
    from cchc_xlsx.history.timeliness import STATE_TEXT

    per = period

    assert per is not None
    if out.exists() and not out.is_dir():
        raise UsageError(f"“{out}” là một tệp, không phải thư mục.", option="out")
    pw = password
    with existing_store(store) as db:
        # every unit the store expects for the period (any register recorded) or has a file of
        by_unit: dict[str, list[Version]] = {}
        for ver in db.versions(per.code):
            if ver.unit:
                by_unit.setdefault(ver.unit, []).append(ver)
        everyone = db.expected_all(per.code)
        known = {c for c, _n in everyone}
        everyone += [(c, vs[0].unit_name or c) for c, vs in by_unit.items() if c not in known]
        status = db.status(per.code, expected=everyone, deadlines=deadlines)
        wanted: set[str] | None = None
        if unit is not None:
            under = db.expected(per.code, parent=unit)
            if under is not None:
                wanted = {c for c, _n in under}
            elif unit in by_unit:
                wanted = {unit}
            else:
                raise UsageError(
                    f"Kho lưu không có biểu kỳ {per.code} của đơn vị “{unit}”, cũng không có "
                    "danh sách đơn vị trực thuộc nó.",
                    option="unit",
                )
        plans: dict[str, tuple[Path, Version]] = {}
        not_written: dict[str, str] = {}
        missing: list[tuple[str, str, str, str]] = []
        contacts = db.contacts(per.code)
        for u in status.units:
            if wanted is not None and u.unit not in wanted:
                continue
            if (
                u.state in ("missing", "rejected", "conflict", "empty")
                and u.current is None
                or u.state == "empty"
            ):
                why = STATE_TEXT[u.state]
                if u.state == "rejected" and by_unit.get(u.unit):
                    last = db.return_of(by_unit[u.unit][-1].sha256)
                    first_error = next(
                        (i.message for i in last.issues if i.severity == "error"), ""
                    )
                    why += f" ({first_error})" if first_error else ""
                missing.append((u.unit, u.name, why, contacts.get(u.unit, "")))
            versions = by_unit.get(u.unit, [])
            v: Version | None = u.current or (versions[-1] if versions else None)
            if v is None or not (v.errors or v.warnings):
                continue
            if v.form_id != cat.id or v.form_version != cat.version:
                not_written[u.unit] = (
                    f"biểu của danh mục {v.form_id} phiên bản {v.form_version}, "
                    f"không phải {cat.id} phiên bản {cat.version} đang dùng"
                )
                continue
            level = v.unit_level or v.level or ""
            name = f"{per.code}_{level}_{u.unit}_{slugify(u.name)[:60]}_phan_hoi.xlsx"
            plans[u.unit] = (out / name, v)
        targets = [p for p, _v in plans.values()]
        label, due = per.label, status.deadline.strftime("%d/%m/%Y")
        text_path = out / f"nhac_nop_{per.code}.txt" if missing else None
        book_path = out / f"nhac_nop_{per.code}.xlsx" if missing else None
        refuse_existing(targets + [p for p in (text_path, book_path) if p is not None], force)
        out.mkdir(parents=True, exist_ok=True)
        with OutputSet() as outs:
            for code, (path, v) in list(plans.items()):
                ret = db.return_of(v.sha256)
                try:
                    data = feedback_workbook(
                        cat,
                        ret,
                        password=pw,
                        generated_at=now_iso(),
                        office=office,
                        unit_name=status_name(status, code),
                        unit_level=v.unit_level,
                    )
                except UsageError as exc:  # a return that does not say enough to be given back
                    not_written[code] = str(exc)
                    del plans[code]
                    continue
                outs.path(path).write_bytes(data)
            if text_path is not None and book_path is not None:
                outs.path(text_path).write_text(reminder_text(label, due, missing, office), "utf-8")
                outs.path(book_path).write_bytes(reminder_workbook(label, due, missing, pw))
            outs.commit()
    return FeedbackResult(
        {c: p for c, (p, _v) in plans.items()}, missing, text_path, book_path, not_written
    )


def status_name(status: PeriodStatus, code: str) -> str | None:
    """The name the status (the units register) gives a unit."""
    return next((u.name for u in status.units if u.unit == code), None)
