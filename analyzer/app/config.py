"""Run settings from the command line, `CREDMINT_*` variables and a settings file (issue 7 §7).

Precedence is CLI > environment > file > defaults, so a CI job can override a repository's file
without editing it. The file is `--config FILE`, else `$CREDMINT_CONFIG`, else `.credmint.yaml`
(or `.credmint.yml`), else `[tool.credmint]` of `pyproject.toml`, all in the current directory.
YAML is read with the safe loader; an unknown key is an error, since a mistyped key in a security
gate would otherwise pass silently.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from credmint.analyzer.rules import FAIL_ON_CHOICES, Settings
from credmint.analyzer.suppressions import IgnoreEntry

DEFAULT_FAIL_ON = "high"
FILE_NAMES = (".credmint.yaml", ".credmint.yml")
KEYS = frozenset(
    {
        "account_id",
        "fail_on",
        "trusted_principals",
        "trusted_accounts",
        "federation_allowance",
        "ignore",
    }
)
IGNORE_KEYS = frozenset({"rule", "principal", "action", "target", "reason"})


class ConfigError(Exception):
    """A settings file or value that cannot be used; the run stops with exit status 2."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSettings:
    account_id: str | None = None
    fail_on: str = DEFAULT_FAIL_ON
    trusted_principals: tuple[str, ...] = ()
    """Principals whose grants are accepted: their findings are listed as suppressed."""
    ignores: tuple[IgnoreEntry, ...] = ()
    rules: Settings = Settings()
    """What the rules read (trusted accounts of CM105, federation allowance of CM106)."""
    file: str | None = None
    warnings: tuple[str, ...] = ()


def load_settings(
    *,
    account_id: str | None,
    fail_on: str | None,
    config: Path | None,
    env: Mapping[str, str],
    cwd: Path,
    search: bool = True,
) -> RunSettings:
    """The settings of one run; `account_id`, `fail_on` and `config` come from the CLI (or None).

    `search=False` reads no file unless one is given (a diff's base that has none)."""
    warnings: list[str] = []
    path = config_path(config, env)
    if path is not None and not path.is_file():
        raise ConfigError(f"settings file {path} does not exist")
    data, used = _read_file(path, cwd, warnings) if path or search else ({}, None)
    _check_keys(data, KEYS, used)
    from_env = {
        "account_id": env.get("CREDMINT_ACCOUNT_ID") or None,
        "fail_on": env.get("CREDMINT_FAIL_ON") or None,
    }
    trusted = data.get("trusted_principals", [])
    if env.get("CREDMINT_TRUSTED_PRINCIPALS"):
        trusted = [p.strip() for p in env["CREDMINT_TRUSTED_PRINCIPALS"].split(",") if p.strip()]
    account = _account(_first(account_id, from_env["account_id"], data.get("account_id")), used)
    return RunSettings(
        account_id=account,
        fail_on=_fail_on(
            _first(fail_on, from_env["fail_on"], data.get("fail_on"), DEFAULT_FAIL_ON), used
        ),
        trusted_principals=tuple(_strings(trusted, "trusted_principals", used)),
        ignores=tuple(
            _ignore(entry, used) for entry in _list(data.get("ignore", []), "ignore", used)
        ),
        rules=Settings(
            account_id=account,
            trusted_accounts=frozenset(
                _account(a, used)
                for a in _list(data.get("trusted_accounts", []), "trusted_accounts", used)
            ),
            federation_allowance=tuple(
                _strings(data.get("federation_allowance", []), "federation_allowance", used)
            ),
        ),
        file=used,
        warnings=tuple(warnings),
    )


def config_path(config: Path | None, env: Mapping[str, str]) -> Path | None:
    """The settings file named by `--config`, else by `$CREDMINT_CONFIG`; None to look for one."""
    return config or (Path(env["CREDMINT_CONFIG"]) if env.get("CREDMINT_CONFIG") else None)


def _contained(path: Path, cwd: Path) -> Path:
    """A settings file inside `cwd` must stay there: a committed symlink to an outside file would
    print that file's keys into a public log (issue 15 §4)."""
    folder = Path(os.path.abspath(cwd))
    lexical = Path(os.path.abspath(path))
    if lexical.is_relative_to(folder) and not lexical.resolve().is_relative_to(folder.resolve()):
        raise ConfigError(f"settings file {path} is a symlink that leads outside {cwd}: refused")
    return path


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _read_file(
    path: Path | None, cwd: Path, warnings: list[str]
) -> tuple[Mapping[str, Any], str | None]:
    if path is None:
        path = next((cwd / n for n in FILE_NAMES if (cwd / n).is_file()), None)
    if path is not None and path.name != "pyproject.toml":
        return _yaml(_contained(path, cwd)), str(path)
    pyproject = path or cwd / "pyproject.toml"
    if not pyproject.is_file():
        return {}, None
    _contained(pyproject, cwd)
    if sys.version_info < (3, 11):
        warnings.append(f"{pyproject}: [tool.credmint] needs Python 3.11+ (tomllib); ignored")
        return {}, None
    import tomllib

    try:
        table = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("credmint")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as problem:
        raise ConfigError(f"{pyproject}: {problem}") from None
    if table is None:
        return {}, None
    return _mapping(table, str(pyproject)), f"{pyproject} [tool.credmint]"


def _yaml(path: Path) -> Mapping[str, Any]:
    import yaml  # only a run with a settings file pays for it (issue 17: imports on demand)

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as problem:
        raise ConfigError(f"{path}: {problem}") from None
    return _mapping({} if data is None else data, str(path))


def _mapping(data: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: settings must be a mapping")
    return data


def _check_keys(data: Mapping[str, Any], allowed: frozenset[str], where: str | None) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _account(value: Any, where: str | None) -> str | None:
    if value is None:
        return None
    text = str(value)
    if len(text) != 12 or not text.isdigit():
        raise ConfigError(f"{where or 'environment'}: account_id must be 12 digits, got {text!r}")
    return text


def _fail_on(value: Any, where: str | None) -> str:
    if value not in FAIL_ON_CHOICES:
        raise ConfigError(
            f"{where or 'environment'}: fail_on must be one of {', '.join(FAIL_ON_CHOICES)}"
        )
    return str(value)


def _list(value: Any, key: str, where: str | None) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: {key} must be a list")
    return value


def _strings(value: Any, key: str, where: str | None) -> list[str]:
    items = _list(value, key, where)
    if not all(isinstance(item, str) and item for item in items):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return items


def _ignore(entry: Any, where: str | None) -> IgnoreEntry:
    """`CM101` ignores a rule; a mapping ignores a rule, a grant, or a rule on a grant."""
    if isinstance(entry, str):
        return IgnoreEntry(rule=entry, reason=f"rule {entry} ignored in {where}")
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: each ignore entry is a rule id or a mapping")
    _check_keys(entry, IGNORE_KEYS, f"{where} ignore entry")
    fields = {
        k: str(entry[k])
        for k in ("rule", "principal", "action", "target")
        if entry.get(k) is not None
    }
    if not fields:
        raise ConfigError(f"{where}: an ignore entry needs a rule, principal, action or target")
    return IgnoreEntry(**fields, reason=str(entry.get("reason") or f"ignored in {where}"))
