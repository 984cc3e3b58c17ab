"""The national-measure framework: definitions as data, checked; the published table and
the per-month CSVs in NHS England's layout.

The rules of each measure family are tested with hand-worked data in the family's own
module (test_los.py, test_followup_72h.py, test_oaps.py, test_monthly.py); the rounding
is a dbt unit test (dbt_project/models/marts/_national.yml).
"""

import csv
import io
from pathlib import Path

import duckdb
import pytest

from pipelines.national import codegen
from pipelines.national.model import DefinitionError, load_breakdowns, load_measures
from pipelines.publish.national import NATIONAL_BREAKDOWNS, national_select
from pipelines.publish.tables import Source

NATIONAL_HEADER = [
    "REPORTING_PERIOD_START", "REPORTING_PERIOD_END", "STATUS", "BREAKDOWN", "PRIMARY_LEVEL",
    "PRIMARY_LEVEL_DESCRIPTION", "SECONDARY_LEVEL", "SECONDARY_LEVEL_DESCRIPTION",
    "MEASURE_ID", "MEASURE_NAME", "MEASURE_VALUE",
]

BASE = """
  - id: A1
    name: people
    frequency: Q
    source: int_prep
    aggregate: count_distinct person_key
    unit: people
    suppression: count
    breakdowns: [provider]
    national_source: somewhere
"""


def _load(tmp_path: Path, entries: str) -> list:
    folder = tmp_path / "measures"
    folder.mkdir(exist_ok=True)
    (folder / "fam.yml").write_text("family: fam\nmeasures:\n" + entries, encoding="utf-8")
    prep = tmp_path / "prep"
    prep.mkdir(exist_ok=True)
    (prep / "int_prep.sql").write_text("select 1", encoding="utf-8")
    return load_measures(folder, load_breakdowns(), prep)


def test_the_committed_definitions_load_and_the_generated_files_are_current() -> None:
    measures = load_measures()
    assert len({m.id for m in measures}) == len(measures)
    assert codegen.main(["--check"]) == 0


def test_a_valid_definition_loads_with_its_defaults(tmp_path: Path) -> None:
    [m] = _load(tmp_path, BASE)
    assert (m.id, m.frequency, m.aggregate, m.column) == ("A1", "Q", "count_distinct",
                                                          "person_key")
    assert m.count_like and m.suppress_on == ()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (BASE.replace("[provider]", "[region]"), "unknown breakdown"),
        (BASE.replace("int_prep", "int_missing"), "source model int_missing not found"),
        (BASE.replace("frequency: Q", "frequency: W"), "frequency 'W'"),
        (BASE.replace("count_distinct person_key", "avg x"), "aggregate 'avg x'"),
        (BASE + BASE, "also defined"),
        (BASE.replace("suppression: count", "suppression: percent"), "count_measure"),
        (BASE + """
  - id: R1
    name: ratio
    frequency: M
    aggregate: ratio
    numerator: A1
    denominator: A1
    unit: percent
    suppression: percent
    breakdowns: [provider]
    national_source: x
""", "has frequency Q, not M"),
    ],
)
def test_an_invalid_definition_is_refused_naming_file_and_measure(
    tmp_path: Path, extra: str, message: str
) -> None:
    with pytest.raises(DefinitionError, match=message) as err:
        _load(tmp_path, extra)
    assert "fam.yml" in str(err.value)


def test_a_ratio_is_suppressed_on_its_numerator_and_denominator_by_default(
    tmp_path: Path,
) -> None:
    ms = _load(tmp_path, BASE + BASE.replace("A1", "A2") + """
  - id: R1
    name: ratio
    frequency: Q
    aggregate: ratio
    numerator: A1
    denominator: A2
    multiplier: 100
    unit: percent
    suppression: percent
    breakdowns: [provider]
    national_source: x
""")
    assert ms[-1].suppress_on == ("A1", "A2")


def test_public_output_publishes_only_the_nationally_rounded_value() -> None:
    con = duckdb.connect()
    con.execute("attach ':memory:' as wh")
    con.execute("create schema wh.marts")
    con.execute(
        "create table wh.marts.m as select date '2024-03-01' as reporting_period_start, "
        "date '2024-03-31' as reporting_period_end, 'Provisional' as status, "
        "'Provider' as breakdown, 'P1' as primary_level, 'P1' as primary_level_description, "
        "'NONE' as secondary_level, 'NONE' as secondary_level_description, "
        "x.id as measure_id, 'n' as measure_name, x.v as measure_value, "
        "x.r as measure_value_rounded, date '2024-03-01' as period_month, "
        "'M' as measure_frequency "
        "from (values ('A', 0.0, '*'), ('B', 3.0, '*'), ('C', 12.0, '10')) x(id, v, r)"
    )
    src = Source("national_measures", "marts", "m", national=True)
    public = con.execute(national_select(src, public=True))
    cols = [d[0] for d in public.description]
    rows = public.fetchall()
    assert "measure_value_rounded" not in cols
    # NHS England omits zero rows; the exact value never leaves
    assert [(r[cols.index("measure_id")], r[cols.index("measure_value")]) for r in rows] == [
        ("B", "*"), ("C", "10")]
    internal = con.execute(national_select(src, public=False))
    assert len(internal.fetchall()) == 3


def test_the_published_file_carries_the_national_measures(pipeline_run) -> None:
    assert pipeline_run.success, pipeline_run.output[-3000:]
    pub = pipeline_run.settings.publish_dir
    con = duckdb.connect(str(pub / "marts.duckdb"), read_only=True)
    try:
        ids = {r[0] for r in con.execute(
            "select distinct measure_id from national_measures").fetchall()}
        catalogue = {r[0] for r in con.execute(
            "select measure_id from national_measure_catalogue").fetchall()}
        providers = {r[0] for r in con.execute(
            "select distinct primary_level from national_measures "
            "where breakdown = 'Provider'").fetchall()}
        months = [r[0] for r in con.execute(
            "select distinct strftime(period_month, '%Y-%m') from national_measures "
            "order by 1").fetchall()]
        bad_rounding = con.execute(
            "select count(*) from national_measures n join national_measure_catalogue c "
            "using (measure_id) where c.suppression = 'count' and n.measure_value_rounded <> '*' "
            "and cast(n.measure_value_rounded as integer) % 5 <> 0").fetchall()[0][0]
    finally:
        con.close()
    assert ids and ids <= catalogue
    assert len(providers) >= 2
    assert bad_rounding == 0
    folder = pub / "csv" / "national"
    files = sorted(p.name for p in folder.iterdir())
    assert files == [f"national_measures_{m}.csv" for m in months]
    text = (folder / files[-1]).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == NATIONAL_HEADER
    assert rows[1:], "a month with no national rows"
    assert {r[3] for r in rows[1:]} <= set(NATIONAL_BREAKDOWNS)
    assert all(r[10] == "*" or r[10].lstrip("-").isdigit() for r in rows[1:])
