"""Benchmark: ``cchc-xlsx consolidate`` as a user runs it, start-up included.

Makes N returns (default 2,000 communes of one synthetic province ``T01``, in
folders of 100 per district: ``returns/H001/…``) of the bundled catalogue,
level ``xa``, period ``2024-Q1``, each stamped with its commune's identity
(``cchc_xlsx.write.generate.Stamper``) and filled (``cchc_xlsx.testing.Filler``) with
the same figures in every file, every input cell holding a zero or its
equivalent:

* ``count``, ``decimal`` and ``percent`` rows: the number 0;
* ``boolean`` rows: ``Không``;
* ``choice`` rows: the label of their first option (``Trực tuyến`` for 1.5.2);
* ``text`` rows: left empty (nothing typed); the notes column and the unit
  cell are left as generated too.

Every rule of the form holds on such a return (``a <= b``, ``a == b + c``
with zeros), so the run must report no error and exit code 0. Making the
files uses ``--jobs`` processes (default 2) and is excluded from the timings.

Measured, in the same run, on the same files (just written, so read from the
page cache):

* the whole process ``cchc-xlsx consolidate RETURNS/ --level xa --period
  2024-Q1 --units UNITS --unit T01 --out OUT.xlsx --json OUT.json`` (the
  venv's console script), wall clock (``time.perf_counter`` around
  ``subprocess.run``): interpreter start-up, imports, loading the catalogue
  and units file, reading and checking every file, adding up, writing the
  workbook and the JSON report. ``--repeat`` times (default 1), each into a
  fresh output name; each run and the best are printed.
* ``openpyxl.load_workbook(path)`` with its default options (not read-only:
  what a script would use), one process, on every file (``--openpyxl-sample
  K``: on K files spread over the set, extrapolated to all).

    .venv/bin/python benchmarks/bench_cli.py            # 2,000 files
    .venv/bin/python benchmarks/bench_cli.py --quick    # 200 files, to try

Targets: at most 5 ms per file, at least 15x faster than openpyxl's
load_workbook (openpyxl's ms per file over the best run's). A script, not a
test: it prints a table and exits 0 even when a target is missed; exit 1 only
when the output is wrong (the command's exit code is not 0, a total of a
count, decimal or sum row in the JSON report is not 0, or the number of units
submitted is not N).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

from _common import machine_rows, print_table
from bench_consolidate import PER_DISTRICT, units_csv

from cchc_xlsx import load_catalog, load_units, parse_period
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.layout.form import FormLayout, build_layout
from cchc_xlsx.testing import Filler
from cchc_xlsx.write.generate import Stamper, template_filename
from cchc_xlsx.write.protection import default_password

TARGET_MS = 5.0
TARGET_RATIO = 15.0
LEVEL, PERIOD, UNIT = "xa", "2024-Q1", "T01"
DEFAULT_COUNT, QUICK_COUNT = 2_000, 200
GENERATED_AT = "2024-03-15T00:00:00+00:00"
ZERO_TYPES = ("count", "decimal", "percent")
CHECKED_TYPES = ("count", "decimal", "sum")  # rows whose totals must be 0


def zero_values(catalog: Catalog, layout: FormLayout) -> dict[str, object]:
    """What is typed into every return: see the module's docstring."""
    values: dict[str, object] = {}
    for rl in layout.rows:
        row = catalog.row(rl.code)
        if not row.is_input:
            continue
        if row.type in ZERO_TYPES:
            values[rl.code] = 0
        elif row.type == "boolean":
            values[rl.code] = "Không"
        elif row.type == "choice":
            values[rl.code] = row.options[0].label
        # text rows: nothing typed
    return values


# --------------------------------------------------------------------------- making the returns

_MAKER: dict[str, Any] = {}


def _maker_init() -> None:
    catalog = load_catalog()
    layout = build_layout(catalog, LEVEL)
    period = parse_period(PERIOD)
    stamper = Stamper(layout, period, GENERATED_AT, default_password())
    _MAKER.update(period=period, stamper=stamper, layout=layout, values=zero_values(catalog, layout))


def _make_district(job: tuple[Path, list[Any]]) -> int:
    """Write one district's returns; their number."""
    folder, units = job
    folder.mkdir(parents=True, exist_ok=True)
    stamper, layout, values = _MAKER["stamper"], _MAKER["layout"], _MAKER["values"]
    for u in units:
        data = Filler(stamper.stamp(u), layout).fill(values)
        (folder / template_filename(_MAKER["period"], LEVEL, u)).write_bytes(data)
    return len(units)


def make_returns(units_path: Path, returns: Path, jobs: int) -> tuple[list[Path], int]:
    """Every commune's return, in ``returns/<district>/``; the files and their total size."""
    catalog = load_catalog()
    units = load_units(units_path, catalog.levels)
    by_district: dict[str, list[Any]] = {}
    for u in units.at_level(LEVEL):
        by_district.setdefault(u.parent or "", []).append(u)
    work = [(returns / d, us) for d, us in by_district.items()]
    if jobs > 1 and "fork" in mp.get_all_start_methods():
        with mp.get_context("fork").Pool(jobs, initializer=_maker_init) as pool:
            for _ in pool.imap_unordered(_make_district, work):
                pass
    else:
        _maker_init()
        for job in work:
            _make_district(job)
    files = sorted(returns.rglob("*.xlsx"))
    return files, sum(p.stat().st_size for p in files)


# --------------------------------------------------------------------------- the measured runs


def run_cli(cli: Path, returns: Path, units_path: Path, out: Path, report: Path) -> dict[str, Any]:
    """One ``cchc-xlsx consolidate`` process, timed from the outside."""
    cmd = [
        str(cli), "consolidate", f"{returns}/", "--level", LEVEL, "--period", PERIOD,
        "--units", str(units_path), "--unit", UNIT, "--out", str(out), "--json", str(report),
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    return {"cmd": cmd, "wall": wall, "returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}


def check_report(report: Path, catalog: Catalog, n: int) -> tuple[list[str], dict[str, Any]]:
    """What is wrong in a JSON report of the N zero returns (nothing: an empty list), and a summary."""
    wrong: list[str] = []
    try:
        data = json.loads(report.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return [f"JSON report unreadable: {exc}"], {}
    files = data.get("files", [])
    status = Counter(f.get("status") for f in files)
    issues = Counter(i.get("severity") for f in files for i in f.get("issues", []))
    conflicting = set(data.get("conflicting_units", []))
    submitted = len({f.get("unit") for f in files if f.get("status") == "accepted"} - conflicting)
    totals = data.get("totals", {})
    checked = [c for c in totals if catalog.has_row(c) and catalog.row(c).type in CHECKED_TYPES]
    nonzero = [f"{c} = {totals[c]!r}" for c in checked if totals[c] != 0]
    if not checked:
        wrong.append("no count/decimal/sum row in the JSON totals")
    if nonzero:
        wrong.append(f"totals not 0: {', '.join(nonzero[:10])}")
    if submitted != n:
        wrong.append(f"{submitted:,} units submitted, not {n:,}")
    if data.get("missing_units"):
        wrong.append(f"{len(data['missing_units']):,} units missing")
    return wrong, {"files": len(files), "status": dict(status), "issues": dict(issues), "submitted": submitted, "checked": len(checked)}


def time_openpyxl(files: list[Path]) -> float:
    """Seconds to ``openpyxl.load_workbook`` each file (default options), in this process."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        for p in files:
            openpyxl.load_workbook(p).close()
        return time.perf_counter() - t0


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=DEFAULT_COUNT, help=f"number of returned files (default {DEFAULT_COUNT:,})")
    ap.add_argument("--quick", action="store_true", help=f"a short run: {QUICK_COUNT} files")
    ap.add_argument("--repeat", type=int, default=1, help="runs of the command, each into a fresh output (default 1)")
    ap.add_argument("--openpyxl-sample", type=int, default=None, metavar="K",
                    help="load only K files with openpyxl, spread over the set, and extrapolate (default: every file)")
    ap.add_argument("--cli", default=None, help="the console script to run (default: cchc-xlsx beside this Python)")
    ap.add_argument("--jobs", type=int, default=2, help="processes making the files (not measured; default 2)")
    ap.add_argument("--dir", default=None, help="where to make the temporary folder (default: the system's)")
    ap.add_argument("--keep", action="store_true", help="keep the files (the folder is printed)")
    args = ap.parse_args(argv)
    if args.quick:
        args.count = QUICK_COUNT
    if args.count < 1 or args.repeat < 1 or (args.openpyxl_sample is not None and args.openpyxl_sample < 1):
        ap.error("--count, --repeat and --openpyxl-sample must be at least 1")
    cli = Path(args.cli) if args.cli else Path(sys.executable).parent / "cchc-xlsx"
    if not cli.exists():
        ap.error(f"no console script at {cli} (install the project in this venv, or give --cli)")
    n = args.count

    print("cchc-xlsx benchmark: the cchc-xlsx consolidate command, start-up included")
    print_table("Machine", machine_rows())
    catalog = load_catalog()
    layout = build_layout(catalog, LEVEL)
    typed = Counter(catalog.row(c).type for c in zero_values(catalog, layout))
    texts = sum(1 for rl in layout.rows if catalog.row(rl.code).type == "text")
    if args.dir:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cchc-bench-cli-", dir=args.dir))
    runs: list[dict[str, Any]] = []
    wrong: list[str] = []
    try:
        units_path = work / "units.csv"
        units_path.write_text(units_csv(n), encoding="utf-8")
        returns = work / "returns"
        t0 = time.perf_counter()
        files, size = make_returns(units_path, returns, args.jobs)
        t_make = time.perf_counter() - t0
        print(f"\nMade {len(files):,} returns in {t_make:.1f} s (not measured), {size / len(files) / 1024:.1f} KiB each, in {work}")
        if len(files) != n:
            raise SystemExit(f"made {len(files)} files, not {n}")

        for i in range(1, args.repeat + 1):
            out, report = work / f"tong_hop_{i}.xlsx", work / f"tong_hop_{i}.json"
            print(f"Run {i}/{args.repeat}: cchc-xlsx consolidate on {n:,} files …", flush=True)
            r = run_cli(cli, returns, units_path, out, report)
            problems = [] if r["returncode"] == 0 else [f"exit code {r['returncode']}"]
            found, r["report"] = check_report(report, catalog, n)
            problems += found
            if not out.exists():
                problems.append(f"{out.name} not written")
            if problems:
                wrong += [f"run {i}: {p}" for p in problems]
                sys.stderr.write(f"run {i}: {' '.join(r['cmd'])}\n--- stdout (end) ---\n{r['stdout'][-3000:]}\n--- stderr (end) ---\n{r['stderr'][-3000:]}\n")
            runs.append(r)

        k = n if args.openpyxl_sample is None else min(args.openpyxl_sample, n)
        step = max(1, n // k)
        sample = files[::step][:k]
        print(f"Loading {len(sample):,} files with openpyxl.load_workbook …", flush=True)
        t_openpyxl = time_openpyxl(sample)
    finally:
        if args.keep:
            print(f"\nFiles kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    # ------------------------------------------------------------------ report
    inputs: list[tuple[str, ...]] = [
        ("catalogue / level / period", f"bundled / {LEVEL} / {PERIOD}"),
        ("returned files (folders of 100 per district)", f"{n:,} ({(n + PER_DISTRICT - 1) // PER_DISTRICT} folders)"),
        ("units file", f"1 province, {(n + PER_DISTRICT - 1) // PER_DISTRICT} districts, {n:,} communes"),
        ("average file size", f"{size / n / 1024:.1f} KiB"),
        ("input cells typed per file", ", ".join(f"{t} {c}" for t, c in sorted(typed.items())) + f"; text rows left empty: {texts}"),
    ]
    print_table("Input", inputs)
    best = min(runs, key=lambda r: r["wall"])
    ms_best = best["wall"] / n * 1e3
    rows: list[tuple[str, ...]] = [("", "wall", "ms per file", "exit code", "accepted / submitted", "issues e/w/i")]
    for i, r in enumerate(runs, start=1):
        rep = r["report"]
        iss = rep.get("issues", {})
        rows.append((
            f"run {i}" + (" (best)" if r is best and len(runs) > 1 else ""), f"{r['wall']:.2f} s", f"{r['wall'] / n * 1e3:.2f}", str(r["returncode"]),
            f"{rep.get('status', {}).get('accepted', 0):,} / {rep.get('submitted', 0):,}",
            f"{iss.get('error', 0)}/{iss.get('warning', 0)}/{iss.get('info', 0)}",
        ))
    print_table(f"cchc-xlsx consolidate, whole process (wall clock, {n:,} files)", rows)

    ms_openpyxl = t_openpyxl / len(sample) * 1e3
    ratio = ms_openpyxl / ms_best
    extrapolated = "" if len(sample) == n else f" (extrapolated from {len(sample):,} files)"
    against: list[tuple[str, ...]] = [
        (f"openpyxl.load_workbook (default), 1 process, {len(sample):,} files", f"{ms_openpyxl:.1f}", f"{t_openpyxl:.1f} s"),
        (f"  for all {n:,} files{extrapolated}", "", f"{ms_openpyxl * n / 1e3:.1f} s"),
        (f"cchc-xlsx consolidate, best of {len(runs)}, everything included", f"{ms_best:.2f}", f"{best['wall']:.1f} s"),
        ("openpyxl load alone / cchc-xlsx consolidate", f"{ratio:.1f}x", ""),
    ]
    print_table("Against openpyxl (ms per file)", against)

    print("\nTargets")
    print("-------")
    print(f"<= {TARGET_MS:g} ms per file: {'met' if ms_best <= TARGET_MS else 'MISSED'} ({ms_best:.2f} ms per file, {n:,} files, best of {len(runs)})")
    print(f">= {TARGET_RATIO:g}x faster than openpyxl's load_workbook: {'met' if ratio >= TARGET_RATIO else 'MISSED'} ({ratio:.1f}x)")
    if wrong:
        print(f"OUTPUT WRONG: {'; '.join(wrong[:10])}", file=sys.stderr)
        return 1
    checked = runs[0]["report"]["checked"]
    print(f"\nSanity: every run exited 0; {n:,} units submitted; the {checked} count/decimal/sum totals are all 0.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
