"""Settings from environment variables: the only module that reads os.environ.

Every setting has a working default for the demo, so ``make run`` works on
a fresh clone with no configuration at all.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# A key that is only acceptable for generated demo data. Real extracts are
# refused unless MHP_PSEUDONYM_KEY is set (see pipelines/ingest/pseudonymise.py).
DEMO_PSEUDONYM_KEY = "demo-only-key-not-for-real-data"


def _path(env: dict[str, str], name: str, default: str) -> Path:
    raw = env.get(name) or default
    p = Path(raw)
    return p if p.is_absolute() else (PROJECT_ROOT / p)


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse: Path
    publish_dir: Path
    # repr=False: a logged or printed Settings never shows the secret
    pseudonym_key: str | None = field(repr=False)
    publication_mode: str = "internal"
    keep_versions: int = 7
    schedule_cron: str = "0 2 * * *"
    schedule_timezone: str = "Europe/London"
    dagster_home: Path = field(default_factory=lambda: PROJECT_ROOT / ".dagster_home")
    demo_data: bool = True
    dbt_target: str = "duckdb"
    dbt_target_path: Path | None = None
    # DuckDB's memory cap for the warehouse writer (ingest, dbt): beyond it DuckDB spills
    # to disk instead of growing (bench/README.md: ten trusts within 8 GB)
    duckdb_memory_limit: str = "4GB"
    # the Spark target (MHP_DBT_TARGET=spark, docs/scaling.md): a local folder for the
    # session's warehouse, metastore and the raw Parquet export; where Spark reads the raw
    # Parquet (a URI such as s3a://... on a cluster; default <spark_dir>/raw); the driver's
    # memory and master for the local session
    spark_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "data" / "spark")
    spark_raw_location: str | None = None
    spark_driver_memory: str = "2g"
    spark_master: str = "local[*]"
    spark_shuffle_partitions: int = 4
    # MHP_TEST_PAUSE_AT (crash tests only): pause points, see pipelines/ingest/testhooks.py
    test_pause_at: str | None = None

    @property
    def key_is_demo(self) -> bool:
        return not self.pseudonym_key

    @property
    def spark_raw_uri(self) -> str:
        """Where Spark reads the exported raw layer: MHP_SPARK_RAW_LOCATION or <spark_dir>/raw."""
        return self.spark_raw_location or str(self.spark_dir / "raw")

    @property
    def effective_pseudonym_key(self) -> str:
        return self.pseudonym_key or DEMO_PSEUDONYM_KEY


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from the environment (or a given mapping, for tests)."""
    e = dict(os.environ if env is None else env)
    mode = (e.get("MHP_PUBLICATION_MODE") or "internal").strip().lower()
    if mode not in {"internal", "public"}:
        raise ValueError(f"MHP_PUBLICATION_MODE must be 'internal' or 'public', not {mode!r}")
    return Settings(
        raw_dir=_path(e, "MHP_RAW_DIR", "data/raw"),
        warehouse=_path(e, "MHP_WAREHOUSE", "data/warehouse/warehouse.duckdb"),
        publish_dir=_path(e, "MHP_PUBLISH_DIR", "data/published"),
        pseudonym_key=e.get("MHP_PSEUDONYM_KEY") or None,
        publication_mode=mode,
        keep_versions=int(e.get("MHP_KEEP_VERSIONS") or 7),
        schedule_cron=e.get("MHP_SCHEDULE_CRON") or "0 2 * * *",
        schedule_timezone=e.get("MHP_SCHEDULE_TZ") or "Europe/London",
        dagster_home=_path(e, "DAGSTER_HOME", ".dagster_home"),
        demo_data=_bool(e, "MHP_DEMO_DATA", True),
        dbt_target=(e.get("MHP_DBT_TARGET") or "duckdb"),
        dbt_target_path=_path(e, "MHP_DBT_TARGET_PATH", "")
        if e.get("MHP_DBT_TARGET_PATH")
        else None,
        spark_dir=_path(e, "MHP_SPARK_DIR", "data/spark"),
        spark_raw_location=(e.get("MHP_SPARK_RAW_LOCATION") or "").strip() or None,
        spark_driver_memory=e.get("MHP_SPARK_DRIVER_MEMORY") or "2g",
        spark_master=e.get("MHP_SPARK_MASTER") or "local[*]",
        spark_shuffle_partitions=int(e.get("MHP_SPARK_SHUFFLE_PARTITIONS") or 4),
        duckdb_memory_limit=(e.get("MHP_DUCKDB_MEMORY_LIMIT") or "4GB").strip(),
        test_pause_at=(e.get("MHP_TEST_PAUSE_AT") or "").strip() or None,
    )


def environment() -> dict[str, str]:
    """A copy of the process environment, for settings modules that take a mapping
    (pipelines/operations/settings.py); keeps os.environ reads in this module."""
    return dict(os.environ)
