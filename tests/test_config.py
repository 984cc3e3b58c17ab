"""Settings from the environment: defaults, accepted values, and a bad value's message,
which names the variable, the value and what was expected."""

import pytest

from pipelines.config import SettingError, load_settings

BAD = [
    ("MHP_KEEP_VERSIONS", "seven", "MHP_KEEP_VERSIONS must be a whole number >= 1, not 'seven'"),
    ("MHP_KEEP_VERSIONS", "0", "MHP_KEEP_VERSIONS must be a whole number >= 1, not '0'"),
    ("MHP_DBT_TARGET", "postgres", "MHP_DBT_TARGET must be one of duckdb, spark, not 'postgres'"),
    ("MHP_DEMO_DATA", "maybe", "MHP_DEMO_DATA must be true or false, not 'maybe'"),
    ("MHP_SCHEDULE_TZ", "BST",
     "MHP_SCHEDULE_TZ must be an IANA time zone such as Europe/London, not 'BST'"),
    ("MHP_SCHEDULE_TZ", "Europe",
     "MHP_SCHEDULE_TZ must be an IANA time zone such as Europe/London, not 'Europe'"),
    ("MHP_SCHEDULE_CRON", "0 2 * *",
     "MHP_SCHEDULE_CRON must be a 5-field cron expression such as '0 2 * * *', not '0 2 * *'"),
    ("MHP_SCHEDULE_CRON", "0 25 * * *",
     "MHP_SCHEDULE_CRON must be a 5-field cron expression such as '0 2 * * *', not '0 25 * * *'"),
    ("MHP_DUCKDB_MEMORY_LIMIT", "lots",
     "MHP_DUCKDB_MEMORY_LIMIT must be a size such as 4GB or 512MB, not 'lots'"),
    ("MHP_DUCKDB_MEMORY_LIMIT", "4",
     "MHP_DUCKDB_MEMORY_LIMIT must be a size such as 4GB or 512MB, not '4'"),
    ("MHP_SPARK_SHUFFLE_PARTITIONS", "4.5",
     "MHP_SPARK_SHUFFLE_PARTITIONS must be a whole number >= 1, not '4.5'"),
    ("MHP_SPARK_DRIVER_MEMORY", "two gigs",
     "MHP_SPARK_DRIVER_MEMORY must be a memory size such as 2g or 512m, not 'two gigs'"),
    ("MHP_SPARK_MASTER", "local[x]", "MHP_SPARK_MASTER must be a Spark master such as "
     "local[*], local[4] or spark://host:7077, not 'local[x]'"),
    ("MHP_PUBLICATION_MODE", "secret",
     "MHP_PUBLICATION_MODE must be one of internal, public, not 'secret'"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD, ids=[f"{n}={v}" for n, v, _ in BAD])
def test_bad_value_names_variable_value_and_expectation(name: str, value: str,
                                                        message: str) -> None:
    with pytest.raises(SettingError) as caught:
        load_settings({name: value})
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)  # callers that catch ValueError still do


def test_defaults_need_no_environment() -> None:
    s = load_settings({})
    assert (s.keep_versions, s.dbt_target, s.demo_data) == (7, "duckdb", True)
    assert (s.schedule_cron, s.schedule_timezone) == ("0 2 * * *", "Europe/London")
    assert (s.duckdb_memory_limit, s.spark_shuffle_partitions) == ("4GB", 4)
    assert s.dbt_target_path is None


def test_blank_means_default() -> None:
    blank = {name: "  " for name, _, _ in BAD}
    assert load_settings(blank) == load_settings({})


GOOD = [
    ("MHP_KEEP_VERSIONS", " 3 ", "keep_versions", 3),
    ("MHP_DBT_TARGET", "Spark", "dbt_target", "spark"),
    ("MHP_DEMO_DATA", "no", "demo_data", False),
    ("MHP_DEMO_DATA", "ON", "demo_data", True),
    ("MHP_SCHEDULE_TZ", "UTC", "schedule_timezone", "UTC"),
    ("MHP_SCHEDULE_CRON", "*/15 6-18 1,15 JAN-MAR mon-fri", "schedule_cron",
     "*/15 6-18 1,15 JAN-MAR mon-fri"),
    ("MHP_SCHEDULE_CRON", "30 5 * * 0", "schedule_cron", "30 5 * * 0"),
    ("MHP_DUCKDB_MEMORY_LIMIT", "512MB", "duckdb_memory_limit", "512MB"),
    ("MHP_DUCKDB_MEMORY_LIMIT", "1.5 GiB", "duckdb_memory_limit", "1.5 GiB"),
    ("MHP_DUCKDB_MEMORY_LIMIT", "80%", "duckdb_memory_limit", "80%"),
    ("MHP_SPARK_DRIVER_MEMORY", "512m", "spark_driver_memory", "512m"),
    ("MHP_SPARK_MASTER", "local[2]", "spark_master", "local[2]"),
    ("MHP_SPARK_MASTER", "spark://head:7077", "spark_master", "spark://head:7077"),
    ("MHP_SPARK_SHUFFLE_PARTITIONS", "200", "spark_shuffle_partitions", 200),
    ("MHP_PUBLICATION_MODE", "PUBLIC", "publication_mode", "public"),
]


@pytest.mark.parametrize(("name", "value", "attr", "expected"), GOOD,
                         ids=[f"{n}={v}" for n, v, _, _ in GOOD])
def test_good_value_is_accepted(name: str, value: str, attr: str, expected: object) -> None:
    assert getattr(load_settings({name: value}), attr) == expected


def test_each_variable_is_declared_once() -> None:
    from pipelines.config import VARIABLES

    names = [v.name for v in VARIABLES]
    assert len(names) == len(set(names))
    assert len({(v.group, v.attr) for v in VARIABLES}) == len(VARIABLES)


def test_the_dagster_resource_parses_like_load_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.config import VARIABLES
    from pipelines.operations.settings import operations_settings
    from pipelines.settings_resource import PipelineSettings

    for v in VARIABLES:  # unset fields fall back to the run's environment: make it empty
        monkeypatch.delenv(v.name, raising=False)
    given = {"MHP_KEEP_VERSIONS": " 3 ", "MHP_DBT_TARGET": "Spark", "MHP_SMTP_PORT": "2525",
             "MHP_DATE_FORMAT_MHSDS": "dmy"}
    resource = PipelineSettings(**{k.lower(): v for k, v in given.items()})
    assert resource.settings() == load_settings(given)
    assert resource.operations() == operations_settings(given)
    monkeypatch.setenv("MHP_PUBLICATION_MODE", "public")  # set after the resource was made
    assert resource.settings().publication_mode == "public"
    with pytest.raises(SettingError) as caught:
        PipelineSettings(mhp_keep_versions="seven").settings()
    assert str(caught.value) == BAD[0][2]
