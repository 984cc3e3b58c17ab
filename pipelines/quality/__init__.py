"""Quality gates: Great Expectations suites (``expectations/*.yml``) over the warehouse.

- ``run_gate(settings, layer) -> GateResult`` - one layer: ``ingest``, ``staging``, ``marts``
- ``run_gates(settings, layers) -> dict[str, GateResult]`` - several, one connection
- ``gate_summary(settings) -> dict`` - latest result of every layer, for the publish log
- ``load_suites()`` - the suites, validated

Rules every row must meet are dbt tests generated from the raw contract; the gate keeps
what needs a threshold, history or the last publication, and reports dbt's test results
(check kind ``dbt_tests``). docs/quality-gates.md describes the owners, the suites,
severities and how to add an expectation.
"""

from pipelines.quality.gate import (
    ExpectationOutcome,
    GateResult,
    gate_summary,
    results_path,
    run_gate,
    run_gates,
)
from pipelines.quality.suites import LAYERS, Suite, SuiteError, load_suite, load_suites

__all__ = [
    "LAYERS",
    "ExpectationOutcome",
    "GateResult",
    "Suite",
    "SuiteError",
    "gate_summary",
    "load_suite",
    "load_suites",
    "results_path",
    "run_gate",
    "run_gates",
]
