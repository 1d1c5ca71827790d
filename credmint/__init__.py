"""credmint: who can mint temporary AWS credentials for what, read from Terraform and CloudFormation.

Installed, the wheel holds `credmint.parsers`, `credmint.analyzer` and its `credmint.analyzer.app`
(pyproject.toml maps the repository's `parsers/` and `analyzer/` folders there). In a source
checkout those folders sit beside this package rather than inside it, so the package's search path
also covers the checkout's root: `credmint.analyzer` is then the checkout's `analyzer/`, and tests,
scripts and `python -m credmint` run from the root read the code being edited.
"""

from pathlib import Path

_HERE = Path(__file__).resolve().parent
if not (_HERE / "analyzer").is_dir() and (_HERE.parent / "analyzer" / "__init__.py").is_file():
    __path__.append(str(_HERE.parent))  # noqa: F821 - a package's own search path
