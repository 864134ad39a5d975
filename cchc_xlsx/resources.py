"""The data the package carries: the default catalogue, the caption templates and
the example data, found with :mod:`importlib.resources` so that an installed
wheel works from any directory.

One copy of each file: in a checkout, ``cchc_xlsx/data/`` holds symbolic links
to the repository's top-level ``indicator_catalog.yaml``, ``templates/`` and
``examples/`` (where the project card puts them); building a wheel or an sdist
copies the files themselves into ``cchc_xlsx/data/``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEFAULT_CATALOG = "indicator_catalog.yaml"


def data_path(*parts: str) -> Path:
    """The bundled file ``cchc_xlsx/data/<parts…>`` as a file-system path.

    Raises :class:`FileNotFoundError` when the package was installed without it.
    """
    path = Path(str(files("cchc_xlsx").joinpath("data", *parts)))
    if not path.exists():
        raise FileNotFoundError(f"cchc-xlsx: dữ liệu đi kèm gói bị thiếu: {path} (hãy cài lại gói)")
    return path


def default_catalog_path() -> Path:
    """The bundled default catalogue: seed 000's Phụ lục I (levels ``xa``, ``huyen``, ``tinh``)."""
    return data_path(DEFAULT_CATALOG)


def example_path(name: str) -> Path:
    """A bundled example file, by its path under ``examples/``.

    ``"units_cho_don.csv"`` is a province-wide units register (tỉnh Bắc Kạn, three
    departments, huyện Chợ Đồn with its 20 communes, huyện Bạch Thông with 4; real
    names, illustrative codes); ``"returns_seed000_tan_lap.yaml"`` holds xã Tân
    Lập's real figures for quý I/2024; ``"catalogs/so_bieu_mau_1_7.yaml"`` and
    ``"catalogs/thanh_hoa_phu_luc_01b.yaml"`` are example catalogues.

    Raises :class:`FileNotFoundError` for a name that is not bundled (naming those that are).
    """
    try:
        return data_path("examples", *name.split("/"))
    except FileNotFoundError:
        root = data_path("examples")
        names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        raise FileNotFoundError(
            f"Không có tệp ví dụ “{name}”; các tệp ví dụ đi kèm: {', '.join(names)}."
        ) from None


def template_source(name: str) -> str:
    """The text of a bundled jinja2 template (``templates/<name>``)."""
    return data_path("templates", name).read_text(encoding="utf-8")
