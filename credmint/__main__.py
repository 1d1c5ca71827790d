"""`python -m credmint`: the same command as the installed `credmint` script."""

from credmint.analyzer.app.cli import run

run()
