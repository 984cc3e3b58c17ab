"""Ingestion on hand-made files: reconciliation, quarantine, rejects, reruns, refreshes."""

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.config import load_settings
from pipelines.ingest.load import ingest
from pipelines.ingest.pseudonymise import MissingPseudonymKey, nhs_number_valid
from tests.rawfiles import write_header, write_table

SPELL = {
    "OrgIDProv": "RXA",
    "UniqHospProvSpellID": "RXA-S1",
    "UniqServReqID": "RXA-R1",
    "LocalPatientId": "RXALP00000001",
    "StartDateHospProvSpell": "2024-01-03",
    "MethAdmMHHospProvSpell": "21",
    "SourceAdmMHHospProvSpell": "19",
}


def settings_for(tmp_path: Path, **env: str):
    base = {
        "MHP_RAW_DIR": str(tmp_path / "raw"),
        "MHP_WAREHOUSE": str(tmp_path / "wh.duckdb"),
        "MHP_PUBLISH_DIR": str(tmp_path / "pub"),
    }
    base.update(env)
    return load_settings(base)


def q(settings, sql: str):
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_nhs_number_modulus_11() -> None:
    assert nhs_number_valid("9434765919")
    assert not nhs_number_valid("9434765918")
    assert not nhs_number_valid("12345")
    assert nhs_number_valid("943 476 5919")


def test_rows_loaded_or_quarantined_with_file_line_field(tmp_path: Path) -> None:
    s = settings_for(tmp_path)
    raw = s.raw_dir
    write_header(raw, "RXA", "2024-01")
    rows = [
        SPELL,
        {**SPELL, "UniqHospProvSpellID": "RXA-S2", "MethAdmMHHospProvSpell": "ZZ"},
        {**SPELL, "UniqHospProvSpellID": "RXA-S3", "DischDateHospProvSpell": "2024-01-01"},
        SPELL,  # duplicate key
        {**SPELL, "UniqHospProvSpellID": "RXA-S5", "StartDateHospProvSpell": "2024-13-01"},
        {**SPELL, "UniqHospProvSpellID": "RXA-S6", "DischDateHospProvSpell": "2024-02-03"},
    ]
    path = write_table(raw, "mhs501_hosp_prov_spell", rows, "RXA", "2024-01")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("RXA,RXA-S7,RXA-R7\n")  # malformed: too few fields, line 8
    report = ingest(s)
    assert not report.problems
    out = {o.table: o for o in report.outcomes}["mhs501_hosp_prov_spell"]
    assert (out.rows_in, out.rows_loaded, out.rows_quarantined) == (7, 1, 6)
    got = q(s, "select line_no, field, reason from meta.quarantine order by line_no")
    assert [(g[0], g[1]) for g in got] == [
        (3, "MethAdmMHHospProvSpell"),
        (4, "DischDateHospProvSpell"),
        (5, "UniqHospProvSpellID"),
        (6, "StartDateHospProvSpell"),
        (7, "DischDateHospProvSpell"),
        (8, "LocalPatientId"),
    ]
    reasons = " | ".join(g[2] for g in got)
    for text in [
        "not a valid code",
        "discharge date before admission",
        "duplicate key",
        "not a valid date",
        "after the end of the reporting period",
        "malformed row",
    ]:
        assert text in reasons
    # manifest reconciles: every input row loaded or quarantined
    assert (
        q(s, "select count(*) from meta.manifest where rows_in <> rows_loaded + rows_quarantined")[
            0
        ][0]
        == 0
    )
    # identifiers never stored
    stored = q(s, "select person_key from raw.mhs501_hosp_prov_spell")[0][0]
    assert stored != "RXALP00000001" and len(stored) == 32


def test_missing_column_rejects_file_names_file_and_column(tmp_path: Path) -> None:
    s = settings_for(tmp_path)
    raw = s.raw_dir
    write_header(raw, "RXA", "2024-01")
    cols = [
        c
        for c in [
            "OrgIDProv",
            "UniqHospProvSpellID",
            "UniqServReqID",
            "LocalPatientId",
            "StartDateHospProvSpell",
            "MethAdmMHHospProvSpell",
        ]
    ]
    write_table(raw, "mhs501_hosp_prov_spell", [SPELL], "RXA", "2024-01", columns=cols)
    write_table(
        raw,
        "mhs502_ward_stay",
        [
            {
                "OrgIDProv": "RXA",
                "UniqWardStayID": "RXA-W1",
                "UniqHospProvSpellID": "RXA-S1",
                "LocalPatientId": "RXALP00000001",
                "StartDateWardStay": "2024-01-03",
                "WardCode": "W1",
            }
        ],
        "RXA",
        "2024-01",
    )
    report = ingest(s)
    assert len(report.problems) == 1
    msg = report.problems[0].message or ""
    assert "mhsds/RXA/2024-01/MHS501HospProvSpell.csv" in msg
    assert "DischDateHospProvSpell" in msg
    # the other files still load
    assert q(s, "select count(*) from raw.mhs502_ward_stay")[0][0] == 1
    assert q(s, "select count(*) from raw.mhs501_hosp_prov_spell")[0][0] == 0
    # a rerun reports the outstanding problem again but records nothing new
    n = q(s, "select count(*) from meta.manifest")[0][0]
    again = ingest(s)
    assert len(again.problems) == 1
    assert q(s, "select count(*) from meta.manifest")[0][0] == n


def test_rerun_is_noop_and_refresh_replaces(tmp_path: Path) -> None:
    s = settings_for(tmp_path)
    raw = s.raw_dir
    write_header(raw, "RXA", "2024-01", datetime(2024, 2, 15, 9))
    write_table(
        raw,
        "mhs501_hosp_prov_spell",
        [SPELL, {**SPELL, "UniqHospProvSpellID": "RXA-S2"}],
        "RXA",
        "2024-01",
    )
    first = ingest(s)
    assert first.count("loaded") == 2
    snapshot = q(s, "select * from raw.mhs501_hosp_prov_spell order by 2")
    second = ingest(s)
    assert second.count("unchanged") == 2 and second.count("loaded") == 0
    assert q(s, "select * from raw.mhs501_hosp_prov_spell order by 2") == snapshot
    # refresh: later DateTimeDatSetCreate, one row removed, a discharge date added
    write_header(raw, "RXA", "2024-01", datetime(2024, 3, 1, 9))
    write_table(
        raw,
        "mhs501_hosp_prov_spell",
        [
            {
                **SPELL,
                "DischDateHospProvSpell": "2024-01-20",
                "MethOfDischMHHospProvSpell": "1",
                "DestOfDischHospProvSpell": "19",
            }
        ],
        "RXA",
        "2024-01",
    )
    third = ingest(s)
    assert third.count("loaded") == 2
    rows = q(
        s, "select UniqHospProvSpellID, DischDateHospProvSpell from raw.mhs501_hosp_prov_spell"
    )
    assert [(r[0], str(r[1])) for r in rows] == [("RXA-S1", "2024-01-20")]
    assert q(s, "select count(*) from meta.manifest where status = 'superseded'")[0][0] == 2
    # an older delivery arriving later is refused as stale
    write_header(raw, "RXA", "2024-01", datetime(2024, 2, 20, 9))
    stale = ingest(s)
    assert stale.count("stale") >= 1
    assert "stale delivery" in (stale.problems[0].message or "")


def test_non_utf8_and_empty_files_rejected(tmp_path: Path) -> None:
    s = settings_for(tmp_path)
    raw = s.raw_dir
    write_header(raw, "RXA", "2024-01")
    p = write_table(
        raw,
        "mhs902_service_team_details",
        [
            {
                "OrgIDProv": "RXA",
                "UniqCareProfTeamLocalID": "T1",
                "ServTeamTypeMH": "A05",
                "ServTeamIntAgeGroup": "adult",
            }
        ],
        "RXA",
        "2024-01",
    )
    p.write_bytes(p.read_bytes().replace(b"adult", "adulté".encode("latin-1")))
    e = raw / "mhsds" / "RXA" / "2024-01" / "MHS201CareContact.csv"
    e.write_bytes(b"")
    report = ingest(s)
    msgs = {o.relpath: o.message for o in report.problems}
    assert "not UTF-8" in msgs["mhsds/RXA/2024-01/MHS902ServiceTeamDetails.csv"]
    assert "line 2" in msgs["mhsds/RXA/2024-01/MHS902ServiceTeamDetails.csv"]
    assert "empty file" in msgs["mhsds/RXA/2024-01/MHS201CareContact.csv"]


def test_real_data_without_key_is_refused(tmp_path: Path) -> None:
    s = settings_for(tmp_path)
    write_header(s.raw_dir, "RXA", "2024-01")
    (s.raw_dir / ".mhp-synthetic").unlink()
    with pytest.raises(MissingPseudonymKey, match="MHP_PSEUDONYM_KEY"):
        ingest(s)
    keyed = replace(s, pseudonym_key="a-real-secret-from-the-environment")
    assert not ingest(keyed).problems


def test_pseudonyms_depend_on_key(tmp_path: Path) -> None:
    s1 = settings_for(tmp_path, MHP_PSEUDONYM_KEY="key-one")
    write_header(s1.raw_dir, "RXA", "2024-01")
    write_table(s1.raw_dir, "mhs501_hosp_prov_spell", [SPELL], "RXA", "2024-01")
    ingest(s1)
    k1 = q(s1, "select person_key from raw.mhs501_hosp_prov_spell")[0][0]
    s2 = replace(s1, pseudonym_key="key-two", warehouse=tmp_path / "wh2.duckdb")
    ingest(s2)
    k2 = q(s2, "select person_key from raw.mhs501_hosp_prov_spell")[0][0]
    assert k1 != k2
