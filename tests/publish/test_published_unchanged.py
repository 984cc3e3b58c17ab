"""The session's publication (tests/conftest.py ``pipeline_run``: 2 providers, 400 people,
6 months, seed 7) has the same tables, columns and figures as the stored fingerprint
(tests/golden/e2e_published_fingerprint.json, pipelines/publish/compare.py).

A refactoring must leave it green. A change that is meant to move a figure or a column
regenerates the fingerprint in the same commit, which says why::

    python -m pipelines.publish.compare --fingerprint <published>/marts.duckdb \\
        > tests/golden/e2e_published_fingerprint.json

(the session's published file is under the pytest temporary folder ``e2e*/published``; or
run the same data with ``python -m pipelines.run --no-demo`` on a folder generated with
``GeneratorConfig(providers=2, people=400, months=6, seed=7)``).
"""

import json
from pathlib import Path

from pipelines.publish.compare import compare_fingerprints, fingerprint_file
from tests.conftest import PipelineRun

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "e2e_published_fingerprint.json"


def test_published_tables_match_the_stored_fingerprint(pipeline_run: PipelineRun) -> None:
    assert pipeline_run.success, pipeline_run.output[-3000:]
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    actual = fingerprint_file(pipeline_run.settings.publish_dir / "marts.duckdb")
    differences = compare_fingerprints(expected, actual)
    assert not differences, "\n".join(differences)


def test_the_fingerprint_sees_a_changed_figure(tmp_path: Path,
                                               pipeline_run: PipelineRun) -> None:
    """One value moved by 0.1% is a difference; the same file is not."""
    import shutil

    import duckdb

    assert pipeline_run.success, pipeline_run.output[-3000:]
    copy = tmp_path / "marts.duckdb"
    shutil.copy(pipeline_run.settings.publish_dir / "marts.duckdb", copy)
    before = fingerprint_file(copy)
    assert compare_fingerprints(before, fingerprint_file(copy)) == []
    with duckdb.connect(str(copy)) as con:
        con.execute("update metric_values set value = value * 1.001 where rowid = ("
                    "select min(rowid) from metric_values where value > 0)")
    assert any("metric_values.value" in d
               for d in compare_fingerprints(before, fingerprint_file(copy)))
