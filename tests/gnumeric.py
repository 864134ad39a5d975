"""Gnumeric's ``ssconvert`` as a second real spreadsheet client for the tests.

:func:`resave` opens an .xlsx in Gnumeric and saves it as .xlsx with the
"Gnumeric_Excel:xlsx2" exporter (ISO/IEC 29500, "MS Excel 2010"): "a return
re-saved by Gnumeric", as a commune official who fills the form in Gnumeric
sends it back. One ``ssconvert`` process per file (~0.2 s each).

What Gnumeric 1.12.55 keeps and drops of one of our returns (checked with
openpyxl on the return of ``tests/test_foreign_files.py``):

- keeps: every cell value and formula; the sheet protection of both sheets
  (``sheet="1"``) and the 199 unlocked input cells; the 82 workbook-scoped
  names of the input cells and the print area; the 199 data validations, on
  the same cells; the 12 merges; the conditional formats, on the same cells
  (rules that are alike merged: 111 blocks become 53);
- cached formula values: written for every formula, but Gnumeric does not
  recalculate on load — it computes the formulas that had no cached value
  (a ratio cached as empty comes back as 18.75) and keeps the others as they
  were, even stale (a check cell cached as 0 stays 0 beside the error
  message its neighbour now shows);
- drops: the workbook-structure lock (``<workbookProtection>`` is not read:
  ssconvert warns "Unexpected element 'workbookProtection'"), the sheet
  password's hash (the sheets stay protected, without a password), and the
  metadata sheet's ``state="veryHidden"``: it comes back *visible*;
- changes: texts are written inline (``t="inlineStr"``; formula texts go to
  the shared strings), every part is indented, ``_xlnm.Print_Titles`` becomes
  a plain sheet-local name ``Print_Titles`` (the repeated header rows are
  lost), and ``_xlnm.Sheet_Title`` names plus a ``#REF!`` print area for the
  metadata sheet are added.

:func:`require_ssconvert` (the tests may call it first, in a fixture): without
Gnumeric the calling test FAILS and says how to install it, unless
``CCHC_SKIP_LIBREOFFICE=1`` — the one switch of ``make test`` for the real
clients — asks to skip it. ``$SSCONVERT`` names another executable.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

SKIP_ENV = "CCHC_SKIP_LIBREOFFICE"
# ISO/IEC 29500:2008 & ECMA-376 2nd edition: "MS Excel 2010" (``ssconvert --list-exporters``)
XLSX_EXPORTER = "Gnumeric_Excel:xlsx2"
TIMEOUT = 60.0

_MISSING = (
    "Gnumeric (ssconvert) is not installed, so the real-client tests cannot run. "
    "Run `make test` as root: it installs it (apt-get install --no-install-recommends "
    "gnumeric). To skip these tests on purpose, set {env}=1."
)


class GnumericError(RuntimeError):
    """ssconvert failed, timed out, or did not write the output file."""


def ssconvert_path() -> str | None:
    """The ssconvert executable (``$SSCONVERT`` first, then PATH), or None."""
    explicit = os.environ.get("SSCONVERT")
    if explicit:
        return shutil.which(explicit) or (explicit if Path(explicit).is_file() else None)
    return shutil.which("ssconvert") or (
        "/usr/bin/ssconvert" if Path("/usr/bin/ssconvert").is_file() else None
    )


def require_ssconvert() -> str:
    """ssconvert's path; otherwise fail the calling test (or skip it when
    ``CCHC_SKIP_LIBREOFFICE=1``) with how to install it."""
    path = ssconvert_path()
    if path is not None:
        return path
    message = _MISSING.format(env=SKIP_ENV)
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(message)
    pytest.fail(message, pytrace=False)


def resave(src: Path, dst: Path, timeout: float = TIMEOUT) -> Path:
    """Open ``src`` in Gnumeric and save it as .xlsx at ``dst`` (replaced if it exists)."""
    ssconvert = require_ssconvert()
    src, dst = Path(src).resolve(), Path(dst).resolve()
    if not src.is_file():
        raise FileNotFoundError(src)
    if src == dst:
        raise ValueError(f"{src}: ssconvert would overwrite its input")
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.unlink(missing_ok=True)
    # NOTE: a throwaway HOME, so that Gnumeric's settings and recent-files list
    # are neither read from nor written to the user's
    with tempfile.TemporaryDirectory(prefix="cchc-gnumeric-home-") as home:
        cmd = [ssconvert, f"--export-type={XLSX_EXPORTER}", str(src), str(dst)]
        stdout, stderr, rc = _run(cmd, timeout, home)
    if rc != 0 or not dst.is_file():
        raise GnumericError(
            f"ssconvert exited with {rc} and {'wrote' if dst.is_file() else 'did not write'} {dst.name}"
            f"\nstdout: {stdout[-2000:]}\nstderr: {stderr[-2000:]}"
        )
    return dst


def resave_all(paths: Sequence[Path], out_dir: Path, timeout: float = TIMEOUT) -> list[Path]:
    """:func:`resave` for each of ``paths`` into ``out_dir`` (same names), in order."""
    out = Path(out_dir)
    names = [Path(p).name for p in paths]
    if len(set(names)) != len(names):
        raise ValueError(f"two inputs would be saved under the same name in {out}: {sorted(names)}")
    return [resave(Path(p), out / Path(p).name, timeout) for p in paths]


def _run(cmd: list[str], timeout: float, home: str) -> tuple[str, str, int]:
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home, XDG_DATA_HOME=home, XDG_CACHE_HOME=home)
    env.pop("DISPLAY", None)  # never open a window
    proc = subprocess.Popen(
        cmd,
        cwd=home,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        stdout, stderr = proc.communicate()
        raise GnumericError(
            f"ssconvert did not finish within {timeout:g} s\nstdout: {stdout[-2000:]}\nstderr: {stderr[-2000:]}"
        ) from None
    return stdout, stderr, proc.returncode


def _kill_group(proc: subprocess.Popen[str]) -> None:
    if not hasattr(os, "killpg"):  # Windows: no process groups
        proc.kill()
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
