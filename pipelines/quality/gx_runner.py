"""Great Expectations 1.x: validate small pandas frames and write Data Docs.

GX is imported here only (it takes seconds to import), when a gate runs. Per the stack
notes the SQL datasource does not work with DuckDB, so every check's frame is validated
through a pandas datasource (whole-dataframe batch) of an ephemeral context with
analytics off, progress bars off and a filesystem Data Docs site.

Each suite expectation becomes one GX ExpectationSuite (``<layer>.<id>``) and
ValidationDefinition over the layer's dataframe asset; results go to the context's in-memory
validation results store and one ``build_data_docs`` call renders the site. (One
Checkpoint per frame with an UpdateDataDocsAction rebuilt the site after every frame;
a Checkpoint takes a single ``batch_parameters`` for all its validation definitions, so
it cannot carry a different dataframe per expectation.)
"""

import logging
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.quality.frames import Probe, redact

SITE_NAME = "quality_gate"
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 20}

for _name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
    logging.getLogger(_name).setLevel(logging.WARNING)


def import_gx() -> Any:
    """Import GX without pyspark.

    GX imports pyspark whenever it is installed (the optional ``spark`` extra, which
    ``make test`` installs) only for its Spark datasource, which the gates never use. That
    import cost seconds per run, and under ``python -c`` pyspark 4.3's import calls
    ``sys.exit(0)`` when pyarrow is missing. Unless pyspark is already loaded, it is hidden
    while GX loads (GX then treats it as not installed) and visible again afterwards.
    """
    if "great_expectations" in sys.modules:
        return sys.modules["great_expectations"]
    hide = "pyspark" not in sys.modules
    if hide:
        sys.modules["pyspark"] = None  # type: ignore[assignment]  (import -> ImportError)
    try:
        import great_expectations as gx
    finally:
        if hide and sys.modules.get("pyspark", 0) is None:
            del sys.modules["pyspark"]
    return gx


def context_config(docs_dir: Path) -> Any:
    """DataContextConfig: in-memory stores, no analytics, no progress bars, one docs site."""
    import_gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    return DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        data_docs_sites={
            SITE_NAME: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                # validation pages show each expectation with its result; separate suite
                # pages and the (unused) profiling section would double the build time
                "site_section_builders": {"expectations": "0", "profiling": "0"},
            }
        },
    )


def make_context(docs_dir: Path) -> Any:
    gx = import_gx()

    return gx.get_context(mode="ephemeral", project_config=context_config(docs_dir))


@dataclass
class ProbeResult:
    expectation: str
    success: bool
    unexpected_count: int | None
    partial_unexpected: list[Any] = field(default_factory=list)
    observed_value: Any = None
    exception: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "expectation": self.expectation,
            "success": self.success,
            "unexpected_count": self.unexpected_count,
            "partial_unexpected": [_plain(v) for v in self.partial_unexpected[:10]],
            "exception": self.exception,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def rule_text(probe: Probe) -> str:
    k = probe.kwargs
    name = probe.expectation
    if name == "ExpectColumnValuesToBeBetween":
        lo, hi = k.get("min_value"), k.get("max_value")
        if lo is not None and hi is not None:
            return f"{lo} ≤ {k['column']} ≤ {hi}"
        return f"{k['column']} ≥ {lo}" if lo is not None else f"{k['column']} ≤ {hi}"
    if name == "ExpectColumnValuesToBeInSet":
        return f"{k['column']} in the allowed set ({len(k['value_set'])} values)"
    if name == "ExpectColumnValuesToNotBeInSet":
        return f"{k['column']} not in {sorted(k['value_set'])}"
    if name == "ExpectColumnPairValuesToBeEqual":
        return f"{k['column_A']} = {k['column_B']}"
    return name


class GxValidator:
    """One ephemeral GX context for a gate layer, writing its Data Docs to ``docs_dir``."""

    def __init__(self, layer: str, docs_dir: Path) -> None:
        gx = import_gx()
        import great_expectations.expectations as gxe

        self._gx = gx
        self._gxe = gxe
        self.layer = layer
        self.docs_dir = docs_dir
        self.context = make_context(docs_dir)
        source = self.context.data_sources.add_pandas(f"{layer}_gate")
        # One asset and batch definition for all frames: the dataframe comes with each run
        # (adding an asset per frame re-serialises the whole context config every time).
        asset = source.add_dataframe_asset(f"{layer}_frames")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
        from great_expectations.core.run_identifier import RunIdentifier

        self.run_id = RunIdentifier(run_name=f"{layer}_gate",
                                    run_time=datetime.now(UTC))

    def validate(
        self,
        name: str,
        df: pd.DataFrame,
        probes: list[Probe],
        meta: dict[str, Any],
        description: str,
    ) -> list[ProbeResult]:
        gx, gxe = self._gx, self._gxe
        suite_name = f"{self.layer}.{name}"
        suite = gx.ExpectationSuite(name=suite_name, meta={**meta, "notes": description})
        suite = self.context.suites.add(suite)
        for probe in probes:
            cls = getattr(gxe, probe.expectation)
            severity = str(meta.get("severity", "")).upper()
            suite.add_expectation(cls(
                **probe.kwargs,
                meta=meta,
                description=f"[{severity}] {description} ({rule_text(probe)})",
            ))
        vd = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=self.batch_definition, suite=suite))
        result = vd.run(batch_parameters={"dataframe": df}, result_format=RESULT_FORMAT,
                        run_id=self.run_id)
        out = []
        for r in result.results:
            info = r.exception_info or {}
            raised = bool(info.get("raised_exception"))
            res = r.result or {}
            out.append(ProbeResult(
                expectation=r.expectation_config.type,
                success=bool(r.success) and not raised,
                unexpected_count=res.get("unexpected_count"),
                partial_unexpected=list(res.get("partial_unexpected_list") or []),
                observed_value=res.get("observed_value"),
                exception=str(info.get("exception_message")) if raised else None,
            ))
        return out

    def build_docs(self) -> Path:
        self.context.build_data_docs(site_names=[SITE_NAME])
        return self.docs_dir / "index.html"
