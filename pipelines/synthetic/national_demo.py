"""(a) The demo providers' national figures, *as NHS England would have published them from
their submissions*: computed independently, in DuckDB, from the MHSDS files the generator
submitted (pipelines/synthetic/national.py explains why)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipelines.contract import load_contract
from pipelines.synthetic.national_measures import (
    PROVIDER,
    RECEIVING,
    RESPONSIBLE,
    SENDING,
    ratio_rows,
)
from pipelines.synthetic.periods import Horizon, iso

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
    ratio = ratio_rows(df, "MHS80", "MHS79", "MHS78", RESPONSIBLE)
    return pd.concat([df, ratio], ignore_index=True)

