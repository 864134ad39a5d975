"""Every output the tool writes, hashed: to prove a refactoring changed no byte.

Runs, in a fresh folder and with a fixed ``SOURCE_DATE_EPOCH`` (so that the
generation time written into workbooks is the same), the installed
``cchc-xlsx``:

1. ``demo`` (templates, returns, district and province books, JSON, CSV, own forms);
2. ``generate`` of one template per commune of a synthetic province of
   ``--count`` communes (default 2,000; the units file of ``benchmarks/``);
3. ``consolidate`` of those communes' filled returns (varied figures, as in
   ``benchmarks/bench_consolidate.py``) with ``--json`` and ``--csv``.

Prints one line per file, ``sha256  relative/path``, sorted, and writes the same
to ``--out``. Compare two runs with ``diff``::

    .venv/bin/python scripts/output_digest.py --out before.txt    # on the old commit
    .venv/bin/python scripts/output_digest.py --out after.txt     # on the new one
    diff before.txt after.txt && echo identical
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1711929600"  # 2024-04-01T00:00:00Z


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="also write the digest here")
    ap.add_argument("--count", type=int, default=2000, help="communes of the synthetic province (default 2,000)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    cli = Path(sys.executable).with_name("cchc-xlsx")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "CI": "1"}
    work = Path(tempfile.mkdtemp(prefix="cchc-digest-"))
    try:
        def run(*argv: str) -> None:
            proc = subprocess.run([str(cli), *argv], cwd=work, env=env, capture_output=True, text=True)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"{' '.join(argv)} → {proc.returncode}\n{proc.stderr}")

        run("demo", "--out", "demo")
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from bench_consolidate import make_returns, units_csv  # type: ignore[import-not-found]

        (work / "units.csv").write_text(units_csv(args.count), encoding="utf-8")
        run("generate", "--level", "xa", "--period", "2024-Q1", "--units", "units.csv", "--out", "templates")
        os.environ["SOURCE_DATE_EPOCH"] = EPOCH
        make_returns(work / "units.csv", work / "returns", 2)
        run("consolidate", "returns", "--level", "xa", "--period", "2024-Q1", "--units", "units.csv", "--unit", "T01",
            "--out", "tong_hop.xlsx", "--json", "tong_hop.json", "--csv", "tong_hop.csv")
        lines = sorted(
            f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(work).as_posix()}"
            for p in work.rglob("*") if p.is_file()
        )
        text = "\n".join(lines) + "\n"
        sys.stdout.write(text)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
        print(f"{len(lines)} files", file=sys.stderr)
    finally:
        if args.keep:
            print(f"kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
