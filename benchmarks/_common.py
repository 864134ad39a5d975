"""What both benchmark scripts print: the machine, and tables of figures."""

from __future__ import annotations

import os
import platform


def machine_rows() -> list[tuple[str, str]]:
    import openpyxl
    import xlsxwriter

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return [
        ("nproc (usable cores)", str(cores)),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("platform", platform.platform()),
        ("XlsxWriter / openpyxl", f"{xlsxwriter.__version__} / {openpyxl.__version__}"),
        ("load average at start (1/5/15 min)", load),
    ]


def print_table(title: str, rows: list[tuple[str, ...]]) -> None:
    """Labels left-aligned, figures right-aligned."""
    print(f"\n{title}\n{'-' * len(title)}")
    ncol = max(len(r) for r in rows)
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(ncol)]
    for r in rows:
        cells = [c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)]
        print("  ".join(cells).rstrip())
