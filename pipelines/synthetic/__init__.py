"""Deterministic synthetic raw drop folder for the productivity pipeline.

Writes, for each generated provider ("RXA", "RXB", ...) and month, the
eleven MHSDS v6 tables as monthly snapshots, the ledger, staff in post, the
out-of-area placement log and (for the first K providers) PLICS, plus the
reference files, exactly as ``pipelines/contract/raw_contract.yml`` describes, and
(``GeneratorConfig.national``, on by default) NHS England's national publication of
each month (:mod:`pipelines.synthetic.national`).

    from pipelines.synthetic import GeneratorConfig, generate
    summary = generate(GeneratorConfig(out=Path("data/raw"), providers=2, months=12))

or ``python -m pipelines.synthetic --help``. Faults for testing are listed in
:data:`FAULTS` (where they land: :mod:`pipelines.synthetic.faults`).
"""

from pipelines.synthetic.config import GenerationSummary, GeneratorConfig
from pipelines.synthetic.faults import FAULTS
from pipelines.synthetic.generate import generate

__all__ = ["FAULTS", "GenerationSummary", "GeneratorConfig", "generate"]
