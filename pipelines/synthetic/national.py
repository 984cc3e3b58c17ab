"""The national publication of the demo: NHS England's monthly MHSDS data file, one per month.

For each generated month M the generator writes ``national/<M>/MHSDS Data_<Mon><YYYY>.csv``
in NHS England's published layout (menh_bbrb/notebooks/03_Extract/menh_bbrb_extract.sql):
the Provisional figures of M and the Performance figures of M-1, for

(a) every demo provider, *as NHS England would have published them from its submissions*;
(b) about fifty other mental health providers in England with plausible, consistent figures
    (invented names and figures; codes shaped like trust codes, among them the external
    senders of the demo's out-of-area placements);
(c) England: the sum of every provider (unrounded, as NHS England publishes England).

How (a) is produced, and why. The honest way would be to run the project's own national
models (ingest, then ``dbt build +mart_national_measures``) on a scratch warehouse: that takes
30-45 s at the test size (a full dbt parse every time, since the scratch warehouse is another
profile), and would reconcile the project's models with themselves. Instead this module
computes a subset of measures *independently*, in DuckDB, from the MHSDS files the generator
submitted (read back from the drop folder; for a month with injected faults, from the
submission before the faults, since a fault corrupts the trust's local copy, not what NHS
England received). The rules are NHS England's as the measure definitions describe them
(pipelines/national/measures/*.yml), re-implemented here with three documented
simplifications in the 72-hour follow-up (no move of responsibility on an onward referral,
no follow-up found at another provider, every person resident in England). A disagreement
with the project's national mart is therefore a real finding, not an echo. Then a few
realistic differences are injected (``inject_differences``): a follow-up contact recorded
after NHS England's cut-off (MHS79 one lower), a refresh sent after the publication's
cut-off (activity a few per cent lower), a hospital spell rejected by national validation.

Measures (``MEASURES``): MHS01, MHS07, MHS21, MHS24, MHS27, MHS28, MHS30, MHS32 (Provider),
MHS78, MHS79, MHS80 (Provider of Responsibility, NHS England's breakdown for the 72-hour
measures), MHS140, MHS140a (rolling quarter, Provider), OAP01M, OAP02M (Receiving Provider
and Sending Provider, NHS England's OAP breakdowns).

Publication rules (menh_publications/notebooks/94_Round_output.py): below England a count
under 5 is ``*`` and others round to the nearest 5 (half up); a percentage or mean is ``*``
when a count it rests on is under 5, else rounded to 0 dp; England is not rounded; a row
whose value is 0 is left out; dates are written ``y-M-dd`` (2024-3-01).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.contract import load_contract
from pipelines.synthetic.periods import Horizon, iso
from pipelines.synthetic.rand import Stream, stream

HEADER = (
    "REPORTING_PERIOD_START", "REPORTING_PERIOD_END", "STATUS", "BREAKDOWN", "PRIMARY_LEVEL",
    "PRIMARY_LEVEL_DESCRIPTION", "SECONDARY_LEVEL", "SECONDARY_LEVEL_DESCRIPTION",
    "MEASURE_ID", "MEASURE_NAME", "MEASURE_VALUE",
)  # fmt: skip
PROVISIONAL = "Provisional"
PERFORMANCE = "Performance"
ENGLAND = "England"
PROVIDER = "Provider"
RESPONSIBLE = "Provider of Responsibility"
RECEIVING = "Receiving Provider"
SENDING = "Sending Provider"
SUPPRESSED = "*"


@dataclass(frozen=True)
class Measure:
    id: str
    name: str
    kind: str  # count | percent | mean
    breakdown: str  # the provider-level breakdown NHS England publishes it by
    frequency: str = "M"  # M | Q (rolling quarter)
    numerator: str | None = None  # percent: numerator / denominator * 100
    denominator: str | None = None
    rests_on: tuple[str, ...] = ()  # percent, mean: suppressed when one of these is under 5


MEASURES: tuple[Measure, ...] = (
    Measure("MHS01", "People in contact with services at the end of the reporting period",
            "count", PROVIDER),
    Measure("MHS07", "People with an open hospital spell at the end of the reporting period",
            "count", PROVIDER),
    Measure("MHS21", "Open ward stays at the end of the reporting period", "count", PROVIDER),
    Measure("MHS24", "Bed days in RP", "count", PROVIDER),
    Measure("MHS27", "Admissions to hospital in the RP", "count", PROVIDER),
    Measure("MHS28", "Discharges from hospital in the RP", "count", PROVIDER),
    Measure("MHS30", "Attended contacts in RP", "count", PROVIDER),
    Measure("MHS32", "Referrals starting in RP", "count", PROVIDER),
    Measure("MHS78", "Discharges from adult acute beds eligible for 72 hour follow up in the "
            "reporting period", "count", RESPONSIBLE),
    Measure("MHS79", "Discharges from adult acute beds followed up within 72 hours in the "
            "reporting period", "count", RESPONSIBLE),
    Measure("MHS80", "Proportion of discharges from adult acute beds eligible for 72 hour "
            "follow up - followed up in the reporting period", "percent", RESPONSIBLE,
            numerator="MHS79", denominator="MHS78", rests_on=("MHS79", "MHS78")),
    Measure("MHS140", "The number of people discharged in the RP from adult acute beds aged "
            "18 to 64", "count", PROVIDER, "Q"),
    Measure("MHS140a", "The mean length of stay in days of people discharged in the RP from "
            "adult acute beds aged 18 to 64", "mean", PROVIDER, "Q", rests_on=("MHS140",)),
    Measure("OAP01M", "Number of Inappropriate new OAPs started in the period", "count",
            RECEIVING),
    Measure("OAP02M", "Number of Inappropriate OAPs bed days in the period", "count",
            RECEIVING),
)
BY_ID = {m.id: m for m in MEASURES}
# OAP measures are also published by the provider that sent the patient
SENDING_MEASURES = ("OAP01M", "OAP02M")

# About fifty other mental health providers in England. The codes have the shape of trust
# codes (and include the demo's external senders RV3, RW4, RT1, RWK, RQ3, RH5, codes.py);
# the names and every figure are invented. The demo's own codes (RXA...) never appear here.
PEERS: tuple[tuple[str, str], ...] = (
    ("R1A", "Wyvern Vale Health and Care NHS Trust"),
    ("R1C", "Solway Coast Community NHS Trust"),
    ("R1F", "Islemouth NHS Trust"),
    ("R1L", "Estuary Partnership University NHS Foundation Trust"),
    ("RAT", "Thameside East NHS Foundation Trust"),
    ("RDY", "Purbeck Downs Healthcare University NHS Foundation Trust"),
    ("RGD", "Airedale and Ouse Partnership NHS Foundation Trust"),
    ("RH5", "Levels and Moors NHS Foundation Trust"),
    ("RHA", "Sherwood Vale Healthcare NHS Foundation Trust"),
    ("RJ8", "Tamar and Fal Partnership NHS Foundation Trust"),
    ("RKL", "Westbourne London NHS Trust"),
    ("RLY", "Staffordshire Moorlands Combined Healthcare NHS Trust"),
    ("RMY", "Broadland and Waveney NHS Foundation Trust"),
    ("RNU", "Cherwell Health NHS Foundation Trust"),
    ("RP1", "Nene Valley Healthcare NHS Foundation Trust"),
    ("RP7", "Witham Partnership NHS Foundation Trust"),
    ("RPG", "Shooters Hill NHS Foundation Trust"),
    ("RQ3", "Edgbaston Children's Mental Health NHS Foundation Trust"),
    ("RQY", "Wandle Valley Mental Health NHS Trust"),
    ("RRE", "Trent and Dove Partnership University NHS Foundation Trust"),
    ("RRP", "New River Mental Health NHS Trust"),
    ("RT1", "Fenland and Ouse NHS Foundation Trust"),
    ("RT2", "Irwell and Tame Care NHS Foundation Trust"),
    ("RT5", "Soar Valley Partnership NHS Trust"),
    ("RTQ", "Severn and Wye Health and Care NHS Foundation Trust"),
    ("RV3", "Brent and Colne Mental Health NHS Foundation Trust"),
    ("RV5", "South Thames Mental Health NHS Foundation Trust"),
    ("RV9", "Holderness Teaching NHS Foundation Trust"),
    ("RVN", "Avonmead Mental Health Partnership NHS Trust"),
    ("RW1", "Test Valley Health NHS Foundation Trust"),
    ("RW4", "Mersey Estuary Care NHS Foundation Trust"),
    ("RW5", "Ribble and Lune NHS Foundation Trust"),
    ("RWK", "Lea Valley NHS Foundation Trust"),
    ("RWR", "Chiltern Edge Partnership University NHS Foundation Trust"),
    ("RWV", "Exe and Teign Partnership NHS Trust"),
    ("RWX", "Kennet Healthcare NHS Foundation Trust"),
    ("RX2", "Weald and Downs Partnership NHS Foundation Trust"),
    ("RX3", "Tees and Swale Valleys NHS Foundation Trust"),
    ("RX4", "Tyne and Coquet NHS Foundation Trust"),
    ("RX5", "Don and Idle Valleys NHS Foundation Trust"),
    ("RX6", "Calder and Colne Partnership NHS Foundation Trust"),
    ("RX7", "Peak and Derwent Healthcare NHS Foundation Trust"),
    ("RX8", "Rea Valley Mental Health NHS Foundation Trust"),
    ("RX9", "Irk and Medlock Mental Health NHS Foundation Trust"),
    ("RY2", "Wey and Mole Partnership NHS Foundation Trust"),
    ("RY3", "Medway and Stour Social Care Partnership Trust"),
    ("RYG", "Avon and Sowe Partnership NHS Trust"),
    ("TAF", "Fleet Valley and Islington NHS Foundation Trust"),
    ("TAH", "Sheaf Health and Social Care NHS Foundation Trust"),
    ("TAJ", "Stour and Tame Healthcare NHS Foundation Trust"),
)  # fmt: skip


@dataclass(frozen=True)
class DemoProvider:
    code: str
    name: str


@dataclass
class NationalResult:
    """What was written: the files (with their row counts), the injected differences
    (readable notes), and every value before rounding (for tests: England = the sum of the
    providers)."""

    files: list[tuple[Path, int]]
    differences: list[str]
    values: pd.DataFrame


# ============================================================== publishing rules
def round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5))


def publish_count(value: float) -> str:
    """A count below England: under 5 '*', else the nearest 5 (94_Round_output.py)."""
    if value < 5:
        return SUPPRESSED
    return str(round_half_up(value / 5.0) * 5)


def publish_rate(value: float, rests_on: list[float | None]) -> str:
    """A percentage or mean below England: '*' when a count it rests on is under 5 (or
    absent), else rounded to 0 dp."""
    if any(v is None or v < 5 for v in rests_on):
        return SUPPRESSED
    return str(round_half_up(value))


def england_text(value: float) -> str:
    """England is published unrounded."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.12g}"


def national_date(day: int) -> str:
    """NHS England's y-M-dd: 2024-3-01 (pipelines/ingest/dates.py reads it)."""
    y, m, d = (int(x) for x in iso(day).split("-"))
    return f"{y}-{m}-{d:02d}"


# ============================================================== (a) demo providers
# The MHSDS tables the measures read, with the columns read from each
TABLES: dict[str, tuple[str, ...]] = {
    "MHS001MPI": ("LocalPatientId", "PersonBirthDate", "PersDeathDate"),
    "MHS101Referral": ("UniqServReqID", "LocalPatientId", "OrgIDReferringOrg",
                       "ReferralRequestReceivedDate", "ServDischDate", "ReasonOAT"),
    "MHS201CareContact": ("UniqCareContID", "LocalPatientId", "CareContDate",
                          "ConsMechanismMH", "AttendStatus"),
    "MHS501HospProvSpell": ("UniqHospProvSpellID", "UniqServReqID", "LocalPatientId",
                            "StartDateHospProvSpell", "DischDateHospProvSpell",
                            "MethOfDischMHHospProvSpell", "DestOfDischHospProvSpell"),
    "MHS502WardStay": ("UniqWardStayID", "UniqHospProvSpellID", "LocalPatientId",
                       "StartDateWardStay", "EndDateWardStay", "MHAdmittedPatientClass"),
}
_SHORT = {"MHS001MPI": "mpi", "MHS101Referral": "ref", "MHS201CareContact": "cc",
          "MHS501HospProvSpell": "sp", "MHS502WardStay": "ws"}

# 72-hour follow-up (menh_publications 02_72HOURS, as the project's prep model describes it)
ACUTE_72H = ("200", "201", "202", "205", "212", "213")
EXCLUDED_DESTINATIONS = ("30", "37", "40", "42", "48", "49", "50", "53", "79", "84", "87", "89")
FOLLOW_UP_MECHANISMS = ("01", "02", "04", "11")


# .../mhsds/<OrgIDProv>/<YYYY-MM>/<table file>, at the end of the path
_PATH_RE = r"'mhsds[/\\]([^/\\]+)[/\\]([0-9]{4}-[0-9]{2})[/\\][^/\\]+$'"


def _lit(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def load_submissions(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    codes: list[str],
    horizon: Horizon,
    suffix: str,
    submitted: dict[tuple[str, str], dict[str, pd.DataFrame]],
) -> None:
    """One table per MHSDS table read (mpi, ref, cc, sp, ws): the rows of every demo
    provider-month's submission, typed, with prov and sub (the month's first day).

    A provider-month in ``submitted`` is read from those frames (the submission as sent,
    before faults were injected into the drop folder's copy); every other one from its file.
    """
    subs = {label: iso(horizon.month_start(i)) for i, label in enumerate(horizon.labels)}
    for table, cols in TABLES.items():
        parts: list[str] = []
        paths = [
            str(out / "mhsds" / code / label / f"{table}{suffix}")
            for code in codes for label in horizon.labels
            if (code, label) not in submitted
            and (out / "mhsds" / code / label / f"{table}{suffix}").exists()
        ]
        select = ", ".join(f'cast("{c}" as varchar) as "{c}"' for c in cols)
        if paths:
            # the generator writes every file with the contract's columns in order: read them
            # with that schema, without sniffing each file (most of the time otherwise)
            spec = ("{" + ", ".join(f"'{c.source}': 'VARCHAR'"
                                    for c in load_contract().table(table).columns) + "}")
            reader = ("read_parquet(?, filename = true, union_by_name = true)"
                      if suffix == ".parquet" else
                      f"read_csv(?, header = true, auto_detect = false, columns = {spec}, "
                      "delim = ',', quote = '\"', escape = '\"', filename = true)")
            parts.append(
                f"select {select}, "
                f"regexp_extract(filename, {_PATH_RE}, 1) as prov, "
                f"regexp_extract(filename, {_PATH_RE}, 2) as label "
                f"from {reader}"
            )
        frames = []
        for (code, label), tables in submitted.items():
            df = tables.get(table)
            if df is None or code not in codes:
                continue
            frame = pd.DataFrame({c: df[c] if c in df.columns else None for c in cols},
                                 dtype=object)
            frame["prov"], frame["label"] = code, label
            frames.append(frame)
        name = _SHORT[table]
        if frames:
            con.register(f"{name}_frames", pd.concat(frames, ignore_index=True))
            parts.append(f"select {select}, prov, label from {name}_frames")
        if not parts:
            parts.append(f"select {select}, null::varchar as prov, null::varchar as label "
                         "from (select " + ", ".join(f"null as \"{c}\"" for c in cols)
                         + ") where false")
        months = pd.DataFrame({"label": list(subs), "sub": pd.to_datetime(list(subs.values()))})
        con.register("_sub_months", months)
        con.execute(
            f"create or replace temp table {name} as "
            f"select u.* exclude (label), m.sub::date as sub from ("
            + " union all ".join(parts) + ") u join _sub_months m using (label)",
            [paths] if paths else [],
        )
        con.unregister("_sub_months")
        if frames:
            con.unregister(f"{name}_frames")
    # typed views: empty strings are nulls, dates dates
    con.execute("""
        create or replace temp view mpi_t as
        select prov, sub, "LocalPatientId" as person,
               try_cast(nullif("PersonBirthDate", '') as date) as birth,
               try_cast(nullif("PersDeathDate", '') as date) as death
        from mpi;
        create or replace temp view ref_t as
        select prov, sub, "UniqServReqID" as srid, "LocalPatientId" as person,
               coalesce(nullif(trim("OrgIDReferringOrg"), ''), 'UNKNOWN') as sender,
               try_cast(nullif("ReferralRequestReceivedDate", '') as date) as received,
               try_cast(nullif("ServDischDate", '') as date) as closed,
               nullif("ReasonOAT", '') as reason_oat
        from ref;
        create or replace temp view cc_t as
        select prov, sub, "UniqCareContID" as ccid, "LocalPatientId" as person,
               try_cast(nullif("CareContDate", '') as date) as day,
               nullif("ConsMechanismMH", '') as mech, nullif("AttendStatus", '') as attend
        from cc;
        create or replace temp view sp_t as
        select prov, sub, "UniqHospProvSpellID" as spid, "UniqServReqID" as srid,
               "LocalPatientId" as person,
               try_cast(nullif("StartDateHospProvSpell", '') as date) as start,
               try_cast(nullif("DischDateHospProvSpell", '') as date) as disch,
               nullif("MethOfDischMHHospProvSpell", '') as meth,
               nullif("DestOfDischHospProvSpell", '') as dest
        from sp;
        create or replace temp view ws_t as
        select prov, sub, "UniqWardStayID" as wsid, "UniqHospProvSpellID" as spid,
               "LocalPatientId" as person,
               try_cast(nullif("StartDateWardStay", '') as date) as start,
               try_cast(nullif("EndDateWardStay", '') as date) as finish,
               nullif("MHAdmittedPatientClass", '') as bed_class
        from ws;
    """)


# Every measure as one query of (prov, sub, breakdown, level, measure_id, value); sub is the
# reporting month's first day, nx the next month's. NHS England's rules, as the measure
# files describe them (pipelines/national/measures/*.yml), re-implemented independently.
DEMO_MEASURE_SQL = f"""
with months as (
    select distinct prov, sub, (sub + interval 1 month)::date as nx from ref_t
    union select distinct prov, sub, (sub + interval 1 month)::date from sp_t
),
in_mpi as (select distinct prov, sub, person from mpi_t),
-- monthly, from the month's own submission -------------------------------------------
mhs01 as (
    select prov, sub, 'MHS01' as measure_id, count(distinct person) as value
    from ref_t join months using (prov, sub)
    where closed is null or closed >= nx group by all
),
mhs32 as (
    select prov, sub, 'MHS32' as measure_id, count(distinct srid) as value
    from ref_t join months using (prov, sub)
    where received >= sub and received < nx group by all
),
mhs30 as (
    select c.prov, c.sub, 'MHS30' as measure_id, count(distinct ccid) as value
    from cc_t c join months m using (prov, sub) join in_mpi i using (prov, sub, person)
    where c.day >= c.sub and c.day < m.nx and attend in ('5', '6') group by all
),
mhs27 as (
    select prov, sub, 'MHS27' as measure_id, count(*) as value
    from sp_t join months using (prov, sub)
    where start >= sub and start < nx group by all
),
mhs28 as (
    select prov, sub, 'MHS28' as measure_id, count(*) as value
    from sp_t join months using (prov, sub)
    where disch >= sub and disch < nx group by all
),
mhs07 as (
    select s.prov, s.sub, 'MHS07' as measure_id, count(distinct r.person) as value
    from sp_t s join months m using (prov, sub)
    join ref_t r on r.prov = s.prov and r.sub = s.sub and r.srid = s.srid
    join in_mpi i on i.prov = s.prov and i.sub = s.sub and i.person = r.person
    where (s.disch is null or s.disch >= m.nx) and (r.closed is null or r.closed >= m.nx)
    group by all
),
mhs21 as (
    select w.prov, w.sub, 'MHS21' as measure_id, count(distinct wsid) as value
    from ws_t w join months m using (prov, sub) join in_mpi i using (prov, sub, person)
    where w.finish is null or w.finish >= m.nx group by all
),
mhs24 as (
    select w.prov, w.sub, 'MHS24' as measure_id,
           sum(date_diff('day', greatest(w.start, w.sub), coalesce(w.finish, m.nx))) as value
    from ws_t w join months m using (prov, sub) join in_mpi i using (prov, sub, person)
    group by all
),
-- 72-hour follow-up: discharges of the M-1 and M submissions (latest record of each spell),
-- RP start - 4 days to RP end - 4 days --------------------------------------------------
spell_versions as (
    select m.prov, m.sub as measure_month, m.nx, s.*,
           row_number() over (partition by m.prov, m.sub, s.spid order by s.sub desc)
               as version_rank
    from months m join sp_t s
        on s.prov = m.prov and s.sub in (m.sub, (m.sub - interval 1 month)::date)
    join in_mpi i on i.prov = s.prov and i.sub = s.sub and i.person = s.person
),
last_stay as (
    select m.prov, m.sub as measure_month, w.spid, w.bed_class,
           row_number() over (partition by m.prov, m.sub, w.spid
                              order by w.sub desc, w.finish desc nulls first, w.wsid desc) as rk
    from months m join ws_t w
        on w.prov = m.prov and w.sub in (m.sub, (m.sub - interval 1 month)::date)
),
discharges_72h as (
    select v.prov, v.measure_month, v.nx, v.spid, v.person, v.disch, v.sub as record_month
    from spell_versions v
    join last_stay l on l.prov = v.prov and l.measure_month = v.measure_month
        and l.spid = v.spid and l.rk = 1
    where v.version_rank = 1
      and v.disch between (v.measure_month - interval 4 day)::date
                      and (v.nx - interval 5 day)::date
      and coalesce(v.meth, '') not in ('4', '5')
      and coalesce(v.dest, '') not in {_lit(EXCLUDED_DESTINATIONS)}
      and l.bed_class in {_lit(ACUTE_72H)}
      and not exists (
          select 1 from mpi_t d
          where d.prov = v.prov and d.person = v.person and d.death is not null
            and d.sub in (v.sub, (v.sub + interval 1 month)::date) and d.sub <= v.measure_month
            and date_diff('day', v.disch, d.death) <= 3)
),
follow_events as (
    select distinct prov, sub, person, day from cc_t
    where attend in ('5', '6') and mech in {_lit(FOLLOW_UP_MECHANISMS)}
    union
    select distinct prov, sub, person, start from sp_t
),
followed as (
    select d.prov, d.measure_month, d.spid
    from discharges_72h d
    where exists (
        select 1 from follow_events e
        where e.prov = d.prov and e.person = d.person and e.sub <= d.measure_month
          and e.day > d.disch and e.day <= (d.disch + interval 3 day)::date)
),
mhs78 as (
    select prov, measure_month as sub, 'MHS78' as measure_id, count(*) as value
    from discharges_72h group by all
),
mhs79 as (
    select prov, measure_month as sub, 'MHS79' as measure_id, count(*) as value
    from followed group by all
),
-- length of stay, rolling quarter: the latest version of each spell submitted in
-- M-2..M, discharged in the quarter from an adult acute bed (200) aged 18 to 64 ----------
los_versions as (
    select m.prov, m.sub as measure_month, m.nx, s.*,
           row_number() over (partition by m.prov, m.sub, s.spid order by s.sub desc) as rk
    from months m join sp_t s
        on s.prov = m.prov and s.sub between (m.sub - interval 2 month)::date and m.sub
),
los_rows as (
    select v.prov, v.measure_month, v.person, date_diff('day', v.start, v.disch) as los
    from los_versions v
    join ws_t w on w.prov = v.prov and w.sub = v.sub and w.spid = v.spid
        and w.finish = v.disch and w.bed_class = '200'
    join mpi_t p on p.prov = v.prov and p.sub = v.sub and p.person = v.person
    where v.rk = 1
      and v.disch >= (v.measure_month - interval 2 month)::date and v.disch < v.nx
      and date_diff('year', p.birth, (v.sub + interval 1 month - interval 1 day)::date)
          - case when strftime((v.sub + interval 1 month - interval 1 day)::date, '%m%d')
                      < strftime(p.birth, '%m%d') then 1 else 0 end between 18 and 64
),
mhs140 as (
    select prov, measure_month as sub, 'MHS140' as measure_id,
           count(distinct person) as value from los_rows
    group by all
),
mhs140a as (
    select prov, measure_month as sub, 'MHS140a' as measure_id, avg(los) as value
    from los_rows group by all
),
-- inappropriate out-of-area placements: ReasonOAT 10 referrals of the receiving
-- provider's submission for the month --------------------------------------------------
oap_refs as (
    select r.prov, r.sub, r.srid, r.person, r.sender, m.nx,
           r.received >= r.sub and r.received < m.nx as started
    from ref_t r join months m using (prov, sub) where r.reason_oat = '10'
),
oap_days as (
    select o.prov, o.sub, o.srid, o.sender,
           sum(greatest(date_diff('day', greatest(s.start, o.sub),
                                  least(coalesce(s.disch, o.nx), o.nx)), 0)) as bed_days
    from oap_refs o join sp_t s
        on s.prov = o.prov and s.sub = o.sub and s.srid = o.srid and s.person = o.person
    group by all
)
select prov, sub, '{PROVIDER}' as breakdown, prov as level, measure_id, value::double as value
from (
    select * from mhs01 union all select * from mhs32 union all select * from mhs30
    union all select * from mhs27 union all select * from mhs28 union all select * from mhs07
    union all select * from mhs21 union all select * from mhs24 union all select * from mhs140
    union all select * from mhs140a
)
union all
select prov, sub, '{RESPONSIBLE}', prov, measure_id, value::double
from (select * from mhs78 union all select * from mhs79)
union all
select prov, sub, '{RECEIVING}', prov, 'OAP01M', count(distinct srid)::double
from oap_refs where started group by all
union all
select prov, sub, '{SENDING}', sender, 'OAP01M', count(distinct srid)::double
from oap_refs where started group by all
union all
select prov, sub, '{RECEIVING}', prov, 'OAP02M', sum(bed_days)::double from oap_days
group by all
union all
select prov, sub, '{SENDING}', sender, 'OAP02M', sum(bed_days)::double from oap_days
group by all
"""


def demo_values(
    out: Path,
    codes: list[str],
    horizon: Horizon,
    suffix: str,
    submitted: dict[tuple[str, str], dict[str, pd.DataFrame]],
) -> pd.DataFrame:
    """Exact values of the demo providers, one row per (provider, month, breakdown, level,
    measure): columns prov, period (month index), breakdown, level, measure_id, value.
    Sending Provider rows: prov is the receiving provider (summed over them later)."""
    con = duckdb.connect()
    try:
        con.execute("SET threads TO 2")
        con.execute("SET enable_progress_bar = false")
        load_submissions(con, out, codes, horizon, suffix, submitted)
        df = con.execute(DEMO_MEASURE_SQL).df()
    finally:
        con.close()
    starts = {pd.Timestamp(iso(horizon.month_start(i))): i for i in range(horizon.n_months)}
    df["period"] = pd.to_datetime(df["sub"]).map(starts).astype("int64")
    df = df.drop(columns="sub")
    ratio = _ratio_rows(df, "MHS80", "MHS79", "MHS78", RESPONSIBLE)
    return pd.concat([df, ratio], ignore_index=True)


def _ratio_rows(df: pd.DataFrame, mid: str, num: str, den: str, breakdown: str) -> pd.DataFrame:
    keys = ["prov", "period", "level"]
    n = df[df["measure_id"] == num].set_index(keys)["value"]
    d = df[df["measure_id"] == den].set_index(keys)["value"]
    both = pd.concat([n.rename("n"), d.rename("d")], axis=1).fillna(0.0)
    both = both[both["d"] > 0]
    out = (100.0 * both["n"] / both["d"]).rename("value").reset_index()
    out["breakdown"], out["measure_id"] = breakdown, mid
    return out[["prov", "period", "breakdown", "level", "measure_id", "value"]]


# ============================================================== injected differences
def inject_differences(values: pd.DataFrame, rng: np.random.Generator, labels: list[str]
                       ) -> tuple[pd.DataFrame, list[str]]:
    """The published values of the demo providers: their own, with three realistic
    differences (each on another provider-month where possible). Returns the values and one
    note per difference."""
    v = values.copy()
    notes: list[str] = []
    used: set[tuple[str, int]] = set()

    def cell(prov: str, period: int, mid: str) -> pd.Series:
        return (v["prov"] == prov) & (v["period"] == period) & (v["measure_id"] == mid) & (
            v["level"] == prov)

    def pick(candidates: list[tuple[str, int]], prefer: list[tuple[str, int]] | None = None
             ) -> tuple[str, int] | None:
        fresh = [c for c in candidates if c not in used] or candidates
        pool = [c for c in (prefer or []) if c in fresh] or fresh
        if not pool:
            return None
        choice = pool[int(rng.integers(len(pool)))]
        used.add(choice)
        return choice

    def value(prov: str, period: int, mid: str) -> float:
        got = v.loc[cell(prov, period, mid), "value"]
        return float(got.iloc[0]) if len(got) else 0.0

    # 1. a follow-up contact recorded after NHS England's cut-off: MHS79 one lower
    m79 = v[(v["measure_id"] == "MHS79") & (v["value"] >= 6)]
    cands = sorted(set(zip(m79["prov"], m79["period"], strict=True)))
    flips = [(p, m) for p, m in cands if round_half_up(value(p, m, "MHS79") / 5) * 5
             != round_half_up((value(p, m, "MHS79") - 1) / 5) * 5]
    got = pick(cands, flips)
    if got:
        p, m = got
        before = value(p, m, "MHS79")
        v.loc[cell(p, m, "MHS79"), "value"] = before - 1
        den = value(p, m, "MHS78")
        if den > 0:
            v.loc[cell(p, m, "MHS80"), "value"] = 100.0 * (before - 1) / den
        notes.append(f"{p} {labels[m]} MHS79 {before - 1:g} (ours {before:g}): a follow-up "
                     "contact recorded after NHS England's cut-off (MHS80 with it)")

    # 2. a refresh sent after the publication's cut-off: activity a few per cent lower
    m30 = v[(v["measure_id"] == "MHS30") & (v["value"] >= 50)]
    got = pick(sorted(set(zip(m30["prov"], m30["period"], strict=True))))
    if got:
        p, m = got
        share = float(rng.uniform(0.03, 0.07))
        changed = []
        for mid in ("MHS30", "MHS32", "MHS27", "MHS28", "MHS24"):
            before = value(p, m, mid)
            after = float(math.floor(before * (1 - share)))
            if before > 0 and after != before:
                v.loc[cell(p, m, mid), "value"] = after
                changed.append(f"{mid} {after:g} (ours {before:g})")
        if changed:
            notes.append(f"{p} {labels[m]} " + ", ".join(changed) + ": the trust's refresh "
                         "arrived after NHS England's cut-off, so the publication has the "
                         "primary submission's activity")

    # 3. a hospital spell rejected by national validation: one admission fewer, and one
    # person and ward stay fewer in hospital at the month end
    m27 = v[(v["measure_id"] == "MHS27") & (v["value"] >= 6)]
    cands = [(p, m) for p, m in sorted(set(zip(m27["prov"], m27["period"], strict=True)))
             if value(p, m, "MHS07") >= 6 and value(p, m, "MHS21") >= 6]
    got = pick(cands)
    if got:
        p, m = got
        days = float(rng.integers(5, 16))
        changed = []
        for mid, less in (("MHS27", 1.0), ("MHS07", 1.0), ("MHS21", 1.0), ("MHS24", days)):
            before = value(p, m, mid)
            after = max(before - less, 0.0)
            v.loc[cell(p, m, mid), "value"] = after
            changed.append(f"{mid} {after:g} (ours {before:g})")
        notes.append(f"{p} {labels[m]} " + ", ".join(changed) + ": a hospital spell "
                     "rejected by NHS England's validation")
    return v, notes


# ============================================================== (b) other providers
def peer_values(seed: int, horizon: Horizon) -> dict[str, pd.DataFrame]:
    """Exact Performance and Provisional values of the other providers, by status:
    columns prov, period, breakdown, level, measure_id, value."""
    n = horizon.n_months
    rows: dict[str, list[tuple]] = {PERFORMANCE: [], PROVISIONAL: []}
    month_of_year = np.array([int(lab[5:7]) for lab in horizon.labels])
    days = np.array([horizon.days_in_month(i) for i in range(n)], dtype=float)
    for k, (code, _) in enumerate(PEERS):
        rng = stream(seed, Stream.NATIONAL, 100 + k)
        size = float(np.clip(rng.lognormal(np.log(16000), 0.5), 4000, 70000))
        beds = size * rng.uniform(0.010, 0.020)
        occupancy = rng.uniform(0.86, 0.97)
        los = rng.uniform(24, 50)  # adult acute mean length of stay, days
        follow = rng.uniform(0.72, 0.94)
        referral_rate = rng.uniform(0.10, 0.20)
        contacts = rng.uniform(0.9, 1.7)
        oap_rate = 0.0 if rng.random() < 0.4 else beds * rng.uniform(0.005, 0.06)
        trend = rng.uniform(-0.01, 0.015) / 12
        season = 1 + 0.03 * np.sin(2 * np.pi * (month_of_year - 1) / 12)
        level = season * (1 + trend * np.arange(n))
        noise = rng.normal(1.0, 0.02, size=(n, 8))
        occ = np.clip(occupancy * level * noise[:, 0], 0.6, 1.05)
        mhs01 = np.round(size * level * noise[:, 1])
        mhs32 = np.round(mhs01 * referral_rate * noise[:, 2])
        mhs30 = np.round(mhs01 * contacts * noise[:, 3])
        mhs07 = np.round(beds * occ * 0.97)
        mhs21 = np.round(mhs07 * rng.uniform(1.0, 1.03, n))
        mhs24 = np.round(beds * occ * days)
        mhs27 = np.round(beds * occ * days / (los * 1.15) * noise[:, 4])
        mhs28 = np.round(mhs27 * noise[:, 5])
        mhs78 = np.round(mhs28 * rng.uniform(0.45, 0.6, n))
        mhs79 = rng.binomial(mhs78.astype(np.int64), follow).astype(float)
        acute_people = np.round(mhs28 * rng.uniform(0.36, 0.46, n))
        oap01 = rng.poisson(oap_rate, n).astype(float)
        oap02 = np.round(rng.poisson(oap_rate * 24, n) * noise[:, 6])
        sent = rng.poisson(oap_rate * 0.8, n).astype(float)
        sent_days = np.round(sent * rng.uniform(18, 30, n))
        means = los * noise[:, 7]
        for m in range(n):
            q = slice(max(0, m - 2), m + 1)
            mhs140 = float(acute_people[q].sum())
            perf = {
                "MHS01": mhs01[m], "MHS07": mhs07[m], "MHS21": mhs21[m], "MHS24": mhs24[m],
                "MHS27": mhs27[m], "MHS28": mhs28[m], "MHS30": mhs30[m], "MHS32": mhs32[m],
                "MHS78": mhs78[m], "MHS79": mhs79[m], "MHS140": mhs140,
                "MHS140a": float(means[m]) if mhs140 > 0 else 0.0,
                "OAP01M": oap01[m], "OAP02M": oap02[m],
            }
            # Provisional: the primary submission, before the refresh added late records
            late = rng.uniform(0.0, 0.025)
            prov = {k2: (float(np.floor(x * (1 - late))) if BY_ID[k2].kind == "count" else x)
                    for k2, x in perf.items()}
            prov["MHS79"] = min(prov["MHS79"], prov["MHS78"])
            for status, vals in ((PERFORMANCE, perf), (PROVISIONAL, prov)):
                for mid, x in vals.items():
                    rows[status].append((code, m, BY_ID[mid].breakdown, code, mid, float(x)))
                for mid, x in (("OAP01M", sent[m]), ("OAP02M", sent_days[m])):
                    rows[status].append((code, m, SENDING, code, mid, float(x)))
    cols = ["prov", "period", "breakdown", "level", "measure_id", "value"]
    out = {}
    for status, r in rows.items():
        df = pd.DataFrame(r, columns=cols)
        out[status] = pd.concat(
            [df, _ratio_rows(df, "MHS80", "MHS79", "MHS78", RESPONSIBLE)], ignore_index=True)
    return out


# ============================================================== assembling the files
def _names(demo: list[DemoProvider]) -> dict[str, str]:
    names = {code: name for code, name in PEERS}
    names.update({d.code: d.name for d in demo})
    return names


def publication_rows(
    values: pd.DataFrame, horizon: Horizon, names: dict[str, str], status: str, period: int
) -> list[list[str]]:
    """The rows of one status and reporting month: providers rounded and suppressed,
    England the unrounded sum; zero rows left out."""
    v = values[values["period"] == period]
    # Sending Provider rows come from several receivers: one row per sender
    v = v.groupby(["breakdown", "level", "measure_id"], as_index=False)["value"].sum()
    counts = {(r.breakdown, r.level, r.measure_id): r.value for r in v.itertuples()}
    end = horizon.month_end(period)
    rows: list[list[str]] = []

    def row(measure: Measure, breakdown: str, level: str, desc: str, text: str) -> None:
        first = period - 2 if measure.frequency == "Q" else period
        start = (horizon.month_start(first) if first >= 0
                 else _month_start_before(horizon, first))
        rows.append([national_date(start), national_date(end), status, breakdown, level, desc,
                     "NONE", "NONE", measure.id, measure.name, text])

    # England
    for measure in MEASURES:
        mine = v[(v["measure_id"] == measure.id) & (v["breakdown"] == measure.breakdown)]
        if measure.kind == "count":
            total = float(mine["value"].sum())
        elif measure.kind == "percent":
            num = v[(v["measure_id"] == measure.numerator)
                    & (v["breakdown"] == measure.breakdown)]["value"].sum()
            den = v[(v["measure_id"] == measure.denominator)
                    & (v["breakdown"] == measure.breakdown)]["value"].sum()
            total = 100.0 * num / den if den else 0.0
        else:  # mean, weighted by the count it rests on
            base = v[(v["measure_id"] == measure.rests_on[0])
                     & (v["breakdown"] == measure.breakdown)].set_index("level")["value"]
            means = mine.set_index("level")["value"]
            weight = base.reindex(means.index).fillna(0.0)
            total = float((means * weight).sum() / weight.sum()) if weight.sum() else 0.0
        if total != 0:
            row(measure, ENGLAND, ENGLAND, ENGLAND, england_text(total))
    # providers (and senders)
    for r in v.sort_values(["breakdown", "level", "measure_id"]).itertuples():
        measure = BY_ID[r.measure_id]
        if r.value == 0:
            continue
        if measure.kind == "count":
            text = publish_count(r.value)
        else:
            text = publish_rate(r.value, [counts.get((r.breakdown, r.level, c))
                                          for c in measure.rests_on])
        row(measure, r.breakdown, r.level, names.get(r.level, r.level), text)
    return rows


def _month_start_before(horizon: Horizon, index: int) -> int:
    """First day of a month before the horizon (index < 0)."""
    first = np.datetime64(horizon.labels[0], "M") + index
    return int((first.astype("datetime64[D]") - np.datetime64("1970-01-01", "D")).astype(int))


MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")  # not calendar.month_abbr: that follows the machine's locale


def file_name(label: str) -> str:
    """NHS England's style of name: MHSDS Data_Mar2024.csv."""
    y, m = int(label[:4]), int(label[5:7])
    return f"MHSDS Data_{MONTH_ABBR[m - 1]}{y}.csv"


def write_national(
    seed: int,
    out: Path,
    horizon: Horizon,
    demo: list[DemoProvider],
    suffix: str,
    submitted: dict[tuple[str, str], dict[str, pd.DataFrame]],
) -> NationalResult:
    """Write one national file per generated month (see the module doc)."""
    codes = [d.code for d in demo]
    ours = demo_values(out, codes, horizon, suffix, submitted)
    published, notes = inject_differences(
        ours, stream(seed, Stream.NATIONAL, 0), horizon.labels)
    peers = peer_values(seed, horizon)
    names = _names(demo)
    by_status = {status: pd.concat([published, peers[status]], ignore_index=True)
                 for status in (PERFORMANCE, PROVISIONAL)}
    files: list[tuple[Path, int]] = []
    for m, label in enumerate(horizon.labels):
        rows: list[list[str]] = []
        if m > 0:  # the refresh of the month before, published with this month
            rows += publication_rows(by_status[PERFORMANCE], horizon, names, PERFORMANCE, m - 1)
        rows += publication_rows(by_status[PROVISIONAL], horizon, names, PROVISIONAL, m)
        path = out / "national" / label / file_name(label)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(HEADER)
            w.writerows(rows)
        files.append((path, len(rows)))
    values = pd.concat([df.assign(status=s) for s, df in by_status.items()], ignore_index=True)
    return NationalResult(files, notes, values)
