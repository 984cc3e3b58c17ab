"""One owner per rule: rules that hold for every row are dbt tests generated from the raw
contract (with a severity), the GX gate keeps what needs a threshold, history or the last
publication, and reports dbt's results, so an error-severity dbt test blocks publishing
and a warn one does not. No rule is defined in both."""

import json
from pathlib import Path

import yaml

from pipelines.config import DBT_PROJECT_DIR, Settings
from pipelines.contract import load_contract
from pipelines.contract.codegen import model_name
from pipelines.dbt_project import run_dbt
from pipelines.quality import load_suites, run_gate
from pipelines.quality.checks import CHECKS

from .builder import execute

STAGING_YAML = DBT_PROJECT_DIR / "models" / "staging" / "_staging.yml"
# what the ward stay and spell tests select (their generated tests, both tables' models)
MODELS = ["stg_mhsds__ward_stay", "stg_mhsds__hosp_prov_spell", "stg_mhsds__referral",
          "stg_mhsds__care_contact"]


def failed(result) -> dict[str, str]:
    return {o.id: o.severity for o in result.failed}


def dbt_tests_of_staging() -> list[tuple[str, str, str, dict]]:
    """(model, column or '', generic test, its entry) of every generated staging test."""
    out = []
    for model in yaml.safe_load(STAGING_YAML.read_text(encoding="utf-8"))["models"]:
        entries = [("", t) for t in model.get("data_tests", [])]
        entries += [(c["name"], t) for c in model.get("columns", [])
                    for t in c.get("data_tests", [])]
        for column, test in entries:
            name, body = next(iter(test.items()))
            out.append((model["name"], column, name, body or {}))
    return out


def test_every_generated_staging_test_has_a_severity() -> None:
    tests = dbt_tests_of_staging()
    assert len(tests) > 100
    for model, column, name, body in tests:
        assert body.get("config", {}).get("severity") in ("error", "warn"), (model, column, name)


def test_contract_staging_tests_are_generated_with_their_severity() -> None:
    generated = {(m, b.get("name")): b["config"]["severity"]
                 for m, _, _, b in dbt_tests_of_staging() if b.get("name")}
    declared = 0
    for table in load_contract().tables:
        for st in table.staging_tests:
            declared += 1
            model = model_name(table)
            fragment = {"date_order": "__date_order", "within_parent": "__within_",
                        "no_overlap": "__no_overlap", "references": "__references_"}[st.test]
            names = [n for (m, n) in generated if m == model and n.startswith(model + fragment)]
            assert names, (model, st.test)
            assert {generated[(model, n)] for n in names} >= {st.severity}
    assert declared >= 6  # dates in order, within spell, no overlap, references


def test_no_rule_is_defined_twice() -> None:
    """No GX expectation checks a rule a generated dbt test owns: same table, same column,
    same kind of rule (not-null vs completeness, codes, keys, date order, references)."""
    assert not {"accepted_values", "unique_keys", "date_order", "within_parent",
                "no_overlap"} & set(CHECKS), "row-level rules belong to dbt"
    dbt_rules: set[tuple[str, str, str]] = set()
    for model, column, name, body in dbt_tests_of_staging():
        args = body.get("arguments", {})
        if name == "not_null":
            dbt_rules.add((model, column, "not_null"))
        elif name == "accepted_values":
            dbt_rules.add((model, column, "codes"))
        elif name == "unique_combination":
            dbt_rules.add((model, ",".join(args["columns"]), "key"))
        elif name == "relationships_combination":
            parent = args["to"].split("'")[1]
            dbt_rules.add((model, parent, "references"))
        else:
            dbt_rules.add((model, f"{args['start_column']},{args['end_column']}", name))
    gx_rules: set[tuple[str, str, str]] = set()
    for suite in load_suites().values():
        for e in suite.expectations:
            if e.check == "completeness":
                table = model_name_of(str(e.params["table"]))
                gx_rules |= {(table, str(c), "not_null") for c in e.params["columns"]}
            elif e.check == "references":
                gx_rules.add((model_name_of(str(e.params["table"])),
                              model_name_of(str(e.params["parent"])), "references"))
    both = dbt_rules & gx_rules
    assert not both, f"defined in dbt and in a GX expectation: {sorted(both)}"
    assert gx_rules, "the comparison found the GX rules"


def model_name_of(name: str) -> str:
    for t in load_contract().tables:
        if name in (t.name, model_name(t)):
            return model_name(t)
    raise KeyError(name)


# ------------------------------------------------- the gate reports dbt's verdict
def write_build(target: Path, tests: list[tuple[str, str, str]]) -> None:
    """A dbt build's run_results.json and manifest.json: (name, severity, status) tests on
    stg_mhsds__ward_stay."""
    target.mkdir(parents=True)
    nodes, results = {}, []
    for name, severity, status in tests:
        uid = f"test.mh_productivity.{name}.0"
        nodes[uid] = {"name": name, "fqn": ["mh_productivity", "staging", name],
                      "attached_node": "model.mh_productivity.stg_mhsds__ward_stay",
                      "test_metadata": {"name": name.split("__")[-1]},
                      "config": {"severity": severity.upper()}}
        results.append({"unique_id": uid, "status": status,
                        "failures": 0 if status == "pass" else 2})
    (target / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    (target / "run_results.json").write_text(json.dumps({
        "metadata": {"generated_at": "2026-01-01T00:00:00Z"}, "args": {"which": "build"},
        "results": results}))


def test_an_error_dbt_test_fails_the_gate_and_a_warn_one_does_not(settings: Settings
                                                                   ) -> None:
    assert settings.dbt_target_path is not None
    write_build(settings.dbt_target_path / "dbt_models-a", [
        ("stg_mhsds__ward_stay__date_order", "error", "pass"),
        ("stg_mhsds__ward_stay__no_overlap", "warn", "warn")])
    result = run_gate(settings, "staging")
    assert failed(result) == {"dbt_staging_tests_warn": "warning"}, result.summary
    assert result.passed
    assert "stg_mhsds__ward_stay__no_overlap (warn, 2 failing row(s))" in result.summary

    write_build(settings.dbt_target_path / "dbt_models-b", [
        ("stg_mhsds__ward_stay__date_order", "error", "fail"),
        ("stg_mhsds__ward_stay__no_overlap", "warn", "pass")])
    result = run_gate(settings, "staging")
    assert failed(result) == {"dbt_staging_tests_error": "error"}, result.summary
    assert not result.passed and result.severity == "error"
    assert "stg_mhsds__ward_stay__date_order (fail" in result.summary


# ------------------------------------------ the generated tests, run by dbt itself
def ward_stay_outside_spell(s: Settings) -> None:
    execute(s, "update staging.stg_mhsds__ward_stay set end_date_ward_stay = date '2024-03-05' "
               "where uniq_ward_stay_id = 'RXB-WS1'")


def bad_code(s: Settings) -> None:
    execute(s, "update staging.stg_mhsds__ward_stay set mh_admitted_patient_class = '999' "
               "where provider_code = 'RXA'")


def duplicate_key(s: Settings) -> None:
    execute(s, "insert into staging.stg_mhsds__care_contact select * from "
               "staging.stg_mhsds__care_contact where uniq_care_cont_id = 'RXA-C0-0'")


def referral_closed_before_received(s: Settings) -> None:
    execute(s, "update staging.stg_mhsds__referral set serv_disch_date = "
               "referral_request_received_date - 3 where provider_code = 'RXA'")


def dbt_test(settings: Settings) -> bool:
    """Run dbt's tests of the ward stay, spell, referral and care contact models."""
    try:
        run_dbt(settings, ["test", "--select", *MODELS])
    except RuntimeError:
        return False
    return True


def test_generated_dbt_tests_block_or_inform_through_the_gate(settings: Settings) -> None:
    referral_closed_before_received(settings)
    assert dbt_test(settings), "a warn test does not fail dbt"
    result = run_gate(settings, "staging")
    assert result.passed, result.summary
    assert failed(result) == {"dbt_staging_tests_warn": "warning"}, result.summary
    assert "stg_mhsds__referral__date_order (warn" in result.summary

    for inject in (ward_stay_outside_spell, bad_code, duplicate_key):
        inject(settings)
    assert not dbt_test(settings), "an error test fails dbt (and so the dbt step)"
    result = run_gate(settings, "staging")
    assert not result.passed
    assert failed(result) == {"dbt_staging_tests_error": "error",
                              "dbt_staging_tests_warn": "warning"}, result.summary
    text = result.outcome("dbt_staging_tests_error").details
    assert "stg_mhsds__ward_stay__within_stg_mhsds__hosp_prov_spell" in text
    assert "accepted_values_stg_mhsds__ward_stay_mh_admitted_patient_class" in text
    assert "unique_combination_stg_mhsds__care_contact" in text
