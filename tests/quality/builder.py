"""Small hand-made warehouses for the quality-gate tests.

``build_clean(settings)`` writes a DuckDB warehouse with every table the gates read
(meta, staging, intermediate, reference, marts), consistent and plausible, plus an empty
file in the raw folder for every manifest path. Tests then break one thing with
``execute(settings, sql)`` and run a gate.
"""

from datetime import date, datetime
from pathlib import Path

import duckdb

from pipelines.config import DBT_PROJECT_DIR, Settings, load_settings
from pipelines.contract import Table, load_contract
from pipelines.contract.codegen import META, model_name
from pipelines.ingest.warehouse import MANIFEST_DDL, QUARANTINE_DDL, SQL_TYPES, has_nhs_number

PROVIDERS = ("RXA", "RXB")
MONTHS = (date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1))
WARDS = ("W1", "W2")
META_TYPES = {
    "provider_code": "varchar",
    "reporting_period_start": "date",
    "submission_created": "timestamp",
    "source_file_id": "bigint",
    "source_record_no": "bigint",
}
MART_DOMAINS = ("flow", "activity", "quality")


def make_settings(tmp_path: Path) -> Settings:
    return load_settings({
        "MHP_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "MHP_PUBLISH_DIR": str(tmp_path / "published"),
        "MHP_RAW_DIR": str(tmp_path / "raw"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        # dbt's results of this warehouse only (none unless a test runs dbt)
        "MHP_DBT_TARGET_PATH": str(tmp_path / "dbt_target"),
    })


def staging_ddl(table: Table) -> str:
    cols = []
    for c in table.columns:
        sql_type = "varchar" if c.pii in {"local_patient_id", "nhs_number"} else SQL_TYPES[c.type]
        cols.append(f'"{c.name}" {sql_type}')
    if has_nhs_number(table):
        cols.append("nhs_number_valid boolean")
    meta = META if table.family != "reference" else META[3:]
    cols += [f"{dst} {META_TYPES[dst]}" for _, dst, _ in meta]
    return f"create table staging.{model_name(table)} ({', '.join(cols)})"


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    cols = list(rows[0])
    sql = (f"insert into {table} ({', '.join(cols)}) "
           f"values ({', '.join('?' for _ in cols)})")
    con.executemany(sql, [[r[c] for c in cols] for r in rows])


def execute(settings: Settings, sql: str, params: list | None = None) -> None:
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(sql, params or []).fetchall()


def add_file(settings: Settings, relpath: str, status: str = "loaded", rows_in: int = 100,
             quarantined: int = 0, message: str | None = None, present: bool = True,
             table_name: str = "mhs501_hosp_prov_spell", provider: str = "RXA",
             reasons: tuple[tuple[str, str], ...] = ()) -> int:
    """Add a manifest entry (and its file in the raw folder); returns its file_id."""
    with duckdb.connect(str(settings.warehouse)) as con:
        file_id = con.execute("select coalesce(max(file_id), 0) + 1 from meta.manifest"
                              ).fetchall()[0][0]
        loaded = rows_in - quarantined if status == "loaded" else 0
        insert(con, "meta.manifest", [{
            "file_id": file_id, "run_id": "test", "relpath": relpath, "family": "mhsds",
            "table_name": table_name, "provider": provider, "period_start": MONTHS[-1],
            "content_hash": f"{file_id:064x}", "rows_in": rows_in, "rows_loaded": loaded,
            "rows_quarantined": quarantined if status == "loaded" else 0, "status": status,
            "message": message, "first_seen_at": datetime(2024, 4, 2),
            "last_seen_at": datetime(2024, 4, 2),
        }])
        for i in range(quarantined if status == "loaded" else 0):
            field, reason = reasons[i % len(reasons)] if reasons else ("X", "bad value")
            insert(con, "meta.quarantine", [{
                "file_id": file_id, "relpath": relpath, "table_name": table_name,
                "provider": provider, "period_start": MONTHS[-1], "record_no": i + 1,
                "line_no": i + 2, "field": field, "reason": reason, "value": None,
            }])
    if present:
        path = settings.raw_dir / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n", encoding="utf-8")
    return file_id


def build_clean(settings: Settings) -> None:
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    contract = load_contract()
    with duckdb.connect(str(settings.warehouse)) as con:
        for schema in ("meta", "staging", "intermediate", "marts", "reference"):
            con.execute(f"create schema {schema}")
        con.execute(MANIFEST_DDL)
        con.execute(QUARANTINE_DDL)
        for t in contract.tables:
            con.execute(staging_ddl(t))
        seed = str(DBT_PROJECT_DIR / "seeds" / "metric_catalogue.csv")
        con.execute("create table reference.metric_catalogue as "
                    f"select * from read_csv('{seed}', header = true, all_varchar = true)")
        _staging_rows(con)
        bed_days = _bed_days(con)
        _ledger(con)
        _marts(con, bed_days)
    for p in PROVIDERS:
        for m in MONTHS:
            for stem in ("MHS501HospProvSpell", "MHS502WardStay", "MHS201CareContact"):
                add_file(settings, f"mhsds/{p}/{m:%Y-%m}/{stem}.csv", provider=p)


def _staging_rows(con: duckdb.DuckDBPyConnection) -> None:
    created = datetime(2024, 4, 1)
    spells, stays, referrals, contacts, mpi, headers = [], [], [], [], [], []
    for p in PROVIDERS:
        meta = {"provider_code": p, "reporting_period_start": MONTHS[-1],
                "submission_created": created, "source_file_id": 1, "source_record_no": 1}
        for m in MONTHS:
            headers.append({"org_id_prov": p, "reporting_period_start_date": m,
                            "reporting_period_end_date": date(m.year, m.month, 28),
                            "date_time_dat_set_create": created,
                            **{**meta, "reporting_period_start": m}})
        for i in range(4):
            person = f"person-{p}-{i}"
            start = date(2024, 1, 3 + i)
            disch = date(2024, 2, 10 + i) if i < 3 else None
            spell_id = f"{p}-S{i}"
            spells.append({
                "org_id_prov": p, "uniq_hosp_prov_spell_id": spell_id, "person_key": person,
                "start_date_hosp_prov_spell": start, "disch_date_hosp_prov_spell": disch,
                "meth_adm_mh_hosp_prov_spell": "21", "meth_of_disch_mh_hosp_prov_spell":
                "1" if disch else None, "dest_of_disch_hosp_prov_spell":
                "19" if disch else None, **meta})
            stays.append({
                "org_id_prov": p, "uniq_ward_stay_id": f"{p}-WS{i}",
                "uniq_hosp_prov_spell_id": spell_id, "person_key": person,
                "start_date_ward_stay": start, "end_date_ward_stay": disch,
                "ward_code": WARDS[i % 2], "mh_admitted_patient_class": "200", **meta})
            mpi.append({"org_id_prov": p, "person_key": person, "gender": "1",
                        "person_birth_month": date(1980, 1 + i, 1), "nhs_number_valid": True,
                        **meta})
            ref_id = f"{p}-R{i}"
            referrals.append({
                "org_id_prov": p, "uniq_serv_req_id": ref_id, "person_key": person,
                "referral_request_received_date": date(2023, 12, 1 + i),
                "uniq_care_prof_team_local_id": "T1", "clin_resp_priority_type": "2", **meta})
            for j, m in enumerate(MONTHS):
                contacts.append({
                    "org_id_prov": p, "uniq_care_cont_id": f"{p}-C{i}-{j}",
                    "uniq_serv_req_id": ref_id, "person_key": person,
                    "care_cont_date": date(m.year, m.month, 10 + i), "attend_status": "5",
                    "cons_mechanism_mh": "01", **meta})
    insert(con, "staging.stg_mhsds__header", headers)
    insert(con, "staging.stg_mhsds__hosp_prov_spell", spells)
    insert(con, "staging.stg_mhsds__ward_stay", stays)
    insert(con, "staging.stg_mhsds__mpi", mpi)
    insert(con, "staging.stg_mhsds__referral", referrals)
    insert(con, "staging.stg_mhsds__care_contact", contacts)
    insert(con, "staging.stg_reference__wards", [
        {"org_id_prov": p, "ward_code": w, "ward_name": f"Ward {w}", "locality": "North",
         "mh_admitted_patient_class": "200", "commissioned_beds": 10,
         "effective_from": date(2020, 1, 1), "source_file_id": 2, "source_record_no": k}
        for p in PROVIDERS for k, w in enumerate(WARDS)])


def _bed_days(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, date, str], int]:
    """intermediate.int_ward_stay_bed_days and int_provider_months; bed days per ward."""
    con.execute("""
        create table intermediate.int_ward_stay_bed_days (
            provider_code varchar, uniq_ward_stay_id varchar, ward_code varchar,
            period_start date, occupied_bed_days bigint)""")
    con.execute("create table intermediate.int_provider_months "
                "(provider_code varchar, period_start date)")
    rows, totals = [], {}
    for p in PROVIDERS:
        for m in MONTHS:
            con.execute("insert into intermediate.int_provider_months values (?, ?)", [p, m])
            for i in range(4):
                days = 20 + i
                ward = WARDS[i % 2]
                rows.append({"provider_code": p, "uniq_ward_stay_id": f"{p}-WS{i}",
                             "ward_code": ward, "period_start": m, "occupied_bed_days": days})
                totals[(p, m, ward)] = totals.get((p, m, ward), 0) + days
    insert(con, "intermediate.int_ward_stay_bed_days", rows)
    return totals


def _ledger(con: duckdb.DuckDBPyConnection) -> None:
    """intermediate.int_ledger_subjectives: every ledger row resolved to a category."""
    con.execute("""
        create table intermediate.int_ledger_subjectives (
            provider_code varchar, period_start date, cost_centre varchar, ward_code varchar,
            uniq_care_prof_team_local_id varchar, subjective varchar, category varchar,
            matched_by varchar, map_code varchar, amount_gbp double, source_file_id bigint,
            source_record_no bigint)""")
    rows = []
    for p in PROVIDERS:
        for m in MONTHS:
            for k, (code, category, by, map_code) in enumerate((
                    ("pay_substantive", "pay_substantive", "category", None),
                    ("5A110", "pay_agency", "exact", "5A110"),
                    ("62100000", "non_pay", "prefix", "6*"))):
                rows.append({"provider_code": p, "period_start": m, "cost_centre": "CC1",
                             "ward_code": "W1", "uniq_care_prof_team_local_id": None,
                             "subjective": code, "category": category, "matched_by": by,
                             "map_code": map_code, "amount_gbp": 1000.0 * (k + 1),
                             "source_file_id": 3, "source_record_no": k + 1})
    insert(con, "intermediate.int_ledger_subjectives", rows)


def _marts(con: duckdb.DuckDBPyConnection, bed_days: dict[tuple[str, date, str], int]) -> None:
    con.execute("""
        create table marts.mart_metric_values (
            metric_id varchar, period_start date, period_type varchar, provider_code varchar,
            level varchar, unit_code varchar, unit_name varchar, bed_type_group varchar,
            numerator double, denominator double, value double)""")
    catalogue = con.execute(
        "select metric_id, unit from reference.metric_catalogue where domain in "
        f"{MART_DOMAINS!r} order by metric_id").fetchall()
    rows = []

    def row(metric, m, p, level, unit_code, value, group="all", num=None, den=None):
        rows.append({"metric_id": metric, "period_start": m, "period_type": "month",
                     "provider_code": p, "level": level, "unit_code": unit_code,
                     "unit_name": unit_code, "bed_type_group": group,
                     "numerator": value if num is None else num, "denominator": den,
                     "value": value})

    for p in PROVIDERS:
        for m in MONTHS:
            total = sum(v for (pp, mm, _), v in bed_days.items() if (pp, mm) == (p, m))
            for metric, unit in catalogue:
                if metric == "occupied_bed_days":
                    value = float(total)
                elif metric in ("los_mean_days", "los_median_days"):
                    value = 30.0
                elif unit == "percent":
                    value = 62.5
                else:
                    value = 12.0
                row(metric, m, p, "provider", p, value)
                row(metric, m, p, "provider", p, value, group="adult_acute")
            for w in WARDS:
                occ = bed_days[(p, m, w)]
                row("occupied_bed_days", m, p, "ward", w, float(occ))
                row("occupancy_pct", m, p, "ward", w, round(100.0 * occ / 310, 1),
                    num=occ, den=310)
    insert(con, "marts.mart_metric_values", rows)
