"""The issue codes: one enum, its generated documentation current, every code used."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cchc_xlsx.issues import CODES, IssueCode, issue, markdown

ROOT = Path(__file__).resolve().parent.parent


def test_docs_issues_md_is_current():
    text = (ROOT / "docs" / "issues.md").read_text(encoding="utf-8")
    assert text == markdown(), "docs/issues.md is stale: run `python -m cchc_xlsx.issues > docs/issues.md`"


def test_codes_is_the_enum_for_scripts():
    assert set(CODES) == {c.value for c in IssueCode}
    assert all(CODES[c.value] == (c.severity, c.title) for c in IssueCode)


def test_an_unknown_code_fails_where_it_is_made():
    with pytest.raises(ValueError):
        issue("text-numbr", "…")


def test_every_code_is_used_by_the_package():
    """A code no module can produce would be documented for nothing."""
    literals: set[str] = set()
    for path in (ROOT / "cchc_xlsx").rglob("*.py"):
        if path.name == "issues.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "IssueCode":
                literals.add(IssueCode[node.attr].value)
    unused = sorted(c.value for c in IssueCode if c.value not in literals)
    assert unused == []
