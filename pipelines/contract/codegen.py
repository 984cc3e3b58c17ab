"""Generate dbt sources, staging models and their YAML from the raw contract.

Run ``python -m pipelines.contract.codegen`` after editing raw_contract.yml;
tests/test_contract.py fails if the committed files are out of date.
"""

from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR
from pipelines.contract import Contract, Table, load_contract
from pipelines.generated import write_or_check
from pipelines.ingest.warehouse import has_nhs_number, stored_name

HEADER = "-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen\n"
YAML_HEADER = "# generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen\n"

# Tables that MHSDS sends again every month while a record is active: staging
# keeps the latest version of each record. Other monthly files (ledger,
# workforce, PLICS) and MHSDS tables marked per_month in the contract (MHS903's
# bed days of the month) are facts of their month: staging keeps each month.
SNAPSHOT_FAMILIES = {"mhsds", "oap"}
# Families whose files are not a provider's monthly slot: raw keeps every file (any name) of
# a month folder side by side, so a record is unique per file (the national publication:
# which file supersedes which is int_national_published's job).
FILE_FAMILIES = {"national"}

META = [
    ("_provider", "provider_code", "Provider code taken from the drop folder (OrgIDProv)."),
    (
        "_period_start",
        "reporting_period_start",
        "First day of the month of the submission the record came from.",
    ),
    (
        "_submission_created",
        "submission_created",
        "DateTimeDatSetCreate of the MHSDS submission the record came from.",
    ),
    ("_file_id", "source_file_id", "meta.manifest file_id of the file the record came from."),
    ("_record_no", "source_record_no", "Record number within that file."),
]


def model_name(table: Table) -> str:
    short = table.name.split("_", 1)[1] if table.family == "mhsds" else table.name
    return f"stg_{table.family}__{short}"


def submitted_model_name(table: Table) -> str:
    return f"{model_name(table)}_submitted"


def has_submission_basis(table: Table) -> bool:
    """MHSDS tables that national measures read month by month (every table but the header)."""
    return table.family == "mhsds" and table.name != "mhs000_header"


def is_snapshot(table: Table) -> bool:
    return (
        table.family in SNAPSHOT_FAMILIES
        and table.name != "mhs000_header"
        and not table.per_month
    )


def partition_columns(table: Table) -> list[str]:
    keys = [c.name for c in table.key_columns]
    if table.family == "reference":
        return keys_with_org(table, keys)
    if table.family in FILE_FAMILIES:
        return ["source_file_id", *keys]
    if is_snapshot(table):
        return ["provider_code", *keys]
    return [
        "provider_code",
        "reporting_period_start",
        *[k for k in keys if k not in {"org_id_prov", "reporting_period_start_date"}],
    ]


def keys_with_org(table: Table, keys: list[str]) -> list[str]:
    names = {c.name for c in table.columns}
    if "org_id_prov" in names and "org_id_prov" not in keys:
        return ["org_id_prov", *keys]
    return keys


def staging_sql(table: Table) -> str:
    """One call of the staging_model macro (dbt_project/macros/staging.sql): the renames
    come from the model's columns in _staging.yml (``meta.source_column``)."""
    if not is_snapshot(table) and table.family != "reference":
        # A fact of its month: raw keeps exactly one file per (provider, month) slot and
        # ingest quarantines repeated keys within a file, so every key of a slot is already
        # unique (the unique_combination test checks it). No versioning window: on
        # PLICS it was the most expensive model of the build (bench/README.md).
        kept = ("every file loaded (raw keeps each file of a month folder)"
                if table.family in FILE_FAMILIES
                else "each month (raw keeps one file per provider and month)")
        return (f"{HEADER}-- {table.description}\n-- One row per record of {kept}.\n"
                f"{{{{ staging_model('{table.name}') }}}}\n")
    part = ", ".join(f"'{c}'" for c in partition_columns(table))
    order = ""
    if table.family == "reference":
        order = ", order_by='source_file_id desc, source_record_no desc'"
    return (f"{HEADER}-- {table.description}\n-- The current version of each record.\n"
            f"{{{{ staging_model('{table.name}', partition_by=[{part}]{order}) }}}}\n")


def submitted_sql(table: Table) -> str:
    """The national basis of one MHSDS table: every record of each provider-month's current
    submission, renamed and typed, no versioning across months.

    NHS England computes month M from the provider's latest accepted submission for M only,
    so a correction sent in a later month never changes M's national figure. A refresh
    replaces the whole submission: rows of a table the refresh left out (raw still holds the
    earlier delivery's rows for it) do not belong to the current submission and drop out.
    """
    return (f"{HEADER}-- {table.description}\n"
            "-- National basis: the records of each provider-month's current submission only.\n"
            "{{ config(materialized='view') }}\n"
            f"{{{{ staging_submitted_model('{table.name}') }}}}\n")


def _severity(severity: str = "error", indent: int = 14) -> list[str]:
    pad = " " * indent
    return [f"{pad}config:", f"{pad}  severity: {severity}"]


def _unit(table: Table) -> list[str]:
    """Columns that say whose record it is, joined and partitioned on implicitly."""
    return ["provider_code"] if table.family != "reference" else ["org_id_prov"]


def staging_test_yaml(table: Table, contract: Contract) -> list[str]:
    """The table's ``staging_tests`` as dbt tests of its staging model, with severity."""
    model = model_name(table)
    by_name = {t.name: t for t in contract.tables}
    lines: list[str] = []
    for st in table.staging_tests:
        own = dict(st.params)
        parent = by_name[str(own.get("parent", table.name))]

        def col(t: Table, source: str) -> str:
            return t.column(source).name

        def cols(t: Table, sources: tuple[str, ...]) -> str:
            return ", ".join([*_unit(t), *(col(t, c) for c in sources)])

        if st.test == "date_order":
            name, generic = f"{model}__date_order", "date_order"
            args = [f"start_column: {col(table, own['start'])}",
                    f"end_column: {col(table, own['end'])}"]
        elif st.test == "within_parent":
            name, generic = f"{model}__within_{model_name(parent)}", "within_parent"
            args = [f"start_column: {col(table, own['start'])}",
                    f"end_column: {col(table, own['end'])}",
                    f"parent: ref('{model_name(parent)}')",
                    f"parent_start: {col(parent, own['parent_start'])}",
                    f"parent_end: {col(parent, own['parent_end'])}",
                    f"join_columns: [{cols(table, own['join'])}]"]
        elif st.test == "no_overlap":
            name, generic = f"{model}__no_overlap", "no_overlap"
            args = [f"start_column: {col(table, own['start'])}",
                    f"end_column: {col(table, own['end'])}",
                    f"partition_columns: [{cols(table, own['partition'])}]"]
        else:  # references
            name, generic = f"{model}__references_{model_name(parent)}", "relationships_combination"
            args = [f"from_columns: [{cols(table, own['columns'])}]",
                    f"to: ref('{model_name(parent)}')",
                    f"to_columns: [{cols(parent, own['columns'])}]"]
        desc = st.description.replace('"', "'")
        lines += [f"      - {generic}:", f"          name: {name}",
                  f'          description: "{desc}"', "          arguments:"]
        lines += [f"            {a}" for a in args]
        lines += _severity(st.severity, 10)
    return lines


def _source_column(stored: str) -> str:
    """The raw column a staged column is renamed from: read by the staging macros."""
    return f"        config: {{meta: {{source_column: {stored}}}}}"


def _col_yaml(table: Table, tests: bool = True) -> list[str]:
    lines: list[str] = []
    for c in table.columns:
        desc = c.description.replace('"', "'")
        lines.append(f"      - name: {c.name}")
        lines.append(f'        description: "{desc} (MHSDS/contract field {c.source})"')
        lines.append(_source_column(stored_name(c)))
        data_tests: list[str] = []
        if not c.nullable or c.source in table.key:
            data_tests.append("\n".join(["          - not_null:", *_severity()]))
        if c.domain and c.type == "code":
            vals = ", ".join(f"'{v}'" for v in c.domain)
            data_tests.append("\n".join([
                "          - accepted_values:", "              arguments:",
                f"                values: [{vals}]", *_severity()]))
        if tests and data_tests:
            lines.append("        data_tests:")
            lines += data_tests
    if has_nhs_number(table):
        lines.append("      - name: nhs_number_valid")
        lines.append('        description: "NHS number passed the modulus 11 check at ingest."')
        lines.append(_source_column("nhs_number_valid"))
    meta = META if table.family != "reference" else META[3:]
    for src, dst, desc in meta:
        lines.append(f"      - name: {dst}")
        lines.append(f'        description: "{desc}"')
        lines.append(_source_column(src))
    return lines


def staging_yaml(contract: Contract) -> str:
    lines = [YAML_HEADER.rstrip(), "version: 2", "", "models:"]
    for t in contract.tables:
        cols = partition_columns(t)
        lines.append(f"  - name: {model_name(t)}")
        lines.append(
            f'    description: "{t.description} Current version of each record '
            f'from raw.{t.name} ({t.source_table}), renamed and typed."'
        )
        lines.append("    data_tests:")
        lines.append("      - unique_combination:")
        lines.append("          arguments:")
        lines.append(f"            columns: [{', '.join(cols)}]")
        lines += _severity("error", 10)
        lines += staging_test_yaml(t, contract)
        lines.append("    columns:")
        lines += _col_yaml(t)
        lines.append("")
        if has_submission_basis(t):
            lines.append(f"  - name: {submitted_model_name(t)}")
            lines.append(
                f'    description: "{t.description} National basis: every record of each '
                f'provider-month\'s current submission of raw.{t.name} ({t.source_table}), '
                f'renamed and typed, not versioned across months (a view)."'
            )
            lines.append("    data_tests:")
            lines.append("      - unique_combination:")
            lines.append("          arguments:")
            keys = ["provider_code", "reporting_period_start",
                    *[c.name for c in t.key_columns if c.name != "org_id_prov"]]
            lines.append(f"            columns: [{', '.join(keys)}]")
            lines += _severity("error", 10)
            # the column rules (not null, code lists) are tested once, on the staging
            # model of the same raw table; here only the key per submission
            lines.append("    columns:")
            lines += [ln for ln in _col_yaml(t, tests=False) if "nhs_number_valid" not in ln
                      and "modulus 11" not in ln]
            lines.append("")
    return "\n".join(lines) + "\n"


def sources_yaml(contract: Contract) -> str:
    lines = [
        YAML_HEADER.rstrip(),
        "version: 2",
        "",
        "sources:",
        "  - name: raw",
        "    schema: raw",
        '    description: "Raw extracts as loaded by the ingest assets (typed, identifiers '
        'pseudonymised, every delivery kept until superseded)."',
        "    tables:",
    ]
    for t in contract.tables:
        lines.append(f"      - name: {t.name}")
        lines.append(f'        description: "{t.description} ({t.family}: {t.source_table})"')
        lines.append("        meta:")
        lines.append("          dagster:")
        lines.append(f"            asset_key: [raw, {t.name}]")
    lines += [
        "  - name: meta",
        "    schema: meta",
        '    description: "Ingestion bookkeeping written by the ingest assets."',
        "    tables:",
        "      - name: manifest",
        '        description: "Every file seen: path, provider, month, table, hash, rows in, '
        'loaded, quarantined, status and message."',
        "        meta:",
        "          dagster:",
        "            asset_key: [meta, manifest]",
        "      - name: quarantine",
        '        description: "Rows refused at ingest with file, line, field and reason '
        '(identifiers redacted)."',
        "        meta:",
        "          dagster:",
        "            asset_key: [meta, quarantine]",
    ]
    return "\n".join(lines) + "\n"


def generated_files(contract: Contract) -> dict[Path, str]:
    base = DBT_PROJECT_DIR / "models" / "staging"
    files = {
        base / "_sources.yml": sources_yaml(contract),
        base / "_staging.yml": staging_yaml(contract),
    }
    for t in contract.tables:
        files[base / f"{model_name(t)}.sql"] = staging_sql(t)
        if has_submission_basis(t):
            files[base / f"{submitted_model_name(t)}.sql"] = submitted_sql(t)
    return files


def main(argv: list[str] | None = None) -> int:
    return write_or_check(
        generated_files(load_contract()), "python -m pipelines.contract.codegen", argv
    )


if __name__ == "__main__":
    raise SystemExit(main())
