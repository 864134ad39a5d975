"""The catalogue's JSON Schema: generated from catalog/schema.py's tables, shipped
current, valid draft-07, and in agreement with the loader.

The loader is the authority (it reports every problem with its line); the JSON
Schema is what an editor shows while an officer types. They must not disagree
on what one value may be: every catalogue the loader accepts is valid against
the schema, and each single-value mistake below is refused by both.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from cchc_xlsx.catalog.load import parse_catalog
from cchc_xlsx.catalog.schema import PARTS, json_schema, keys_of
from cchc_xlsx.errors import CatalogError
from cchc_xlsx.resources import data_path

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = [ROOT / "indicator_catalog.yaml", *sorted((ROOT / "examples" / "catalogs").glob("*.yaml"))]

VALID = textwrap.dedent(
    """\
    catalog:
      id: thu-nghiem
      version: "1"
      title: Biểu thử
      levels: [xa, huyen]
    rows:
      - code: "1"
        label: Tổng số TTHC
        type: count
        unit: TTHC
      - code: "1.1"
        label: TTHC một cửa
        type: count
        part_of: "1"
      - code: "2"
        label: Tỷ lệ
        type: ratio
        numerator: "1.1"
        denominator: "1"
      - code: "3"
        label: Đã ban hành kế hoạch
        type: boolean
      - code: "4"
        label: Hình thức
        type: choice
        options:
          - {value: 1, label: Trực tiếp}
          - {value: 2, label: Trực tuyến}
    rules:
      - id: r1
        check: "{1.1} <= {1}"
        severity: warning
        message: "{1.1} lớn hơn {1}"
    """
)

# (what is wrong, the text replaced in VALID, its replacement)
MISTAKES = [
    ("unknown key in a row", "    unit: TTHC\n", "    unit: TTHC\n    unti: TTHC\n"),
    ("unknown row type", "type: boolean", "type: yes_no"),
    ("unknown aggregation", "    unit: TTHC\n", "    unit: TTHC\n    agg: total\n"),
    ("unknown level", "levels: [xa, huyen]", "levels: [xa, phuong]"),
    ("levels not a list", "levels: [xa, huyen]", "levels: xa"),
    ("empty levels", "levels: [xa, huyen]", "levels: []"),
    ("repeated level", "levels: [xa, huyen]", "levels: [xa, xa]"),
    ("required given as text", "    unit: TTHC\n", "    unit: TTHC\n    required: có\n"),
    ("min given as text", "    unit: TTHC\n", "    unit: TTHC\n    min: không\n"),
    ("missing label", "    label: Tổng số TTHC\n", ""),
    ("missing type", "    label: Tổng số TTHC\n    type: count\n", "    label: Tổng số TTHC\n"),
    ("missing catalog title", "  title: Biểu thử\n", ""),
    ("bad catalogue id", "id: thu-nghiem", "id: thử nghiệm"),
    ("code with a space", 'code: "1.1"\n', 'code: "1 1"\n'),
    ("ratio without numerator", '    numerator: "1.1"\n', ""),
    ("choice without options", "    type: choice\n    options:\n      - {value: 1, label: Trực tiếp}\n      - {value: 2, label: Trực tuyến}\n", "    type: choice\n"),
    ("option value not an integer", "{value: 1, label: Trực tiếp}", "{value: một, label: Trực tiếp}"),
    ("option label with a comma", "{value: 1, label: Trực tiếp}", "{value: 1, label: 'Trực tiếp, tại chỗ'}"),
    ("unknown rule severity", "severity: warning", "severity: fatal"),
    ("rule without a check", '    check: "{1.1} <= {1}"\n', ""),
    ("rule message over 255 characters", 'message: "{1.1} lớn hơn {1}"', 'message: "{1.1} ' + "x" * 260 + '"'),
    ("rows and sheets both", "rules:\n", "sheets: []\nrules:\n"),
    ("no rows", "rows:\n", "rows_:\n"),
]


def _schema_errors(text: str) -> list[str]:
    doc = yaml.safe_load(text)
    validator = jsonschema.Draft7Validator(json_schema())
    return [e.message for e in validator.iter_errors(doc)]


def test_the_schema_is_valid_draft_07():
    jsonschema.Draft7Validator.check_schema(json_schema())


def test_the_shipped_schema_is_current():
    shipped = data_path("catalog.schema.json").read_text(encoding="utf-8")
    expected = json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
    assert shipped == expected, "catalog.schema.json is stale: run `cchc-xlsx catalog --schema catalog.schema.json`"


def test_every_part_of_the_schema_is_an_object_of_its_table():
    schema = json_schema()
    assert set(schema["properties"]) == keys_of("file")
    for part in PARTS:
        if part != "file":
            assert set(schema["definitions"][part]["properties"]) == keys_of(part)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.name)
def test_bundled_catalogues_are_valid_against_the_schema_and_point_to_it(path: Path):
    text = path.read_text(encoding="utf-8")
    assert _schema_errors(text) == []
    modeline = next(line for line in text.splitlines() if line.startswith("# yaml-language-server: $schema="))
    assert (path.parent / modeline.split("=", 1)[1]).resolve() == (ROOT / "catalog.schema.json").resolve()


def test_the_valid_example_is_valid_for_both():
    parse_catalog(VALID)
    assert _schema_errors(VALID) == []


@pytest.mark.parametrize(("what", "old", "new"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_single_value_mistake_is_refused_by_both(what: str, old: str, new: str):
    assert old in VALID, what
    text = VALID.replace(old, new, 1)
    with pytest.raises(CatalogError):
        parse_catalog(text)
    assert _schema_errors(text), f"the JSON Schema accepts: {what}"


def test_catalog_command_writes_the_schema(tmp_path: Path):
    out = tmp_path / "lược đồ.json"
    proc = subprocess.run([sys.executable, "-m", "cchc_xlsx.cli", "catalog", "--schema", str(out)],
                          capture_output=True, text=True, encoding="utf-8", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == json_schema()
    assert "# yaml-language-server: $schema=lược đồ.json" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "cchc_xlsx.cli", "catalog", "--schema", "-"],
                          capture_output=True, text=True, encoding="utf-8", cwd=tmp_path)
    assert proc.returncode == 0 and json.loads(proc.stdout) == json_schema()
