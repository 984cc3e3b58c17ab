"""docs/reliability.md, the FAULTS list and the tests agree."""

import importlib
import inspect
from pathlib import Path

from .catalogue import DOC, FAULTS, OUTCOMES, doc_section, render_table

HERE = Path(__file__).parent


def fault_tests() -> dict[str, str]:
    """Every ``test_fault_<id>`` function in this folder: id -> module."""
    found: dict[str, str] = {}
    for path in sorted(HERE.glob("test_*.py")):
        module = importlib.import_module(f"tests.reliability.{path.stem}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_fault_") and fn.__module__ == module.__name__:
                found[name.removeprefix("test_fault_")] = path.stem
    return found


def test_every_fault_has_its_test_and_every_test_its_fault() -> None:
    ids = [f.id for f in FAULTS]
    assert len(ids) == len(set(ids)), "duplicate fault ids"
    tests = fault_tests()
    missing = [f.test for f in FAULTS if tests.get(f.id) != f.module]
    assert not missing, f"faults without their test function: {missing}"
    extra = sorted(set(tests) - set(ids))
    assert not extra, f"test_fault_* functions not in the catalogue: {extra}"
    assert len(FAULTS) >= 25
    assert {f.outcome for f in FAULTS} <= set(OUTCOMES)


def test_doc_table_is_generated_from_the_list() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert doc_section(text) == render_table(), (
        "docs/reliability.md is out of date: run "
        ".venv/bin/python -m tests.reliability.catalogue --write")
