"""Publishing: the gated marts as one DuckDB file and a Parquet folder, swapped atomically.

See docs/publishing.md. Public API:

- ``publish(settings, run_id, gate_summary) -> PublishResult``
- ``rollback(settings, to=None) -> Version`` and ``list_versions(publish_dir)``
- ``scan_for_identifiers(con) -> list[str]`` (the privacy guard, reusable in tests)
"""

from pipelines.publish.errors import (
    IdentifierFoundError,
    PublishError,
    PublishLockedError,
    VerificationError,
)
from pipelines.publish.privacy import scan_for_identifiers, scan_parquet_folder
from pipelines.publish.publisher import PublishResult, publish
from pipelines.publish.rollback import rollback
from pipelines.publish.versions import Version, list_versions, live_state

__all__ = [
    "IdentifierFoundError",
    "PublishError",
    "PublishLockedError",
    "PublishResult",
    "VerificationError",
    "Version",
    "list_versions",
    "live_state",
    "publish",
    "rollback",
    "scan_for_identifiers",
    "scan_parquet_folder",
]
