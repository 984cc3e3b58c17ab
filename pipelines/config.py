"""Settings from environment variables: the only module that reads os.environ.

Every setting has a working default for the demo, so ``make run`` works on
a fresh clone with no configuration at all.
"""

import os
import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# A key that is only acceptable for generated demo data. Real extracts are
# refused unless MHP_PSEUDONYM_KEY is set (see pipelines/ingest/pseudonymise.py).
DEMO_PSEUDONYM_KEY = "demo-only-key-not-for-real-data"


class SettingError(ValueError):
    """A setting whose value cannot be used. The message names the variable, the value and
    what was expected, and is all an operator needs: ``python -m pipelines.run`` prints
    it without a traceback."""


def _bad(name: str, raw: str, expected: str) -> SettingError:
    return SettingError(f"{name} must be {expected}, not {raw!r}")


def _raw(env: Mapping[str, str], name: str) -> str | None:
    """The value of ``name``, stripped; None when unset or blank (blank means the default,
    as it always has: ``MHP_X= make run`` is the same as not setting it)."""
    value = (env.get(name) or "").strip()
    return value or None


def _path(env: Mapping[str, str], name: str, default: str) -> Path:
    p = Path(_raw(env, name) or default)
    return p if p.is_absolute() else (PROJECT_ROOT / p)


def _optional_path(env: Mapping[str, str], name: str) -> Path | None:
    return _path(env, name, "") if _raw(env, name) else None


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = _raw(env, name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise _bad(name, raw, "true or false")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = _raw(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise _bad(name, raw, f"a whole number >= {minimum}")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = _raw(env, name)
    if raw is None:
        return default
    if raw.lower() not in choices:
        raise _bad(name, raw, f"one of {', '.join(choices)}")
    return raw.lower()


def _matching(
    env: Mapping[str, str], name: str, default: str, valid: Callable[[str], bool], expected: str
) -> str:
    """A free-form setting checked by ``valid`` (a pattern, a zone lookup, a cron parser)."""
    raw = _raw(env, name)
    if raw is None:
        return default
    if not valid(raw):
        raise _bad(name, raw, expected)
    return raw


def _pattern(regex: str) -> Callable[[str], bool]:
    compiled = re.compile(regex, re.IGNORECASE)
    return lambda value: compiled.fullmatch(value) is not None


def _is_time_zone(value: str) -> bool:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder name
        return False
    return True


# minute, hour, day of month, month, day of week (0 and 7 are Sunday); names as cron has them
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_CRON_NAMES: dict[int, dict[str, int]] = {
    3: {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())},
    4: {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())},
}


def _is_cron(value: str) -> bool:
    """A standard 5-field cron expression (what Dagster schedules accept), checked here so
    that a typo fails at start-up, not when the schedule is loaded by the daemon."""
    fields = value.split()
    return len(fields) == 5 and all(
        _is_cron_field(f, *_CRON_RANGES[i], _CRON_NAMES.get(i, {})) for i, f in enumerate(fields)
    )


def _is_cron_field(field_: str, low: int, high: int, names: dict[str, int]) -> bool:
    for item in field_.split(","):
        base, slash, step = item.partition("/")
        if slash and not (step.isdigit() and int(step) > 0):
            return False
        if base == "*":
            continue
        ends = [names.get(e.upper(), int(e) if e.isdigit() else -1) for e in base.split("-")]
        if len(ends) > 2 or any(not low <= e <= high for e in ends) or ends != sorted(ends):
            return False
    return True


# DuckDB's memory_limit: a number and a unit (4GB, 512MB, 1.5GB, 4GiB) or a share of RAM (80%)
_is_duckdb_size = _pattern(r"\d+(\.\d+)?\s*([kmgt]i?b?|%)")
# JVM/Spark memory strings: 2g, 512m, 1024mb
_is_jvm_size = _pattern(r"\d+\s*([kmgtp]b?)?")
_is_spark_master = _pattern(r"local(\[(\*|\d+)(,\d+)?\])?|yarn|(spark|k8s|mesos)://\S+")


# Families of the raw drop folder, each with its own MHP_DATE_FORMAT_<FAMILY> setting (the
# same names as pipelines/contract/model.py FAMILIES; not imported: this module stays a leaf)
DATE_FORMAT_FAMILIES = ("mhsds", "costing", "finance", "workforce", "oap", "reference")
DATE_FORMATS = ("iso", "dmy")


def date_format_variable(family: str) -> str:
    """The setting that lets ``family``'s files write dates dd/mm/yyyy."""
    return f"MHP_DATE_FORMAT_{family.upper()}"


def _dmy_families(env: Mapping[str, str]) -> frozenset[str]:
    """Families whose files may write dates dd/mm/yyyy (MHP_DATE_FORMAT_<FAMILY>=dmy). A
    setting per family, not one for all: the MHSDS extract and a hand-kept wards.csv come
    from different systems, and saying dmy for one must not reinterpret the other."""
    return frozenset(
        f for f in DATE_FORMAT_FAMILIES
        if _choice(env, date_format_variable(f), DATE_FORMATS, "iso") == "dmy"
    )


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
    # families whose dates may be written dd/mm/yyyy (MHP_DATE_FORMAT_<FAMILY>=dmy)
    dmy_families: frozenset[str] = frozenset()

    def date_format(self, family: str) -> str:
        """``dmy`` when ``family``'s files may write dates dd/mm/yyyy, else ``iso``."""
        return "dmy" if family in self.dmy_families else "iso"

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


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from the environment (or a given mapping, for tests).

    Raises SettingError (a ValueError) naming the variable, its value and what was expected
    when a setting is not usable."""
    e = dict(os.environ if env is None else env)
    return Settings(
        raw_dir=_path(e, "MHP_RAW_DIR", "data/raw"),
        warehouse=_path(e, "MHP_WAREHOUSE", "data/warehouse/warehouse.duckdb"),
        publish_dir=_path(e, "MHP_PUBLISH_DIR", "data/published"),
        pseudonym_key=e.get("MHP_PSEUDONYM_KEY") or None,
        publication_mode=_choice(e, "MHP_PUBLICATION_MODE", ("internal", "public"), "internal"),
        keep_versions=_int(e, "MHP_KEEP_VERSIONS", 7),
        schedule_cron=_matching(e, "MHP_SCHEDULE_CRON", "0 2 * * *", _is_cron,
                                "a 5-field cron expression such as '0 2 * * *'"),
        schedule_timezone=_matching(e, "MHP_SCHEDULE_TZ", "Europe/London", _is_time_zone,
                                    "an IANA time zone such as Europe/London"),
        dagster_home=_path(e, "DAGSTER_HOME", ".dagster_home"),
        demo_data=_bool(e, "MHP_DEMO_DATA", True),
        dbt_target=_choice(e, "MHP_DBT_TARGET", ("duckdb", "spark"), "duckdb"),
        dbt_target_path=_optional_path(e, "MHP_DBT_TARGET_PATH"),
        spark_dir=_path(e, "MHP_SPARK_DIR", "data/spark"),
        spark_raw_location=_raw(e, "MHP_SPARK_RAW_LOCATION"),
        spark_driver_memory=_matching(e, "MHP_SPARK_DRIVER_MEMORY", "2g", _is_jvm_size,
                                      "a memory size such as 2g or 512m"),
        spark_master=_matching(e, "MHP_SPARK_MASTER", "local[*]", _is_spark_master,
                               "a Spark master such as local[*], local[4] or spark://host:7077"),
        spark_shuffle_partitions=_int(e, "MHP_SPARK_SHUFFLE_PARTITIONS", 4),
        duckdb_memory_limit=_matching(e, "MHP_DUCKDB_MEMORY_LIMIT", "4GB", _is_duckdb_size,
                                      "a size such as 4GB or 512MB"),
        test_pause_at=_raw(e, "MHP_TEST_PAUSE_AT"),
        dmy_families=_dmy_families(e),
    )


def environment() -> dict[str, str]:
    """A copy of the process environment, for settings modules that take a mapping
    (pipelines/operations/settings.py); keeps os.environ reads in this module."""
    return dict(os.environ)
