"""The package as a library user gets it: a wheel built from the checkout,
installed into a fresh virtual environment outside it (with the oldest
XlsxWriter the package accepts, and without openpyxl), used from an empty
directory — the command line, the demo and the README's API example.

An editable install reads the checkout, so it hides any file missing from the
wheel; this test does not.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OLDEST_XLSXWRITER = "3.3.0"
_IGNORED = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "demo-output", "__pycache__", ".*_cache", ".hypothesis", "tmp")


def _run(cmd: list[str], cwd: Path, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} → {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the checkout (so the build writes nothing into it)."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    shutil.copytree(ROOT, src, symlinks=True, ignore=_IGNORED)
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(src)], cwd=base)
    wheels = list(dist.glob("cchc_xlsx-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def bin_dir(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed."""
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel), f"xlsxwriter=={OLDEST_XLSXWRITER}"], cwd=env_dir)
    return bin_dir


@pytest.fixture
def empty_dir(tmp_path: Path) -> Path:
    d = tmp_path / "trong"
    d.mkdir()
    return d


def test_the_wheel_carries_every_data_file_of_the_checkout(wheel: Path):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    wanted = {"cchc_xlsx/data/indicator_catalog.yaml", "cchc_xlsx/data/catalog.schema.json", "cchc_xlsx/py.typed"}
    for folder in ("templates", "examples"):
        for p in (ROOT / folder).rglob("*"):
            if p.is_file():
                wanted.add(f"cchc_xlsx/data/{folder}/{p.relative_to(ROOT / folder).as_posix()}")
    for p in (ROOT / "cchc_xlsx").rglob("*.py"):
        wanted.add(p.relative_to(ROOT).as_posix())
    missing = sorted(wanted - names)
    assert not missing, f"missing from the wheel: {missing}"
    with zipfile.ZipFile(wheel) as z:
        assert z.read("cchc_xlsx/data/indicator_catalog.yaml") == (ROOT / "indicator_catalog.yaml").read_bytes()
        assert z.read("cchc_xlsx/data/catalog.schema.json") == (ROOT / "catalog.schema.json").read_bytes()
        license_files = [n for n in names if n.endswith("LICENSE")]
        assert license_files, "no LICENSE in the wheel"


def test_the_installed_package_needs_no_openpyxl(bin_dir: Path, empty_dir: Path):
    proc = _run([str(bin_dir / "python"), "-c", "import importlib.util, cchc_xlsx; print(cchc_xlsx.__version__, importlib.util.find_spec('openpyxl'))"], cwd=empty_dir)
    version, spec = proc.stdout.split()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version) and spec == "None"


def test_catalog_command_works_from_an_empty_directory(bin_dir: Path, empty_dir: Path):
    proc = _run([str(bin_dir / "cchc-xlsx"), "catalog", "--level", "xa"], cwd=empty_dir)
    assert "Danh mục hợp lệ." in proc.stdout and "site-packages" in proc.stdout


def test_the_installed_catalogue_points_to_the_installed_schema(bin_dir: Path, empty_dir: Path):
    """The bundled catalogues' modelines resolve inside the installed package, so
    an officer who copies the data folder keeps the editor's checks."""
    code = (
        "from cchc_xlsx.resources import data_path, example_path\n"
        "for p in (data_path('indicator_catalog.yaml'), example_path('catalogs/so_bieu_mau_1_7.yaml')):\n"
        "    line = next(x for x in p.read_text('utf-8').splitlines() if x.startswith('# yaml-language-server'))\n"
        "    print((p.parent / line.split('=', 1)[1]).resolve() == data_path('catalog.schema.json').resolve())\n"
    )
    proc = _run([str(bin_dir / "python"), "-c", code], cwd=empty_dir)
    assert proc.stdout.split() == ["True", "True"]
    _run([str(bin_dir / "cchc-xlsx"), "catalog", "--schema", "schema.json"], cwd=empty_dir)
    assert (empty_dir / "schema.json").read_bytes() == (ROOT / "catalog.schema.json").read_bytes()


def test_generate_works_from_an_empty_directory(bin_dir: Path, empty_dir: Path):
    _run([str(bin_dir / "cchc-xlsx"), "generate", "--level", "xa", "--period", "2024-Q1", "--out", "bieu_mau"], cwd=empty_dir)
    assert [p.name for p in (empty_dir / "bieu_mau").iterdir()] == ["2024-Q1_xa_mau_chung.xlsx"]


def test_demo_works_from_an_empty_directory(bin_dir: Path, empty_dir: Path):
    proc = _run([str(bin_dir / "cchc-xlsx"), "demo", "--out", "demo"], cwd=empty_dir, timeout=900)
    assert "Tổng cấp tỉnh qua cấp huyện BẰNG tổng cấp tỉnh cộng thẳng từ các xã" in proc.stdout
    assert (empty_dir / "demo" / "3_tong_hop_huyen" / "2024-Q1_huyen_H01_tong_hop.xlsx").is_file()


def test_readme_api_example_works_from_an_empty_directory(bin_dir: Path, empty_dir: Path):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"## Python API.*?```python\n(.*?)```", text, re.S)
    assert m
    script = empty_dir.parent / "vi_du.py"
    script.write_text(m.group(1), encoding="utf-8")
    proc = _run([str(bin_dir / "python"), str(script)], cwd=empty_dir)
    assert "24/24 xã đã nộp" in proc.stdout


def test_an_untested_xlsxwriter_stops_with_a_clear_message(bin_dir: Path, empty_dir: Path, tmp_path: Path):
    other = tmp_path / "other"
    _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps", "--target", str(other), "xlsxwriter==3.2.9"], cwd=empty_dir)
    env_cmd = [str(bin_dir / "python"), "-c", f"import sys; sys.path.insert(0, {str(other)!r}); import cchc_xlsx; cchc_xlsx.generate"]
    proc = _run(env_cmd, cwd=empty_dir, check=False)
    assert proc.returncode != 0
    assert "cchc-xlsx cần XlsxWriter 3.3.x nhưng đang có XlsxWriter 3.2.9" in proc.stderr
    assert "pip install 'xlsxwriter>=3.3.0,<3.4'" in proc.stderr
    # the command line says it in one line, no traceback, exit 2
    cli = [str(bin_dir / "python"), "-c", f"import sys; sys.path.insert(0, {str(other)!r}); from cchc_xlsx.cli import main; sys.exit(main(['generate', '--level', 'xa', '--period', '2024-Q1', '--out', 'b']))"]
    proc = _run(cli, cwd=empty_dir, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("Lỗi cài đặt: cchc-xlsx cần XlsxWriter 3.3.x")
    assert not (empty_dir / "b").exists()
