"""Expectation suites: version-controlled YAML files in ``expectations/``.

One file per gate layer (``ingest.yml``, ``staging.yml``, ``marts.yml``). Each
expectation names a check kind (implemented in :mod:`pipelines.quality.checks`),
its severity and its parameters (:class:`~pipelines.quality.spec.ExpectationSpec`)::

    suite: marts
    description: ...
    expectations:
      - id: occupancy_plausible
        check: metric_range
        severity: error          # error blocks publishing; warning is reported only
        description: Bed occupancy between 0 and 150%.
        metrics: [occupancy_pct, occupancy_excl_leave_pct]
        min: 0
        max: 150

Loading validates the file (known check kinds, severities, unique ids) so a
reviewed suite that cannot run fails in tests, not at 2 a.m.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipelines.config import EXPECTATIONS_DIR
from pipelines.quality.checks import CHECKS
from pipelines.quality.spec import SEVERITIES, ExpectationSpec, SuiteError

LAYERS = ("ingest", "staging", "marts")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_RESERVED = {"id", "check", "severity", "description"}


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    expectations: tuple[ExpectationSpec, ...]
    path: Path | None = None

    def get(self, expectation_id: str) -> ExpectationSpec:
        for e in self.expectations:
            if e.id == expectation_id:
                return e
        raise KeyError(f"suite {self.name} has no expectation {expectation_id!r}")


def suite_path(layer: str, directory: Path | None = None) -> Path:
    return (directory or EXPECTATIONS_DIR) / f"{layer}.yml"


def parse_suite(raw: Any, path: Path | None = None) -> Suite:
    where = str(path) if path else "suite"
    if not isinstance(raw, dict):
        raise SuiteError(f"{where}: expected a mapping with 'suite' and 'expectations'")
    name = raw.get("suite")
    if not isinstance(name, str) or not _ID.match(name):
        raise SuiteError(f"{where}: 'suite' must be a lower-case identifier")
    items = raw.get("expectations")
    if not isinstance(items, list) or not items:
        raise SuiteError(f"{where}: 'expectations' must be a non-empty list")
    seen: set[str] = set()
    specs: list[ExpectationSpec] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise SuiteError(f"{where}: expectation #{i + 1} is not a mapping")
        eid = item.get("id")
        if not isinstance(eid, str) or not _ID.match(eid):
            raise SuiteError(f"{where}: expectation #{i + 1} needs an identifier 'id'")
        if eid in seen:
            raise SuiteError(f"{where}: duplicate expectation id {eid!r}")
        seen.add(eid)
        severity = item.get("severity")
        if severity not in SEVERITIES:
            raise SuiteError(f"{where}: {eid}: severity must be one of {SEVERITIES}, "
                             f"not {severity!r}")
        check = item.get("check")
        if check not in CHECKS:
            raise SuiteError(f"{where}: {eid}: unknown check {check!r} "
                             f"(known: {', '.join(sorted(CHECKS))})")
        description = item.get("description")
        if not isinstance(description, str) or not description.strip():
            raise SuiteError(f"{where}: {eid}: a description is required")
        params = {k: v for k, v in item.items() if k not in _RESERVED}
        spec = ExpectationSpec(eid, check, severity, " ".join(description.split()), params)
        CHECKS[check].validate(spec)
        specs.append(spec)
    return Suite(name, " ".join(str(raw.get("description", "")).split()), tuple(specs), path)


def load_suite(layer: str, directory: Path | None = None) -> Suite:
    """Load and validate ``expectations/<layer>.yml``."""
    path = suite_path(layer, directory)
    if not path.exists():
        raise SuiteError(f"no suite file {path}")
    with open(path, encoding="utf-8") as fh:
        suite = parse_suite(yaml.safe_load(fh), path)
    if suite.name != layer:
        raise SuiteError(f"{path}: suite name {suite.name!r} does not match the file ({layer})")
    return suite


def load_suites(directory: Path | None = None) -> dict[str, Suite]:
    return {layer: load_suite(layer, directory) for layer in LAYERS}
