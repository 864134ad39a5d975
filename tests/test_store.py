"""The batch's files on disk (cchc_xlsx.batch.store): order, questions, write-back."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import cchc_xlsx.batch.store as _store
from cchc_xlsx.batch.result import CheckResult as Batch
from cchc_xlsx.batch.store import FileStore, pack, unpack
from cchc_xlsx.issues import issue
from cchc_xlsx.read.record import FileResult


def result(path: str, status: str = "accepted", *, sha: str | None = None, unit: str | None = None, **kw: object) -> FileResult:
    f = FileResult(path, status=status, sha256=sha, unit=unit)
    for k, v in kw.items():
        setattr(f, k, v)
    return f


def test_files_come_in_python_path_order_whatever_the_order_added(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(_store, "PAGE", 3)  # several pages
    paths = ["b/x.xlsx", "a/ý.xlsx", "a/z.xlsx", "a/\udcff.xlsx", "a/A.xlsx", "ä.xlsx", "a.xlsx", "a/b/c.xlsx", "🙂.xlsx", "b.xlsx"]
    store = FileStore(result(p) for p in paths)
    assert [f.path for f in store] == sorted(paths)
    assert len(store) == len(paths) and store and not FileStore()
    assert [store[i].path for i in (0, 4, -1)] == [sorted(paths)[i] for i in (0, 4, -1)]
    with pytest.raises(IndexError):
        store[len(paths)]


def test_a_record_comes_back_whole_and_values_only_when_asked():
    f = result("a.xlsx", sha="s1", unit="X1", kind="template", period="2024-Q1", mtime=1.5, values={"1.1": 3, "2": "chữ"}, notes={"1.1": "ghi chú"})
    f.issues.append(issue("rule", "Lỗi", severity="error", indicator="1.1", cell="D9"))
    store = FileStore([f])
    (id_, back), = store.items(values=True)
    assert (back.path, back.sha256, back.unit, back.kind, back.period, back.mtime, back.issues) == ("a.xlsx", "s1", "X1", "template", "2024-Q1", 1.5, f.issues)
    assert (back.values, back.notes) == (f.values, f.notes)
    assert store.get(id_).values == {} and store.get(id_, values=True).values == f.values
    assert next(store.iter()).notes == {} and next(store.iter(values=True)).notes == f.notes
    assert store.values(id_) == (f.values, f.notes)
    assert unpack(pack(f)).values == f.values and f.values == {"1.1": 3, "2": "chữ"}  # packing leaves the result as it was


def test_filters_and_counts():
    store = FileStore([
        result("1", unit="A"), result("2", "rejected", unit="A"), result("3", unit="B"),
        result("4", "skipped"), result("5", unit="A", kind="consolidated"),
    ])
    assert [f.path for f in store.iter(unit="A")] == ["1", "2", "5"]
    assert [f.path for f in store.iter(unit="A", status=("accepted", "rejected"))] == ["1", "2", "5"]
    assert [f.path for f in store.iter(status="accepted", kind="consolidated")] == ["5"]
    assert store.how_many(status="accepted") == 3 and store.how_many() == 5
    assert store.statuses() == {"accepted": 3, "rejected": 1, "skipped": 1}
    assert store.units_with_several() == ["A"]
    assert list(store.first_units()) == [("A", None), ("B", None)]
    with pytest.raises(TypeError):
        list(store.iter(path="1"))


def test_any_bad_is_a_rejection_or_an_error():
    ok = result("1")
    ok.issues.append(issue("metadata-missing", "cảnh báo", severity="warning"))
    assert not FileStore([ok]).any_bad()
    assert FileStore([ok, result("2", "rejected")]).any_bad()
    bad = result("3")
    bad.issues.append(issue("rule", "lỗi", severity="error"))
    assert FileStore([ok, bad]).any_bad()


def test_most_common_ties_go_to_the_smallest_and_empty_values_do_not_count():
    store = FileStore([
        result("1", period="2024-Q2", level="xa", unit_level="xa"), result("2", period="2024-Q1", level="huyen", unit_level="xa"),
        result("3", period="", level="huyen", unit_level="huyen"), result("4", "rejected", period="2024-Q3"),
        result("5", period="2024-Q3", level="huyen", unit_level="huyen"),
    ])
    assert store.most_common("period", status="accepted") == "2024-Q1"  # Q1, Q2, Q3 once each
    assert store.most_common("period") == "2024-Q3"
    assert store.most_common("level", status="accepted") == "huyen"
    assert store.most_common("level", status="accepted", same=("unit_level", "xa")) == "huyen"  # xa, huyen: a tie
    assert store.most_common("kind") is None
    with pytest.raises(TypeError):
        store.most_common("rec")


def test_the_first_unit_name_is_that_of_the_first_path():
    store = FileStore([result("b", unit="A", unit_name="Xã B"), result("a", unit="A", unit_name="Xã A"), result("c", "rejected", unit="C", unit_name="C")])
    assert list(store.first_units()) == [("A", "Xã A")]


def test_later_duplicates_name_the_first_accepted_in_path_order(monkeypatch: pytest.MonkeyPatch):
    """Only accepted files are duplicates of each other: the same junk sent under
    several names stays rejected, each file naming its own problem."""
    monkeypatch.setattr(_store, "PAGE", 2)
    store = FileStore([
        result("d", sha="s1"), result("b", sha="s1"), result("c", sha="s2"), result("a", "skipped", sha="s1"),
        result("e", "rejected", sha="s2"), result("f", sha="s1"), result("g"), result("h"),
    ])
    seen = []
    for _id, f, first in store.later_duplicates():
        seen.append((f.path, first))
        f.status = "skipped"
        store.save(f)
    assert seen == [("d", "b"), ("f", "b")]


def test_save_writes_back_and_drops_values_once_not_accepted(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(_store, "PAGE", 2)
    store = FileStore(result(str(i), unit="A", values={"1": i}) for i in range(7))
    for id_, f in store.items(status="accepted"):  # saved while iterating: each seen once
        f.issues.append(issue("unit-unknown", "đã xem", severity="info"))
        if int(f.path) % 2:
            f.status = "rejected"
        store.save(f)
        assert store.values(id_) == (({"1": int(f.path)}, {}) if f.status == "accepted" else ({}, {}))
    assert [len(f.issues) for f in store] == [1] * 7
    assert [f.values for f in store] == [{"1": i} if i % 2 == 0 else {} for i in range(7)]
    assert store.how_many(status="rejected") == 3


def test_a_path_is_kept_once_and_discovery_remembers_what_it_found(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(_store, "PAGE", 2)
    store = FileStore()
    store.add(result("x", "rejected"))
    store.add(result("x", "rejected"))
    assert len(store) == 1
    assert [store.note_path(p, to_read=p != "skip") for p in ("c", "a", "skip", "c", "b", "\udcfe")] == [True, True, True, False, True, True]
    assert list(store.to_read()) == ["c", "a", "b", "\udcfe"] and store.count_to_read() == 4


def test_ordered_and_closing():
    store = FileStore([result("a"), result("b", "rejected"), result("c")])
    assert [f.path for f in store.ordered("CASE status WHEN 'rejected' THEN 0 ELSE 1 END, path")] == ["b", "a", "c"]
    store.close()
    with pytest.raises(Exception):  # noqa: B017 - sqlite3.ProgrammingError
        len(store)


def test_a_batch_given_a_list_keeps_it_in_a_store(tmp_path: Path):
    batch = Batch(files=[result("b"), result("a", "rejected")])
    assert isinstance(batch.files, FileStore)
    assert [f.path for f in batch.files] == ["a", "b"] and [f.path for f in batch.accepted] == ["b"]
    assert pickle.loads(pickle.dumps(result("a"))) == result("a")
