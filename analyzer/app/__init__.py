"""The delivery layer: the command line, the GitHub Action and its comment, the base checkout of a diff,
the settings and baseline files, the workspace boundary, and suppressions as a run applies them.

It carries the analyzer's answers to a terminal or a pull request; nothing in `credmint.analyzer`
outside this package, and nothing in `credmint.parsers`, imports from it (tests/test_layering.py).
"""
