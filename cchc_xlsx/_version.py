"""The version of cchc-xlsx (read by the build: ``pyproject.toml``)."""

__version__ = "0.1.0"
