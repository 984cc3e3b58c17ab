"""Named points where a crash test may stop the process: ``ingest``, ``dbt``, ``publish``.

Production code calls ``pause_point(settings, name)`` at a few nasty moments; nothing is
installed in production, so it returns at once. No setting and no environment variable
enable it: only a test installs a hook (``install``), in a child process it starts through
tests/reliability/pausing.py, which writes a marker file, waits, and lets the test SIGKILL
the process there (a crash at a known moment).

Where the points are:

- ``ingest``: pipelines/ingest/load.py, inside the transaction of each file loaded, after
  its rows, quarantine and manifest row are written and before COMMIT.
- ``publish``: pipelines/publish/publisher.py, after the temporary database and Parquet
  folder are built and verified, before the version folder is assembled and swapped in.
- ``dbt``: the dbt asset (pipelines/assets/transform.py), just before ``dbt build``.
"""

from collections.abc import Callable

from pipelines.config import Settings

Hook = Callable[[Settings, str], None]

_hook: Hook | None = None


def install(hook: Hook | None) -> None:
    """Tests only: call ``hook(settings, name)`` at every pause point (None: remove it)."""
    global _hook
    _hook = hook


def pause_point(settings: Settings, point: str) -> None:
    """A crash test's pause point; does nothing unless a test installed a hook."""
    if _hook is not None:
        _hook(settings, point)
