"""A fault that only the quality gate can see (a ward stay starting before its
spell) blocks publishing: the run fails with a readable summary, and the last
good publication stays byte-identical."""

import csv
import hashlib
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipelines.config import load_settings
from pipelines.run import run_pipeline
from tests.conftest import PipelineRun, e2e_env

pytestmark = pytest.mark.e2e


def tree_hashes(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and "data_docs" not in p.parts:
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def move_a_ward_stay_before_its_spell(raw: Path) -> str:
    months = sorted((raw / "mhsds").glob("*/*"))
    last = months[-1]
    spells = {}
    with open(last / "MHS501HospProvSpell.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            spells[r["UniqHospProvSpellID"]] = r["StartDateHospProvSpell"]
    path = last / "MHS502WardStay.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        rows = list(reader)
    for r in rows:
        if spells.get(r["UniqHospProvSpellID"]) == r["StartDateWardStay"]:
            start = date.fromisoformat(r["StartDateWardStay"])
            r["StartDateWardStay"] = (start - timedelta(days=20)).isoformat()
            target = r["UniqWardStayID"]
            break
    else:
        raise AssertionError("no first ward stay found")
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return target


def test_gate_failure_leaves_publication_intact(pipeline_run: PipelineRun,
                                                tmp_path: Path, capsys) -> None:
    assert pipeline_run.success
    src = pipeline_run.settings
    env = e2e_env(tmp_path)
    shutil.copytree(src.raw_dir, env["MHP_RAW_DIR"])
    shutil.copytree(src.warehouse.parent, Path(env["MHP_WAREHOUSE"]).parent)
    shutil.copytree(src.publish_dir, env["MHP_PUBLISH_DIR"], symlinks=True)
    stay = move_a_ward_stay_before_its_spell(Path(env["MHP_RAW_DIR"]))
    before = tree_hashes(Path(env["MHP_PUBLISH_DIR"]))
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        ok = run_pipeline(load_settings())
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert not ok
    assert tree_hashes(Path(env["MHP_PUBLISH_DIR"])) == before
    err = capsys.readouterr().err
    assert "ward" in err.lower() and "spell" in err.lower(), err[-3000:]
    docs = Path(env["MHP_PUBLISH_DIR"]) / "data_docs"
    assert any(docs.rglob("*.html")), "data docs are written on failure too"
    assert stay
