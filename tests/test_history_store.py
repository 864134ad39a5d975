"""The history store: a quarter played out over several runs, resubmissions, deadlines,
idempotent and transactional recording, concurrent writers, schema versions, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import cchc_xlsx as cx
from cchc_xlsx.cli import main
from cchc_xlsx.errors import StoreError, UsageError
from cchc_xlsx.history.deadlines import Deadlines, DueRule, days_late, load_deadlines
from cchc_xlsx.history.schema import SCHEMA_VERSION
from cchc_xlsx.history.store import Store
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.testing import fill_template

PERIOD = "2024-Q1"
UNITS = textwrap.dedent(
    """\
    code,name,level,parent,contact
    H01,Huyện Chợ Đồn,huyen,
    X01,Xã Một,xa,H01,
    X02,Xã Hai,xa,H01,
    X03,Xã Ba,xa,H01,"Chị Lan, 0912 345 678"
    X04,Xã Bốn,xa,H01
    """
)
# a return that breaks no rule; 1.2.1 varies per version
BASE: dict[str, Any] = {"1.1": 2, "1.2.1": 40, "1.2.2": 10, "1.6": "Có"}


@pytest.fixture
def office(tmp_path: Path) -> dict[str, Any]:
    catalog = cx.load_catalog()
    units_path = tmp_path / "units.csv"
    units_path.write_text(UNITS, "utf-8")
    units = cx.load_units(units_path, catalog)
    files = cx.generate(catalog, "xa", PERIOD, tmp_path / "mau", units)
    templates = {f.unit.code: f.path.read_bytes() for f in files if f.unit is not None}
    layout = build_layout(catalog, "xa")

    def send(code: str, folder: str, name: str | None = None, **values: Any) -> Path:
        dest = tmp_path / folder
        dest.mkdir(parents=True, exist_ok=True)
        path = dest / (name or f"{PERIOD}_xa_{code}.xlsx")
        v = dict(BASE)
        v.update({k.replace("_", "."): x for k, x in values.items()})
        path.write_bytes(fill_template(templates[code], layout, v))
        return path

    return {"catalog": catalog, "units": units, "send": send, "dir": tmp_path, "store": tmp_path / "kho.sqlite"}


def _consolidate(office: dict[str, Any], paths: list[Path], out: str, **kw: Any) -> cx.Consolidation:
    return cx.consolidate(
        paths,
        office["catalog"],
        office["dir"] / out,
        level="xa",
        period=PERIOD,
        units=office["units"],
        unit="H01",
        store=office["store"],
        json_path=office["dir"] / (out + ".json"),
        **kw,
    )


def _dump(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def test_a_quarter_played_out_over_several_runs(office: dict[str, Any]) -> None:
    send = office["send"]
    # run 1, 12/3: X01 and X02 on time; X03 sends a file of another period (rejected)
    a = send("X01", "dot1", **{"1_2_1": 40})
    b = send("X02", "dot1", **{"1_2_1": 30})
    r1 = _consolidate(office, [office["dir"] / "dot1"], "th1.xlsx", received_at="2024-03-12")
    assert r1.totals["1.2.1"] == 70
    tl = r1.timeliness
    assert tl is not None and tl.deadline == dt.date(2024, 3, 15)
    assert (tl.expected, tl.received, tl.count("on_time"), tl.count("missing")) == (4, 2, 2, 2)
    assert tl.reporting_rate == 50.0 and tl.on_time_rate == 50.0

    # run 2, 20/3: X01 corrects its return (version 2), X03 sends late, X04 still missing
    a2 = send("X01", "dot2", **{"1_2_1": 45})
    send("X03", "dot2", **{"1_2_1": 20})
    r2 = _consolidate(office, [office["dir"] / "dot1", office["dir"] / "dot2"], "th2.xlsx", received_at="2024-03-20")
    assert r2.totals["1.2.1"] == 45 + 30 + 20  # the old X01 is superseded, not added
    old = next(f for f in r2.batch.files.iter() if f.path == str(a))
    assert old.status == "skipped" and [i.code for i in old.issues] == [cx.IssueCode.SUPERSEDED]
    tl = r2.timeliness
    assert tl is not None
    by = {u.unit: u for u in tl.units}
    assert by["X01"].state == "on_time" and by["X01"].versions == 2 and by["X01"].superseded == 1
    assert by["X03"].state == "late" and by["X03"].days_late == 5
    assert by["X04"].state == "missing"
    assert tl.reporting_rate == 75.0 and tl.on_time_rate == 50.0

    # run 3, 22/3: a second correction of X01, given alone: the store still knows X02 and X03
    a3 = send("X01", "dot3", **{"1_2_1": 47})
    r3 = _consolidate(
        office,
        [office["dir"] / d for d in ("dot1", "dot2", "dot3")],
        "th3.xlsx",
        received_at="2024-03-22",
    )
    assert r3.totals["1.2.1"] == 47 + 30 + 20
    with Store(office["store"]) as store:
        versions = store.versions(PERIOD, "X01")
        assert [(v.number, v.current) for v in versions] == [(1, False), (2, False), (3, True)]
        assert [Path(v.path).name for v in versions] == [a.name, a2.name, a3.name]
        # the appendix names the versions it used
        last = store.appendices(PERIOD)[-1]
        assert Path(last["path"]).name == "th3.xlsx"
        assert last["sources"]["X01"] == versions[2].sha256
        assert set(last["sources"]) == {"X01", "X02", "X03"}
        assert store.current(PERIOD)["X02"].path == str(b)
        assert [row[3] for row in store.history(units=["X01"], codes=["1.2.1"])] == [47]
    # the status sheet and the JSON report say the same
    report = json.loads((office["dir"] / "th3.xlsx.json").read_text("utf-8"))
    assert report["timeliness"]["late"] == 1 and report["timeliness"]["missing"] == 1
    ws = openpyxl.load_workbook(office["dir"] / "th3.xlsx")["Tình hình nộp báo cáo"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True) if r[1]}
    assert rows["X03"][12] == "trễ 5 ngày" and rows["X01"][13] == 3
    assert rows["X04"][12] == "chưa nộp"


def test_a_file_seen_before_keeps_its_first_record(office: dict[str, Any]) -> None:
    send = office["send"]
    send("X01", "dot1")
    send("X02", "dot1")
    kw = dict(level="xa", period=PERIOD, units=office["units"], unit="H01", store=office["store"])
    cx.check(office["dir"] / "dot1", office["catalog"], received_at="2024-03-10", **kw)
    before = _dump(office["store"])
    cx.check(office["dir"] / "dot1", office["catalog"], **kw)  # today: changes nothing
    assert _dump(office["store"]) == before
    with Store(office["store"]) as store:
        assert {v.received_at[:10] for v in store.versions(PERIOD)} == {"2024-03-10"}


def test_versions_received_together_are_a_conflict_until_one_is_preferred(office: dict[str, Any]) -> None:
    send = office["send"]
    send("X01", "dot1", name="ban_a.xlsx", **{"1_2_1": 40})
    chosen = send("X01", "dot1", name="ban_b.xlsx", **{"1_2_1": 41})
    r = _consolidate(office, [office["dir"] / "dot1"], "th.xlsx")
    assert r.conflicting_units == ["X01"] and "1.2.1" not in r.totals
    r = _consolidate(office, [office["dir"] / "dot1"], "th2.xlsx", prefer=chosen)
    assert r.conflicting_units == [] and r.totals["1.2.1"] == 41
    # the choice is kept: the next run without it adds the same version
    r = _consolidate(office, [office["dir"] / "dot1"], "th3.xlsx")
    assert r.totals["1.2.1"] == 41


def test_an_older_version_given_alone_is_added_with_a_warning(office: dict[str, Any]) -> None:
    send = office["send"]
    old = send("X01", "dot1", **{"1_2_1": 40})
    send("X01", "dot2", **{"1_2_1": 45})
    _consolidate(office, [office["dir"] / "dot1"], "a.xlsx", received_at="2024-03-10")
    _consolidate(office, [office["dir"] / "dot2"], "b.xlsx", received_at="2024-03-11")
    r = _consolidate(office, [old], "c.xlsx")
    assert r.totals["1.2.1"] == 40
    f = next(iter(r.batch.files.iter()))
    assert cx.IssueCode.NEWER_VERSION_RECORDED in [i.code for i in f.issues]


def test_an_interrupted_run_leaves_the_store_as_it_was(office: dict[str, Any]) -> None:
    send = office["send"]
    send("X01", "dot1")
    _consolidate(office, [office["dir"] / "dot1"], "a.xlsx")
    before = _dump(office["store"])
    send("X02", "dot2")
    calls = 0

    def interrupt(done: int, total: int) -> None:
        nonlocal calls
        calls += 1
        if done >= 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _consolidate(office, [office["dir"] / "dot1", office["dir"] / "dot2"], "b.xlsx", progress=interrupt)
    assert calls and _dump(office["store"]) == before
    assert not (office["dir"] / "b.xlsx").exists()


def test_a_killed_process_leaves_the_store_consistent(office: dict[str, Any]) -> None:
    send = office["send"]
    send("X01", "dot1")
    _consolidate(office, [office["dir"] / "dot1"], "a.xlsx")
    before = _dump(office["store"])
    send("X02", "dot2")
    script = textwrap.dedent(
        f"""
        import os, signal
        import cchc_xlsx as cx
        from cchc_xlsx.history.store import Store
        store = Store({str(office['store'])!r})
        store.begin()
        result = cx.check({str(office['dir'] / 'dot2')!r}, level="xa", period="{PERIOD}")
        store.record(result)
        os.kill(os.getpid(), signal.SIGKILL)  # no commit, no clean-up
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()
    with Store(office["store"]) as store:  # opening rolls the hot journal back
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _dump(office["store"]) == before


def test_a_second_writer_waits_then_stops_with_a_clear_message(office: dict[str, Any]) -> None:
    send = office["send"]
    send("X01", "dot1")
    first = Store(office["store"])
    first.begin()  # a run in progress holds the write lock
    try:
        with pytest.raises(StoreError, match="đang được một lần chạy khác ghi"):
            second = Store(office["store"], timeout=0.2)
            try:
                second.begin()
            finally:
                second.close()
    finally:
        first.commit()
        first.close()


def test_concurrent_writers_take_turns(office: dict[str, Any]) -> None:
    send = office["send"]
    for code in ("X01", "X02", "X03", "X04"):
        send(code, f"dot_{code}")
    script = textwrap.dedent(
        """
        import sys
        import cchc_xlsx as cx
        cx.check(sys.argv[1], level="xa", period="2024-Q1", store=sys.argv[2])
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(office["dir"] / f"dot_{c}"), str(office["store"])])
        for c in ("X01", "X02", "X03", "X04")
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0, 0]
    with Store(office["store"]) as store:
        assert sorted(store.current(PERIOD)) == ["X01", "X02", "X03", "X04"]
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_schema_version_and_foreign_files(tmp_path: Path) -> None:
    with Store(tmp_path / "a.sqlite") as store:
        assert store.schema_version == SCHEMA_VERSION
    newer = tmp_path / "newer.sqlite"
    Store(newer).close()
    con = sqlite3.connect(newer)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(StoreError, match="phiên bản mới hơn"):
        Store(newer)
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.close()
    with pytest.raises(StoreError, match="không phải kho lưu"):
        Store(other)
    text = tmp_path / "notes.sqlite"
    text.write_text("không phải cơ sở dữ liệu " * 100, "utf-8")
    with pytest.raises(StoreError, match="không phải kho lưu"):
        Store(text)
    assert text.read_text("utf-8").startswith("không phải")  # never overwritten
    with pytest.raises(StoreError, match="Chưa có kho lưu"):
        Store(tmp_path / "missing.sqlite", create=False)


def test_deadlines_default_file_and_lateness(tmp_path: Path) -> None:
    d = Deadlines()
    assert d.due("2024-Q1") == dt.date(2024, 3, 15)
    assert d.due("2024") == dt.date(2024, 12, 15)
    assert days_late("2024-03-15T16:59:00+00:00", dt.date(2024, 3, 15)) == 0  # 23:59 in Vietnam
    assert days_late("2024-03-15T17:00:00+00:00", dt.date(2024, 3, 15)) == 1  # 00:00 on the 16th
    path = tmp_path / "han.yaml"
    path.write_text(
        "default: {day: 31, months_after: 1}\nlevels:\n  huyen: {day: 12}\n"
        "periods:\n  2024-Q1: 2024-03-08\n  2024-H1: {xa: 2024-06-08}\n",
        "utf-8",
    )
    rules = load_deadlines(path)
    assert rules.due("2024-Q1", "xa") == dt.date(2024, 3, 8)
    assert rules.due("2024-H1", "xa") == dt.date(2024, 6, 8)
    assert rules.due("2024-H1", "huyen") == dt.date(2024, 6, 12)
    assert rules.due("2024-Q2", "xa") == dt.date(2024, 7, 31)
    assert rules.due("2024-Q1", "xa") == DueRule(8).due(cx.parse_period("2024-Q1"))
    path.write_text("default: {day: 40}\nperiods:\n  2024-Q5: 2024-03-08\n  2024-Q2: 8/6/2024\n", "utf-8")
    with pytest.raises(UsageError) as exc:
        load_deadlines(path)
    text = str(exc.value)
    assert "default.day" in text and "2024-Q5" in text and "8/6/2024" in text


def test_cli_status_history_and_recording(office: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    send = office["send"]
    send("X01", "dot1", **{"1_2_1": 40})
    send("X02", "dot1", **{"1_2_1": 30})
    units = str(office["dir"] / "units.csv")
    store = str(office["store"])
    out = str(office["dir"] / "th.xlsx")
    common = ["--level", "xa", "--period", PERIOD, "--units", units, "--unit", "H01", "--store", store]
    assert main(["consolidate", str(office["dir"] / "dot1"), "--out", out, *common, "--received-at", "2024-03-18"]) == 1
    text = capsys.readouterr().out
    assert "tỷ lệ báo cáo 50,0 %, đúng hạn 0,0 %" in text and "Nộp trễ 3 ngày: Xã Một (X01)" in text
    assert main(["status", "--store", store, "--period", PERIOD]) == 0
    text = capsys.readouterr().out
    assert "Đã nộp 2/4" in text and "trễ 3 ngày" in text and "chưa nộp" in text
    assert main(["status", "--store", store, "--period", PERIOD, "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["late"] == 2 and data["missing"] == 2 and data["reporting_rate"] == 50.0
    assert main(["history", "--store", store, "--code", "1.2.1", "--csv", "-"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "period,unit,code,value,sha256"
    assert [ln.split(",")[:4] for ln in lines[1:]] == [[PERIOD, "X01", "1.2.1", "40"], [PERIOD, "X02", "1.2.1", "30"]]
    assert main(["history", "--store", store, "--versions", "--unit", "X02"]) == 0
    assert "bản 1  đang dùng" in capsys.readouterr().out
    # mistakes: exit 2, a Vietnamese message, nothing created
    missing = str(office["dir"] / "khong_co.sqlite")
    assert main(["status", "--store", missing, "--period", PERIOD]) == 2
    assert "Chưa có kho lưu" in capsys.readouterr().err and not os.path.exists(missing)
    assert main(["check", str(office["dir"] / "dot1"), "--received-at", "10/3/2024", "--store", store]) == 2
    assert "--received-at" in capsys.readouterr().err


def test_feedback_workbook_corrected_with_openpyxl_supersedes_the_return(office: dict[str, Any]) -> None:
    send, d = office["send"], office["dir"]
    send("X01", "dot1", **{"1_2_1": 10, "1_2_2": 50})  # more tasks done than planned: an error
    send("X02", "dot1", **{"1_2_1": 30, "1_2_2": 20})
    # X04 sends the next quarter's form: rejected, so still missing for this one
    q2 = cx.generate(office["catalog"], "xa", "2024-Q2", d / "mau_q2", office["units"])
    x04 = next(f.path for f in q2 if f.unit is not None and f.unit.code == "X04")
    (d / "dot1" / "X04_quy2.xlsx").write_bytes(
        fill_template(x04.read_bytes(), build_layout(office["catalog"], "xa"), BASE)
    )
    r1 = _consolidate(office, [d / "dot1"], "th1.xlsx", received_at="2024-03-12")
    assert r1.totals["1.2.2"] == 70 and r1.flagged_totals["1.2.2"] == ["X01"]
    assert [f.status for f in r1.batch.files.iter() if f.path.endswith("X04_quy2.xlsx")] == ["rejected"]

    result = cx.feedback(office["store"], PERIOD, d / "phan_hoi", office["catalog"], office="UBND huyện Chợ Đồn")
    assert sorted(result.workbooks) == ["X01"]
    assert [m[0] for m in result.missing] == ["X03", "X04"]
    assert result.reminder_text is not None and result.reminder_book is not None
    text = result.reminder_text.read_text("utf-8")
    assert "Xã Ba (X03): chưa nộp — liên hệ: Chị Lan, 0912 345 678" in text
    assert "Xã Bốn (X04): chưa nộp\n" in text and "15/03/2024" in text
    assert openpyxl.load_workbook(result.reminder_book)["Nhắc nộp"]["C4"].value == "Xã Ba"
    # nothing is overwritten without force
    with pytest.raises(cx.OutputExistsError):
        cx.feedback(office["store"], PERIOD, d / "phan_hoi", office["catalog"])

    # the commune corrects the highlighted cell (with openpyxl) and sends the workbook back on 16/3
    book = openpyxl.load_workbook(result.workbooks["X01"])
    assert book.sheetnames[0] == "Phản hồi"
    layout = build_layout(office["catalog"], "xa")
    row = next(rl for rl in layout.rows if rl.code == "1.2.2")
    sheet = book[layout.sheets[row.sheet].name]
    cell = sheet.cell(row.r + 1, 4)
    assert cell.value == 50 and cell.comment is not None
    cell.value = 8
    (d / "dot2").mkdir()
    book.save(d / "dot2" / "X01_da_sua.xlsx")
    r2 = _consolidate(office, [d / "dot1", d / "dot2"], "th2.xlsx", received_at="2024-03-16")
    corrected = next(f for f in r2.batch.files.iter() if f.path.endswith("X01_da_sua.xlsx"))
    assert corrected.status == "accepted" and corrected.errors == 0, corrected.issues
    assert r2.totals["1.2.2"] == 8 + 20 and r2.flagged_totals == {}
    tl = r2.timeliness
    assert tl is not None
    x01 = next(u for u in tl.units if u.unit == "X01")
    assert (x01.state, x01.versions, x01.superseded) == ("on_time", 2, 1)  # on time: its first return was
    # no more feedback due for X01: the next round only reminds the missing
    again = cx.feedback(office["store"], PERIOD, d / "phan_hoi_2", office["catalog"])
    assert again.workbooks == {} and [m[0] for m in again.missing] == ["X03", "X04"]
    # X04's file was another quarter's, not a bad return: it counts when that quarter comes
    cx.check(d / "dot1" / "X04_quy2.xlsx", office["catalog"], level="xa", period="2024-Q2", store=office["store"])
    with Store(office["store"]) as store:
        assert [(v.unit, v.status, v.current) for v in store.versions("2024-Q2")] == [("X04", "accepted", True)]


def test_cli_feedback(office: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    send, d = office["send"], office["dir"]
    send("X01", "dot1", **{"1_2_1": 10, "1_2_2": 50})
    send("X02", "dot1")
    units, store = str(d / "units.csv"), str(office["store"])
    args = ["--level", "xa", "--period", PERIOD, "--units", units, "--unit", "H01", "--store", store]
    assert main(["check", str(d / "dot1"), *args]) == 1
    capsys.readouterr()
    out = d / "phan_hoi"
    assert main(["feedback", "--store", store, "--period", PERIOD, "--out", str(out), "--unit", "H01"]) == 0
    text = capsys.readouterr().out
    assert "Phiếu phản hồi cho X01" in text and "2 đơn vị chưa có biểu dùng được" in text
    assert "2. Xã Bốn (X04): chưa nộp" in text
    assert sorted(p.name for p in out.iterdir()) == [
        f"{PERIOD}_xa_X01_xa_mot_phan_hoi.xlsx", f"nhac_nop_{PERIOD}.txt", f"nhac_nop_{PERIOD}.xlsx"
    ]
    # again: nothing is overwritten; an unknown unit is named
    assert main(["feedback", "--store", store, "--period", PERIOD, "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["feedback", "--store", store, "--period", PERIOD, "--out", str(out), "--unit", "X99"]) == 2
    assert "“X99”" in capsys.readouterr().err


def test_a_district_appendix_is_recorded_as_the_district_s_return(office: dict[str, Any]) -> None:
    send, d = office["send"], office["dir"]
    send("X01", "dot1")
    send("X02", "dot1", **{"1_2_1": 10, "1_2_2": 50})
    _consolidate(office, [d / "dot1"], "H01.xlsx", received_at="2024-03-12")
    up = cx.consolidate(
        d / "H01.xlsx", office["catalog"], d / "tinh.xlsx", level="huyen", period=PERIOD,
        units=office["units"], store=office["store"], received_at="2024-03-14",
    )  # fmt: skip
    tl = up.timeliness
    assert tl is not None and [(u.unit, u.state) for u in tl.units] == [("H01", "on_time")]
    result = cx.feedback(office["store"], PERIOD, d / "phan_hoi", office["catalog"])
    # the district's appendix includes X02's error: the district gets it back under its own level
    assert sorted(p.name for p in result.workbooks.values()) == [
        f"{PERIOD}_huyen_H01_huyen_cho_don_phan_hoi.xlsx", f"{PERIOD}_xa_X02_xa_hai_phan_hoi.xlsx"
    ]
    # --unit H01: the units under it (its communes)
    under = cx.feedback(office["store"], PERIOD, d / "phan_hoi_2", office["catalog"], unit="H01")
    assert sorted(under.workbooks) == ["X02"]


# --------------------------------------------------------------------------- found by a fresh-eyes review


def test_outputs_never_overwrite_the_store_or_an_input(office: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    send, d = office["send"], office["dir"]
    send("X01", "dot1")
    store = str(office["store"])
    _consolidate(office, [d / "dot1"], "a.xlsx")
    before = _dump(office["store"])
    assert main(["history", "--store", store, "--csv", store]) == 2
    assert main(["status", "--store", store, "--period", PERIOD, "--json", store, "--force"]) == 2
    assert main(["check", str(d / "dot1"), "--store", store, "--json", store, "--force"]) == 2
    assert main(["consolidate", str(d / "dot1"), "--store", store, "--out", str(d / "b.xlsx"), "--csv", store]) == 2
    assert _dump(office["store"]) == before
    units = str(d / "units.csv")
    assert main(["status", "--store", store, "--period", PERIOD, "--units", units, "--level", "xa", "--json", units]) == 2
    assert (d / "units.csv").read_text("utf-8") == UNITS
    (d / "r.json").write_text("{}", "utf-8")
    assert main(["status", "--store", store, "--period", PERIOD, "--json", str(d / "r.json")]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["status", "--store", store, "--period", PERIOD, "--json", str(d / "r.json"), "--force"]) == 0
    # the store found among the returns is this tool's own file, not a rejected return
    (d / "dot1" / "kho.sqlite").write_bytes(office["store"].read_bytes())
    r = cx.check(d / "dot1", office["catalog"], level="xa", period=PERIOD)
    own = [f for f in r.files.iter() if f.path.endswith("kho.sqlite")]
    assert [(f.status, [i.code for i in f.issues]) for f in own] == [("skipped", [cx.IssueCode.OWN_OUTPUT])]


def test_a_resaved_copy_of_an_old_version_does_not_replace_the_correction(office: dict[str, Any]) -> None:
    send, d = office["send"], office["dir"]
    send("X01", "dot1", **{"1_2_1": 40})
    _consolidate(office, [d / "dot1"], "a.xlsx", received_at="2024-03-10")
    send("X01", "dot2", **{"1_2_1": 45})
    _consolidate(office, [d / "dot1", d / "dot2"], "b.xlsx", received_at="2024-03-12")
    # the old file saved again by a spreadsheet program: other bytes, the same figures
    other = cx.generate(office["catalog"], "xa", PERIOD, d / "mau2", office["units"], generated_at="2024-03-13T08:00:00+07:00")
    template = next(f.path for f in other if f.unit is not None and f.unit.code == "X01").read_bytes()
    v = dict(BASE)
    v["1.2.1"] = 40
    (d / "dot3").mkdir()
    (d / "dot3" / "X01_v1_luu_lai.xlsx").write_bytes(fill_template(template, build_layout(office["catalog"], "xa"), v))
    r = _consolidate(office, [d / "dot1", d / "dot2", d / "dot3"], "c.xlsx", received_at="2024-03-14")
    assert r.totals["1.2.1"] == 45
    with Store(office["store"]) as store:
        versions = store.versions(PERIOD, "X01")
    assert [(v.number, v.current, v.same_as) for v in versions] == [(1, False, None), (2, True, None), (3, False, 1)]


def test_same_received_date_in_two_runs_the_later_run_wins(office: dict[str, Any]) -> None:
    send, d = office["send"], office["dir"]
    kw: dict[str, Any] = dict(level="xa", period=PERIOD, store=office["store"], received_at="2024-03-14")
    send("X01", "dot1", **{"1_2_1": 40})
    cx.check(d / "dot1", office["catalog"], **kw)
    send("X01", "dot2", **{"1_2_1": 41})
    cx.check(d / "dot2", office["catalog"], **kw)
    with Store(office["store"]) as store:
        assert [v.current for v in store.versions(PERIOD, "X01")] == [False, True]


def test_a_preference_holds_until_a_newer_return_arrives(office: dict[str, Any]) -> None:
    send, d = office["send"], office["dir"]
    send("X01", "dot1", name="a.xlsx", **{"1_2_1": 40})
    b = send("X01", "dot1", name="b.xlsx", **{"1_2_1": 41})
    assert _consolidate(office, [d / "dot1"], "1.xlsx", prefer=b).totals["1.2.1"] == 41
    assert _consolidate(office, [d / "dot1"], "2.xlsx").totals["1.2.1"] == 41
    send("X01", "dot2", name="c_sua.xlsx", **{"1_2_1": 47})
    r = _consolidate(office, [d / "dot1", d / "dot2"], "3.xlsx")
    assert r.totals["1.2.1"] == 47


def test_a_blank_return_does_not_count_as_received(office: dict[str, Any]) -> None:
    d = office["dir"]
    blank = d / "dot1" / "X01_trong.xlsx"
    blank.parent.mkdir()
    blank.write_bytes((d / "mau" / next(p.name for p in (d / "mau").iterdir() if "_X01_" in p.name)).read_bytes())
    _consolidate(office, [d / "dot1"], "a.xlsx", received_at="2024-03-01")
    office["send"]("X01", "dot2")
    r = _consolidate(office, [d / "dot1", d / "dot2"], "b.xlsx", received_at="2024-03-20")
    tl = r.timeliness
    assert tl is not None
    x01 = next(u for u in tl.units if u.unit == "X01")
    assert (x01.state, x01.days_late) == ("late", 5)
    with Store(office["store"]) as store:
        first = store.status(PERIOD, expected=[("X01", "Xã Một")])
    assert first.units[0].state == "late"


def test_run_relative_issues_are_not_recorded(office: dict[str, Any]) -> None:
    send, d = office["send"], office["dir"]
    send("X01", "dot1", name="a.xlsx", **{"1_2_1": 40})
    send("X01", "dot1", name="b.xlsx", **{"1_2_1": 41})
    cx.check(d / "dot1", office["catalog"], level="xa", period=PERIOD, store=office["store"])
    with Store(office["store"]) as store:
        for v in store.versions(PERIOD):
            assert store.return_of(v.sha256).issues == ()  # the conflict was this run's, not the file's


def test_status_of_an_unknown_consolidating_unit_is_refused(office: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    office["send"]("X01", "dot1")
    _consolidate(office, [office["dir"] / "dot1"], "a.xlsx")
    assert main(["status", "--store", str(office["store"]), "--period", PERIOD, "--unit", "H0l"]) == 2
    assert "“H0l”" in capsys.readouterr().err
    assert main(["history", "--store", str(office["store"]), "--periods", "2024-Q4..2023-Q1"]) == 2
    assert "ngược" in capsys.readouterr().err


def test_impossible_dates_are_usage_errors(tmp_path: Path) -> None:
    path = tmp_path / "han.yaml"
    path.write_text("periods:\n  2024-Q1: 2024-02-30\n", "utf-8")
    with pytest.raises(UsageError, match="không tồn tại"):
        load_deadlines(path)
    path.write_text("levels:\n  commune: {day: 3}\nperiods:\n  2024-Q2: 2024-01-01\n", "utf-8")
    with pytest.raises(UsageError) as exc:
        load_deadlines(path)
    assert "commune" in str(exc.value) and "trước ngày đầu của kỳ" in str(exc.value)
    from cchc_xlsx.history.store import as_timestamp

    with pytest.raises(ValueError, match="tương lai"):
        as_timestamp("2099-01-01")
    with pytest.raises(ValueError, match="dạng 2024-04-10"):
        as_timestamp("20240310")
    with pytest.raises(UsageError):
        cx.consolidate(tmp_path, None, tmp_path / "x.xlsx", deadlines={"default": 3})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- found by a second review


def _resaved(office: dict[str, Any], code: str, folder: str, name: str, **values: Any) -> Path:
    """The same figures in other bytes (as a spreadsheet program saving a file again writes it)."""
    d = office["dir"]
    other = cx.generate(
        office["catalog"], "xa", PERIOD, d / f"mau_{name}", office["units"], generated_at="2024-03-13T08:00:00+07:00"
    )
    template = next(f.path for f in other if f.unit is not None and f.unit.code == code).read_bytes()
    v = dict(BASE)
    v.update({k.replace("_", "."): x for k, x in values.items()})
    (d / folder).mkdir(exist_ok=True)
    path = d / folder / name
    path.write_bytes(fill_template(template, build_layout(office["catalog"], "xa"), v))
    return path


def test_a_resaved_copy_does_not_end_a_preference(office: dict[str, Any]) -> None:
    send, d = office["send"], office["dir"]
    a = send("X01", "dot1", name="a.xlsx", **{"1_2_1": 2})
    send("X01", "dot1", name="b.xlsx", **{"1_2_1": 20})
    assert _consolidate(office, [d / "dot1"], "1.xlsx", prefer=a).totals["1.2.1"] == 2
    _resaved(office, "X01", "dot2", "b_luu_lai.xlsx", **{"1_2_1": 20})
    r = _consolidate(office, [d / "dot1", d / "dot2"], "2.xlsx")
    assert r.conflicting_units == [] and r.totals["1.2.1"] == 2


def test_figures_of_an_earlier_version_arriving_later_are_named_not_silently_dropped(office: dict[str, Any]) -> None:
    send, d = office["send"], office["dir"]
    send("X01", "dot1", **{"1_2_1": 5})
    _consolidate(office, [d / "dot1"], "1.xlsx", received_at="2024-03-05")
    send("X01", "dot2", **{"1_2_1": 50})
    _consolidate(office, [d / "dot1", d / "dot2"], "2.xlsx", received_at="2024-03-08")
    v3 = _resaved(office, "X01", "dot3", "v3.xlsx", **{"1_2_1": 5})
    r = _consolidate(office, [d / "dot1", d / "dot2", d / "dot3"], "3.xlsx", received_at="2024-03-12")
    assert r.totals["1.2.1"] == 50
    f = next(f for f in r.batch.files.iter() if f.path == str(v3))
    (warning,) = [i for i in f.issues if i.code == cx.IssueCode.SUPERSEDED]
    assert warning.severity == "warning" and "giống hệt bản nộp lần 1" in warning.message
    # the office says it is a real correction: it counts
    r = _consolidate(office, [d / "dot1", d / "dot2", d / "dot3"], "4.xlsx", prefer=v3)
    assert r.totals["1.2.1"] == 5


def test_a_blank_return_arriving_later_does_not_replace_figures(office: dict[str, Any]) -> None:
    send, d = office["send"], office["dir"]
    send("X01", "dot1", **{"1_2_1": 7})
    _consolidate(office, [d / "dot1"], "1.xlsx", received_at="2024-03-05")
    blank = d / "dot2" / "X01_trong.xlsx"
    blank.parent.mkdir()
    blank.write_bytes((d / "mau" / next(p.name for p in (d / "mau").iterdir() if "_X01_" in p.name)).read_bytes())
    r = _consolidate(office, [d / "dot1", d / "dot2"], "2.xlsx", received_at="2024-03-08")
    assert r.totals["1.2.1"] == 7
    f = next(f for f in r.batch.files.iter() if f.path == str(blank))
    assert f.status == "skipped" and "biểu trống" in f.issues[-1].message


def test_the_deadlines_given_once_are_kept_for_status_and_feedback(office: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    send, d = office["send"], office["dir"]
    send("X01", "dot1")
    han = d / "han.yaml"
    han.write_text("periods:\n  2024-Q1: 2024-03-08\n", "utf-8")
    r = _consolidate(office, [d / "dot1"], "1.xlsx", received_at="2024-03-10", deadlines=han)
    assert r.timeliness is not None and r.timeliness.late == 1
    assert main(["status", "--store", str(office["store"]), "--period", PERIOD, "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["deadline"] == "2024-03-08" and data["late"] == 1
    result = cx.feedback(office["store"], PERIOD, d / "ph", office["catalog"])
    assert result.reminder_text is not None and "08/03/2024" in result.reminder_text.read_text("utf-8")


def test_small_usage_mistakes_around_the_store(office: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    send, d = office["send"], office["dir"]
    send("X01", "dot1")
    with pytest.raises(UsageError, match="trước khi kỳ 2024-Q1 bắt đầu"):
        _consolidate(office, [d / "dot1"], "1.xlsx", received_at="2023-01-05")
    with Store(office["store"]) as store:
        assert store.versions(PERIOD) == []  # nothing recorded by the refused run
    with pytest.raises(UsageError, match="kho lưu"):
        cx.consolidate(d / "dot1", office["catalog"], d / "2.xlsx", level="xa", deadlines=d / "x.yaml")
    with pytest.raises(UsageError):
        cx.check(d / "dot1", office["catalog"], store=office["store"], received_at=12345)  # type: ignore[arg-type]
    _consolidate(office, [d / "dot1"], "3.xlsx")
    assert main(["status", "--store", str(office["store"]), "--period", PERIOD, "--csv", str(d / "dot1" / "x.xlsx")]) == 2
    assert "đuôi .csv" in capsys.readouterr().err


def test_history_versions_name_each_files_part(office: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    send, d = office["send"], office["dir"]
    send("X01", "dot1", name="a.xlsx", **{"1_2_1": 1})
    send("X01", "dot1", name="b.xlsx", **{"1_2_1": 2})  # same run: a conflict
    send("X02", "dot1", **{"1_2_1": 3})
    cx.check(d / "dot1", office["catalog"], level="xa", period=PERIOD, store=office["store"], received_at="2024-03-10")
    send("X02", "dot2", **{"1_2_1": 4})
    cx.check(d / "dot2", office["catalog"], level="xa", period=PERIOD, store=office["store"], received_at="2024-03-11")
    store = str(office["store"])
    assert main(["history", "--store", store, "--versions", "--json", "-"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["unit"], r["number"], r["state"]) for r in rows] == [
        ("X01", 1, "conflict"), ("X01", 2, "conflict"), ("X02", 1, "superseded"), ("X02", 2, "current")
    ]
    assert main(["status", "--store", store, "--period", PERIOD, "--level", "commune"]) == 2
    assert "“commune”" in capsys.readouterr().err
