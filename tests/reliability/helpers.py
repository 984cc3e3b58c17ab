"""Hand-made raw drop folders and the invariants every fault test checks.

A *case* is a copy of one small, clean, already ingested drop folder (provider RXA,
January 2024: every MHSDS table, reference data, ledger, PLICS, staff in post and the
OAP log). A test breaks something, ingests again and checks both the behaviour the
catalogue promises and the invariants that hold whatever arrives:

- every manifest row reconciles: rows_in = rows_loaded + rows_quarantined;
- every loaded file's rows are in its raw table (and nothing else is), every
  quarantined record is in meta.quarantine;
- the data already loaded for other slots is unchanged (nothing earlier is lost).
"""

import csv
import shutil
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.config import Settings, load_settings
from pipelines.contract import load_contract
from pipelines.ingest.load import IngestReport, ingest
from tests.rawfiles import write_header, write_table

P = "RXA"
JAN = "2024-01"
FEB = "2024-02"
JAN_CREATED = datetime(2024, 2, 15, 9)

# NHS numbers that pass the modulus 11 check, and one that fails it
NHS_OK = ["9434765919", "9434765870", "4010232137", "4505577104"]
NHS_BAD = "9434765918"


def spell(sid: str, person: str, start: str, disch: str | None = None, **kw: str) -> dict:
    row = {
        "OrgIDProv": P, "UniqHospProvSpellID": sid, "UniqServReqID": f"R-{sid}",
        "LocalPatientId": person, "StartDateHospProvSpell": start,
        "SourceAdmMHHospProvSpell": "19", "MethAdmMHHospProvSpell": "21",
    }
    if disch:
        row.update(DischDateHospProvSpell=disch, MethOfDischMHHospProvSpell="1",
                   DestOfDischHospProvSpell="19")
    return {**row, **kw}


def stay(wid: str, sid: str, person: str, start: str, end: str | None = None,
         ward: str = "W1", **kw: str) -> dict:
    return {
        "OrgIDProv": P, "UniqWardStayID": wid, "UniqHospProvSpellID": sid,
        "LocalPatientId": person, "StartDateWardStay": start, "EndDateWardStay": end,
        "WardCode": ward, "SiteIDOfWard": "S01", "MHAdmittedPatientClass": "200",
        "WardSecLevel": "0", "WardLocDistanceHome": "4", **kw,
    }


def mpi(person: str, nhs: str, born: str = "1971-06-14", **kw: str) -> dict:
    return {"OrgIDProv": P, "LocalPatientId": person, "NHSNumber": nhs,
            "PersonBirthDate": born, "Gender": "2", "EthnicCategory": "A",
            "OrgIDSubICBLocResidence": "15N", "LSOA2011": "E01000001", **kw}


def referral(rid: str, person: str, received: str, team: str = "T1") -> dict:
    return {"OrgIDProv": P, "UniqServReqID": rid, "LocalPatientId": person,
            "ReferralRequestReceivedDate": received, "ClinRespPriorityType": "2",
            "UniqCareProfTeamLocalID": team, "SourceOfReferralMH": "A1"}


def contact(cid: str, rid: str, person: str, day: str, status: str = "5") -> dict:
    return {"OrgIDProv": P, "UniqCareContID": cid, "UniqServReqID": rid,
            "LocalPatientId": person, "UniqCareProfTeamLocalID": "T1", "CareContDate": day,
            "CareContTime": "10:00:00", "ClinContDurOfCareCont": "45", "ConsMechanismMH": "01",
            "AttendStatus": status}


def month_tables(period: str = JAN) -> dict[str, list[dict]]:
    """One clean MHSDS submission (every table) for provider RXA."""
    d = f"{period}-"
    return {
        "mhs001_mpi": [mpi("RXALP00000001", NHS_OK[0]), mpi("RXALP00000002", NHS_OK[1]),
                       mpi("RXALP00000003", NHS_OK[2])],
        "mhs101_referral": [referral("R-S1", "RXALP00000001", "2023-12-01"),
                            referral("R-S2", "RXALP00000002", "2023-11-20"),
                            referral("R-C", "RXALP00000003", d + "02")],
        "mhs105_onward_referral": [{"OrgIDProv": P, "UniqServReqID": "R-S2",
                                    "OnwardReferDate": d + "20", "OATReason": "10",
                                    "OrgIDReceiving": "RXX"}],
        "mhs201_care_contact": [contact("C1", "R-C", "RXALP00000003", d + "05"),
                                contact("C2", "R-C", "RXALP00000003", d + "12", "3")],
        "mhs501_hosp_prov_spell": [spell("S1", "RXALP00000001", "2023-12-28"),
                                   spell("S2", "RXALP00000002", d + "03", d + "21")],
        "mhs502_ward_stay": [stay("WS1", "S1", "RXALP00000001", "2023-12-28"),
                             stay("WS2", "S2", "RXALP00000002", d + "03", d + "21", "W2")],
        "mhs509_home_leave": [{"OrgIDProv": P, "UniqHospProvSpellID": "S1",
                               "StartDateHomeLeave": d + "10", "EndDateHomeLeave": d + "11"}],
        "mhs510_leave_of_absence": [{"OrgIDProv": P, "UniqHospProvSpellID": "S1",
                                     "StartDateMHLeaveAbs": d + "14",
                                     "EndDateMHLeaveAbs": d + "15"}],
        "mhs518_clin_ready_for_discharge": [{"OrgIDProv": P, "MHS518UniqID": "CR1",
                                             "UniqHospProvSpellID": "S1",
                                             "StartDateClinReadyforDisch": d + "20",
                                             "ClinReadyforDischDelayReason": "01",
                                             "AttribToIndic": "04"}],
        "mhs902_service_team_details": [{"OrgIDProv": P, "UniqCareProfTeamLocalID": "T1",
                                         "ServTeamTypeMH": "A05",
                                         "ServTeamIntAgeGroup": "adult"}],
    }


def monthly_other(period: str = JAN) -> dict[str, list[dict]]:
    """Costing, finance, workforce and OAP files of one month."""
    return {
        "ledger": [
            {"CostCentre": "CC1", "WardCode": "W1", "Subjective": "pay_substantive",
             "AmountGBP": "120000.00"},
            {"CostCentre": "CC1", "WardCode": "W1", "Subjective": "non_pay",
             "AmountGBP": "-500.00"},  # a credit: negative ledger amounts are legitimate
            {"CostCentre": "CC2", "UniqCareProfTeamLocalID": "T1",
             "Subjective": "pay_substantive", "AmountGBP": "80000.00"},
        ],
        "plics": [
            {"ActivityType": "ward_stay_day", "ActivityID": "WS1",
             "LocalPatientId": "RXALP00000001", "CostPool": "ward_nursing", "CostGBP": "610.50"},
            {"ActivityType": "care_contact", "ActivityID": "C1",
             "LocalPatientId": "RXALP00000003", "CostPool": "medical", "CostGBP": "180.00"},
        ],
        "staff_in_post": [
            {"CostCentre": "CC1", "StaffGroup": "Nursing and Midwifery Registered",
             "ContractType": "substantive", "WTE": "21.4"},
            {"CostCentre": "CC2", "StaffGroup": "Additional Professional Scientific and Technical",
             "ContractType": "agency", "WTE": "1.0"},
        ],
        "oap_log": [
            {"PlacementID": "OAP1", "LocalPatientId": "RXALP00000002", "NHSNumber": NHS_OK[1],
             "StartDate": f"{period}-08", "OrgIDReceiving": "RXX", "ReasonOAT": "10",
             "MHAdmittedPatientClass": "200", "DailyCostGBP": "650"},
        ],
    }


def reference_tables() -> dict[str, list[dict]]:
    return {
        "wards": [
            {"OrgIDProv": P, "WardCode": "W1", "WardName": "Ash Ward", "SiteIDOfWard": "S01",
             "Locality": "North", "MHAdmittedPatientClass": "200", "CommissionedBeds": "12",
             "EffectiveFrom": "2020-01-01"},
            {"OrgIDProv": P, "WardCode": "W2", "WardName": "Birch Ward", "SiteIDOfWard": "S01",
             "Locality": "South", "MHAdmittedPatientClass": "200", "CommissionedBeds": "10",
             "EffectiveFrom": "2020-01-01"},
        ],
        "teams": [{"OrgIDProv": P, "UniqCareProfTeamLocalID": "T1", "TeamName": "North CMHT",
                   "Locality": "North", "ServTeamTypeMH": "A05"}],
        "localities": [
            {"OrgIDProv": P, "Locality": "North", "AgeBand": "all", "Population": "120000"},
            {"OrgIDProv": P, "Locality": "South", "AgeBand": "all", "Population": "90000"},
        ],
    }


def write_submission(raw: Path, period: str, tables: dict[str, list[dict]] | None = None,
                     created: datetime | None = None, provider: str = P) -> None:
    write_header(raw, provider, period, created)
    for table, rows in (month_tables(period) if tables is None else tables).items():
        write_table(raw, table, rows, provider, period)


def write_baseline(raw: Path) -> None:
    for table, rows in reference_tables().items():
        write_table(raw, table, rows)
    write_submission(raw, JAN, created=JAN_CREATED)
    for table, rows in monthly_other(JAN).items():
        write_table(raw, table, rows, P, JAN)


def settings_at(root: Path, **env: str) -> Settings:
    base = {
        "MHP_RAW_DIR": str(root / "raw"),
        "MHP_WAREHOUSE": str(root / "warehouse" / "warehouse.duckdb"),
        "MHP_PUBLISH_DIR": str(root / "published"),
        "MHP_DBT_TARGET_PATH": str(root / "dbt_target"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    base.update(env)
    return load_settings(base)


# ------------------------------------------------------------------ reading back
def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def business_rows(con: duckdb.DuckDBPyConnection, table: str) -> dict[tuple, list[tuple]]:
    """Rows of raw.<table> by (provider, period), without the load-time meta columns."""
    cols = [r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'raw' "
        "and table_name = ? order by column_index", [table]).fetchall()]
    keep = [c for c in cols if not c.startswith("_")]
    rows = con.execute(
        f"select _provider, cast(_period_start as varchar), "
        f"{', '.join(chr(34) + c + chr(34) for c in keep)} from raw.{table}"
    ).fetchall()
    out: dict[tuple, list[tuple]] = {}
    for r in rows:
        out.setdefault((r[0], r[1]), []).append(tuple("" if v is None else str(v)
                                                      for v in r[2:]))
    return {k: sorted(v) for k, v in out.items()}


def snapshot(settings: Settings) -> dict[str, dict[tuple, list[tuple]]]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return {t.name: business_rows(con, t.name) for t in load_contract().tables}
    finally:
        con.close()


def check_invariants(settings: Settings) -> None:
    """What holds whatever arrived: reconciliation and no orphan or missing rows."""
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        bad = con.execute(
            "select relpath, status, rows_in, rows_loaded, rows_quarantined from meta.manifest "
            "where coalesce(rows_in, 0) <> coalesce(rows_loaded, 0) + coalesce(rows_quarantined, 0)"
        ).fetchall()
        assert not bad, f"manifest rows that do not reconcile: {bad}"
        statuses = {r[0] for r in con.execute("select distinct status from meta.manifest")
                    .fetchall()}
        assert statuses <= {"loaded", "superseded", "rejected", "stale", "ignored", "missing"}
        manifest = {r[0]: r[1:] for r in con.execute(
            "select file_id, status, table_name, rows_loaded, rows_quarantined "
            "from meta.manifest").fetchall()}
        for t in load_contract().tables:
            for file_id, n in con.execute(
                f"select _file_id, count(*) from raw.{t.name} group by 1"
            ).fetchall():
                status, table, loaded, _ = manifest[file_id]
                assert status == "loaded" and table == t.name, (
                    f"raw.{t.name} holds rows of file {file_id} ({status}, {table})")
                assert n == loaded, f"file {file_id}: {n} rows in raw.{t.name}, manifest {loaded}"
        for file_id, (status, table, loaded, _) in manifest.items():
            if status == "loaded" and loaded:
                n = con.execute(f"select count(*) from raw.{table} where _file_id = ?",
                                [file_id]).fetchall()[0][0]
                assert n == loaded, f"file {file_id}: manifest {loaded} rows, raw has {n}"
        for file_id, n in con.execute(
            "select file_id, count(distinct record_no) + count(*) filter (where record_no is null)"
            " from meta.quarantine group by 1"
        ).fetchall():
            assert manifest[file_id][3] == n, (
                f"file {file_id}: {n} records in meta.quarantine, manifest says "
                f"{manifest[file_id][3]}")
        for file_id, (_, _, _, quarantined) in manifest.items():
            if quarantined:
                n = con.execute("select count(*) from meta.quarantine where file_id = ?",
                                [file_id]).fetchall()[0][0]
                assert n >= quarantined, f"file {file_id}: quarantined rows not recorded"
    finally:
        con.close()


@dataclass
class Case:
    """A copy of the ingested baseline that one test may break."""

    settings: Settings
    baseline: dict[str, dict[tuple, list[tuple]]]

    @property
    def raw(self) -> Path:
        return self.settings.raw_dir

    def path(self, table: str, period: str = JAN, provider: str = P, suffix: str = ".csv"
             ) -> Path:
        t = load_contract().table(table)
        if t.family == "reference":
            return self.raw / "reference" / f"{t.file_stem}{suffix}"
        return self.raw / t.family / provider / period / f"{t.file_stem}{suffix}"

    def relpath(self, table: str, period: str = JAN, provider: str = P) -> str:
        return self.path(table, period, provider).relative_to(self.raw).as_posix()

    def ingest(self, **kwargs: Any) -> IngestReport:
        report = ingest(self.settings, **kwargs)
        check_invariants(self.settings)
        return report

    def q(self, sql: str, params: list | None = None) -> list[tuple]:
        return query(self.settings, sql, params)

    def assert_kept(self, *changed: tuple[str, str | None]) -> None:
        """Every slot (table, period) of the baseline not listed in ``changed`` is intact."""
        now = snapshot(self.settings)
        for table, slots in self.baseline.items():
            for (provider, period), rows in slots.items():
                if (table, period and period[:7]) in changed or (table, None) in changed:
                    continue
                assert now[table].get((provider, period)) == rows, (
                    f"raw.{table} {provider} {period} changed: earlier data lost")

    def rows(self, table: str, period: str = JAN) -> list[tuple]:
        return snapshot(self.settings)[table].get((P, f"{period}-01"), [])


def make_case(template: Path, root: Path, **env: str) -> Case:
    """Copy the ingested template (raw folder + warehouse) to ``root``."""
    settings = settings_at(root, **env)
    shutil.copytree(template / "raw", settings.raw_dir)
    settings.warehouse.parent.mkdir(parents=True)
    shutil.copyfile(template / "warehouse" / "warehouse.duckdb", settings.warehouse)
    return Case(settings, snapshot(settings))


def build_template(root: Path) -> Path:
    settings = settings_at(root)
    write_baseline(settings.raw_dir)
    report = ingest(settings)
    assert not report.problems and not report.missing and not report.rows_quarantined, \
        report.summary()
    check_invariants(settings)
    return root


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        r = csv.DictReader(fh)
        return list(r.fieldnames or []), list(r)


def with_settings(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, **changes)
