"""Benchmark: consolidating returned workbooks (issue 5).

Makes N filled returns (default 10,000 communes of one synthetic province, in
folders of 100 per district; varied figures, from the example commune's by a
seeded generator), then measures, each in a fresh process so that peak memory
belongs to that run alone:

* ``cchc_xlsx.consolidate(...)`` over the whole folder, with the
  units file and ``--unit T01``: discovery, reading and every check in the
  library's worker processes (2 by default), adding up, writing the
  consolidated workbook and the JSON report. Wall ms per file, split into the
  reading phase (until the last file is read) and the rest (parent only).
* the same on the first 1,000 files, once with the whole units file (so that
  only the number of files differs: the memory target) and once with a units
  file of those 1,000 communes (what each unit of the units file costs: the
  units themselves and their columns), comparing the memory of each run: the
  peak of the process during ``consolidate()`` (``VmHWM`` after resetting it
  through ``/proc/self/clear_refs``), its size once every file is read and
  once the outputs are written, and the peak of its largest worker.

and, in this process, openpyxl's default ``load_workbook`` on a sample of the
files (default 100) — the per-file cost of the obvious alternative — with the
library's own single-process ``read_workbook`` on the same sample beside it.
Creating the files is timed but excluded from every figure.

    .venv/bin/python benchmarks/bench_consolidate.py            # 10,000 files
    .venv/bin/python benchmarks/bench_consolidate.py --quick    # 500 files, to try

Targets: at most 5 ms per file; at least 15x faster than openpyxl's
load_workbook; peak memory that does not grow with the number of files. A
script, not a test: it prints a table and exits 0 even when a target is
missed (exit 1 only when the consolidation is wrong).
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing as mp
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from _common import machine_rows, print_table

from cchc_xlsx import consolidate, load_catalog, load_units, parse_period
from cchc_xlsx.demo import example_values
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.read.workbook import read_workbook
from cchc_xlsx.testing import Filler
from cchc_xlsx.write.generate import Stamper, template_filename
from cchc_xlsx.write.protection import default_password

ROOT = Path(__file__).resolve().parent.parent

TARGET_MS = 5.0
TARGET_RATIO = 15.0
FLAT_BYTES_PER_FILE = 100  # memory "does not grow with the number of files": at most this much per added file
LEVEL, PERIOD, UNIT = "xa", "2024-Q1", "T01"
QUICK = {"count": 500, "small": 100, "sample": 20}
GENERATED_AT = "2024-03-15T00:00:00+00:00"
COMMUNE_NAMES = (
    "Tân Lập", "Yên Phong", "Đồng Lạc", "Bình Trung", "Phương Viên", "Quảng Bạch", "Nghĩa Tá",
    "Lương Bằng", "Bằng Lãng", "Xuân Lạc", "Nam Cường", "Đại Sảo", "Ngọc Phái", "Bản Thi",
    "Yên Thượng", "Yên Mỹ", "Hòa Bình", "An Phú", "Phước Long", "Thạnh Mỹ",
)
PER_DISTRICT = 100


def units_csv(count: int) -> str:
    """One province (T01), districts of 100 communes (H001…), ``count`` communes (X00001…).

    The first k communes of a longer list are exactly the communes of the list of k.
    """
    lines = ["code,name,level,parent", f"{UNIT},Tỉnh Thử Nghiệm,tinh,"]
    for d in range((count + PER_DISTRICT - 1) // PER_DISTRICT):
        lines.append(f"H{d + 1:03d},Huyện Thử Nghiệm {d + 1:03d},huyen,{UNIT}")
    for i in range(count):
        lines.append(f"X{i + 1:05d},Xã {COMMUNE_NAMES[i % len(COMMUNE_NAMES)]} {i + 1:05d},xa,H{i // PER_DISTRICT + 1:03d}")
    return "\n".join(lines) + "\n"


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


# --------------------------------------------------------------------------- making the returns

_MAKER: dict[str, Any] = {}


def _maker_init() -> None:
    catalog = load_catalog(ROOT / "indicator_catalog.yaml")
    layout = build_layout(catalog, LEVEL)
    base = yaml.safe_load((ROOT / "examples" / "returns_seed000_tan_lap.yaml").read_text("utf-8"))["values"]
    _MAKER.update(
        catalog=catalog, layout=layout, base=base, period=parse_period(PERIOD),
        stamper=Stamper(layout, parse_period(PERIOD), GENERATED_AT, default_password()),
    )


def _make_district(job: tuple[Path, list[Any]]) -> dict[str, int]:
    """Write one district's returns; the sum of each whole-number input, to check the totals."""
    folder, units = job
    folder.mkdir(parents=True, exist_ok=True)
    catalog, layout, stamper = _MAKER["catalog"], _MAKER["layout"], _MAKER["stamper"]
    sums: Counter[str] = Counter()
    for u in units:
        values = example_values(catalog, layout, u.code, _MAKER["base"])
        data = Filler(stamper.stamp(u), layout).fill(values)
        (folder / template_filename(_MAKER["period"], LEVEL, u)).write_bytes(data)
        for code, v in values.items():
            if isinstance(v, int) and not isinstance(v, bool):
                sums[code] += v
    return dict(sums)


def make_returns(units_path: Path, returns: Path, jobs: int) -> tuple[dict[str, int], int]:
    """Every commune's filled return, in ``returns/<district>/``; the expected sums and bytes."""
    catalog = load_catalog(ROOT / "indicator_catalog.yaml")
    units = load_units(units_path, catalog.levels)
    by_district: dict[str, list[Any]] = {}
    for u in units.at_level(LEVEL):
        by_district.setdefault(u.parent or "", []).append(u)
    work = [(returns / d, us) for d, us in by_district.items()]
    totals: Counter[str] = Counter()
    if jobs > 1 and "fork" in mp.get_all_start_methods():
        with mp.get_context("fork").Pool(jobs, initializer=_maker_init) as pool:
            for sums in pool.imap_unordered(_make_district, work):
                totals.update(sums)
    else:
        _maker_init()
        for job in work:
            totals.update(_make_district(job))
    size = sum(p.stat().st_size for p in returns.rglob("*.xlsx"))
    return dict(totals), size


# --------------------------------------------------------------------------- one measured run (child)


def _rss_now_kib() -> float | None:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1024
    except (OSError, ValueError, IndexError):
        return None


def _reset_peak() -> bool:
    """Reset this process's peak RSS (Linux: VmHWM), so that it measures what follows."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak_kib() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    """Consolidate in this (fresh) process and report times, memory and the outcome."""
    catalog = load_catalog(spec["catalog"])
    units = load_units(spec["units"], catalog.levels)
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    gc.collect()
    rss_before = _rss_now_kib()
    peak_reset = _reset_peak()
    read_done: dict[str, float | None] = {}

    def progress(done: int, total: int) -> None:
        if done == total:
            read_done["t"] = time.perf_counter()
            read_done["rss"] = _rss_now_kib()

    c0 = time.process_time()
    t0 = time.perf_counter()
    res = consolidate(
        spec["paths"], catalog, spec["out"], level=LEVEL, period=PERIOD, units=units, unit=UNIT,
        json_path=spec["json"], workers=spec["workers"], progress=progress, force=True,
    )
    t1 = time.perf_counter()
    cpu_self = time.process_time() - c0
    peak = _peak_kib()
    rss_after = _rss_now_kib()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    files = res.batch.files
    severities = Counter(i.severity for f in files for i in f.issues)
    return {
        "files": len(files),
        "status": dict(Counter(f.status for f in files)),
        "submitted": res.submitted,
        "missing": len(res.missing_units),
        "exit_code": res.exit_code,
        "issues": dict(severities),
        "issue_codes": dict(Counter(i.code for f in files for i in f.issues).most_common(5)),
        "totals": {k: v for k, v in res.totals.items() if isinstance(v, int)},
        "wall": t1 - t0,
        "read_wall": (read_done["t"] - t0) if read_done.get("t") else None,
        "cpu_self": cpu_self,
        "cpu_children": kids.ru_utime + kids.ru_stime,
        "maxrss_start": rss_start,
        "rss_before": rss_before,
        "peak_during": peak if peak_reset else None,
        "rss_after": rss_after,
        "maxrss_children": kids.ru_maxrss,
        "rss_after_reading": read_done.get("rss"),
        "out_bytes": Path(spec["out"]).stat().st_size,
        "json_bytes": Path(spec["json"]).stat().st_size,
    }


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Run :func:`run_child` in a fresh interpreter (its own ru_maxrss)."""
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"the measured run failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=10_000, help="number of returned files (default 10,000)")
    ap.add_argument("--quick", action="store_true", help="a short run: 500 files, 100 for the memory comparison, a sample of 20")
    ap.add_argument("--small", type=int, default=1_000, help="files in the smaller run, for the memory comparison (default 1,000)")
    ap.add_argument("--sample", type=int, default=100, help="files loaded with openpyxl (default 100)")
    ap.add_argument("--workers", type=int, default=None, help="reader processes (default: the library's, 2 at most)")
    ap.add_argument("--jobs", type=int, default=2, help="processes making the files (not measured; default 2)")
    ap.add_argument("--dir", default=None, help="where to make the temporary folder (default: the system's)")
    ap.add_argument("--keep", action="store_true", help="keep the files (the folder is printed)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(run_child(json.loads(args.child))))
        return 0
    if args.quick:
        args.count, args.small, args.sample = QUICK["count"], QUICK["small"], min(args.sample, QUICK["sample"])
    if args.count < 1 or args.sample < 1 or args.small < 1:
        ap.error("--count, --small and --sample must be at least 1")
    # the smaller run takes whole districts (folders of 100)
    small_districts = min((args.small + PER_DISTRICT - 1) // PER_DISTRICT, (args.count + PER_DISTRICT - 1) // PER_DISTRICT)
    small = min(args.count, small_districts * PER_DISTRICT)

    print("cchc-xlsx benchmark: consolidating returned workbooks (issue 5)")
    print_table("Machine", machine_rows())
    catalog_path = ROOT / "indicator_catalog.yaml"
    if args.dir:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cchc-bench-consolidate-", dir=args.dir))
    try:
        (work / "units_all.csv").write_text(units_csv(args.count), encoding="utf-8")
        (work / "units_small.csv").write_text(units_csv(small), encoding="utf-8")
        returns = work / "returns"
        t0 = time.perf_counter()
        expected_sums, size = make_returns(work / "units_all.csv", returns, args.jobs)
        t_make = time.perf_counter() - t0
        print(f"\nMade {args.count:,} returns in {t_make:.1f} s (not measured), {size / args.count / 1024:.1f} KiB each, in {work}")

        # (files, units in the units file): the memory of more files, then of more units
        plan = [(small, small), (small, args.count), (args.count, args.count)] if small < args.count else [(args.count, args.count)]
        runs: dict[tuple[int, int], dict[str, Any]] = {}
        for n, n_units in plan:
            paths = [str(returns)] if n == args.count else [str(returns / f"H{d + 1:03d}") for d in range(small_districts)]
            spec = {
                "catalog": str(catalog_path), "units": str(work / ("units_all.csv" if n_units == args.count else "units_small.csv")),
                "paths": paths, "out": str(work / f"tong_hop_{n}_{n_units}.xlsx"), "json": str(work / f"tong_hop_{n}_{n_units}.json"),
                "workers": args.workers,
            }
            print(f"Consolidating {n:,} files with a units file of {n_units:,} communes …", flush=True)
            runs[(n, n_units)] = measure(spec)

        # openpyxl's load_workbook (default options) and the library's reader, one process, same sample
        all_files = sorted(returns.rglob("*.xlsx"))
        step = max(1, len(all_files) // args.sample)
        sample = all_files[::step][: args.sample]
        import openpyxl

        print(f"Loading {len(sample)} files with openpyxl …", flush=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            for p in sample:
                openpyxl.load_workbook(p).close()
            t_openpyxl = time.perf_counter() - t0
        catalog = load_catalog(catalog_path)
        layouts: dict[str, Any] = {}
        t0 = time.perf_counter()
        for p in sample:
            read_workbook(str(p), catalog, layouts)
        t_reader = time.perf_counter() - t0
    finally:
        if args.keep:
            print(f"\nFiles kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    # ------------------------------------------------------------------ report
    layout = build_layout(load_catalog(catalog_path), LEVEL)
    full = runs[(args.count, args.count)]
    n = args.count
    print_table("Input", [
        ("catalogue / level / period", f"{catalog_path.name} / {LEVEL} / {PERIOD}"),
        ("form rows", str(len(layout.rows))),
        ("returned files (folders of 100 per district)", f"{n:,}"),
        ("average file size", f"{size / n / 1024:.1f} KiB"),
        ("reader processes", str(args.workers) if args.workers is not None else "library default (min(cores, 2))"),
    ])

    def col(r: dict[str, Any], what: str) -> str:
        files = r["files"]
        if what == "wall":
            return f"{r['wall']:.2f} s"
        if what == "ms":
            return f"{r['wall'] / files * 1e3:.2f}"
        if what == "read":
            return f"{r['read_wall'] / files * 1e3:.2f}" if r["read_wall"] is not None else "?"
        if what == "rest":
            return f"{(r['wall'] - r['read_wall']) / files * 1e3:.2f}" if r["read_wall"] is not None else "?"
        if what == "cpu":
            return f"{r['cpu_self']:.1f} s / {r['cpu_children']:.1f} s"
        if what == "rss_start":
            return mib(r["maxrss_start"])
        if what == "rss_before":
            return mib(r["rss_before"]) if r["rss_before"] else "?"
        if what == "peak":
            return mib(r["peak_during"]) if r["peak_during"] else "?"
        if what == "rss_read":
            return mib(r["rss_after_reading"]) if r["rss_after_reading"] else "?"
        if what == "rss_after":
            return mib(r["rss_after"]) if r["rss_after"] else "?"
        if what == "rss_kids":
            return mib(r["maxrss_children"])
        if what == "out":
            return f"{r['out_bytes'] / 1e6:.1f} MB / {r['json_bytes'] / 1e6:.1f} MB"
        if what == "status":
            s = r["status"]
            return f"{s.get('accepted', 0):,} / {s.get('rejected', 0)} / {s.get('skipped', 0)} / {r['missing']}"
        if what == "issues":
            i = r["issues"]
            return f"{i.get('error', 0):,} / {i.get('warning', 0):,} / {i.get('info', 0):,}"
        if what == "exit":
            return str(r["exit_code"])
        raise KeyError(what)

    lines = [
        ("consolidate(): wall time", "wall"),
        ("  ms per file", "ms"),
        ("    reading + checks (worker processes)", "read"),
        ("    rest: assess, add up, write .xlsx + JSON", "rest"),
        ("CPU: this process / workers", "cpu"),
        ("peak RSS of this process before consolidate() (start-up)", "rss_start"),
        ("RSS of this process when consolidate() is called", "rss_before"),
        ("peak RSS of this process during consolidate() (VmHWM)", "peak"),
        ("RSS of this process once every file is read", "rss_read"),
        ("RSS of this process once the outputs are written", "rss_after"),
        ("peak RSS of the largest worker (ru_maxrss)", "rss_kids"),
        ("consolidated .xlsx / JSON report", "out"),
        ("files accepted / rejected / skipped / units missing", "status"),
        ("issues: error / warning / info", "issues"),
        ("exit code", "exit"),
    ]
    header = ("",) + tuple(f"{k:,} files / {u:,} units" for k, u in runs)
    print_table("Consolidation (wall clock, one run each, each in a fresh process)",
                [header] + [(label,) + tuple(col(runs[k], what) for k in runs) for label, what in lines])

    ms_full = full["wall"] / n * 1e3
    ms_openpyxl = t_openpyxl / len(sample) * 1e3
    ms_reader = t_reader / len(sample) * 1e3
    ratio = ms_openpyxl / ms_full
    print_table("Against openpyxl (ms per file)", [
        (f"openpyxl.load_workbook (default), 1 process, {len(sample)} files", f"{ms_openpyxl:.1f}"),
        ("cchc_xlsx read_workbook, 1 process, same files", f"{ms_reader:.2f}"),
        (f"cchc_xlsx consolidate(), {n:,} files, everything included", f"{ms_full:.2f}"),
        ("openpyxl load alone / consolidate() everything", f"{ratio:.1f}x"),
        ("openpyxl load alone / read_workbook, both 1 process", f"{ms_openpyxl / ms_reader:.1f}x"),
    ])

    # correctness: every whole-number input row sums to what was typed
    checked = [c for c in expected_sums if c in full["totals"] and layout.catalog.row(c).agg == "sum"]
    wrong = [c for c in checked if full["totals"][c] != expected_sums[c]]
    if full["status"].get("accepted", 0) != n or full["submitted"] != n:
        wrong.append(f"{full['status']} for {n} files")

    print("\nTargets")
    print("-------")
    print(f"<= {TARGET_MS:g} ms per file: {'met' if ms_full <= TARGET_MS else 'MISSED'} ({ms_full:.2f} ms per file, {n:,} files)")
    print(f">= {TARGET_RATIO:g}x faster than openpyxl's load_workbook: {'met' if ratio >= TARGET_RATIO else 'MISSED'} ({ratio:.1f}x)")
    if len(runs) > 1:
        # NOTE: bytes per added file, not a ratio: a ratio of two sizes that both
        # hold the interpreter, the catalogue and the units file looks flat anyway
        def per_added(a: dict[str, Any], b: dict[str, Any], added: int) -> dict[str, float]:
            return {
                what: (b[key] - a[key]) * 1024 / added
                for what, key in (("peak", "peak_during"), ("once read", "rss_after_reading"), ("once written", "rss_after"), ("largest worker", "maxrss_children"))
                if a.get(key) and b.get(key)
            }

        per_file = per_added(runs[(small, n)], full, n - small)
        per_unit = per_added(runs[(small, small)], runs[(small, n)], n - small)
        flat = len(per_file) == 4 and all(v <= FLAT_BYTES_PER_FILE for v in per_file.values())
        print(
            f"memory flat from {small:,} to {n:,} files, the same {n:,} units (<= {FLAT_BYTES_PER_FILE} bytes per added file): {'met' if flat else 'NO'} "
            "(bytes per added file: " + ", ".join(f"{k} {v:,.0f}" for k, v in per_file.items()) + ")"
        )
        print(
            f"(not a target) each unit of the units file, from {small:,} to {n:,} units, the same {small:,} files: "
            + ", ".join(f"{k} {v:,.0f}" for k, v in per_unit.items()) + " bytes per added unit (a book holds at most 16,379 unit columns)"
        )
    if wrong:
        print(f"CONSOLIDATION WRONG: {', '.join(wrong[:10])}", file=sys.stderr)
        return 1
    print(f"\nSanity: all {n:,} files accepted; {len(checked)} summed rows equal the sums of the figures written.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
