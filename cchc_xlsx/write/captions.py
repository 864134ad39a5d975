"""Captions of the sheets, rendered from the jinja2 templates in ``templates/``.

Each template renders ``key: text`` lines, so the wording lives in one editable
text file and the writers only place the lines.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

from cchc_xlsx.resources import template_source

_LOCAL_GOVERNMENTS = (
    "xã ",
    "phường ",
    "thị trấn ",
    "huyện ",
    "quận ",
    "thị xã ",
    "thành phố ",
    "tỉnh ",
)


def authority(name: str) -> str:
    """How the form names a unit's authority: ``Xã Tân Lập`` → ``UBND xã Tân Lập``;
    a department (``Sở Nội vụ``) keeps its own name."""
    if not name:
        return name
    if name.casefold().startswith(_LOCAL_GOVERNMENTS):
        return "UBND " + name[0].lower() + name[1:]
    return name


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(template_source),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )
    env.filters["authority"] = authority
    return env


def render_captions(template: str, **context: Any) -> dict[str, str]:
    """Render ``template`` and return its ``key: text`` lines as a dict."""
    text = _env().get_template(template).render(**context)
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and " " not in key.strip():
            out[key.strip()] = value.strip()
    return out
