"""Contract-driven tolerance for a trust's own codes at ingest: `match: casefold_space`
code columns (ESR staff groups, subjective map categories), the subjective map's row
rules, and the ESR seed kept in step with the contract's code list."""

import csv
from pathlib import Path

import duckdb
import pytest

from pipelines.config import DBT_PROJECT_DIR
from pipelines.contract import load_contract, match_key
from pipelines.contract.model import _parse
from pipelines.ingest.load import ingest
from tests.rawfiles import tmp_settings, write_table


def test_subjective_map_rows_are_checked_and_categories_stored_as_the_contract_spells_them(
    tmp_path: Path,
) -> None:
    s = tmp_settings(tmp_path)
    rows = [
        {"OrgIDProv": "RXA", "SubjectiveCode": "5A1*", "Category": " PAY_Agency"},
        {"OrgIDProv": "RXA", "SubjectiveCode": "51000000", "CodeTo": "51999999",
         "Category": "pay_substantive"},
        {"OrgIDProv": "RXA", "SubjectiveCode": "900", "CodeTo": "1100", "Category": "pay_bank"},
        {"OrgIDProv": "RXA", "SubjectiveCode": "5B*1", "Category": "non_pay"},
        {"OrgIDProv": "RXA", "SubjectiveCode": "5C*", "CodeTo": "5C9", "Category": "non_pay"},
        {"OrgIDProv": "RXA", "SubjectiveCode": "*", "Category": "non_pay"},
        {"OrgIDProv": "RXA", "SubjectiveCode": "2000", "CodeTo": "1000", "Category": "non_pay"},
        {"OrgIDProv": "RXA", "SubjectiveCode": "63500000", "Category": "capital charges"},
    ]
    # a trust's map needs no CodeTo or Description column when it has no ranges
    write_table(s.raw_dir, "subjective_map", rows,
                columns=["OrgIDProv", "SubjectiveCode", "CodeTo", "Category"])
    assert not ingest(s).problems
    con = duckdb.connect(str(s.warehouse), read_only=True)
    try:
        loaded = con.execute("select SubjectiveCode, CodeTo, Category from raw.subjective_map "
                             "order by _record_no").fetchall()
        quarantined = con.execute("select line_no, field, reason from meta.quarantine "
                                  "order by line_no").fetchall()
    finally:
        con.close()
    assert loaded == [("5A1*", None, "pay_agency"), ("51000000", "51999999", "pay_substantive"),
                      ("900", "1100", "pay_bank")]  # 900..1100 holds 1000: not compared as text
    assert [(q[0], q[1]) for q in quarantined] == [
        (5, "SubjectiveCode"), (6, "SubjectiveCode"), (7, "SubjectiveCode"), (8, "CodeTo"),
        (9, "Category")]
    assert quarantined[0][2].startswith("* only at the end of a prefix")
    assert quarantined[3][2] == "range ends before it starts"
    assert quarantined[4][2] == (
        "not a valid code of list subjective (accepted, in any case and spacing: "
        "pay_substantive; pay_bank; pay_agency; non_pay; excluded)")


def test_ledger_accepts_categories_and_account_codes(tmp_path: Path) -> None:
    s = tmp_settings(tmp_path)
    write_table(s.raw_dir, "ledger", [
        {"CostCentre": "CC1", "WardCode": "W1", "Subjective": "pay_agency", "AmountGBP": "10"},
        {"CostCentre": "CC1", "WardCode": "W1", "Subjective": "5A110", "AmountGBP": "20"},
        {"CostCentre": "CC1", "WardCode": "W1", "Subjective": "51200000", "AmountGBP": "30"},
    ], "RXA", "2024-01")
    report = ingest(s)
    assert not report.problems
    (out,) = report.outcomes
    assert (out.rows_loaded, out.rows_quarantined) == (3, 0)


def test_the_esr_seed_maps_every_staff_group_of_the_contract() -> None:
    with open(DBT_PROJECT_DIR / "seeds" / "esr_staff_groups.csv", encoding="utf-8") as fh:
        seed = list(csv.DictReader(fh))
    groups = [r["esr_staff_group"] for r in seed]
    assert sorted(groups) == sorted(load_contract().code_lists["staff_group"])
    assert len(set(groups)) == len(groups)
    by_group = {r["esr_staff_group"]: (r["metric_staff_group"], r["clinical"]) for r in seed}
    # the metrics keep their meaning: nursing = registered nurses, admin not clinical
    assert by_group["Nursing and Midwifery Registered"] == ("nursing", "true")
    assert by_group["Additional Clinical Services"] == ("support_to_clinical", "true")
    assert by_group["Administrative and Clerical"] == ("admin", "false")
    assert (by_group["Additional Professional Scientific and Technical"]
            == by_group["Add Prof Scientific and Technic"])


def test_match_key_ignores_case_and_runs_of_spaces() -> None:
    assert match_key(" Nursing and\u00a0Midwifery  REGISTERED\t", "casefold_space") == (
        "nursing and midwifery registered")
    assert match_key(" 01 ", None) == "01"


@pytest.mark.parametrize("column, message", [
    ({"source": "X", "name": "x", "type": "string", "match": "casefold_space"}, "needs a domain"),
    ({"source": "X", "name": "x", "type": "code", "domain": "twins", "match": "casefold_space"},
     "match alike"),
    ({"source": "X", "name": "x", "type": "code", "domain": "twins", "match": "fuzzy"},
     "needs a domain and one of"),
])
def test_the_contract_refuses_a_match_it_cannot_apply(column: dict, message: str) -> None:
    raw = {"version": 1, "code_lists": {"twins": ["Medical", "MEDICAL"]},
           "tables": [{"name": "t", "source_table": "t", "family": "reference",
                       "description": "d", "key": ["X"], "columns": [column]}]}
    with pytest.raises(ValueError, match=message):
        _parse(raw)
