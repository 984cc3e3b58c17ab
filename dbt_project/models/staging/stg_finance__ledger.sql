-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Cost-centre ledger for the month, mapped to wards and teams.
-- One row per record of each month (raw keeps one file per provider and month).
{{ staging_model('ledger') }}
