"""Ingest check kind: the state of the raw drop folder as the manifest records it."""

from pathlib import Path

import pandas as pd

from pipelines.quality.frames import Frame, Probe, frame
from pipelines.quality.kinds import CheckContext, check, family_filter, validate_families
from pipelines.quality.spec import ExpectationSpec, SuiteError


def _validate_file_status(spec: ExpectationSpec) -> None:
    statuses = spec.require("statuses")
    if not isinstance(statuses, list) or not statuses:
        raise SuiteError(f"{spec.id}: 'statuses' must be a non-empty list")
    validate_families(spec)


def _present(raw_dir: Path, relpath: str) -> bool:
    return (raw_dir / relpath).exists()


@check("file_status", _validate_file_status)
def file_status(ctx: CheckContext, spec: ExpectationSpec) -> Frame:
    """No file currently in the raw drop folder whose latest manifest status is flagged.

    The latest manifest row of each path counts (a fixed file replaces its rejected
    version); files no longer in the drop folder are ignored. Without a drop folder, every
    path of the manifest counts. ``families`` / ``exclude_families``: only (or all but) the
    files of those families.
    """
    manifest = ctx.require("meta", "manifest")
    statuses = [str(s) for s in spec.require("statuses")]
    which, scope = family_filter(spec)
    df = frame(ctx.con, f"""
        select relpath, status, coalesce(message, '') as message,
               strftime(last_seen_at, '%Y-%m-%d %H:%M') as last_seen
        from {manifest}
        where {which}
        qualify row_number() over (partition by relpath order by file_id desc) = 1
        order by relpath""")
    raw_dir = ctx.settings.raw_dir
    note = ""
    if raw_dir.is_dir():
        # a boolean mask (an empty list would select no columns of an empty frame)
        present = pd.Series([_present(raw_dir, p) for p in df["relpath"]], index=df.index,
                            dtype=bool)
        df = df[present].reset_index(drop=True)
        note = f"{len(df)} files present in {raw_dir}"
    else:
        note = f"raw folder {raw_dir} not found: every manifest path checked"
    bad = df["status"].isin(statuses)
    df["violations"] = bad.astype("int64")
    df["example"] = [f"{p} ({s}: {_short(m, p)})" if b else ""
                     for p, s, m, b in zip(df["relpath"], df["status"], df["message"], bad,
                                           strict=True)]
    df["rank"] = df["violations"].astype("float64")
    return Frame(
        df,
        [Probe("ExpectColumnValuesToNotBeInSet", {"column": "status", "value_set": statuses})],
        headline=f"files in the drop folder with status {'/'.join(statuses)}{scope}",
        noun="file(s)",
        note=note,
    )


def _short(message: str, relpath: str, limit: int = 160) -> str:
    text = message[len(relpath) + 2:] if message.startswith(relpath + ": ") else message
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."

