"""The raw contract: one YAML file describing every raw table.

Everything that needs to know about raw tables (ingestion, the synthetic
generator, dbt sources and staging models, the docs) reads it through
:func:`load_contract`.
"""

from pipelines.contract.model import Column, Contract, Table, load_contract, match_key

__all__ = ["Column", "Contract", "Table", "load_contract", "match_key"]
