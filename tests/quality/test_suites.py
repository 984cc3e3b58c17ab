"""The suites in expectations/ load, and every expectation is runnable and has a severity."""

from pathlib import Path

import pytest
import yaml

from pipelines.config import EXPECTATIONS_DIR
from pipelines.quality import LAYERS, SuiteError, load_suites
from pipelines.quality.checks import CHECKS
from pipelines.quality.suites import SEVERITIES, parse_suite


def test_every_suite_loads_and_every_expectation_has_a_severity() -> None:
    suites = load_suites()
    assert set(suites) == set(LAYERS)
    for layer in LAYERS:
        raw = yaml.safe_load((EXPECTATIONS_DIR / f"{layer}.yml").read_text(encoding="utf-8"))
        assert raw["suite"] == layer
        for item in raw["expectations"]:
            assert item.get("severity") in SEVERITIES, f"{layer}.{item.get('id')}"
        loaded = suites[layer]
        assert [e.id for e in loaded.expectations] == [i["id"] for i in raw["expectations"]]
        assert all(e.check in CHECKS and e.description for e in loaded.expectations)


def test_suites_cover_the_required_rules_with_their_severities() -> None:
    s = load_suites()
    sev = {(layer, e.id): (e.check, e.severity)
           for layer, suite in s.items() for e in suite.expectations}
    assert sev[("ingest", "no_rejected_or_stale_files")] == ("file_status", "error")
    assert sev[("staging", "quarantine_share_per_file")] == ("quarantine_share", "error")
    assert sev[("staging", "quarantine_share_per_file_low")] == ("quarantine_share", "warning")
    assert s["staging"].get("quarantine_share_per_file").params["max_share"] == 0.05
    assert s["staging"].get("quarantine_share_per_file_low").params["max_share"] == 0.01
    # dates in order, periods inside their parent, codes and keys are dbt tests now; the
    # gate reports their results
    assert sev[("staging", "dbt_staging_tests_error")] == ("dbt_tests", "error")
    assert sev[("staging", "dbt_staging_tests_warn")] == ("dbt_tests", "warning")
    assert sev[("marts", "dbt_model_tests_error")] == ("dbt_tests", "error")
    assert sev[("marts", "occupancy_plausible")] == ("metric_range", "error")
    assert sev[("marts", "catalogue_metrics_present")] == ("metric_coverage", "error")
    assert sev[("marts", "row_volume_vs_published")] == ("published_change", "warning")
    assert sev[("marts", "occupied_bed_days_reconcile")] == ("fact_reconciliation", "error")
    assert sev[("marts", "manifest_rows_reconcile")] == ("manifest_reconciliation", "error")
    assert sev[("marts", "ledger_subjectives_mapped")] == ("unmapped_codes", "warning")


@pytest.mark.parametrize("broken, message", [
    ({"id": "x", "check": "completeness", "description": "d", "table": "stg_mhsds__ward_stay",
      "columns": ["ward_code"], "min_share": 0.9}, "severity"),
    ({"id": "x", "check": "completeness", "severity": "fatal", "description": "d"}, "severity"),
    ({"id": "x", "check": "dbt_tests", "severity": "error", "description": "d",
      "folders": ["seeds"], "statuses": ["fail"]}, "folders"),
    ({"id": "x", "check": "nope", "severity": "error", "description": "d"}, "unknown check"),
    ({"id": "x", "check": "completeness", "severity": "error", "description": "d",
      "table": "stg_mhsds__ward_stay", "columns": ["no_such_column"], "min_share": 0.9},
     "no column"),
    ({"id": "x", "check": "completeness", "severity": "error", "description": "d",
      "table": "stg_mhsds__ward_stay", "columns": ["ward_code"], "min_share": 95},
     "fraction"),
])
def test_a_broken_suite_is_refused(broken: dict, message: str) -> None:
    with pytest.raises(SuiteError, match=message):
        parse_suite({"suite": "staging", "expectations": [broken]}, Path("staging.yml"))


def test_duplicate_ids_are_refused() -> None:
    item = {"id": "x", "check": "manifest_reconciliation", "severity": "error",
            "description": "d"}
    with pytest.raises(SuiteError, match="duplicate"):
        parse_suite({"suite": "marts", "expectations": [item, dict(item)]})
