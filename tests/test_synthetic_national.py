"""The demo's national publication (pipelines/synthetic/national.py): NHS England's monthly
MHSDS data file for every generated month, the demo providers as NHS England would publish
them from their submissions (with three realistic differences), about fifty other providers
and England, rounded and suppressed as national."""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.synthetic import GenerationSummary, GeneratorConfig, generate
from pipelines.synthetic.__main__ import parse_args
from pipelines.synthetic.generate import demo_providers
from pipelines.synthetic.national import (
    BY_ID,
    ENGLAND,
    HEADER,
    MEASURES,
    PEERS,
    PERFORMANCE,
    PROVISIONAL,
    SENDING,
    NationalResult,
    demo_values,
    publish_count,
    publish_rate,
    write_national,
)
from pipelines.synthetic.periods import Horizon
from pipelines.synthetic.reference import build_reference
from tests.conftest import E2E_MONTHS, E2E_PEOPLE, E2E_PROVIDERS, PipelineRun
from tests.rawfiles import tmp_settings

START = "2023-04"
SEED = 7
CODES = ["RXA", "RXB"]
Y_M_DD = re.compile(r"^\d{4}-([1-9]|1[0-2])-\d{2}$")


@dataclass
class Gen:
    out: Path
    summary: GenerationSummary
    result: NationalResult
    horizon: Horizon
    rows: pd.DataFrame  # every file's rows, with the file's month folder


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Gen:
    """The e2e size (2 providers, 400 people, 6 months), generated once; the national step
    run again by hand for its exact values (it rewrites the same files, byte for byte)."""
    out = tmp_path_factory.mktemp("national_gen") / "raw"
    config = GeneratorConfig(out=out, providers=E2E_PROVIDERS, people=E2E_PEOPLE,
                             months=E2E_MONTHS, start=START, seed=SEED)
    summary = generate(config)
    horizon = Horizon(START, E2E_MONTHS)
    before = _hashes(out / "national")
    refs = [build_reference(SEED, p, E2E_PEOPLE, horizon) for p in range(E2E_PROVIDERS)]
    result = write_national(SEED, out, horizon, demo_providers(refs), ".csv", {})
    assert _hashes(out / "national") == before  # deterministic
    frames = []
    for path in sorted((out / "national").glob("*/*.csv")):
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df["folder"] = path.parent.name
        frames.append(df)
    return Gen(out, summary, result, horizon, pd.concat(frames, ignore_index=True))


def _exact(gen: Gen) -> pd.DataFrame:
    """Exact values per status, period, breakdown, level and measure (senders summed), of
    the periods published (the last month's Performance figures come with the next month,
    after the horizon)."""
    v = gen.result.values
    last = gen.horizon.n_months - 1
    v = v[~((v["status"] == PERFORMANCE) & (v["period"] == last))]
    return v.groupby(["status", "period", "breakdown", "level", "measure_id"],
                     as_index=False)["value"].sum()


def test_one_file_a_month_in_nhs_englands_layout(gen: Gen) -> None:
    folders = sorted(p.name for p in (gen.out / "national").iterdir())
    assert folders == gen.horizon.labels
    for label in folders:
        (path,) = (gen.out / "national" / label).iterdir()
        assert path.suffix == ".csv" and path.name.startswith("MHSDS Data_")
        with open(path, newline="", encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == list(HEADER)
    assert all(path in gen.summary.files for path in (gen.out / "national").rglob("*.csv"))
    assert gen.summary.row_counts["national_publication"] == len(gen.rows)
    rows = gen.rows
    assert rows["REPORTING_PERIOD_START"].str.match(Y_M_DD).all()
    assert rows["REPORTING_PERIOD_END"].str.match(Y_M_DD).all()
    assert rows["REPORTING_PERIOD_START"].str.endswith("-01").all()
    assert (rows["SECONDARY_LEVEL"] == "NONE").all()
    assert set(rows["BREAKDOWN"]) == {"England", "Provider", "Provider of Responsibility",
                                      "Receiving Provider", "Sending Provider"}
    # y-M-dd: no leading zero on the month (2023-4-01)
    assert "2023-4-01" in set(rows["REPORTING_PERIOD_START"])


def test_provisional_this_month_and_performance_last_month(gen: Gen) -> None:
    for i, label in enumerate(gen.horizon.labels):
        mine = gen.rows[gen.rows["folder"] == label]
        ends = mine.groupby("STATUS")["REPORTING_PERIOD_END"].agg(set).to_dict()
        y, m = int(label[:4]), int(label[5:])
        assert {e.rsplit("-", 1)[0] for e in ends[PROVISIONAL]} == {f"{y}-{m}"}
        if i == 0:
            assert set(ends) == {PROVISIONAL}
        else:
            prev = gen.horizon.labels[i - 1]
            assert {e.rsplit("-", 1)[0] for e in ends[PERFORMANCE]} == {
                f"{int(prev[:4])}-{int(prev[5:])}"}
    # a rolling quarter starts two months earlier
    q = gen.rows[(gen.rows["MEASURE_ID"] == "MHS140") & (gen.rows["folder"] == "2023-06")
                 & (gen.rows["STATUS"] == PROVISIONAL)]
    assert set(q["REPORTING_PERIOD_START"]) == {"2023-4-01"}


def test_about_fifty_other_providers_and_every_demo_provider(gen: Gen) -> None:
    providers = gen.rows[gen.rows["BREAKDOWN"] == "Provider"]
    codes = set(providers["PRIMARY_LEVEL"])
    assert set(CODES) <= codes
    others = codes - set(CODES)
    assert 45 <= len(others) <= 60 and others == {c for c, _ in PEERS}
    assert not any(re.fullmatch(r"RX[A-Z]", c) for c in others)  # never a demo code
    names = dict(zip(providers["PRIMARY_LEVEL"], providers["PRIMARY_LEVEL_DESCRIPTION"],
                     strict=True))
    assert names["RXA"].endswith("NHS Foundation Trust") and names["R1A"] == dict(PEERS)["R1A"]
    assert len(set(names.values())) == len(names)
    # measures: the ones named in the issue
    assert set(gen.rows["MEASURE_ID"]) == {m.id for m in MEASURES}


def test_values_rounded_and_suppressed_as_national(gen: Gen) -> None:
    exact = _exact(gen)
    exact = exact[exact["breakdown"] != ENGLAND]
    lookup = {(r.status, r.period, r.breakdown, r.level, r.measure_id): r.value
              for r in exact.itertuples()}
    labels = gen.horizon.labels
    published = gen.rows[gen.rows["BREAKDOWN"] != ENGLAND]
    seen = 0
    for r in published.itertuples():
        period = labels.index("{}-{:02d}".format(*map(int, r.REPORTING_PERIOD_END.split("-")[:2])))
        value = lookup[(r.STATUS, period, r.BREAKDOWN, r.PRIMARY_LEVEL, r.MEASURE_ID)]
        measure = BY_ID[r.MEASURE_ID]
        assert value != 0  # zero rows are left out
        if measure.kind == "count":
            assert r.MEASURE_VALUE == publish_count(value)
            assert (r.MEASURE_VALUE == "*") == (value < 5)
            if r.MEASURE_VALUE != "*":
                assert int(r.MEASURE_VALUE) % 5 == 0
        else:
            rests = [lookup.get((r.STATUS, period, r.BREAKDOWN, r.PRIMARY_LEVEL, c))
                     for c in measure.rests_on]
            assert r.MEASURE_VALUE == publish_rate(value, rests)
            assert r.MEASURE_VALUE == "*" or re.fullmatch(r"\d+", r.MEASURE_VALUE)
        seen += 1
    assert seen == len(published)
    # and every non-zero exact value has its row
    nonzero = exact[exact["value"] != 0]
    assert len(nonzero) == len(published)
    assert (published["MEASURE_VALUE"] == "*").any()
    assert publish_count(4.9) == "*" and publish_count(7.5) == "10" and publish_count(12) == "10"
    assert publish_rate(76.5, [30, 40]) == "77" and publish_rate(80, [4, 40]) == "*"


def test_measures_consistent_with_each_other(gen: Gen) -> None:
    exact = _exact(gen)
    wide = exact.pivot_table(index=["status", "period", "level"], columns="measure_id",
                             values="value", aggfunc="sum").fillna(0.0)
    assert (wide["MHS79"] <= wide["MHS78"]).all()
    has = wide["MHS78"] > 0
    assert ((wide.loc[has, "MHS80"] - 100 * wide.loc[has, "MHS79"] / wide.loc[has, "MHS78"])
            .abs() < 1e-9).all()
    assert wide["MHS80"].between(0, 100).all()
    big = wide[wide["MHS01"] > 1000]
    assert len(big) > 100
    assert (big["MHS24"] > big["MHS07"] * 20).all()  # bed days: a month of occupied beds
    assert (big["MHS140a"].between(10, 80)).all()  # mean length of stay, days
    # Performance (the refresh) at least the Provisional figure for activity, other providers
    perf = wide.xs(PERFORMANCE, level="status")
    prov = wide.xs(PROVISIONAL, level="status")
    common = perf.index.intersection(prov.index)
    others = [i for i in common if i[1] not in CODES]
    assert (perf.loc[others, "MHS30"] >= prov.loc[others, "MHS30"]).all()


def test_england_is_the_unrounded_sum_of_the_providers(gen: Gen) -> None:
    exact = _exact(gen)
    england = gen.rows[gen.rows["BREAKDOWN"] == ENGLAND]
    assert len(england) > 0
    labels = gen.horizon.labels
    checked = 0
    for r in england.itertuples():
        period = labels.index("{}-{:02d}".format(*map(int, r.REPORTING_PERIOD_END.split("-")[:2])))
        measure = BY_ID[r.MEASURE_ID]
        mine = exact[(exact["status"] == r.STATUS) & (exact["period"] == period)
                     & (exact["breakdown"] == measure.breakdown)]
        if measure.kind == "count":
            expected = mine[mine["measure_id"] == measure.id]["value"].sum()
            assert float(r.MEASURE_VALUE) == expected
            assert "*" not in r.MEASURE_VALUE and "." not in r.MEASURE_VALUE
        elif measure.kind == "percent":
            num = mine[mine["measure_id"] == measure.numerator]["value"].sum()
            den = mine[mine["measure_id"] == measure.denominator]["value"].sum()
            assert float(r.MEASURE_VALUE) == pytest.approx(100 * num / den, rel=1e-9)
        else:
            base = mine[mine["measure_id"] == measure.rests_on[0]].set_index("level")["value"]
            means = mine[mine["measure_id"] == measure.id].set_index("level")["value"]
            expected = (means * base.reindex(means.index)).sum() / base.reindex(
                means.index).sum()
            assert float(r.MEASURE_VALUE) == pytest.approx(expected, rel=1e-9)
        checked += 1
    assert checked == len(england)
    # Sending Provider rows are not counted again in England
    sending = exact[(exact["breakdown"] == SENDING) & (exact["measure_id"] == "OAP01M")]
    assert len(sending) > 0


def test_demo_providers_from_their_submissions_with_three_realistic_differences(
        gen: Gen) -> None:
    ours = demo_values(gen.out, CODES, gen.horizon, ".csv", {})
    published = gen.result.values
    published = published[published["prov"].isin(CODES) & (published["status"] == PROVISIONAL)]
    merged = ours.merge(published, on=["prov", "period", "breakdown", "level", "measure_id"],
                        how="outer", suffixes=("_ours", "_published"))
    assert merged["value_ours"].notna().all() and merged["value_published"].notna().all()
    differs = merged[(merged["value_ours"] - merged["value_published"]).abs() > 1e-9]
    assert 0 < len(differs) <= 12
    notes = gen.summary.national_differences
    assert len(notes) == 3
    assert any("MHS79" in n and "cut-off" in n for n in notes)
    assert any("refresh" in n for n in notes)
    assert any("rejected by NHS England's validation" in n for n in notes)
    # every difference is one the notes name, and the published value is the lower one
    for r in differs.itertuples():
        label = gen.horizon.labels[r.period]
        assert any(n.startswith(f"{r.prov} {label} ") and r.measure_id in n for n in notes), r
        if r.measure_id != "MHS80":
            assert r.value_published < r.value_ours
    # the MHS79 difference is visible after rounding where a month allows it
    m79 = differs[differs["measure_id"] == "MHS79"]
    assert len(m79) == 1


def test_the_generated_files_load_without_a_quarantined_row(gen: Gen, tmp_path: Path) -> None:
    from pipelines.ingest.load import ingest

    s = tmp_settings(tmp_path)
    shutil.copytree(gen.out / "national", s.raw_dir / "national")
    (s.raw_dir / ".mhp-synthetic").touch()
    report = ingest(s)
    assert not report.problems and not report.advisory_problems
    assert report.count("loaded") == E2E_MONTHS
    assert report.rows_quarantined == 0 and report.rows_loaded == len(gen.rows)


def test_the_switch(tmp_path: Path) -> None:
    config = GeneratorConfig(out=tmp_path / "raw", providers=1, people=60, months=2, seed=3,
                             national=False)
    summary = generate(config)
    assert not (tmp_path / "raw" / "national").exists()
    assert "national_publication" not in summary.row_counts
    assert GeneratorConfig(out=tmp_path).national  # on by default (make run's demo)
    assert parse_args(["--out", str(tmp_path)]).national
    assert not parse_args(["--out", str(tmp_path), "--no-national"]).national
    on = generate(replace(config, out=tmp_path / "on", national=True))
    assert len(list((tmp_path / "on" / "national").glob("*/*.csv"))) == 2
    assert on.national_seconds < 20


def test_generation_time_at_the_e2e_size(gen: Gen) -> None:
    # the national step's own time (the brief: well under 20 s extra at this size)
    assert gen.summary.national_seconds < 20, gen.summary.national_seconds


@pytest.mark.e2e
def test_published_figures_agree_with_the_projects_national_measures(
        pipeline_run: PipelineRun) -> None:
    """The demo providers' published figures (an independent implementation of NHS
    England's rules) agree with mart_national_measures, rounded and suppressed as national,
    except for the injected differences."""
    assert pipeline_run.success
    con = duckdb.connect(str(pipeline_run.settings.warehouse), read_only=True)
    try:
        both = con.execute("""
            select m.primary_level, m.period_month, m.measure_id, m.breakdown, m.status,
                   m.measure_value_rounded as ours, p.measure_value_published as published
            from marts.mart_national_measures m
            join intermediate.int_national_published p
              on p.period_month = m.period_month and p.status = m.status
             and p.breakdown = m.breakdown and p.primary_level = m.primary_level
             and p.secondary_level = m.secondary_level and p.measure_id = m.measure_id
            where m.primary_level like 'RX_'""").df()
    finally:
        con.close()
    assert len(both) > 50
    same = (both["ours"] == both["published"]).mean()
    assert same >= 0.9, both[both["ours"] != both["published"]].to_string()
