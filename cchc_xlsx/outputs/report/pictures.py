"""The draft's charts as pictures (PNG), drawn with matplotlib: the same two
kinds as the consolidated workbook's chart sheet — each graded ratio per unit
against its target line, and the submission status.

matplotlib runs without a display (the Agg backend) and its bundled DejaVu
Sans has every Vietnamese letter, so the labels render on any machine.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from cchc_xlsx.outputs.report.draft import Draft
from cchc_xlsx.semantics.numbers import format_percent
from cchc_xlsx.vocabulary import COLUMN_STATUS_TEXT

# NOTE: the inches and dots per inch fix the picture's size in the document (16 cm wide)
WIDTH_IN, DPI = 6.3, 150


@dataclass(frozen=True)
class Picture:
    """A chart as PNG bytes, with the caption printed beneath it."""

    png: bytes
    caption: str


def _figure(height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "svg.hashsalt": "cchc"})
    return plt, plt.subplots(figsize=(WIDTH_IN, height), dpi=DPI)


def _png(plt: Any, fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def draw_pictures(draft: Draft) -> list[Picture]:
    """The submission chart, then one chart per graded ratio (in the targets' order)."""
    appendix = draft.appendix
    out: list[Picture] = []
    if appendix.units:
        counts: dict[str, int] = {}
        for u in appendix.units:
            counts[u.status] = counts.get(u.status, 0) + 1
        states = [s for s in COLUMN_STATUS_TEXT if counts.get(s) or s == "submitted"]
        plt, (fig, ax) = _figure(1.6)
        labels = [COLUMN_STATUS_TEXT[s].capitalize() for s in states]
        counted = [counts.get(s, 0) for s in states]
        colours = ["#4472C4" if s == "submitted" else "#C00000" for s in states]
        bars = ax.barh(labels, counted, color=colours)
        ax.bar_label(bars, labels=[str(v) for v in counted], padding=3)
        ax.invert_yaxis()
        ax.set_xlim(0, max([*counted, 1]) * 1.15)
        ax.set_xlabel("Số đơn vị")
        ax.spines[["top", "right"]].set_visible(False)
        out.append(
            Picture(
                _png(plt, fig),
                f"Biểu đồ 1: Tình hình gửi báo cáo ({appendix.submitted}/{appendix.expected} đơn vị đã gửi)",
            )
        )
    catalog = appendix.catalog
    names = [u.name for u in appendix.units]
    for g in draft.grade_values:
        row = catalog.row(g.target.code)
        values = appendix.unit_values.get(row.code)
        if row.type != "ratio" or not values or not names:
            continue
        plt, (fig, ax) = _figure(3.6)
        shown = [v if v is not None else 0.0 for v in values]
        colours = ["#4472C4" if v is not None else "#BFBFBF" for v in values]
        ax.bar(range(len(names)), shown, color=colours, label=f"{row.code} {row.label}")
        ax.axhline(
            g.target.threshold,
            color="#C00000",
            linestyle="--",
            linewidth=1.5,
            label=f"Mục tiêu: {format_percent(g.target.threshold)}",
        )
        if g.value is not None:
            ax.axhline(
                g.value,
                color="#548235",
                linestyle=":",
                linewidth=1.2,
                label=f"Chung: {format_percent(g.value)}",
            )
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
        top = max([100.0, *shown]) if row.allow_over_100 else 100.0
        ax.set_ylim(0, top * 1.05)
        ax.set_ylabel("%")
        ax.yaxis.set_major_formatter(lambda x, _pos: format_percent(x, 0))
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncol=1, fontsize=7, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        out.append(
            Picture(
                _png(plt, fig),
                f"Biểu đồ {len(out) + 1}: {row.label} theo đơn vị (mục tiêu {format_percent(g.target.threshold)}: {g.status_text.lower()})",
            )
        )
    return out
