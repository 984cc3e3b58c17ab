"""One expectation of a suite as loaded from ``expectations/<layer>.yml``, and the error
of a suite that cannot run. Imports nothing of the package (check kinds and suites both
use it)."""

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning")


class SuiteError(ValueError):
    """A suite file that does not describe runnable expectations."""


@dataclass(frozen=True)
class ExpectationSpec:
    id: str
    check: str
    severity: str
    description: str
    params: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def require(self, name: str) -> Any:
        if name not in self.params:
            raise SuiteError(f"expectation {self.id} ({self.check}) needs parameter {name!r}")
        return self.params[name]
