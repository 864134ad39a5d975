#!/usr/bin/env python3
"""Render the README's pictures from the demo output with LibreOffice headless.

    python scripts/render_pictures.py DEMO_DIR OUT_DIR

DEMO_DIR is what ``cchc-xlsx demo --out DEMO_DIR`` wrote (``make pictures`` runs
``make demo`` first). Each workbook is copied to a scratch folder, converted to
PDF by ``soffice`` with a throwaway profile (so the user's LibreOffice settings
play no part), and page 1 of the PDF becomes a PNG with ``pdftoppm``:

* OUT_DIR/template_tan_lap.png     — xã Tân Lập's filled return, first page;
* OUT_DIR/consolidated_cho_don.png — huyện Chợ Đồn's consolidated sheet "Tổng hợp";
* OUT_DIR/charts_cho_don.png       — the same workbook's chart sheet "Biểu đồ";
* OUT_DIR/report_cho_don.png       — the first page of the district's report draft (.docx).

LibreOffice prints every visible sheet; the sheet we want is the first one, so
its first page is page 1 of the PDF (for the chart sheet, the copy converted
has its other sheets hidden: they still feed the charts, but are not printed). A picture larger than MAX_BYTES is
rendered again at a lower resolution.

Needs only the standard library, LibreOffice (Debian: libreoffice-calc-nogui)
and pdftoppm (Debian: poppler-utils). The fonts matter: the workbooks use Times
New Roman, and LibreOffice sizes columns from the default font, Calibri; without
them or their metric-compatible stand-ins (Debian: fonts-liberation2 — not
fonts-liberation 1.x, which lacks Vietnamese letters — and fonts-crosextra-carlito)
the pictures show other widths, scales and line breaks than a user's printout.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DPI = 80
DEFAULT_LOCALE = "vi-VN"
MIN_DPI = 40
MAX_BYTES = 400 * 1024
SOFFICE_TIMEOUT = 300  # seconds, for a cold start of LibreOffice plus two conversions
PDFTOPPM_TIMEOUT = 60

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}


@dataclass(frozen=True)
class Picture:
    source: str  # relative to DEMO_DIR
    sheet: str  # the sheet that must print first
    out: str  # file name in OUT_DIR
    what: str  # for messages
    only: bool = False  # print ``sheet`` alone (the copy's other sheets hidden)


PICTURES = (
    Picture(
        "2_bao_cao_xa_nop_ve/H01/2024-Q1_xa_X0114_xa_tan_lap.xlsx",
        "",  # the form's first sheet, whatever the catalogue calls it
        "template_tan_lap.png",
        "biểu mẫu xã Tân Lập đã điền / xã Tân Lập's filled return",
    ),
    Picture(
        "3_tong_hop_huyen/2024-Q1_huyen_H01_tong_hop.xlsx",
        "Tổng hợp",
        "consolidated_cho_don.png",
        "biểu tổng hợp huyện Chợ Đồn / the Chợ Đồn district consolidation",
    ),
    Picture(
        "3_tong_hop_huyen/2024-Q1_huyen_H01_tong_hop.xlsx",
        "Biểu đồ",
        "charts_cho_don.png",
        "trang biểu đồ của biểu tổng hợp / the consolidation's chart sheet",
        only=True,
    ),
    Picture(
        "8_du_thao_bao_cao/2024-Q1_huyen_H01_bao_cao.docx",
        "",
        "report_cho_don.png",
        "dự thảo báo cáo của huyện Chợ Đồn, trang 1 / the district's report draft, page 1",
    ),
)


class RenderError(Exception):
    """A problem the user can fix; the message is printed without a traceback."""


# --------------------------------------------------------------------------- tools


def find_soffice() -> str:
    """``$SOFFICE``, else soffice/libreoffice on PATH, else the usual install folders."""
    env = os.environ.get("SOFFICE")
    if env:
        if shutil.which(env):
            return env
        raise RenderError(
            f"Biến SOFFICE={env!r} không trỏ tới chương trình LibreOffice nào.\n"
            f"SOFFICE={env!r} does not point to a LibreOffice executable."
        )
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for path in (
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
        r"C:\Program Files\LibreOffice\program\soffice.exe",
        "/opt/libreoffice/program/soffice",
    ):
        if os.access(path, os.X_OK):
            return path
    raise RenderError(
        "Không tìm thấy LibreOffice (soffice). Cài bằng:\n"
        "  sudo apt-get install --no-install-recommends libreoffice-calc-nogui\n"
        "hoặc đặt biến SOFFICE=/đường/dẫn/tới/soffice.\n"
        "LibreOffice (soffice) not found. Install it with the command above (Debian/Ubuntu),\n"
        "or set SOFFICE=/path/to/soffice."
    )


def find_pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found:
        return found
    raise RenderError(
        "Không tìm thấy pdftoppm (gói poppler-utils). Cài bằng:\n"
        "  sudo apt-get install --no-install-recommends poppler-utils\n"
        "pdftoppm (package poppler-utils) not found. Install it with the command above\n"
        "(Debian/Ubuntu; macOS: brew install poppler)."
    )


# Vietnamese letters (Latin Extended Additional); a font without them is patched
# glyph by glyph from another font, which shows in the pictures.
_VIETNAMESE = "charset=1ea0-1ef9"
# The workbook fonts and the metric-compatible stand-ins that give the same widths.
# Calibri matters although no cell uses it: it is the workbook's default font, from
# which LibreOffice converts column widths (in characters) to points.
_FONTS = {
    "Times New Roman": (("Times New Roman", "Liberation Serif", "Tinos"), "fonts-liberation2"),
    "Calibri": (("Calibri", "Carlito"), "fonts-crosextra-carlito"),
}


def warn_about_fonts() -> None:
    """Say so when a workbook font will be drawn with a font of other widths."""
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return
    for font, (good, package) in _FONTS.items():
        try:
            got = subprocess.run(
                [fc_match, "-f", "%{family}", f"{font}:{_VIETNAMESE}"],
                capture_output=True, text=True, timeout=30, check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return
        if not any(ok in got for ok in good):
            print(
                f"Cảnh báo: thiếu phông {font} (có đủ chữ Việt); LibreOffice dùng {got or '?'} thay thế,\n"
                "độ rộng khác nên ảnh không giống bản in trên máy người dùng.\n"
                f"  Cài: sudo apt-get install --no-install-recommends {package}\n"
                f"Warning: no {font} with Vietnamese letters; LibreOffice falls back to {got or '?'},\n"
                f"whose widths differ, so the pictures are not what users print. Install {package}.",
                file=sys.stderr,
            )


# --------------------------------------------------------------------------- workbooks


def first_visible_sheet(xlsx: Path) -> str:
    """The name of the first visible sheet, read from xl/workbook.xml."""
    try:
        with zipfile.ZipFile(xlsx) as zf:
            root = ET.fromstring(zf.read("xl/workbook.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError) as exc:
        raise RenderError(
            f"Không đọc được tệp Excel {xlsx}: {exc}\nCannot read the workbook {xlsx}: {exc}"
        ) from exc
    for sheet in root.iterfind("m:sheets/m:sheet", _NS):
        if sheet.get("state", "visible") == "visible":
            return sheet.get("name", "")
    return ""


def check_sources(demo_dir: Path) -> list[Path]:
    if not demo_dir.is_dir():
        raise RenderError(
            f"Không có thư mục {demo_dir}. Chạy trước: cchc-xlsx demo --out {demo_dir}\n"
            f"No folder {demo_dir}. Run first: cchc-xlsx demo --out {demo_dir}"
        )
    paths = []
    for pic in PICTURES:
        path = demo_dir / pic.source
        if not path.is_file():
            raise RenderError(
                f"Thiếu tệp {path} ({pic.what}). Chạy lại: cchc-xlsx demo --out {demo_dir}\n"
                f"Missing {path}. Run again: cchc-xlsx demo --out {demo_dir}"
            )
        if pic.sheet and not pic.only:
            first = first_visible_sheet(path)
            if first != pic.sheet:
                raise RenderError(
                    f"Trang tính đầu tiên của {path} là {first!r}, không phải {pic.sheet!r}:\n"
                    "trang 1 của bản in sẽ không phải biểu cần chụp.\n"
                    f"The first sheet of {path} is {first!r}, not {pic.sheet!r}, so page 1 of its\n"
                    "printout is not the sheet we want."
                )
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- rendering


# The throwaway profile's settings. Recalculate on load: the filled returns carry
# stale cached results (the tool relies on fullCalcOnLoad, which Excel honours and
# LibreOffice ignores by default), so without it the status line would say
# "Không có lỗi" beside cells its own rules paint red. The locale gives the
# separators a Vietnamese user sees (18,75 and 2.064 rather than 18.75 and 2,064).
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" \
oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" \
oor:op="fuse"><value>{locale}</value></prop></item>
</oor:items>
"""


def make_profile(profile: Path, locale: str) -> None:
    """A fresh LibreOffice user profile holding only the settings above."""
    user = profile / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(_REGISTRY.format(locale=locale), encoding="utf-8")


def only_sheet(src: Path, dst: Path, sheet: str) -> None:
    """Copy the workbook ``src`` to ``dst`` with every sheet but ``sheet`` hidden
    and ``sheet`` the active one, so that it alone is printed."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                xml = data.decode("utf-8")
                names = re.findall(r'<sheet name="([^"]*)"', xml)
                if sheet not in names:
                    raise RenderError(f"{src} không có trang “{sheet}” / has no sheet {sheet!r}")

                def hide(m: re.Match[str]) -> str:
                    tag = re.sub(r' state="[^"]*"', "", m.group(0))
                    return tag if m.group(1) == sheet else tag.replace("<sheet ", '<sheet state="hidden" ', 1)

                xml = re.sub(r'<sheet name="([^"]*)"[^>]*/>', hide, xml)
                xml = re.sub(r'activeTab="\d+"', "", xml).replace("<workbookView ", f'<workbookView activeTab="{names.index(sheet)}" ', 1)
                data = xml.encode("utf-8")
            elif item.filename.startswith("xl/worksheets/sheet") and item.filename.endswith(".xml"):
                data = data.replace(b' tabSelected="1"', b"")
            zout.writestr(item, data)


def to_pdf(
    soffice: str, sources: list[Path], work: Path, locale: str, pictures: tuple[Picture, ...] = PICTURES
) -> list[Path]:
    """Convert the workbooks in one LibreOffice run; return the PDFs in the same order."""
    inputs = work / "in"
    outputs = work / "pdf"
    profile = work / "profile"
    inputs.mkdir()
    outputs.mkdir()
    make_profile(profile, locale)
    copies = []
    for i, src in enumerate(sources):
        # NOTE: a numbered copy keeps the user's folder free of lock files and
        # gives every PDF a distinct, predictable name.
        dst = inputs / f"{i}_{src.name}"
        pic = pictures[i] if i < len(pictures) else None
        if pic is not None and pic.only:
            only_sheet(src, dst, pic.sheet)
        else:
            shutil.copyfile(src, dst)
        copies.append(dst)
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless", "--invisible", "--norestore", "--nolockcheck", "--nodefault",
        "--convert-to", "pdf",  # Calc's or Writer's PDF export, by the file's kind
        "--outdir", str(outputs),
        *map(str, copies),
    ]
    # NOTE: HOME stays the user's, so fonts installed in ~/.local/share/fonts still count.
    env = dict(os.environ, SAL_USE_VCLPLUGIN="svp")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(
            f"LibreOffice không xong sau {SOFFICE_TIMEOUT} giây (có phiên LibreOffice khác đang treo?).\n"
            f"LibreOffice did not finish within {SOFFICE_TIMEOUT} s (another instance hanging?)."
        ) from exc
    except OSError as exc:
        raise RenderError(f"Không chạy được {soffice}: {exc}\nCannot run {soffice}: {exc}") from exc
    pdfs = [outputs / (c.stem + ".pdf") for c in copies]
    missing = [p for p in pdfs if not p.is_file() or p.stat().st_size == 0]
    if proc.returncode != 0 or missing:
        detail = (proc.stderr or proc.stdout or "").strip()
        raise RenderError(
            "LibreOffice không chuyển được sang PDF / LibreOffice failed to convert to PDF"
            f" (mã thoát / exit code {proc.returncode}; thiếu / missing: "
            f"{', '.join(p.name for p in missing) or '-'}).\n{detail}"
        )
    return pdfs


def first_page_png(pdftoppm: str, pdf: Path, out: Path, dpi: int) -> int:
    """Write page 1 of ``pdf`` to ``out`` at ``dpi`` (lower when too big); return the dpi used."""
    stem = out.parent / (out.name + ".part")
    while True:
        cmd = [pdftoppm, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PDFTOPPM_TIMEOUT, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise RenderError(f"Không chạy được pdftoppm: {exc}\nCannot run pdftoppm: {exc}") from exc
        made = stem.with_name(stem.name + ".png")
        if proc.returncode != 0 or not made.is_file():
            raise RenderError(
                f"pdftoppm không tạo được ảnh từ {pdf.name} / pdftoppm failed on {pdf.name}"
                f" (mã thoát / exit code {proc.returncode}).\n{proc.stderr.strip()}"
            )
        size = made.stat().st_size
        if size <= MAX_BYTES or dpi <= MIN_DPI:
            os.replace(made, out)
            if size > MAX_BYTES:
                print(f"Cảnh báo / warning: {out} is {size // 1024} KB even at {dpi} dpi", file=sys.stderr)
            return dpi
        made.unlink()
        dpi = max(MIN_DPI, dpi * 3 // 4)


def render(demo_dir: Path, out_dir: Path, dpi: int = DEFAULT_DPI, locale: str = DEFAULT_LOCALE) -> list[Path]:
    soffice = find_soffice()
    pdftoppm = find_pdftoppm()
    sources = check_sources(demo_dir)
    warn_about_fonts()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="cchc-pictures-") as tmp:
        pdfs = to_pdf(soffice, sources, Path(tmp), locale)
        for pic, pdf in zip(PICTURES, pdfs):
            out = out_dir / pic.out
            used = first_page_png(pdftoppm, pdf, out, dpi)
            print(f"{out}  ({out.stat().st_size // 1024} KB, {used} dpi) — {pic.what}")
            written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Vẽ ảnh PNG cho README từ kết quả 'cchc-xlsx demo' (LibreOffice + pdftoppm). "
        "Render the README pictures from the demo output."
    )
    ap.add_argument("demo_dir", type=Path, help="thư mục kết quả demo / the demo output folder")
    ap.add_argument("out_dir", type=Path, help="nơi ghi ảnh / where to write the PNGs (docs/img)")
    ap.add_argument("--dpi", type=int, default=DEFAULT_DPI, help=f"độ phân giải / resolution (default {DEFAULT_DPI})")
    ap.add_argument(
        "--locale", default=DEFAULT_LOCALE,
        help=f"ngôn ngữ vùng của LibreOffice (dấu thập phân) / LibreOffice locale (default {DEFAULT_LOCALE})",
    )
    args = ap.parse_args(argv)
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", args.locale):
        ap.error(f"--locale {args.locale!r}: cần dạng vi-VN / expected a tag like vi-VN")
    if args.dpi < MIN_DPI:
        ap.error(f"--dpi phải ≥ {MIN_DPI} / must be at least {MIN_DPI}")
    try:
        render(args.demo_dir, args.out_dir, args.dpi, args.locale)
    except RenderError as exc:
        print(f"Lỗi / error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
