"""One file's rows into its raw table, in the caller's transaction: typed, identifiers
pseudonymised, the slot's earlier rows replaced, refused rows quarantined with line and
reason, and the notes of its manifest row. ``FileLoader`` is a part of ``Ingestor``
(pipelines/ingest/load.py)."""

import logging
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from pipelines.contract import Table
from pipelines.ingest import dates, reader, reference, validate
from pipelines.ingest.discover import PER_FILE_FAMILIES, DiscoveredFile
from pipelines.ingest.pseudonymise import nhs_number_valid, pseudonym
from pipelines.ingest.report import FileOutcome
from pipelines.ingest.warehouse import has_nhs_number, raw_columns, register_frame, run

log = logging.getLogger(__name__)


def month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


class FileLoader:
    """Loading one validated file's rows (a mixin of ``Ingestor``; the manifest methods it
    calls are ``ManifestRecords``')."""

    con: duckdb.DuckDBPyConnection
    key: bytes
    now: datetime
    reference_owners: dict[str, dict[str, str]]
    _index: dict[tuple[str, str], tuple[int, str]] | None
    _pseudonym_cache: dict[str, dict[str, tuple[str, bool]]]
    _cache_provider: str | None

    def _pseudonyms(
        self, provider: str | None, namespace: str, values: list[str], nhs: bool
    ) -> tuple[list[str], list[bool]]:
        """Pseudonym (and NHS number validity) of each value, computed once per run."""
        if provider != self._cache_provider:
            self._pseudonym_cache = {}
            self._cache_provider = provider
        cache = self._pseudonym_cache.setdefault(namespace, {})
        keys: list[str] = []
        oks: list[bool] = []
        for v in values:
            hit = cache.get(v)
            if hit is None:
                hit = (
                    pseudonym(self.key, namespace, v.replace(" ", "") if nhs else v),
                    nhs_number_valid(v) if nhs else True,
                )
                cache[v] = hit
            keys.append(hit[0])
            oks.append(hit[1])
        return keys, oks

    def _pseudonym_table(
        self, name: str, column: str, namespace: str, nhs: bool, provider: str | None = None
    ) -> None:
        values = [
            r[0]
            for r in self.con.execute(
                f"select distinct nullif(trim({validate.ident(column)}), '') from _in "
                f"where nullif(trim({validate.ident(column)}), '') is not null"
            ).fetchall()
        ]
        keys, oks = self._pseudonyms(provider, namespace, values, nhs)
        frame = pd.DataFrame(
            {
                "v": pd.Series(values, dtype="object"),
                "k": pd.Series(keys, dtype="object"),
                "ok": pd.Series(oks, dtype="bool"),
            }
        )
        register_frame(self.con, f"{name}_df", frame)
        run(self.con, f"create or replace temp table {name} as select * from {name}_df")
        self.con.unregister(f"{name}_df")

    def _load(
        self, f: DiscoveredFile, table: Table, facts: reader.FileFacts, created: datetime | None
    ) -> FileOutcome:
        con = self.con
        if reference.scoped(f):
            # a provider's reference file: OrgIDProv may be left out, the provider is known
            read = reader.read_into(con, f.path, reference.read_table(table), target="_ref")
            run(con, "create or replace temp view _in as "
                     + reference.with_provider_sql(table, f.provider or "", "_ref"))
        else:
            read = reader.read_into(con, f.path, table)
        formats = dates.judge(con, table, f.family, self.date_format(f.family))
        period_end = month_end(f.period_start) if f.period_start else None
        validate.create_failures(
            con, table, period_end,
            f.provider if f.family == "mhsds" or reference.scoped(f) else None,
            formats=formats,
        )
        shadowed = (reference.shadowed_sql(self.reference_owners.get(table.name, {}))
                    if f.family == "reference" and f.provider is None else None)
        if shadowed:
            run(con, "insert into _fail " + shadowed)
        if validate.has_duplicate_keys(con, table):
            run(con, "insert into _fail " + validate.duplicate_sql(table))
        # pseudonyms for identifiers (namespaced by provider for local IDs)
        joins: list[str] = []
        select: list[str] = []
        for col in table.columns:
            if col.pii == "local_patient_id":
                ns = f"lpi|{f.provider or ''}"
                self._pseudonym_table("_pk_lpi", col.source, ns, nhs=False,
                                      provider=f.provider)
                joins.append(
                    "left join _pk_lpi on _pk_lpi.v = "
                    f"nullif(trim(i.{validate.ident(col.source)}), '')"
                )
                select.append("_pk_lpi.k")
            elif col.pii == "nhs_number":
                self._pseudonym_table("_pk_nhs", col.source, "nhs", nhs=True,
                                      provider=f.provider)
                joins.append(
                    "left join _pk_nhs on _pk_nhs.v = "
                    f"nullif(trim(i.{validate.ident(col.source)}), '')"
                )
                select.append("_pk_nhs.k")
            elif col.pii == "birth_date":
                typed = validate.typed_expr(col, dates.format_of(formats, col))
                select.append(
                    f"date_trunc('month', {typed})::date".replace(
                        validate.ident(col.source), "i." + validate.ident(col.source)
                    )
                )
            else:
                select.append(
                    validate.typed_expr(col, dates.format_of(formats, col)).replace(
                        validate.ident(col.source), "i." + validate.ident(col.source)
                    )
                )
        nhs_total = nhs_valid = None
        if has_nhs_number(table):
            select.append("coalesce(_pk_nhs.ok, false)")
        file_id = self._next_file_id()
        select += [
            str(file_id),
            "i._rid + 1",
            validate.q(f.provider) if f.provider else "null",
            f"date {validate.q(f.period_start.isoformat())}" if f.period_start else "null",
            f"timestamp {validate.q(created.isoformat(sep=' '))}" if created else "null",
            f"timestamp {validate.q(self.now.isoformat(sep=' '))}",
        ]
        names = ", ".join(validate.ident(n) for n, _ in raw_columns(table))
        current = self._current_file(f)
        if table.family == "reference":
            run(con, reference.replace_sql(table, f.provider))
        elif table.family in PER_FILE_FAMILIES:
            if current is not None:  # the earlier version of the same path only
                run(con, f"delete from raw.{table.name} where _file_id = ?", [current])
        else:
            run(
                con,
                f"delete from raw.{table.name} where _provider = ? and _period_start = ?",
                [f.provider, f.period_start],
            )
        run(
            con,
            f"insert into raw.{table.name} ({names}) select {', '.join(select)} "
            f"from _in i {' '.join(joins)} where i._rid not in (select rid from _fail)",
        )
        loaded = int(
            con.execute(
                f"select count(*) from raw.{table.name} where _file_id = ?", [file_id]
            ).fetchone()[0]
        )
        if has_nhs_number(table):
            nhs_total, nhs_valid = con.execute(
                f"select count(nhs_number_key), count(*) filter (where nhs_number_valid) "
                f"from raw.{table.name} where _file_id = ?",
                [file_id],
            ).fetchone()
        # quarantine: validation failures and rows DuckDB could not parse
        failed_records = int(con.execute("select count(distinct rid) from _fail").fetchone()[0])
        quarantined = failed_records + len(read.parse_rejects)
        if quarantined:
            self._quarantine(f, table, file_id, read)
        rows_in = read.records + len(read.parse_rejects)
        if loaded + failed_records != read.records:
            raise RuntimeError(
                f"{f.relpath}: reconciliation failed: {read.records} parsed, {loaded} loaded, "
                f"{failed_records} quarantined"
            )
        messages = []
        if read.extra_columns:
            messages.append(f"extra column(s) ignored: {', '.join(read.extra_columns)}")
        if rows_in == 0:
            messages.append("header only: no data rows")
        if quarantined:
            messages.append(f"{quarantined} row(s) quarantined")
        if current is not None:
            messages.append(f"replaces file {current}")
            messages += self._refresh_notes(current, rows_in)
        if rows_in:
            messages += self._duplicate_delivery_notes(f, facts)
        if table.family in PER_FILE_FAMILIES and loaded:
            messages += self._supersede_notes(f, table, file_id, current)
        self._record_loaded(
            f,
            facts,
            file_id,
            rows_in,
            loaded,
            quarantined,
            nhs_total,
            nhs_valid,
            created,
            "; ".join(messages) or None,
        )
        if current is not None:
            run(
                con,
                "update meta.manifest set status = 'superseded', superseded_by = ? "
                "where file_id = ?",
                [file_id, current],
            )
            self._index = None  # a status changed: read the index again when next needed
        return FileOutcome(
            f.relpath,
            table.name,
            "loaded",
            rows_in,
            loaded,
            quarantined,
            "; ".join(messages) or None,
        )

    # At most this many supersede notes per file in its manifest message (the rest counted)
    MAX_SUPERSEDE_NOTES = 6

    def _supersede_notes(
        self, f: DiscoveredFile, table: Table, file_id: int, replaced: int | None
    ) -> list[str]:
        """Which reporting periods and statuses of other loaded national files this file
        supersedes, or is superseded for by a later publication.

        The later file for a (REPORTING_PERIOD_END, STATUS) is the one of the later
        publication month (its folder), then the one loaded later (manifest file_id): that
        file's rows replace all the other's rows of the pair (int_national_published).
        """
        assert f.period_start is not None
        rows = self.con.execute(
            f"""
            with mine as (
                select distinct REPORTING_PERIOD_END as period_end, STATUS as status
                from raw.{table.name} where _file_id = ?
            ),
            others as (
                select distinct r._file_id, m.relpath, m.period_start,
                       r.REPORTING_PERIOD_END as period_end, r.STATUS as status
                from raw.{table.name} r
                join meta.manifest m on m.file_id = r._file_id and m.status = 'loaded'
                where r._file_id <> ? and r._file_id <> ?
            )
            select o._file_id, o.relpath, o.period_start > ? as later,
                   string_agg(o.status || ' ' || strftime(o.period_end, '%Y-%m'), ', '
                              order by o.period_end, o.status)
            from others o join mine using (period_end, status)
            group by all order by o._file_id""",
            [file_id, file_id, replaced if replaced is not None else -1, f.period_start],
        ).fetchall()
        notes = []
        for other, relpath, later, pairs in rows:
            if later:
                notes.append(f"superseded for {pairs} by file {other} ({relpath}), a later "
                             "publication")
            else:
                notes.append(f"supersedes file {other} ({relpath}) for {pairs}")
        if len(notes) > self.MAX_SUPERSEDE_NOTES:
            more = len(notes) - self.MAX_SUPERSEDE_NOTES
            notes = [*notes[: self.MAX_SUPERSEDE_NOTES], f"and {more} more file(s)"]
        return notes

    def _refresh_notes(self, current: int, rows_in: int) -> list[str]:
        """A replacement with fewer rows than the file it replaces is worth a warning."""
        row = self.con.execute(
            "select rows_in, relpath from meta.manifest where file_id = ?", [current]
        ).fetchall()
        if not row or row[0][0] is None or rows_in >= int(row[0][0]):
            return []
        before = int(row[0][0])
        note = (
            f"fewer rows than the file it replaces: {rows_in} now, {before} in file {current} "
            f"({before - rows_in} fewer)"
        )
        log.warning("%s: %s", row[0][1], note)
        return [note]

    # Families whose monthly file is never legitimately identical to another month's (money
    # changes every month). MHSDS tables may well be (team details, an unchanged MPI), and a
    # copied MHSDS submission is caught by its MHS000Header dates anyway.
    DUPLICATE_WARNING_FAMILIES = frozenset({"finance", "costing"})

    def _duplicate_delivery_notes(self, f: DiscoveredFile, facts: reader.FileFacts) -> list[str]:
        """The same bytes already loaded under another path (a copy in the wrong folder?)."""
        if f.family not in self.DUPLICATE_WARNING_FAMILIES:
            return []
        rows = self.con.execute(
            "select file_id, relpath from meta.manifest where content_hash = ? and relpath <> ? "
            "and status in ('loaded', 'superseded') order by file_id limit 3",
            [facts.content_hash, f.relpath],
        ).fetchall()
        if not rows:
            return []
        where = ", ".join(f"{r[1]} (file {r[0]})" for r in rows)
        note = f"identical content to {where}: the same file delivered twice?"
        log.warning("%s: %s", f.relpath, note)
        return [note]
    def _quarantine(
        self, f: DiscoveredFile, table: Table, file_id: int, read: reader.ReadResult
    ) -> None:
        con = self.con
        reject_lines = {line for line, _, _ in read.parse_rejects}
        starts = (
            reader.record_lines(f.path, reject_lines)
            if reader.is_csv(f.path) or f.path.suffix.lower() == ".xlsx" else []
        )
        lines = pd.DataFrame(
            {
                "rid": pd.Series(range(len(starts)), dtype="int64"),
                "line_no": pd.Series(starts, dtype="int64"),
            }
        )
        register_frame(con, "_lines_df", lines)
        common = [
            str(file_id),
            validate.q(f.relpath),
            validate.q(table.name),
            validate.q(f.provider) if f.provider else "null",
            f"date {validate.q(f.period_start.isoformat())}" if f.period_start else "null",
        ]
        run(
            con,
            f"""insert into meta.quarantine
                select {", ".join(common)}, fl.rid + 1, l.line_no, fl.field, fl.reason, fl.value,
                       timestamp {validate.q(self.now.isoformat(sep=" "))}
                from _fail fl left join _lines_df l on l.rid = fl.rid""",
        )
        con.unregister("_lines_df")
        for line, column, message in read.parse_rejects:
            run(
                con,
                f"insert into meta.quarantine values ({', '.join(common)}, null, ?, ?, ?, null, ?)",
                [line, column, f"malformed row: {message}", self.now],
            )
