"""``cchc-xlsx demo``: the whole cycle on the bundled example district.

1. generate the communes' templates (huyện Chợ Đồn and huyện Bạch Thông, tỉnh Bắc Kạn);
2. fill them with example figures — xã Tân Lập's are seed 000's real ones — plus
   the mess real returns have (a number typed as text, a broken file, an Excel
   lock file, a copy sent twice, a commune that did not send);
3. check the returns;
4. consolidate each district, then the province from the district books, and
   the province straight from the communes — the two must agree;
5. the district's quarter with its history store: the returns recorded as
   received on 13/3, a feedback workbook for each commune with problems and
   the reminder list, a corrected return (a resubmission) and a late one, the
   appendix again with who reported on time;
6. the year: the communes' returns of quarters II–IV (one commune misses
   quarter III) added to the store, the district's 2024 appendix rolled up from
   its quarters, next quarter's templates showing each commune its own figures
   of quarter IV, and xã Tân Lập's five-year table 2021–2025 (annual reports
   for 2021–2023, the quarters of 2024, 2025 up to 14/3).
7. the district's narrative report drafted from its appendix (Word, Markdown).
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

from cchc_xlsx.api import check, consolidate, feedback, generate, report, rollup, series
from cchc_xlsx.catalog.load import load_catalog
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.consolidation.build import own_form_values
from cchc_xlsx.errors import UsageError
from cchc_xlsx.history.store import Store
from cchc_xlsx.layout.form import FormLayout, build_layout
from cchc_xlsx.outputs.console import (
    print_consolidation,
    print_missing,
    print_summary,
    print_timeliness,
)
from cchc_xlsx.periods import parse_period
from cchc_xlsx.resources import example_path
from cchc_xlsx.semantics.numbers import format_vn
from cchc_xlsx.testing import Filler
from cchc_xlsx.units import Units, load_units
from cchc_xlsx.write.generate import Stamper, template_filename
from cchc_xlsx.write.identity import now_iso
from cchc_xlsx.write.protection import default_password

PERIOD = "2024-Q1"


def example_values(
    catalog: Catalog, layout: FormLayout, seed: str, base: dict[str, Any]
) -> dict[str, Any]:
    """Plausible, consistent figures for a commune, varied from Tân Lập's by a seeded generator."""
    rnd = random.Random(seed)
    out: dict[str, Any] = {}
    for code, v in base.items():
        row = catalog.row(code)
        if code not in layout:
            continue
        if row.type == "count" and isinstance(v, int):
            out[code] = (
                max(0, int(round(v * rnd.uniform(0.6, 1.4)))) if v else rnd.choice([0, 0, 1, 2])
            )
        elif row.type == "percent":
            out[code] = round(min(100.0, float(v) * rnd.uniform(0.85, 1.05)), 1)
        elif row.type == "boolean":
            out[code] = rnd.choice(["Có", "Không", "Có"])
        elif row.type == "choice":
            out[code] = rnd.choice([o.label for o in row.options])
        else:
            out[code] = v
    # keep the parts within their wholes, as a careful commune would
    for whole, parts in (
        ("1.2.1", ["1.2.2"]),
        ("1.4.1", ["1.4.2", "1.4.3", "1.4.4"]),
        ("3.3.1.a", ["3.3.1.b"]),
        ("3.3.2.a", ["3.3.2.b"]),
        ("7.2.1.a", ["7.2.1.b"]),
        ("7.2.1.b", ["7.2.1.c"]),
        ("7.2.2.a", ["7.2.2.b"]),
        ("7.2.2.b", ["7.2.2.c"]),
        ("7.2.3.a", ["7.2.3.b"]),
        ("7.2.4.a", ["7.2.4.b"]),
        ("4.5.1", ["4.5.2"]),
        ("3.4.1", ["3.4.2"]),
        ("7.2.5.a", ["7.2.5.b"]),
        ("4.5.2", ["4.5.4"]),
        ("3.1.4", ["3.1.4.b", "3.2.1", "3.2.2", "3.2.3"]),
    ):
        total = out.get(whole)
        if not isinstance(total, int):
            continue
        for p in parts:
            if isinstance(out.get(p), int) and out[p] > total:
                out[p] = rnd.randint(0, total)
        if whole == "1.4.1":
            keep = total
            for p in parts:
                if isinstance(out.get(p), int):
                    out[p] = min(out[p], keep)
                    keep -= out[p]
    if "3.1.4" in out and "3.1.4.b" in out:
        out["3.1.4.b"] = out["3.1.4"]
    # procedures offered online are among the commune's procedures
    total = out.get("3.1.4")
    if isinstance(total, int):
        for part in ("7.2.1.a", "7.2.2.a"):
            if isinstance(out.get(part), int) and out["7.2.1.a"] + out["7.2.2.a"] > total:
                out[part] = min(out[part], total // 2)
        for part, whole in (
            ("7.2.1.b", "7.2.1.a"),
            ("7.2.2.b", "7.2.2.a"),
            ("7.2.1.c", "7.2.1.b"),
            ("7.2.2.c", "7.2.2.b"),
        ):
            if isinstance(out.get(part), int):
                out[part] = min(out[part], out[whole])
    out["7.2.3.a"] = out.get("7.2.1.b", 0) + out.get("7.2.2.b", 0)
    out["7.2.3.b"] = min(out.get("7.2.3.b", 0), out["7.2.3.a"])
    return out


def run_demo(out: Path, stream: Any = None) -> int:
    stream = stream or sys.stdout
    catalog = load_catalog()
    units = load_units(example_path("units_cho_don.csv"), catalog.levels)
    period = parse_period(PERIOD)
    _claim(out)
    for sub in SUBFOLDERS:
        shutil.rmtree(out / sub, ignore_errors=True)
    templates, returns, districts, province = (
        out / s
        for s in ("1_bieu_mau_xa", "2_bao_cao_xa_nop_ve", "3_tong_hop_huyen", "4_tong_hop_tinh")
    )

    def say(text: str = "") -> None:
        print(text, file=stream)

    say("=== 1. Tạo biểu mẫu cho các xã (quý I/2024) ===")
    files = generate(catalog, "xa", period, templates, units, force=True)
    say(f"Đã tạo {len(files)} biểu mẫu trong {templates}")

    say(
        "\n=== 2. Các xã điền và gửi về (số liệu ví dụ; xã Tân Lập dùng số liệu thật của seed 000) ==="
    )
    _fill_returns(catalog, units, period, returns)
    say(f"Các tệp nộp về: {returns}")

    say("\n=== 3. Kiểm tra các tệp nộp về của huyện Chợ Đồn ===")
    checked = check(returns / "H01", catalog, level="xa", period=PERIOD, units=units, unit="H01")
    names = {u.code: u.name for u in units}
    print_summary(checked, stream, names)
    print_missing(checked.missing_units, names, stream)

    say("\n=== 4. Tổng hợp cấp huyện ===")
    results = {}
    for code in ("H01", "H02"):
        name = units[code].name
        own = out / "5_bieu_mau_cua_huyen" / f"{PERIOD}_huyen_{code}_bieu_cua_huyen.xlsx"
        res = consolidate(
            returns / code,
            catalog,
            districts / f"{PERIOD}_huyen_{code}_tong_hop.xlsx",
            level="xa",
            period=PERIOD,
            units=units,
            unit=code,
            json_path=districts / f"{PERIOD}_huyen_{code}_tong_hop.json",
            csv_path=districts / f"{PERIOD}_huyen_{code}_so_lieu.csv",
            own_form=own,
        )
        results[code] = res
        say(f"\n--- {name} ---")
        print_consolidation(res, stream)
        fed = own_form_values(res)
        say(
            f"Biểu mẫu của chính {name} (dòng lấy từ các xã đã điền sẵn: {', '.join(f'{k} = {v}' for k, v in fed.items())}): {own}"
        )

    say("\n=== 5. Tổng hợp cấp tỉnh từ biểu tổng hợp của các huyện ===")
    up = consolidate(
        districts,
        catalog,
        province / f"{PERIOD}_tinh_T11_tu_huyen.xlsx",
        level="huyen",
        period=PERIOD,
        units=units,
        unit="T11",
        json_path=province / f"{PERIOD}_tinh_T11_tu_huyen.json",
    )
    print_consolidation(up, stream)
    direct = consolidate(
        returns,
        catalog,
        province / f"{PERIOD}_tinh_T11_tu_xa.xlsx",
        level="xa",
        period=PERIOD,
        units=units,
        unit="T11",
        json_path=province / f"{PERIOD}_tinh_T11_tu_xa.json",
    )
    same = up.totals == direct.totals
    say(
        f"\nTổng cấp tỉnh qua cấp huyện {'BẰNG' if same else 'KHÁC'} tổng cấp tỉnh cộng thẳng từ các xã ({len(up.totals)} chỉ tiêu)."
    )
    for code in ("1.2.1", "1.2.2", "1.2", "3.3.1", "7.2.4", "1.6"):
        if code in up.totals:
            a, b = up.totals[code], direct.totals.get(code)
            shown = format_vn(a) if isinstance(a, (int, float)) else str(a)
            say(
                f"  {code} {catalog.row(code).label}: {shown} (qua huyện) — {'bằng' if a == b else f'khác: {b}'} (từ xã)"
            )
    _store_round(
        catalog, units, period, returns / "H01", out / "6_kho_luu_va_phan_hoi", say, stream
    )
    _year_round(
        catalog, units, out / "6_kho_luu_va_phan_hoi", out / "7_ca_nam_va_5_nam", say, stream
    )
    drafts = _report_round(
        districts / f"{PERIOD}_huyen_H01_tong_hop.xlsx", out / "8_du_thao_bao_cao", say
    )
    say(f"\nKết quả nằm trong thư mục: {out.resolve()}")
    say(f"  Biểu tổng hợp huyện Chợ Đồn: {districts / f'{PERIOD}_huyen_H01_tong_hop.xlsx'}")
    say(f"  Biểu tổng hợp tỉnh: {province / f'{PERIOD}_tinh_T11_tu_huyen.xlsx'}")
    say(f"  Dự thảo báo cáo của huyện Chợ Đồn: {drafts}")
    return 0 if same else 1


SUBFOLDERS = (
    "1_bieu_mau_xa",
    "2_bao_cao_xa_nop_ve",
    "3_tong_hop_huyen",
    "4_tong_hop_tinh",
    "5_bieu_mau_cua_huyen",
    "6_kho_luu_va_phan_hoi",
    "7_ca_nam_va_5_nam",
    "8_du_thao_bao_cao",
)
MARKER = ".cchc-demo"  # a folder holding this file is the demo's: it may be written again


def _report_round(appendix: Path, folder: Path, say: Any) -> Path:
    """Step 7: the district's narrative report drafted from its appendix (Word and Markdown)."""
    say("\n=== 8. Dự thảo báo cáo CCHC của huyện Chợ Đồn, viết từ biểu tổng hợp ===")
    docx = report(appendix, folder / f"{PERIOD}_huyen_H01_bao_cao.docx", force=True)
    report(appendix, folder / f"{PERIOD}_huyen_H01_bao_cao.md", force=True)
    say(
        f"{docx.figures} đoạn viết từ số liệu, {docx.targets_met}/{docx.targets_graded} mục tiêu có số liệu đánh giá đạt, "
        f"{docx.charts} biểu đồ; còn {docx.placeholders} chỗ “[Cần bổ sung: …]” để cán bộ viết: {docx.out}"
    )
    return docx.out


def _claim(out: Path) -> None:
    """Make ``out`` the demo's folder: refuse a folder that holds anything but a
    previous demo's output, so that nothing of the user's is ever deleted."""
    if out.exists() and not out.is_dir():
        raise UsageError(
            f"“{out}” là một tệp; hãy chọn một thư mục (mới hoặc trống) cho kết quả demo.",
            option="out",
        )
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UsageError(
            f"Thư mục “{out}” đã có các tệp khác; demo chỉ ghi vào một thư mục trống hoặc thư mục của lần chạy demo trước. "
            "Hãy chọn thư mục khác.",
            option="out",
        )
    if (out / MARKER).is_file():
        strays = [p for p in out.iterdir() if p.name not in SUBFOLDERS and p.name != MARKER]
        if strays:
            raise UsageError(
                f"Thư mục demo “{out}” có tệp không do demo tạo ({strays[0].name}); hãy chọn thư mục khác.",
                option="out",
            )
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(
        "Thư mục kết quả của `cchc-xlsx demo`: chạy demo lại sẽ ghi đè các thư mục con.\n",
        encoding="utf-8",
    )


def _store_round(
    catalog: Catalog, units: Units, period: Any, returns: Path, out: Path, say: Any, stream: Any
) -> None:
    """Step 6: huyện Chợ Đồn's quarter with its history store."""
    store = out / "kho_luu.sqlite"
    out.mkdir(parents=True, exist_ok=True)
    common: dict[str, Any] = dict(level="xa", period=PERIOD, units=units, unit="H01", store=store)
    say("\n=== 6. Huyện Chợ Đồn: kho lưu, phản hồi, nộp lại, nộp trễ ===")
    first = check(returns, catalog, received_at="2024-03-13", **common)
    say(f"Ghi vào kho lưu {store}: {first.counts['accepted']} biểu nhận ngày 13/3/2024.")
    sent = feedback(store, period, out / "phieu_phan_hoi", catalog, office="UBND huyện Chợ Đồn")
    for code, path in sent.workbooks.items():
        say(f"  Phiếu phản hồi gửi {units[code].name}: {path.name}")
    if sent.reminder_text is not None:
        say(
            f"  Danh sách nhắc nộp: {sent.reminder_text.name}, {sent.reminder_book.name if sent.reminder_book else ''}"
        )
    # xã Bản Thi types its figures again, as numbers, and sends them back on 18/3;
    # xã Đồng Lạc sends its return at last on 20/3
    layout = build_layout(catalog, "xa")
    stamper = Stamper(layout, period, now_iso(), default_password())
    base = yaml.safe_load(example_path("returns_seed000_tan_lap.yaml").read_text("utf-8"))["values"]
    late = out / "nop_lai_va_nop_tre"
    late.mkdir(exist_ok=True)
    ban_thi = example_values(catalog, layout, "X0102", base)
    ban_thi.update({"3.3.1.a": 1594, "3.3.1.b": 1500, "7.2.4.a": 1600, "7.2.4.b": 300})
    corrected = late / f"Nop_lai_{template_filename(period, 'xa', units['X0102'])}"
    corrected.write_bytes(Filler(stamper.stamp(units["X0102"]), layout).fill(ban_thi))
    check(corrected, catalog, received_at="2024-03-18", **common)
    dong_lac = late / template_filename(period, "xa", units["X0120"])
    values = example_values(catalog, layout, "X0120", base)
    dong_lac.write_bytes(Filler(stamper.stamp(units["X0120"]), layout).fill(values))
    check(dong_lac, catalog, received_at="2024-03-20", **common)
    res = consolidate(
        [returns, late],
        catalog,
        out / f"{PERIOD}_huyen_H01_tong_hop_lan_2.xlsx",
        json_path=out / f"{PERIOD}_huyen_H01_tong_hop_lan_2.json",
        **common,
    )
    print_consolidation(res, stream)
    print_timeliness(res, store, stream)
    with Store(store) as db:
        for v in db.versions(PERIOD, "X0102"):
            say(
                f"  Xã Bản Thi, bản {v.number}: {Path(v.path).name} — "
                f"{'đang dùng' if v.current else 'đã được thay'}"
            )


def _year_round(
    catalog: Catalog, units: Units, store_dir: Path, out: Path, say: Any, stream: Any
) -> None:
    """Step 7: huyện Chợ Đồn's year 2024 from its quarters, and xã Tân Lập's 2021–2025 table."""
    store = store_dir / "kho_luu.sqlite"
    say("\n=== 7. Cả năm 2024 cộng dồn từ các quý; bảng 5 năm 2021–2025 của xã Tân Lập ===")
    layout = build_layout(catalog, "xa")
    base = yaml.safe_load(example_path("returns_seed000_tan_lap.yaml").read_text("utf-8"))["values"]
    communes = units.descendants("H01", "xa")
    first = {u.code: example_values(catalog, layout, u.code, base) for u in communes}
    first["X0114"] = dict(base)

    def returned(code: str, q: int) -> dict[str, Any]:
        """A quarter's figures: flow counts scaled down from quarter I's (so that a
        part stays within its whole), stock rows as in quarter I, tasks done so
        far ("lũy kế") growing up to the year's plan."""
        v = dict(first[code])
        factor = {2: 0.9, 3: 0.75, 4: 1.0}[q]
        for k, x in first[code].items():
            row = catalog.row(k)
            if row.period_agg == "flow" and row.type == "count" and isinstance(x, int):
                v[k] = int(x * factor)
        done, plan = first[code].get("1.2.2"), first[code].get("1.2.1")
        if isinstance(done, int) and isinstance(plan, int):
            v["1.2.2"] = min(done * q, plan)
        return v

    folder = out / "bao_cao_cac_quy"
    for q, received in ((2, "2024-06-10"), (3, "2024-09-10"), (4, "2024-12-10")):
        per = parse_period(f"2024-Q{q}")
        stamper = Stamper(layout, per, now_iso(), default_password())
        dest = folder / per.code
        dest.mkdir(parents=True, exist_ok=True)
        for u in communes:
            if q == 3 and u.code == "X0120":  # xã Đồng Lạc never sent quarter III
                continue
            data = Filler(stamper.stamp(u), layout).fill(returned(u.code, q))
            (dest / template_filename(per, "xa", u)).write_bytes(data)
        check(dest, catalog, level="xa", period=per.code, units=units, unit="H01", store=store,
              received_at=received)  # fmt: skip
    year = rollup(
        store, "2024", "xa", out / "2024_huyen_H01_ca_nam.xlsx", catalog, unit="H01", units=units
    )
    print_consolidation(year, stream)
    say(f"Biểu cả năm 2024 của huyện Chợ Đồn (cộng dồn 4 quý theo từng chỉ tiêu): {year.out}")
    # the next quarter's templates show each commune its own figures of quarter IV
    next_forms = generate(
        catalog,
        "xa",
        "2025-Q1",
        out / "bieu_mau_2025_Q1_kem_so_quy_IV",
        units,
        with_previous=True,
        store=store,
        force=True,
    )
    shown = sum(1 for f in next_forms if f.previous == "found")
    say(
        f"Biểu mẫu quý I/2025 kèm số liệu quý IV/2024 của chính đơn vị (cột I, khóa): "
        f"{shown}/{len(next_forms)} biểu có số kỳ trước, trong {next_forms[0].path.parent}"
    )
    # xã Tân Lập: annual reports of 2021–2023 and the first quarter of 2025
    tan_lap = units["X0114"]
    for code, received in (
        ("2021", "2021-12-10"),
        ("2022", "2022-12-09"),
        ("2023", "2023-12-11"),
        ("2025-Q1", "2025-03-10"),
    ):
        per = parse_period(code)
        stamper = Stamper(layout, per, now_iso(), default_password())
        dest = folder / code
        dest.mkdir(parents=True, exist_ok=True)
        values = example_values(catalog, layout, f"X0114-{code}", base)
        path = dest / template_filename(per, "xa", tan_lap)
        path.write_bytes(Filler(stamper.stamp(tan_lap), layout).fill(values))
        check(
            path, catalog, level="xa", period=code, units=units, store=store, received_at=received
        )
    table = series(
        store, "X0114", "2021..2025", out / "X0114_Tan_Lap_2021_2025.xlsx", catalog, units=units
    )
    say(
        f"Bảng số liệu 2021–2025 của {table.unit_name} (mỗi năm một cột, như Phụ lục 1–7 của seed 003):"
    )
    for col in table.columns:
        say(f"  {col.label}: {col.sources}")
    say(f"  {out / 'X0114_Tan_Lap_2021_2025.xlsx'}")


def _fill_returns(catalog: Catalog, units: Units, period: Any, returns: Path) -> None:
    layout = build_layout(catalog, "xa")
    stamper = Stamper(layout, period, now_iso(), default_password())
    base = yaml.safe_load(example_path("returns_seed000_tan_lap.yaml").read_text("utf-8"))["values"]
    for u in units.at_level("xa"):
        if u.code == "X0120":  # xã Đồng Lạc has not sent its report
            continue
        values = dict(base) if u.code == "X0114" else example_values(catalog, layout, u.code, base)
        notes: dict[str, str] = {}
        if u.code == "X0102":
            values["3.3.1.a"] = "1.594"  # pasted as text, Vietnamese thousands
            values["3.3.1.b"] = 1500
            values["7.2.4.a"] = 1600
            values["7.2.4.b"] = 300
        if u.code == "X0103":
            values["7.1.a"] = "47,37"  # decimal comma typed as text
            notes["7.1.a"] = "Số liệu ước tính đến ngày 14/3"
        if u.code == "X0110":
            values["4.5.1"], values["4.5.2"] = 9, 10  # more staff present than allotted: a warning
        folder = returns / (u.parent or "khac")
        folder.mkdir(parents=True, exist_ok=True)
        data = Filler(stamper.stamp(u), layout).fill(values, notes)
        (folder / template_filename(period, "xa", u)).write_bytes(data)
        if u.code == "X0114":  # sent twice, byte-identical
            (folder / "gui_lai").mkdir(exist_ok=True)
            (folder / "gui_lai" / f"Ban_sao_{template_filename(period, 'xa', u)}").write_bytes(data)
    h01 = returns / "H01"
    (h01 / "Bao_cao_CCHC_quy_1.xlsx").write_text(
        "<!DOCTYPE html><html><body>Trang tải về bị lỗi</body></html>", "utf-8"
    )
    (h01 / f"~${template_filename(period, 'xa', units['X0101'])}").write_bytes(b"\x00" * 165)
