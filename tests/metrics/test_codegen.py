"""The local metric definitions (pipelines/metrics/metrics.yml) and their generator."""

from pathlib import Path

import pytest
import yaml

from pipelines.catalogue import load_catalogue
from pipelines.metrics import codegen
from pipelines.metrics.model import METRICS_PATH, DefinitionError, load_metrics

GOOD = {
    "id": "beds_demo", "name": "Demo", "domain": "flow", "description": "A demo metric.",
    "numerator": "Occupied bed days", "unit": "days", "better": "neither", "kind": "count",
    "sources": ["MHS502WardStay"], "model": "int_metric_values_monthly",
    "rollup": {"fact": "ward_month", "numerator": "sum(occupied_bed_days)", "groups": "bed"},
}


def _load(tmp_path: Path, *entries: dict) -> list:
    path = tmp_path / "metrics.yml"
    path.write_text(yaml.safe_dump({"metrics": list(entries)}), encoding="utf-8")
    return load_metrics(path)


def test_the_committed_definitions_load_and_the_generated_files_are_current() -> None:
    metrics = load_metrics()
    assert len(metrics) == len({m.id for m in metrics}) == 47
    assert codegen.main(["--check"]) == 0


def test_the_catalogue_is_generated_from_the_entries() -> None:
    by_id = {m.metric_id: m for m in load_catalogue()}
    for m in load_metrics():
        row = by_id[m.id]
        assert (row.value_kind, row.unit, row.metric_name) == (m.kind, m.unit, m.name)
    # one kind for value and disclosure: a median is a median everywhere
    assert by_id["los_median_days"].value_kind == "median"


def test_a_good_entry_loads(tmp_path: Path) -> None:
    (m,) = _load(tmp_path, GOOD)
    assert m.rollup is not None and m.rollup.levels == ("provider", "locality", "ward")
    assert m.multiplier == 1.0


@pytest.mark.parametrize(("change", "message"), [
    ({"kind": "pct"}, "kind 'pct' is not one of"),
    ({"unit": "furlongs"}, "unit 'furlongs'"),
    ({"name": ""}, "'name' is required"),
    ({"colour": "red"}, "unknown field(s) ['colour']"),
    ({"kind": "ratio"}, "kind ratio needs a denominator definition"),
    ({"kind": "ratio", "denominator": "Available bed days"}, "needs a rollup denominator"),
    ({"window": "average"}, "window 'average'"),
    ({"funnel": "binomial"}, "a binomial funnel is for percentages"),
    ({"target": {"value": "high", "type": "max"}}, "target needs a number value"),
    ({"national": {"measure_id": "MHS24", "relation": "similar to MHS24"}},
     "measure_id is set only where"),
    ({"rollup": {"fact": "ward_month", "numerator": "median(los_days)"}},
     "a median's numerator is median(<column>) and only a median's"),
    ({"rollup": {"fact": "ward_month", "numerator": "sum(x)", "levels": ["ward"]}},
     "levels must start with provider"),
    ({"rollup": None, "model": "int_metric_values_cost"},
     "has no rollup and int_metric_values_cost.sql does not compute it"),
])
def test_a_bad_entry_is_refused_naming_file_and_metric(tmp_path: Path, change: dict,
                                                       message: str) -> None:
    with pytest.raises(DefinitionError) as err:
        _load(tmp_path, {**GOOD, **change})
    assert str(err.value).startswith("metrics.yml: metric beds_demo")
    assert message in str(err.value)


def test_a_metric_defined_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="metric beds_demo is defined twice"):
        _load(tmp_path, GOOD, GOOD)


def test_check_detects_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture) -> None:
    files = codegen.generated_files()
    stale = {}
    for i, (path, text) in enumerate(files.items()):
        copy = tmp_path / f"{i}_{path.name}"
        copy.write_text(text if i else text.replace("admissions", "admitted"), encoding="utf-8")
        stale[copy] = text
    monkeypatch.setattr(codegen, "generated_files", lambda: stale)
    assert codegen.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "python -m pipelines.metrics.codegen" in out and "0_" in out and "1_" not in out
    assert codegen.main([]) == 0  # writes them
    assert codegen.main(["--check"]) == 0


def test_the_rollup_data_matches_the_entries() -> None:
    text = codegen.MACRO_PATH.read_text(encoding="utf-8")
    assert "{% macro metric_definitions() %}" in text
    assert '"window_sum": ["oap_new", "oap_bed_days", "oap_ended"]' in text
    assert METRICS_PATH.name in text
