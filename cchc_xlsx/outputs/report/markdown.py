"""The draft as Markdown: the same text as the Word document (headings,
statements, placeholders in bold, the targets as a table)."""

from __future__ import annotations

from cchc_xlsx.outputs.report.draft import Draft, Para


def _line(p: Para) -> str:
    text = "".join(f"**{s.text}**" if s.placeholder else s.text for s in p.spans)
    if p.kind == "heading1":
        return f"## {text}"
    if p.kind == "heading2":
        return f"### {text}"
    return text.replace("\n", "  \n")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(draft: Draft) -> str:
    """The draft as Markdown text (UTF-8, one paragraph per statement)."""
    out = [
        " — ".join(draft.issuer),
        "",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM — Độc lập - Tự do - Hạnh phúc",
        "",
        f"{draft.number}  ",
        f"*{draft.place_date}*",
        "",
        f"# {draft.title}",
        "",
        f"**{draft.subtitle}**",
        "",
    ]
    for p in draft.body_before:
        out += [_line(p), ""]
    if draft.grades:
        out += [
            "| STT | Các mục tiêu | Ngưỡng | Kết quả đạt được | Đánh giá |",
            "| --- | --- | --- | --- | --- |",
        ]
        out += [
            f"| {g.number} | {_cell(g.target)} | {_cell(g.threshold)} | {_cell(g.achieved)} | {g.grade} |"
            for g in draft.grades
        ]
        out.append("")
    for p in draft.body_after:
        out += [_line(p), ""]
    out += ["**Nơi nhận:**  ", *(f"{r}  " for r in draft.recipients), ""]
    out += [f"**{line}**  " if line else "" for line in draft.signer]
    return "\n".join(out).rstrip() + "\n"
