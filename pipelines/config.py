"""Settings from environment variables: the only module that reads os.environ.

Every variable is one entry of ``VARIABLES`` (its name, the attribute it sets, its one
default and its rule), parsed by one function with one set of rules: blank means the
default, a relative path is relative to the project root, and a bad value raises
``SettingError`` naming the variable, the value and what was expected. Every setting has a
working default for the demo, so ``make run`` works on a fresh clone with no configuration.

Two views of the same parse: ``load_settings(env)`` (the pipeline's ``Settings``) and
``operations_settings(env)`` (alerts, sensor, lock: ``OperationsSettings``, in
pipelines/operations/settings.py), plain Python
for the command-line tools and the tests; Dagster runs receive them through the
``settings`` resource (pipelines/settings_resource.py), whose fields are ``dg.EnvVar``s of
the same variables, parsed by the same function at run time.
"""

import os
import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.operations.webhooks import WEBHOOK_FORMATS

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


# ------------------------------------------------------------------ rules
# A rule turns a variable's text (stripped; the default's text when unset or blank) into a
# value, or raises SettingError. ``None`` in: an optional setting left unset.
Rule = Callable[[str, str | None], object]


def _text(name: str, raw: str | None) -> str | None:
    return raw


def _path(name: str, raw: str | None) -> Path | None:
    if raw is None:
        return None
    p = Path(raw)
    return p if p.is_absolute() else (PROJECT_ROOT / p)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _bool(name: str, raw: str | None) -> bool:
    value = (raw or "").lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _bad(name, str(raw), "true or false")


def _whole(minimum: int = 1) -> Rule:
    def rule(name: str, raw: str | None) -> int:
        try:
            value = int(str(raw))
        except ValueError:
            raise _bad(name, str(raw), f"a whole number >= {minimum}") from None
        if value < minimum:
            raise _bad(name, str(raw), f"a whole number >= {minimum}")
        return value
    return rule


def _number(minimum: float = 0) -> Rule:
    def rule(name: str, raw: str | None) -> float:
        try:
            value = float(str(raw))
        except ValueError:
            raise _bad(name, str(raw), f"a number >= {minimum:g}") from None
        if value < minimum:
            raise _bad(name, str(raw), f"a number >= {minimum:g}")
        return value
    return rule


def _choice(*choices: str) -> Rule:
    def rule(name: str, raw: str | None) -> str:
        if str(raw).lower() not in choices:
            raise _bad(name, str(raw), f"one of {', '.join(choices)}")
        return str(raw).lower()
    return rule


def _matching(valid: Callable[[str], bool], expected: str) -> Rule:
    """A free-form setting checked by ``valid`` (a pattern, a zone lookup, a cron parser)."""
    def rule(name: str, raw: str | None) -> str | None:
        if raw is not None and not valid(raw):
            raise _bad(name, raw, expected)
        return raw
    return rule


def _pattern(regex: str) -> Callable[[str], bool]:
    compiled = re.compile(regex, re.IGNORECASE)
    return lambda value: compiled.fullmatch(value) is not None


def _is_time_zone(value: str) -> bool:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder name
        return False
    return True


def _url(name: str, raw: str | None) -> str | None:
    if raw is not None and not raw.lower().startswith(("http://", "https://")):
        raise _bad(name, raw, "an http:// or https:// URL")
    return raw


def _base_url(name: str, raw: str | None) -> str | None:
    return (raw or "").rstrip("/") or None


def _list(name: str, raw: str | None) -> tuple[str, ...]:
    return tuple(r.strip() for r in (raw or "").split(",") if r.strip())


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


# DuckDB's memory_limit: a number and a unit (4GB, 512MB, 1.5GB, 4GiB) or a share of RAM (80%)
_is_duckdb_size = _pattern(r"\d+(\.\d+)?\s*([kmgt]i?b?|%)")
# JVM/Spark memory strings: 2g, 512m, 1024mb
_is_jvm_size = _pattern(r"\d+\s*([kmgtp]b?)?")
_is_spark_master = _pattern(r"local(\[(\*|\d+)(,\d+)?\])?|yarn|(spark|k8s|mesos)://\S+")


# Families of the raw drop folder, each with its own MHP_DATE_FORMAT_<FAMILY> setting (the
# same names as pipelines/contract/model.py FAMILIES; not imported: the contract package
# reads files at import)
DATE_FORMAT_FAMILIES = ("mhsds", "costing", "finance", "workforce", "oap", "reference")
DATE_FORMATS = ("iso", "dmy")


def date_format_variable(family: str) -> str:
    """The setting that lets ``family``'s files write dates dd/mm/yyyy."""
    return f"MHP_DATE_FORMAT_{family.upper()}"


# ------------------------------------------------------------------ the variables
PIPELINE = "pipeline"
OPERATIONS = "operations"


@dataclass(frozen=True)
class Variable:
    """One environment variable: the attribute it sets, its default (None: unset) and its
    rule. ``secret``: never shown (Dagster hides an EnvVar's value) and taken as given, not
    stripped. ``group``: the pipeline's ``Settings`` or the ``OperationsSettings``."""

    name: str
    attr: str
    default: str | None
    rule: Rule = _text
    group: str = PIPELINE
    secret: bool = False


VARIABLES: tuple[Variable, ...] = (
    Variable("MHP_RAW_DIR", "raw_dir", "data/raw", _path),
    Variable("MHP_WAREHOUSE", "warehouse", "data/warehouse/warehouse.duckdb", _path),
    Variable("MHP_PUBLISH_DIR", "publish_dir", "data/published", _path),
    Variable("MHP_PSEUDONYM_KEY", "pseudonym_key", None, secret=True),
    Variable("MHP_PUBLICATION_MODE", "publication_mode", "internal",
             _choice("internal", "public")),
    Variable("MHP_KEEP_VERSIONS", "keep_versions", "7", _whole()),
    Variable("MHP_SCHEDULE_CRON", "schedule_cron", "0 2 * * *",
             _matching(_is_cron, "a 5-field cron expression such as '0 2 * * *'")),
    Variable("MHP_SCHEDULE_TZ", "schedule_timezone", "Europe/London",
             _matching(_is_time_zone, "an IANA time zone such as Europe/London")),
    Variable("DAGSTER_HOME", "dagster_home", ".dagster_home", _path),
    Variable("MHP_DEMO_DATA", "demo_data", "true", _bool),
    Variable("MHP_DBT_TARGET", "dbt_target", "duckdb", _choice("duckdb", "spark")),
    Variable("MHP_DBT_TARGET_PATH", "dbt_target_path", None, _path),
    Variable("MHP_DUCKDB_MEMORY_LIMIT", "duckdb_memory_limit", "4GB",
             _matching(_is_duckdb_size, "a size such as 4GB or 512MB")),
    Variable("MHP_SPARK_DIR", "spark_dir", "data/spark", _path),
    Variable("MHP_SPARK_RAW_LOCATION", "spark_raw_location", None),
    Variable("MHP_SPARK_DRIVER_MEMORY", "spark_driver_memory", "2g",
             _matching(_is_jvm_size, "a memory size such as 2g or 512m")),
    Variable("MHP_SPARK_MASTER", "spark_master", "local[*]",
             _matching(_is_spark_master,
                       "a Spark master such as local[*], local[4] or spark://host:7077")),
    Variable("MHP_SPARK_SHUFFLE_PARTITIONS", "spark_shuffle_partitions", "4", _whole()),
    *(Variable(date_format_variable(f), f"date_format_{f}", "iso", _choice(*DATE_FORMATS))
      for f in DATE_FORMAT_FAMILIES),
    # operations (docs/operations.md)
    Variable("MHP_SMTP_HOST", "smtp_host", None, group=OPERATIONS),
    Variable("MHP_SMTP_PORT", "smtp_port", "25", _whole(), OPERATIONS),
    Variable("MHP_SMTP_FROM", "smtp_from", "mh-pipeline@localhost", group=OPERATIONS),
    Variable("MHP_SMTP_STARTTLS", "smtp_starttls", "false", _bool, OPERATIONS),
    Variable("MHP_SMTP_USER", "smtp_user", None, group=OPERATIONS),
    Variable("MHP_SMTP_PASSWORD", "smtp_password", None, group=OPERATIONS, secret=True),
    Variable("MHP_ALERT_EMAIL_TO", "alert_email_to", None, _list, OPERATIONS),
    Variable("MHP_ALERT_WEBHOOK_URL", "alert_webhook_url", None, _url, OPERATIONS),
    Variable("MHP_ALERT_WEBHOOK_FORMAT", "alert_webhook_format", "json",
             _choice(*WEBHOOK_FORMATS), OPERATIONS),
    Variable("MHP_ALERT_TIMEOUT_S", "alert_timeout_s", "10", _number(0.1), OPERATIONS),
    Variable("MHP_DAGSTER_URL", "dagster_url", None, _base_url, OPERATIONS),
    Variable("MHP_FRESHNESS_HOURS", "freshness_hours", "26", _number(0.01), OPERATIONS),
    Variable("MHP_STATUS_FILE", "status_file", None, _path, OPERATIONS),
    Variable("MHP_RAW_SETTLE_SECONDS", "raw_settle_seconds", "60", _whole(0), OPERATIONS),
    Variable("MHP_RAW_SENSOR_INTERVAL", "raw_sensor_interval_s", "30", _whole(), OPERATIONS),
    # an hour: a scheduled run queued behind a long backfill or a ten-trust `make run`
    # waits for it rather than failing
    Variable("MHP_PIPELINE_LOCK_TIMEOUT", "lock_timeout_s", "3600", _number(0), OPERATIONS),
)  # fmt: skip


def parse_variables(env: Mapping[str, str], group: str) -> dict[str, object]:
    """Every variable of ``group``, parsed from ``env``: {attribute: value}. The one parse
    of the settings: ``load_settings``, ``operations_settings`` and the Dagster resource
    all come here."""
    values: dict[str, object] = {}
    for v in VARIABLES:
        if v.group != group:
            continue
        given = env.get(v.name)
        raw = (given or None) if v.secret else ((given or "").strip() or None)
        values[v.attr] = v.rule(v.name, v.default if raw is None else raw)
    return values


@dataclass(frozen=True)
class Settings:
    """The pipeline's settings (``VARIABLES`` of the pipeline group, with their defaults).
    Build them with ``load_settings``."""

    raw_dir: Path
    warehouse: Path
    publish_dir: Path
    # repr=False: a logged or printed Settings never shows the secret
    pseudonym_key: str | None = field(repr=False)
    publication_mode: str
    keep_versions: int
    schedule_cron: str
    schedule_timezone: str
    dagster_home: Path
    demo_data: bool
    dbt_target: str
    dbt_target_path: Path | None
    # DuckDB's memory cap for the warehouse writer (ingest, dbt): beyond it DuckDB spills
    # to disk instead of growing (bench/README.md: ten trusts within 8 GB)
    duckdb_memory_limit: str
    # the Spark target (MHP_DBT_TARGET=spark, docs/scaling.md): a local folder for the
    # session's warehouse, metastore and the raw Parquet export; where Spark reads the raw
    # Parquet (a URI such as s3a://... on a cluster; default <spark_dir>/raw); the driver's
    # memory and master for the local session
    spark_dir: Path
    spark_raw_location: str | None
    spark_driver_memory: str
    spark_master: str
    spark_shuffle_partitions: int
    # families whose dates may be written dd/mm/yyyy (MHP_DATE_FORMAT_<FAMILY>=dmy). A
    # setting per family, not one for all: the MHSDS extract and a hand-kept wards.csv come
    # from different systems, and saying dmy for one must not reinterpret the other.
    dmy_families: frozenset[str]

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


def settings_from(env: Mapping[str, str]) -> Settings:
    """``Settings`` from a mapping of environment variables (raises SettingError)."""
    values = parse_variables(env, PIPELINE)
    dmy = frozenset(f for f in DATE_FORMAT_FAMILIES if values.pop(f"date_format_{f}") == "dmy")
    return Settings(**values, dmy_families=dmy)  # type: ignore[arg-type]


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from the environment (or a given mapping, for tests).

    Raises SettingError (a ValueError) naming the variable, its value and what was expected
    when a setting is not usable."""
    return settings_from(os.environ if env is None else env)


def environment() -> dict[str, str]:
    """A copy of the process environment (the settings resource reads which variables are
    set from it); keeps os.environ reads in this module."""
    return dict(os.environ)
