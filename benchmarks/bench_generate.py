"""Benchmark: generating one locked template per unit (issue 3).

Measures ``cchc_xlsx.generate`` for a synthetic units list (default 10,000
communes, catalogue ``indicator_catalog.yaml``, level ``xa``, period
``2024-Q1``): wall time per unit, files written to a temporary folder. In the
same run, for comparison, a sample of units (default 50) is rendered from
scratch with XlsxWriter (``cchc_xlsx.write.template.render_template``, the way a
naive generator would do it for every unit) and written the same way; its time
per unit is extrapolated to the whole list.

    .venv/bin/python benchmarks/bench_generate.py            # 10,000 units
    .venv/bin/python benchmarks/bench_generate.py --quick    # 500 units, to try

Target: at most 2 ms per unit. A script, not a test: it prints a table and
exits 0 even when the target is missed (exit 1 only when the output is wrong).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import machine_rows, print_table

from cchc_xlsx import generate, load_catalog, load_units, parse_period
from cchc_xlsx.atomic import atomic_write_bytes
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.read.workbook import read_workbook
from cchc_xlsx.write.generate import Stamper, template_filename
from cchc_xlsx.write.protection import default_password
from cchc_xlsx.write.template import render_template

ROOT = Path(__file__).resolve().parent.parent

TARGET_MS = 2.0
QUICK_COUNT = 500
QUICK_SAMPLE = 20
COMMUNE_NAMES = (
    "Tân Lập", "Yên Phong", "Đồng Lạc", "Bình Trung", "Phương Viên", "Quảng Bạch", "Nghĩa Tá",
    "Lương Bằng", "Bằng Lãng", "Xuân Lạc", "Nam Cường", "Đại Sảo", "Ngọc Phái", "Bản Thi",
    "Yên Thượng", "Yên Mỹ", "Hòa Bình", "An Phú", "Phước Long", "Thạnh Mỹ",
)
PER_DISTRICT = 100


def units_csv(count: int, level: str) -> str:
    """One province (T01), districts of 100 communes (H001…), ``count`` units at ``level`` (X00001…).

    Names are real commune names with a number, so every name and file name is unique.
    """
    lines = ["code,name,level,parent", "T01,Tỉnh Thử Nghiệm,tinh,"]
    with_districts = level == "xa"
    if with_districts:
        for d in range((count + PER_DISTRICT - 1) // PER_DISTRICT):
            lines.append(f"H{d + 1:03d},Huyện Thử Nghiệm {d + 1:03d},huyen,T01")
    prefix = "Xã" if level == "xa" else "Đơn vị"
    for i in range(count):
        parent = f"H{i // PER_DISTRICT + 1:03d}" if with_districts else "T01"
        lines.append(f"X{i + 1:05d},{prefix} {COMMUNE_NAMES[i % len(COMMUNE_NAMES)]} {i + 1:05d},{level},{parent}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=10_000, help="number of units (default 10,000)")
    ap.add_argument("--quick", action="store_true", help=f"a short run: {QUICK_COUNT} units, a sample of {QUICK_SAMPLE}")
    ap.add_argument("--sample", type=int, default=50, help="units rendered from scratch with XlsxWriter (default 50)")
    ap.add_argument("--catalog", default=str(ROOT / "indicator_catalog.yaml"), help="catalogue (default: indicator_catalog.yaml)")
    ap.add_argument("--level", default="xa", help="level of the units (default xa)")
    ap.add_argument("--period", default="2024-Q1", help="period (default 2024-Q1)")
    ap.add_argument("--dir", default=None, help="where to make the temporary folder (default: the system's)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files (the folder is printed)")
    args = ap.parse_args(argv)
    if args.quick:
        args.count, args.sample = QUICK_COUNT, min(args.sample, QUICK_SAMPLE)
    if args.count < 1 or args.sample < 1:
        ap.error("--count and --sample must be at least 1")

    print("cchc-xlsx benchmark: template generation (issue 3)")
    print_table("Machine", machine_rows())

    catalog = load_catalog(args.catalog)
    period = parse_period(args.period)
    password = default_password()
    if args.dir:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cchc-bench-generate-", dir=args.dir))
    try:
        t0 = time.perf_counter()
        units_path = work / "units.csv"
        units_path.write_text(units_csv(args.count, args.level), encoding="utf-8")
        units = load_units(units_path, catalog.levels)
        t_units = time.perf_counter() - t0
        targets = units.at_level(args.level)

        # 1. the library: cchc_xlsx.generate (one render, then each unit's identity stamped in)
        out = work / "templates"
        c0 = time.process_time()
        t0 = time.perf_counter()
        files = generate(catalog, args.level, period, out, units, password=password)
        t_gen = time.perf_counter() - t0
        cpu_gen = time.process_time() - c0
        n_files = sum(1 for p in out.iterdir() if p.suffix == ".xlsx")
        n_bytes = sum(p.stat().st_size for p in out.iterdir())

        # breakdown: the one-off render, and stamping in memory only (no disk)
        layout = build_layout(catalog, args.level)
        t0 = time.perf_counter()
        stamper = Stamper(layout, period, "2024-03-15T00:00:00+00:00", password)
        t_render_once = time.perf_counter() - t0
        t0 = time.perf_counter()
        for u in targets:
            stamper.stamp(u)
        t_stamp = time.perf_counter() - t0

        # 2. the comparison: each workbook rendered from scratch with XlsxWriter, written the same way
        sample = targets[: args.sample]
        scratch = work / "from_scratch"
        scratch.mkdir()
        t0 = time.perf_counter()
        for u in sample:
            data = render_template(
                layout, period, unit_name=u.name, unit_code=u.code, unit_level=u.level,
                generated_at="2024-03-15T00:00:00+00:00", password=password,
            )
            atomic_write_bytes(scratch / template_filename(period, args.level, u), data)
        t_scratch = time.perf_counter() - t0

        # sanity: the first and last files are accepted templates of the right unit
        wrong: list[str] = []
        if n_files != len(targets) or len(files) != len(targets):
            wrong.append(f"{n_files} files written for {len(targets)} units")
        for gf in (files[0], files[-1]):
            res = read_workbook(str(gf.path), catalog)
            if res.status != "accepted" or gf.unit is None or res.unit != gf.unit.code or res.period != period.code:
                wrong.append(f"{gf.path.name}: {res.status}, unit {res.unit}, period {res.period}")
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        if args.keep:
            print(f"\nFiles kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    n = len(targets)
    ms_gen = t_gen / n * 1e3
    ms_scratch = t_scratch / len(sample) * 1e3
    print_table("Input", [
        ("catalogue", f"{catalog.id} {catalog.version} ({Path(args.catalog).name})"),
        ("level / period", f"{args.level} / {period.code}"),
        ("form rows at this level", str(len(layout.rows))),
        ("units at this level", f"{n:,}"),
        ("units file written and loaded", f"{t_units * 1e3:.0f} ms"),
    ])
    print_table("Results (wall clock, one run)", [
        ("", "total", "ms per unit"),
        ("cchc_xlsx.generate: files written", f"{t_gen:.2f} s", f"{ms_gen:.3f}"),
        ("  CPU time of this process", f"{cpu_gen:.2f} s", f"{cpu_gen / n * 1e3:.3f}"),
        ("  one-off render of the form (included once above)", f"{t_render_once * 1e3:.0f} ms", ""),
        ("  stamping only, in memory, no disk (separate pass)", f"{t_stamp:.2f} s", f"{t_stamp / n * 1e3:.3f}"),
        (f"XlsxWriter from scratch: {len(sample)} units rendered and written", f"{t_scratch:.2f} s", f"{ms_scratch:.2f}"),
        (f"  extrapolated to {n:,} units", f"{ms_scratch * n / 1e3:.1f} s", ""),
        ("speed-up of generate over rendering from scratch", f"{ms_scratch / ms_gen:.0f}x", ""),
        ("files / bytes written by generate", f"{n_files:,}", f"{n_bytes / n / 1024:.1f} KiB each"),
        ("peak memory of this process (ru_maxrss)", f"{maxrss:.0f} MiB", ""),
    ])
    verdict = "met" if ms_gen <= TARGET_MS else "MISSED"
    print(f"\nTarget <= {TARGET_MS:g} ms per unit: {verdict} ({ms_gen:.3f} ms per unit for {n:,} units).")
    if wrong:
        print("OUTPUT WRONG: " + "; ".join(wrong), file=sys.stderr)
        return 1
    print("Sanity: every unit has its file; the first and last read back as accepted templates of their unit.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
