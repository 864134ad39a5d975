"""The public API as a quarterly script uses it: the exported names, the README's
example, paths and periods in every accepted shape, mistakes raised before any work."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import cchc_xlsx as cx
from cchc_xlsx.resources import default_catalog_path, example_path

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2024-Q1"

DOCUMENTED_API = {
    # verbs
    "load_catalog", "load_units", "parse_period", "generate", "check", "consolidate", "example_path",
    # their result types and the values they hold
    "Catalog", "Units", "Unit", "Period", "GeneratedFile", "CheckResult", "FileResult", "Return", "Consolidation",
    "UnitColumn", "Issue", "IssueCode",
    # the history store
    "Store", "Version", "Deadlines", "PeriodStatus", "feedback", "FeedbackResult",
    # across periods
    "rollup", "series", "Series",
    # the exception tree
    "CchcError", "CatalogError", "UnitsError", "PeriodError", "UsageError", "OutputError", "OutputExistsError",
    "StoreError", "__version__",
    # the narrative report draft (issue 15)
    "report", "ReportResult", "TemplateError",
}


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"## Python API.*?```python\n(.*?)```", text, re.S)
    assert m, "the README has no Python example under 'Python API'"
    return m.group(1)


def test_all_is_exactly_the_documented_api():
    assert set(cx.__all__) == DOCUMENTED_API
    for name in cx.__all__:
        assert getattr(cx, name) is not None


def test_internals_are_not_exported():
    for name in ("build_layout", "FormLayout", "Row", "Rule", "read_batch", "FileStore"):
        assert name not in cx.__all__


def test_consolidate_is_the_function_even_after_every_module_is_imported():
    import importlib
    import pkgutil

    import cchc_xlsx

    for info in pkgutil.walk_packages(cchc_xlsx.__path__, "cchc_xlsx."):  # no submodule may shadow a verb
        importlib.import_module(info.name)

    assert callable(cx.consolidate) and cx.consolidate.__module__ == "cchc_xlsx.api"
    assert callable(cx.check) and callable(cx.generate)


def test_readme_example_runs_from_an_empty_directory(tmp_path: Path):
    script = tmp_path / "example.py"
    script.write_text(readme_example(), encoding="utf-8")
    work = tmp_path / "empty"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, str(script)], cwd=work, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "24 biểu mẫu" in proc.stdout and "24/24 xã đã nộp" in proc.stdout
    assert (work / "tong_hop.xlsx").is_file() and (work / "tong_hop.json").is_file()


def test_load_catalog_without_argument_is_the_bundled_default():
    catalog = cx.load_catalog()
    assert catalog.levels == ("xa", "huyen", "tinh")
    assert Path(catalog.path) == default_catalog_path()
    assert catalog.content_hash == cx.load_catalog(ROOT / "indicator_catalog.yaml").content_hash


def test_example_path_names_the_bundled_examples():
    assert example_path("units_cho_don.csv").read_bytes() == (ROOT / "examples" / "units_cho_don.csv").read_bytes()
    with pytest.raises(FileNotFoundError):
        example_path("khong_co.csv")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("api") / "bieu_mau"
    catalog = cx.load_catalog()
    units = cx.load_units(example_path("units_cho_don.csv"), catalog)
    files = cx.generate(catalog, "xa", PERIOD, out, units)  # a period string
    assert len(files) == 24 and all(f.path.parent == out for f in files)
    return out


@pytest.mark.parametrize("shape", ["str", "path", "list", "tuple-of-paths"])
def test_check_takes_one_path_or_many(templates: Path, shape: str):
    paths: object = {
        "str": str(templates),
        "path": templates,
        "list": [str(p) for p in sorted(templates.iterdir())],
        "tuple-of-paths": tuple(sorted(templates.iterdir())),
    }[shape]
    result = cx.check(paths, level="xa", period=PERIOD, units=example_path("units_cho_don.csv"), workers=0)  # type: ignore[arg-type]
    assert result.counts == {"accepted": 24, "rejected": 0, "skipped": 0}
    assert result.missing_units == [] and result.exit_code == 0


def test_a_single_string_path_is_one_folder_not_its_letters(templates: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(templates.parent)
    result = cx.check("bieu_mau", workers=0)
    assert len(result.files) == 24
    assert all(f.path.startswith("bieu_mau") for f in result.files)


def test_consolidate_takes_catalogue_and_units_as_paths_and_a_period_string(templates: Path, tmp_path: Path):
    result = cx.consolidate(
        templates, default_catalog_path(), tmp_path / "tong_hop.xlsx",
        level="xa", period=cx.parse_period(PERIOD), units=str(example_path("units_cho_don.csv")), unit="H02", workers=0,
    )
    assert isinstance(result, cx.Consolidation)
    assert [c.code for c in result.columns] == ["X0201", "X0202", "X0203", "X0204"]
    assert result.submitted == 4 and result.unit_name == "Huyện Bạch Thông"
    assert result.out == tmp_path / "tong_hop.xlsx"
    assert openpyxl.load_workbook(result.out).sheetnames[0] == "Tổng hợp"


def test_consolidate_without_unit_names_the_one_top_unit(templates: Path, tmp_path: Path):
    result = cx.consolidate(templates, None, tmp_path / "t.xlsx", level="xa", period=PERIOD, units=example_path("units_cho_don.csv"), workers=0)
    assert (result.unit, result.unit_name) == ("T11", "Tỉnh Bắc Kạn")
    assert result.submitted == 24


def test_generate_takes_a_catalogue_path_and_a_period_object(tmp_path: Path):
    files = cx.generate(str(default_catalog_path()), "xa", cx.parse_period(PERIOD), tmp_path / "b")
    assert len(files) == 1 and files[0].unit is None  # a generic template


@pytest.mark.parametrize(
    ("call", "error", "option"),
    [
        (lambda t: cx.check(t / "khong_co", workers=0), cx.UsageError, "paths"),
        (lambda t: cx.check([], workers=0), cx.UsageError, "paths"),
        (lambda t: cx.check(b"bytes", workers=0), cx.UsageError, "paths"),  # type: ignore[arg-type]
        (lambda t: cx.check(t, level="phuong"), cx.UsageError, "level"),
        (lambda t: cx.check(t, unit="H01"), cx.UsageError, "units"),
        (lambda t: cx.check(t, catalog=42), cx.UsageError, "catalog"),  # type: ignore[arg-type]
        (lambda t: cx.consolidate(t, None, t / "x.txt"), cx.UsageError, "out"),
        (lambda t: cx.consolidate(t, None, t), cx.UsageError, "out"),
        (lambda t: cx.check(t, period="2024-Q5"), cx.PeriodError, None),
    ],
    ids=["missing-path", "no-path", "bytes", "level", "unit-without-units", "catalog-type", "out-suffix", "out-folder", "period"],
)
def test_mistakes_raise_before_any_work(tmp_path: Path, call, error, option):
    with pytest.raises(error) as info:
        call(tmp_path)
    assert isinstance(info.value, cx.CchcError)
    if option is not None:
        assert info.value.option == option
    assert "--" not in str(info.value)  # the library speaks of arguments, not of command-line flags
    assert list(tmp_path.iterdir()) == []


def test_an_existing_output_is_refused_without_force_and_named(templates: Path, tmp_path: Path):
    out = tmp_path / "tong_hop.xlsx"
    out.write_bytes(b"old")
    with pytest.raises(cx.OutputExistsError) as info:
        cx.consolidate(templates, None, out, level="xa", units=example_path("units_cho_don.csv"), unit="H02", workers=0)
    assert info.value.paths == [str(out)] and "--force" not in str(info.value)
    assert out.read_bytes() == b"old"
    cx.consolidate(templates, None, out, level="xa", units=example_path("units_cho_don.csv"), unit="H02", workers=0, force=True)
    assert out.read_bytes()[:2] == b"PK"


def test_when_one_output_cannot_be_written_none_is_left(templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import errno

    import cchc_xlsx.api as consolidation

    def full_disk(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(consolidation, "write_tidy_csv", full_disk)
    out = tmp_path / "out"
    with pytest.raises(OSError):
        cx.consolidate(templates, None, out / "t.xlsx", level="xa", units=example_path("units_cho_don.csv"), unit="H02",
                       json_path=out / "t.json", csv_path=out / "t.csv", workers=0)
    assert list(out.iterdir()) == []  # neither the workbook nor the JSON, nor a temporary


def test_check_result_as_json_is_the_contract(templates: Path):
    result = cx.check(templates, level="xa", period=PERIOD, units=example_path("units_cho_don.csv"), unit="H02", workers=0)
    doc = result.as_json()
    assert doc["level"] == "xa" and doc["period"] == PERIOD and doc["missing_units"] == []
    assert {f["status"] for f in doc["files"]} == {"accepted", "rejected"}  # H01's communes are not H02's


def test_issue_is_a_plain_value():
    issue = cx.Issue("error", "rule", "1.2.2 lớn hơn 1.2.1", indicator="1.2.2", cell="D12")
    assert issue.as_json() == {"severity": "error", "code": "rule", "message": "1.2.2 lớn hơn 1.2.1", "indicator": "1.2.2", "cell": "D12"}


def test_returns_are_frozen_records_of_the_accepted_files(templates: Path):
    result = cx.check(templates, level="xa", period=PERIOD, units=example_path("units_cho_don.csv"), unit="H01", workers=0)
    returns = list(result.returns())
    assert [r.path for r in returns] == [f.path for f in result.files.iter(status="accepted")]
    first = returns[0]
    assert isinstance(first, cx.Return) and first.unit and first.period == PERIOD and first.level == "xa"
    with pytest.raises(AttributeError):
        first.unit = "X"  # type: ignore[misc]
    with pytest.raises(TypeError):
        first.values["1.1"] = 5  # type: ignore[index]
