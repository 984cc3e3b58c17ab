"""The privacy guard on its own: what it flags, and what it must not flag."""

import duckdb
import pytest

from pipelines.publish import scan_for_identifiers


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


@pytest.mark.parametrize(
    "value",
    [
        "9434765919",
        "943 476 5919",
        "patient 943 476 5919 seen",
        '{"unexpected": ["9434765919"]}',
        "RXXLP12345678",
        "r1aLP00000001 is not upper-case, but A1BLP00000001 is",
        "0123456789abcdef0123456789abcdef",
        "0123456789ABCDEF0123456789ABCDEF",
    ],
)
def test_flags_identifier_shaped_values(con: duckdb.DuckDBPyConnection, value: str) -> None:
    con.execute("create table t (code varchar, note varchar)")
    con.execute("insert into t values ('RXX', ?)", [value]).fetchall()
    findings = scan_for_identifiers(con)
    assert len(findings) == 1 and findings[0].startswith("t.note: ")
    assert value not in findings[0]


@pytest.mark.parametrize(
    "value",
    [
        "a" * 64,  # a sha256 content hash
        "9" * 11,  # 11 digits
        "943476591",  # 9 digits
        "ab1234567890cd",  # digits inside a longer token
        "mhsds/RXX/2024-04/MHS501HospProvSpell.csv",
        "8b1f2c4e-1d2a-4c3b-9f00-123456789abc",  # a Dagster run id (uuid with dashes)
        "2024-04-01",
        "Occupied bed days (MHS24): MHS502WardStay",
    ],
)
def test_does_not_flag_ordinary_values(con: duckdb.DuckDBPyConnection, value: str) -> None:
    con.execute("create table t (note varchar)")
    con.execute("insert into t values (?)", [value]).fetchall()
    assert scan_for_identifiers(con) == []


def test_birth_and_identifier_named_columns(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create table people (date_of_birth varchar, dob date, person_id varchar, "
                "birth_year_band varchar)")
    con.execute("insert into people values ('1980-02-03', date '1980-02-03', 'x', '1980-89')"
                ).fetchall()
    findings = scan_for_identifiers(con)
    assert [f.split(":")[0] for f in findings] == [
        "people.date_of_birth", "people.dob", "people.person_id"]


def test_scans_views_and_names_schemas(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema s")
    con.execute("create view s.v as select '9434765919' as x")
    assert scan_for_identifiers(con) == ["s.v.x: NHS-number-like value (1 row)"]


def test_empty_tables_are_clean(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create table t (nhs_number varchar, note varchar)")
    assert scan_for_identifiers(con) == []
