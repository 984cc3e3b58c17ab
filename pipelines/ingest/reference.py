"""Which provider a reference file (wards, teams, localities, subjective map) applies to.

Three layouts, all loaded the same way:

- ``reference/<file>`` with an ``OrgIDProv`` column: shared by the providers it names (the
  layout several providers sharing one drop folder have);
- ``reference/<file>`` without it: the file is the drop folder's one provider's, the
  provider every other file of the folder is for (the layout a single trust naturally
  has). With several providers in the folder it is refused, naming them: which one it is
  for cannot be told;
- ``reference/<OrgIDProv>/<file>``: the folder names the provider; an ``OrgIDProv`` column
  may be left out, and a row whose ``OrgIDProv`` differs from the folder is quarantined.

A provider's file (the last two layouts) replaces that provider's rows only, including rows
a shared file loaded for it; rows for that provider in a shared file are then quarantined
(the provider's own file wins). A shared file replaces the rows of shared files.
"""

import dataclasses
from collections.abc import Iterable

from pipelines.contract import Table
from pipelines.ingest import reader, validate
from pipelines.ingest.discover import DiscoveredFile
from pipelines.ingest.warehouse import stored_name

PROVIDER_COLUMN = "OrgIDProv"


def drop_folder_providers(files: Iterable[DiscoveredFile]) -> list[str]:
    """Every provider the drop folder has files for (its MHSDS submissions, other families'
    provider folders, reference/<OrgIDProv>/ folders)."""
    return sorted({f.provider for f in files if f.provider and not f.unsupported
                   and (f.family != "reference" or f.table is not None)})


def assign_providers(files: list[DiscoveredFile]) -> list[DiscoveredFile]:
    """``files`` with the provider of each reference/<file> that has no OrgIDProv column set
    to the drop folder's one provider, or refused (``problem``) naming the providers."""
    providers = drop_folder_providers(files)
    out: list[DiscoveredFile] = []
    for f in files:
        if f.family != "reference" or f.table is None or f.problem or f.provider:
            out.append(f)
            continue
        try:
            header = reader.header_of(f.path)
        except (reader.FileRejected, OSError):
            out.append(f)  # unreadable: ingest refuses it with the reader's own message
            continue
        if PROVIDER_COLUMN.lower() in {h.strip().lower() for h in header}:
            out.append(f)
        elif len(providers) == 1:
            out.append(dataclasses.replace(f, provider=providers[0]))
        else:
            out.append(dataclasses.replace(f, problem=_unassigned(f, providers)))
    return out


def _unassigned(f: DiscoveredFile, providers: list[str]) -> str:
    found = (f"{len(providers)} providers ({', '.join(providers)})" if providers
             else "no provider (no MHSDS submission or other provider folder)")
    return (
        f"{f.relpath}: no OrgIDProv column, and the drop folder has {found}, so which provider "
        f"it is for cannot be told. Add an OrgIDProv column, or move the file to "
        f"reference/<OrgIDProv>/{f.path.name}"
    )


def scoped(f: DiscoveredFile) -> bool:
    """A reference file of one provider (its folder, or the drop folder's one provider)."""
    return f.family == "reference" and f.provider is not None


def read_table(table: Table) -> Table:
    """``table`` as a provider's file is read: OrgIDProv may be left out (the provider is
    known without it)."""
    cols = tuple(
        dataclasses.replace(c, required=False) if c.source == PROVIDER_COLUMN else c
        for c in table.columns
    )
    return dataclasses.replace(table, columns=cols)


def with_provider_sql(table: Table, provider: str, source: str) -> str:
    """A select over ``source`` with empty or absent OrgIDProv values set to ``provider``
    (values that differ are left as they are: validation quarantines them)."""
    col = validate.ident(PROVIDER_COLUMN)
    fill = f"coalesce(nullif(trim({col}), ''), {validate.q(provider)}) as {col}"
    if not any(c.source == PROVIDER_COLUMN for c in table.columns):
        return f"select * from {source}"
    return f"select * replace ({fill}) from {source}"


def replace_sql(table: Table, provider: str | None) -> str:
    """The delete that makes way for a reference file's rows (see the module doc)."""
    if provider is None:
        return f"delete from raw.{table.name} where _provider is null"
    org = validate.ident(stored_name(table.column(PROVIDER_COLUMN)))
    p = validate.q(provider)
    return (f"delete from raw.{table.name} where _provider = {p} "
            f"or (_provider is null and {org} = {p})")


def own_files(files: Iterable[DiscoveredFile]) -> dict[str, dict[str, str]]:
    """Reference table -> provider -> the provider's own file (relpath)."""
    out: dict[str, dict[str, str]] = {}
    for f in files:
        if scoped(f) and f.table is not None and not f.problem:
            out.setdefault(f.table.name, {})[f.provider or ""] = f.relpath
    return out


def shadowed_sql(owners: dict[str, str], source: str = "_in") -> str | None:
    """Failures (rid, field, reason, value) for a shared file's rows of providers that have
    their own file of the table, or None when none has."""
    if not owners:
        return None
    col = validate.ident(PROVIDER_COLUMN)
    whens = " ".join(
        f"when {validate.q(p)} then "
        f"{validate.q(f'{p} has its own file {rel}, which replaces its rows here')}"
        for p, rel in sorted(owners.items())
    )
    names = ", ".join(validate.q(p) for p in sorted(owners))
    return (
        f"select _rid, {validate.q(PROVIDER_COLUMN)}, (case trim({col}) {whens} end), "
        f"left({col}, 200) from {source} where trim({col}) in ({names})"
    )
