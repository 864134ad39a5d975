"""LibreOffice headless as a real spreadsheet client for the tests.

Two operations, each one ``soffice`` process for any number of files (a start
costs ~2 s, each further file ~0.2 s):

- :func:`recalculate` opens .xlsx files and saves them as .xlsx with every
  formula recomputed by LibreOffice (a throwaway profile sets
  ``OOXMLRecalcMode`` to 0, "always recalculate on load", and the locale to
  en-US, so that ``&`` turns 2.5 into "2.5" whatever the machine's locale);
  read the results with ``openpyxl.load_workbook(path, data_only=True)``.
  NOTE: LibreOffice 7.4 writes a formula's cached number with 15 significant
  digits (1/3*100 is saved as 33.3333333333333): compare with a tolerance.
- :func:`resave` / :func:`resave_all` open and save without changes and with
  LibreOffice's default settings: "a return re-saved by LibreOffice", as a
  commune official who fills the form in LibreOffice sends it back.

Both call :func:`require_soffice` (tests may call it first, in a fixture):
without LibreOffice the calling test FAILS and says how to install it, unless
``CCHC_SKIP_LIBREOFFICE=1`` asks to skip it. ``$SOFFICE`` names another
executable.
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
# the export filter of "Excel 2007-365 (.xlsx)"
XLSX_FILTER = "xlsx:Calc MS Excel 2007 XML"
# a first start with a fresh profile is slower than the ~2 s of later ones
START_TIMEOUT = 90.0
PER_FILE_TIMEOUT = 5.0

_CANDIDATES = (
    "soffice",
    "libreoffice",
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)

_RECALC_ALWAYS_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>en-US</value></prop></item>
</oor:items>
"""

_MISSING = (
    "LibreOffice (soffice) is not installed, so the real-client tests cannot run. "
    "Run `make test` as root: it installs it (apt-get install --no-install-recommends "
    "libreoffice-calc-nogui). To skip these tests on purpose, set {env}=1."
)


class LibreOfficeError(RuntimeError):
    """soffice failed, timed out, or did not write every output file."""


def soffice_path() -> str | None:
    """The soffice executable (``$SOFFICE`` first, then PATH and the usual places), or None."""
    explicit = os.environ.get("SOFFICE")
    if explicit:
        return shutil.which(explicit) or (explicit if Path(explicit).is_file() else None)
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_soffice() -> str:
    """soffice's path; otherwise fail the calling test (or skip it when
    ``CCHC_SKIP_LIBREOFFICE=1``) with how to install it."""
    path = soffice_path()
    if path is not None:
        return path
    message = _MISSING.format(env=SKIP_ENV)
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(message)
    pytest.fail(message, pytrace=False)


def recalculate(paths: Sequence[Path], out_dir: Path, timeout: float | None = None) -> list[Path]:
    """Open every workbook in LibreOffice, recompute every formula, save as .xlsx.

    One soffice process for all ``paths``; returns the output paths in the
    same order (``out_dir / name``). Input names must be distinct and
    ``out_dir`` must not hold the inputs (soffice would overwrite them).
    """
    return _convert(paths, out_dir, recalc_always=True, timeout=timeout)


def resave(path: Path, out_dir: Path, timeout: float | None = None) -> Path:
    """Open ``path`` in LibreOffice with its default settings and save it as .xlsx, unchanged."""
    return resave_all([path], out_dir, timeout)[0]


def resave_all(paths: Sequence[Path], out_dir: Path, timeout: float | None = None) -> list[Path]:
    """:func:`resave` for many files in one soffice process."""
    return _convert(paths, out_dir, recalc_always=False, timeout=timeout)


def to_pdf(paths: Sequence[Path], out_dir: Path, timeout: float | None = None) -> list[Path]:
    """Open each file (a .docx or an .xlsx) and export it as PDF into ``out_dir``
    (``pdftotext`` reads the text back, ``pdftoppm`` draws the pages)."""
    return _convert(paths, out_dir, recalc_always=True, timeout=timeout, to="pdf", suffix=".pdf")


def _convert(
    paths: Sequence[Path],
    out_dir: Path,
    *,
    recalc_always: bool,
    timeout: float | None,
    to: str = XLSX_FILTER,
    suffix: str = ".xlsx",
) -> list[Path]:
    soffice = require_soffice()
    inputs = [Path(p).resolve() for p in paths]
    if not inputs:
        return []
    out = Path(out_dir).resolve()
    names = [p.stem + suffix for p in inputs]
    if len(set(names)) != len(names):
        raise ValueError(f"two inputs would be saved under the same name in {out}: {sorted(names)}")
    for p in inputs:
        if not p.is_file():
            raise FileNotFoundError(p)
        if p.parent == out:
            raise ValueError(f"{p} is in the output folder {out}; soffice would overwrite it")
    out.mkdir(parents=True, exist_ok=True)
    targets = [out / n for n in names]
    for t in targets:
        t.unlink(missing_ok=True)
    limit = timeout if timeout is not None else START_TIMEOUT + PER_FILE_TIMEOUT * len(inputs)
    with tempfile.TemporaryDirectory(prefix="cchc-lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        if recalc_always:
            (user / "registrymodifications.xcu").write_text(_RECALC_ALWAYS_XCU, encoding="utf-8")
        cmd = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            *map(str, inputs),
        ]
        stdout, stderr, rc = _run(cmd, limit, cwd=profile)
    missing = [t for t in targets if not t.is_file()]
    if rc != 0 or missing:
        raise LibreOfficeError(
            f"soffice exited with {rc}; {len(missing)} of {len(targets)} files not written "
            f"({', '.join(m.name for m in missing[:5])})\nstdout: {stdout[-2000:]}\nstderr: {stderr[-2000:]}"
        )
    return targets


def _run(cmd: list[str], timeout: float, cwd: str) -> tuple[str, str, int]:
    # NOTE: soffice forks helpers (oosplash → soffice.bin); a new session lets a
    # timeout end the whole group it started, and nothing else.
    env = dict(os.environ, SAL_USE_VCLPLUGIN="svp")
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
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
        raise LibreOfficeError(
            f"soffice did not finish within {timeout:g} s\nstdout: {stdout[-2000:]}\nstderr: {stderr[-2000:]}"
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
