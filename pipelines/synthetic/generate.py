"""generate(): build every provider's history, then write the monthly drop folder."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.contract import load_contract
from pipelines.ingest.discover import SYNTHETIC_MARKER
from pipelines.synthetic.community import build_contacts, build_onward, build_referrals
from pipelines.synthetic.config import GenerationSummary, GeneratorConfig
from pipelines.synthetic.faults import (
    FAULT_PROVIDER,
    apply_file_faults,
    apply_frame_faults,
    encoding_for,
    fault_month,
    faults_at,
    reserved_months,
)
from pipelines.synthetic.finance import Finance, build_finance, subjective_map
from pipelines.synthetic.frames import world_frames
from pipelines.synthetic.links import link_providers
from pipelines.synthetic.national import TABLES as NATIONAL_TABLES
from pipelines.synthetic.national import DemoProvider, write_national
from pipelines.synthetic.nhs_number import NhsNumberRegistry
from pipelines.synthetic.periods import Horizon, iso
from pipelines.synthetic.rand import Stream, stream
from pipelines.synthetic.reference import build_reference, reference_frames
from pipelines.synthetic.refresh import degrade, refreshed_months
from pipelines.synthetic.snapshot import MACROS, mhsds_queries, oap_log_query, plics_query
from pipelines.synthetic.ward_details import TABLE as WARD_DETAILS
from pipelines.synthetic.ward_details import sends_ward_details, ward_details_frame
from pipelines.synthetic.world import ProviderWorld, build_inpatient_world
from pipelines.synthetic.writer import Writer

MHSDS_ORDER = tuple(t.source_table for t in load_contract().by_family("mhsds"))


def mhsds_tables(provider: int, n_providers: int) -> tuple[str, ...]:
    """The MHSDS tables of a provider's submissions: MHS903WardDetails is optional and one
    provider leaves it out (pipelines/synthetic/ward_details.py)."""
    if sends_ward_details(provider, n_providers):
        return MHSDS_ORDER
    return tuple(t for t in MHSDS_ORDER if t != WARD_DETAILS)


def generate(config: GeneratorConfig) -> GenerationSummary:
    """Write a synthetic raw drop folder (and refreshed deliveries) as the contract describes."""
    config.validate()
    t0 = time.perf_counter()
    horizon = Horizon(config.start, config.months)
    out = Path(config.out)
    refresh_out = Path(config.refresh_out) if config.refresh_out is not None else None
    summary = GenerationSummary()

    refs = [
        build_reference(config.seed, p, config.people, horizon) for p in range(config.providers)
    ]
    registry = NhsNumberRegistry()
    worlds = [
        build_inpatient_world(config.seed, ref, config.people, horizon, registry) for ref in refs
    ]
    link_providers(config.seed, worlds)

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    for macro in MACROS:
        con.execute(macro)
    writer = Writer(con, config.format)

    for folder in (out, refresh_out):
        if folder is not None:
            # Tells ingestion the folder holds demo data (which may use the demo pseudonym key).
            marker = folder / SYNTHETIC_MARKER
            folder.mkdir(parents=True, exist_ok=True)
            marker.write_text("synthetic data from pipelines.synthetic\n", encoding="utf-8")
            (summary.files if folder == out else summary.refresh_files).append(marker)

    reference = reference_frames(refs, horizon)
    reference["subjective_map"] = subjective_map([ref.code for ref in refs])
    for name, df in reference.items():
        path = out / "reference" / f"{name}{writer.suffix}"
        summary.add(name, path, writer.frame(df, path))

    refreshed = refreshed_months(
        config.seed, config.providers, config.months, reserved_months(config.months)
    )
    refreshed_set = set(refreshed)
    summary.refreshed = [(refs[p].code, horizon.labels[m]) for p, m in refreshed]
    # a provider-month's MHSDS tables as submitted, where faults then corrupt the drop
    # folder's copy: the national publication is made from what NHS England received
    submitted: dict[tuple[str, str], dict[str, pd.DataFrame]] = {}
    for name in config.faults:
        summary.fault_locations[name] = (
            f"{refs[FAULT_PROVIDER].code} {horizon.labels[fault_month(name, config.months)]}"
        )

    for p, world in enumerate(worlds):
        _build_activity(config.seed, world)
        finance = build_finance(stream(config.seed, Stream.FINANCE, p), world)
        frames = world_frames(world)
        for name, df in frames.items():
            con.register(name, df)
        con.register("pools", finance.pools)
        con.register("ward_details", ward_details_frame(
            stream(config.seed, Stream.WARD_DETAILS, p), world.ref, horizon, config.providers))
        header_rng = stream(config.seed, Stream.HEADER, p)
        created = _creation_times(header_rng, horizon)
        for m in range(horizon.n_months):
            _write_month(
                config,
                writer,
                summary,
                world,
                finance,
                m,
                created[m],
                out,
                (p, m) in refreshed_set,
                refresh_out,
                submitted if config.national else None,
            )
        for name in [*frames, "pools", "ward_details"]:
            con.unregister(name)
        worlds[p] = None  # type: ignore[call-overload]
    con.close()
    if config.national:
        t_national = time.perf_counter()
        result = write_national(config.seed, out, horizon, demo_providers(refs), writer.suffix,
                                submitted)
        for path, rows in result.files:
            summary.add(NATIONAL_TABLE, path, rows)
        summary.national_differences = result.differences
        summary.national_seconds = time.perf_counter() - t_national
    summary.seconds = time.perf_counter() - t0
    return summary


NATIONAL_TABLE = "national_publication"


def demo_providers(refs: list) -> list[DemoProvider]:
    """The demo providers as the national publication names them."""
    out = []
    for ref in refs:
        places = " and ".join(ref.localities[:2])
        out.append(DemoProvider(ref.code, f"{places} Mental Health NHS Foundation Trust"))
    return out


def _build_activity(seed: int, world: ProviderWorld) -> None:
    p = world.ref.index
    world.referrals = build_referrals(stream(seed, Stream.REFERRALS, p), world)
    world.contacts = build_contacts(stream(seed, Stream.CONTACTS, p), world)
    world.onward = build_onward(world)


def _creation_times(rng: np.random.Generator, horizon: Horizon) -> list[tuple[str, str]]:
    """(original, refresh) DateTimeDatSetCreate of each month's submission."""
    n = horizon.n_months
    first = rng.integers(15, 21, size=n)
    later = first + rng.integers(25, 46, size=n)
    seconds = rng.integers(7 * 3600, 19 * 3600, size=(n, 2))
    out = []
    for m in range(n):
        me = horizon.month_end(m)
        stamps = []
        for k, offset in enumerate((first[m], later[m])):
            s = int(seconds[m, k])
            stamps.append(
                f"{iso(me + int(offset))}T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
            )
        out.append((stamps[0], stamps[1]))
    return out


def _header(code: str, horizon: Horizon, m: int, created: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "OrgIDProv": [code],
            "ReportingPeriodStartDate": [iso(horizon.month_start(m))],
            "ReportingPeriodEndDate": [iso(horizon.month_end(m))],
            "DateTimeDatSetCreate": [created],
        }
    )


def _teams(world: ProviderWorld) -> pd.DataFrame:
    teams = world.ref.teams
    return pd.DataFrame(
        {
            "OrgIDProv": world.code,
            "UniqCareProfTeamLocalID": teams["id"].to_numpy(dtype=object, copy=True),
            "ServTeamTypeMH": teams["type"].to_numpy(dtype=object, copy=True),
            "ServTeamIntAgeGroup": teams["age_group"].to_numpy(dtype=object, copy=True),
        }
    )


def _write_month(
    config: GeneratorConfig,
    writer: Writer,
    summary: GenerationSummary,
    world: ProviderWorld,
    finance: Finance,
    m: int,
    created: tuple[str, str],
    out: Path,
    refreshed: bool,
    refresh_out: Path | None,
    submitted: dict[tuple[str, str], dict[str, pd.DataFrame]] | None = None,
) -> None:
    h = world.horizon
    code = world.code
    p = world.ref.index
    ms, me = h.month_start(m), h.month_end(m)
    label = h.labels[m]
    faults = faults_at(tuple(config.faults), p, m, h.n_months)
    has_plics = p < config.plics_providers
    queries = mhsds_queries(code, ms, me)
    order = mhsds_tables(p, config.providers)
    small = {
        "MHS000Header": _header(code, h, m, created[0]),
        "MHS902ServiceTeamDetails": _teams(world),
    }
    month_dir = Path("mhsds") / code / label
    other_queries = {"oap_log": oap_log_query(code, ms, me)}
    if has_plics:
        other_queries["plics"] = plics_query(code, m, ms, me)
    other_frames = {
        "ledger": finance.ledger[finance.ledger["month"] == m].drop(columns="month"),
        "staff_in_post": finance.staff[finance.staff["month"] == m].drop(columns="month"),
    }
    other_dirs = {
        "oap_log": Path("oap"),
        "plics": Path("costing"),
        "ledger": Path("finance"),
        "staff_in_post": Path("workforce"),
    }

    if not refreshed and not faults:
        for table in order:
            path = out / month_dir / f"{table}{writer.suffix}"
            if table in small:
                rows = writer.frame(small[table], path)
            else:
                rows = writer.query(queries[table], path)
            summary.add(table, path, rows)
        for table, sql in other_queries.items():
            path = out / other_dirs[table] / code / label / f"{table}{writer.suffix}"
            summary.add(table, path, writer.query(sql, path))
        for table, df in other_frames.items():
            path = out / other_dirs[table] / code / label / f"{table}{writer.suffix}"
            summary.add(table, path, writer.frame(df, path))
        return

    # Months that differ from the plain snapshot go through frames.
    tables: dict[str, pd.DataFrame] = {}
    for table in order:
        tables[table] = small[table] if table in small else writer.fetch(queries[table])
    for table, sql in other_queries.items():
        tables[table] = writer.fetch(sql)
    tables.update({k: v.reset_index(drop=True) for k, v in other_frames.items()})
    tables = {k: v.copy(deep=True) for k, v in tables.items()}

    if refreshed and refresh_out is not None:
        truth = {t: tables[t] for t in order}
        truth["MHS000Header"] = _header(code, h, m, created[1])
        for table in order:
            path = refresh_out / month_dir / f"{table}{writer.suffix}"
            summary.add(table, path, writer.frame(truth[table], path), refresh=True)
    if refreshed:
        rng = stream(config.seed, Stream.REFRESH, p + 1000 * (m + 1))
        tables.update(
            degrade(rng, {t: tables[t] for t in order if t != "MHS000Header"}, code)
        )

    if faults and submitted is not None:
        submitted[(code, label)] = {t: tables[t].copy() for t in NATIONAL_TABLES if t in tables}
    apply_frame_faults(faults, tables, stream(config.seed, Stream.FAULTS, p))
    for table in order:
        path = out / month_dir / f"{table}{writer.suffix}"
        rows = writer.frame(tables[table], path, encoding=encoding_for(faults, table))
        apply_file_faults(faults, table, path)
        summary.add(table, path, rows)
    for table in [*other_queries, *other_frames]:
        path = out / other_dirs[table] / code / label / f"{table}{writer.suffix}"
        summary.add(table, path, writer.frame(tables[table], path))
