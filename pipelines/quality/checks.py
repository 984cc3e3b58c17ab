"""Every check kind of the GX gate, by name: ``CHECKS[spec.check].run(ctx, spec)``.

The kinds live in modules named for what they check; importing them registers them in
:data:`pipelines.quality.kinds.CHECKS`:

- :mod:`~pipelines.quality.ingest_checks`    file_status
- :mod:`~pipelines.quality.staging_checks`   completeness, valid_share, references,
  quarantine_share
- :mod:`~pipelines.quality.mart_checks`      metric_range, metric_coverage,
  fact_reconciliation, manifest_reconciliation, unmapped_codes
- :mod:`~pipelines.quality.published_checks` published_change
- :mod:`~pipelines.quality.dbt_results`      dbt_tests (the dbt tests of the last build)

Rules that hold for every row live in dbt tests generated from the raw contract, not
here (docs/quality-gates.md, "One owner per rule").
"""

from pipelines.quality import (  # noqa: F401 - imported to register their check kinds
    dbt_results,
    ingest_checks,
    mart_checks,
    published_checks,
    staging_checks,
)
from pipelines.quality.kinds import CHECKS, CheckContext, CheckKind, check

__all__ = ["CHECKS", "CheckContext", "CheckKind", "check"]
