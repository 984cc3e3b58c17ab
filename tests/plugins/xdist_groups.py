"""How ``make test`` spreads the suite over the machine's cores (pytest-xdist,
``-n 2 --dist loadgroup``).

A worker is a separate process with its own session fixtures, so tests that share an
expensive session fixture must land on the same worker, or the fixture is built twice:

- every test that needs the session's pipeline run (``pipeline_run`` in tests/conftest.py,
  directly, through another fixture or through tests/analyst's ``analyst_settings``) goes
  to one group, so the whole pipeline runs once;
- every other test is grouped by its folder under tests/ (the folders' conftest.py files
  hold their own session fixtures), or by its module for the files directly in tests/.

Without xdist (a focused ``pytest tests/x``) this hook only adds a marker.
"""

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent


# fixtures that need the session's pipeline run; analyst_settings asks for it at run time
# (request.getfixturevalue), so it is not in the static fixture closure
PIPELINE_FIXTURES = {"pipeline_run", "analyst_settings"}


def group_of(item: pytest.Item) -> str:
    if PIPELINE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return "pipeline_run"
    try:
        rel = Path(str(item.path)).resolve().relative_to(TESTS)
    except ValueError:
        return "other"
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.xdist_group(group_of(item)))
