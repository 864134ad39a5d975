"""The draft as a Word document, from an editable template (docxtpl: Jinja2
tags in an ordinary .docx, rendered through python-docx).

Word splits what a person types into several runs (spelling marks, an edit in
the middle of a word); docxtpl joins the pieces of a tag within a paragraph.
What it cannot join — a tag cut over two paragraphs, a brace deleted, a tag
naming nothing the report has — is found before rendering and reported with
the tag's text, as :class:`~cchc_xlsx.errors.TemplateError`.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from cchc_xlsx.errors import TemplateError
from cchc_xlsx.outputs.report.draft import Draft, Para
from cchc_xlsx.outputs.report.pictures import Picture
from cchc_xlsx.resources import data_path

TEMPLATE = "bao_cao_cchc.docx"
#: what a template may name (docxtpl's own tags aside)
CONTEXT_KEYS = frozenset(
    {
        "issuer_top",
        "issuer_name",
        "number",
        "place_date",
        "title",
        "subtitle",
        "body",
        "body_end",
        "grades",
        "charts",
        "recipients",
        "signer",
        "unit_name",
        "period",
    }
)
_OPEN = re.compile(r"\{[{%#]")
_CLOSE = re.compile(r"[}%#]\}")
_TAG = re.compile(r"\{[{%#].*?[}%#]\}")


def default_template() -> Path:
    """The bundled template (``templates/bao_cao_cchc.docx``)."""
    return data_path("templates", TEMPLATE)


def _paragraph_texts(doc: Any) -> list[str]:
    """The text of every paragraph of the body, its tables, headers and footers."""
    out: list[str] = []

    def walk(container: Any) -> None:
        for p in container.paragraphs:
            out.append(p.text)
        for table in getattr(container, "tables", ()):
            for row in table.rows:
                for cell in row.cells:
                    walk(cell)

    walk(doc)
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header):
            walk(part)
    return out


def check_template(tpl: Any, name: str) -> None:
    """Raise :class:`TemplateError` naming each broken or unknown tag of ``tpl``."""
    problems: list[str] = []
    for text in _paragraph_texts(tpl.get_docx()):
        opened, closed = len(_OPEN.findall(text)), len(_CLOSE.findall(text))
        if opened != closed:
            at = _OPEN.search(text) if opened > closed else _CLOSE.search(text)
            start = max(0, (at.start() if at else 0) - 10)
            fragment = text[start : start + 60].strip()
            problems.append(
                f"thẻ bị tách hoặc thiếu dấu ngoặc ở đoạn “{fragment}”"
                " (mỗi thẻ {{ … }} hoặc {% … %} phải nằm trọn trong một đoạn)"
            )
    if problems:
        raise TemplateError(f"Mẫu báo cáo “{name}” có thẻ hỏng: " + "; ".join(problems[:5]) + ".")
    try:
        names = tpl.get_undeclared_template_variables()
    except Exception as exc:  # noqa: BLE001 - jinja2's syntax errors, named below
        raise TemplateError(
            f"Mẫu báo cáo “{name}” có thẻ sai cú pháp (lỗi của Jinja: {_jinja_text(exc)}); "
            "hãy xem lại các thẻ {% … %} đã thêm hoặc sửa."
        ) from exc
    if "body" not in names:
        # NOTE: an office may give last quarter's finished draft instead of the template:
        # rendered, it would come out unchanged, with last quarter's figures
        raise TemplateError(
            f"Mẫu báo cáo “{name}” không có thẻ {{%p for p in body %}} (nơi viết các đoạn lấy "
            "từ số liệu){' — tệp không có thẻ nào: có lẽ đây là một bản báo cáo đã viết, không phải mẫu' if not names else ''}. "
            "Hãy dùng mẫu đi kèm (bỏ --template) hoặc một bản sửa từ mẫu đó."
        )
    unknown = sorted(set(names) - CONTEXT_KEYS)
    if unknown:
        raise TemplateError(
            f"Mẫu báo cáo “{name}” có thẻ không có trong dữ liệu báo cáo: "
            + ", ".join(f"{{{{ {n} }}}}" for n in unknown)
            + f". Các tên dùng được: {', '.join(sorted(CONTEXT_KEYS))}."
        )


def _jinja_text(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    source = getattr(exc, "source", None)
    lineno = getattr(exc, "lineno", None)
    if source and lineno:
        lines = str(source).splitlines()
        if 0 < lineno <= len(lines):
            tags = _TAG.findall(lines[lineno - 1]) or [lines[lineno - 1][:60]]
            return f"{message} (gần “{tags[-1][:60]}”)"
    return str(message)


def _rich(tpl_module: Any, para: Para) -> Any:
    rt = tpl_module.RichText()
    for span in para.spans:
        rt.add(
            span.text,
            bold=span.bold or para.kind != "text",
            highlight="FFFF00" if span.placeholder else None,
            italic=span.placeholder,
        )
    return rt


def render_docx(draft: Draft, pictures: list[Picture], template: Path | None) -> bytes:
    """The draft rendered into ``template`` (None: the bundled one), as .docx bytes.

    Raises :class:`TemplateError` when the template is not a Word document or
    has a broken or unknown tag."""
    import docxtpl
    from docx.opc.exceptions import PackageNotFoundError
    from docx.shared import Cm

    path = template if template is not None else default_template()
    name = str(path)
    try:
        tpl = docxtpl.DocxTemplate(str(path))
        tpl.init_docx()
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError) as exc:
        raise TemplateError(
            f"“{name}” không phải tệp Word (.docx) dùng được làm mẫu báo cáo."
        ) from exc
    check_template(tpl, name)
    recipients = docxtpl.RichText()
    recipients.add("\n".join(draft.recipients), size=22)
    signer = docxtpl.RichText()
    signer.add("\n".join(draft.signer), bold=True)
    context = {
        "issuer_top": draft.issuer[0] if len(draft.issuer) > 1 else "",
        "issuer_name": draft.issuer[-1],
        "number": draft.number,
        "place_date": draft.place_date,
        "title": draft.title,
        "subtitle": draft.subtitle,
        "body": [_rich(docxtpl, p) for p in draft.body_before],
        "body_end": [_rich(docxtpl, p) for p in draft.body_after],
        "grades": draft.grades,
        "charts": [
            {
                "image": docxtpl.InlineImage(tpl, io.BytesIO(p.png), width=Cm(16)),
                "caption": p.caption,
            }
            for p in pictures
        ],
        "recipients": recipients,
        "signer": signer,
        "unit_name": draft.appendix.unit_name,
        "period": draft.period.label if draft.period else "",
    }
    try:
        tpl.render(context, autoescape=True)
    except Exception as exc:  # noqa: BLE001 - a template error shows here first for some tags
        raise TemplateError(f"Mẫu báo cáo “{name}” không dùng được: {_jinja_text(exc)}.") from exc
    buf = io.BytesIO()
    tpl.save(buf)
    return _stable(buf.getvalue())


def _stable(data: bytes) -> bytes:
    """The same .docx with every part dated 2000-01-01 (python-docx dates them
    now): the same appendix and template give the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, zin.read(item.filename))
    return out.getvalue()
