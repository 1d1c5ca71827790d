"""Which files of a folder Terraform and OpenTofu read as its configuration (issue 13 item 9).

Terraform reads `*.tf` (native syntax) and `*.tf.json` (JSON syntax); OpenTofu reads those and
`*.tofu` / `*.tofu.json`, and where `x.tofu` and `x.tf` both exist it reads only `x.tofu` (OpenTofu
docs, "Files and Directories"). Files whose name is `override` or ends in `_override` (before the
suffix) are override files, merged into the others after them (Terraform docs, "Override Files").
Names Terraform ignores (editor files: a leading `.` or `#`, a trailing `~`) are not configuration.
This module only names files: it reads none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

NATIVE_SUFFIXES = (".tf", ".tofu")
JSON_SUFFIXES = (".tf.json", ".tofu.json")
CONFIG_SUFFIXES = NATIVE_SUFFIXES + JSON_SUFFIXES
_TOFU_FOR = {".tf": ".tofu", ".tf.json": ".tofu.json"}


@dataclass(frozen=True, slots=True)
class ConfigFiles:
    """A folder's configuration files, each list in lexical order (the order Terraform merges in)."""

    primary: tuple[Path, ...]
    overrides: tuple[Path, ...]

    @property
    def all(self) -> tuple[Path, ...]:
        return self.primary + self.overrides


def config_suffix(name: str) -> str | None:
    """The configuration suffix of a file name (`.tf.json` before `.json`), or None."""
    if name.startswith((".", "#")) or name.endswith("~"):
        return None
    for suffix in JSON_SUFFIXES + NATIVE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return suffix
    return None


def is_config_name(name: str) -> bool:
    return config_suffix(name) is not None


def is_json_config(path: Path) -> bool:
    return config_suffix(path.name) in JSON_SUFFIXES


def is_override(path: Path) -> bool:
    suffix = config_suffix(path.name)
    stem = path.name[: -len(suffix)] if suffix else path.name
    return stem == "override" or stem.endswith("_override")


def config_files(directory: Path) -> ConfigFiles:
    """The configuration files of `directory`, `.tofu` files hiding their `.tf` twins."""
    try:
        names = sorted(entry.name for entry in directory.iterdir() if is_config_name(entry.name))
    except OSError:
        return ConfigFiles((), ())
    present = set(names)
    kept = []
    for name in names:
        suffix = config_suffix(name)
        twin = _TOFU_FOR.get(suffix or "")
        if twin is not None and name[: -len(suffix)] + twin in present:  # type: ignore[arg-type]
            continue  # OpenTofu reads x.tofu instead of x.tf
        kept.append(directory / name)
    return ConfigFiles(
        primary=tuple(p for p in kept if not is_override(p)),
        overrides=tuple(p for p in kept if is_override(p)),
    )


def has_config(names: list[str]) -> bool:
    """Does a folder listing hold any configuration file?"""
    return any(is_config_name(name) for name in names)
