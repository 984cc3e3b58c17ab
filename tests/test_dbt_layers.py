"""The dbt layers flow one way: staging reads sources (and seeds), intermediate reads
staging, seeds and intermediate, marts read anything below them; nothing reads a layer
above its own. A model that broke this would make a mart's figures depend on another
mart's presentation choices (issue #19)."""

import re
from pathlib import Path

import pytest

from pipelines.config import DBT_PROJECT_DIR

MODELS = DBT_PROJECT_DIR / "models"
REF = re.compile(r"""ref\(\s*['"]([a-z0-9_]+)['"]\s*\)""")
LAYER_OF_PREFIX = {"stg_": 0, "int_": 1, "mart_": 2, "fct_": 2, "dim_": 2}


def layer(name: str) -> int | None:
    return next((n for p, n in LAYER_OF_PREFIX.items() if name.startswith(p)), None)


def model_files() -> list[Path]:
    return sorted(MODELS.rglob("*.sql"))


def test_every_model_is_named_for_its_layer_and_folder() -> None:
    folder_layer = {"staging": 0, "intermediate": 1, "marts": 2}
    for path in model_files():
        folder = path.relative_to(MODELS).parts[0]
        assert layer(path.stem) == folder_layer[folder], f"{path}: prefix does not match {folder}/"


@pytest.mark.parametrize("path", model_files(), ids=lambda p: p.stem)
def test_no_model_reads_a_layer_above_its_own(path: Path) -> None:
    own = layer(path.stem)
    for ref in REF.findall(path.read_text(encoding="utf-8")):
        other = layer(ref)
        if other is None:  # a seed
            continue
        assert other <= own, f"{path.stem} reads {ref}, a layer above it"
        if own == 0:
            assert other == 0, f"{path.stem} (staging) reads {ref}"
