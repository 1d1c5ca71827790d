"""Issue 19 §3: the wheel installs `credmint.analyzer` and `credmint.parsers`, and tests read the checkout.

pyproject.toml lists the packages by hand (a `package-dir` mapping cannot be found automatically), so
a new sub-package folder missing from the list would silently be left out of the wheel.
"""

from pathlib import Path

import pytest

import credmint.analyzer
import credmint.parsers

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_folder_is_in_the_wheel():
    folders = {"credmint"} | {
        ".".join(("credmint", *init.parent.relative_to(ROOT).parts))
        for package in ("analyzer", "parsers") for init in (ROOT / package).rglob("__init__.py")
    }
    assert set(PYPROJECT["tool"]["setuptools"]["packages"]) == folders


def test_the_folders_install_under_the_credmint_name():
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {
        "credmint": "credmint", "credmint.analyzer": "analyzer", "credmint.parsers": "parsers"}
    assert PYPROJECT["project"]["scripts"] == {"credmint": "credmint.analyzer.app.cli:run"}


def test_the_suite_reads_the_checkout_even_beside_an_installed_wheel():
    """pytest's `pythonpath = ["."]` puts the checkout first, as `python -m pytest` would."""
    assert Path(credmint.analyzer.__file__).resolve() == ROOT / "analyzer" / "__init__.py"
    assert Path(credmint.parsers.__file__).resolve() == ROOT / "parsers" / "__init__.py"
