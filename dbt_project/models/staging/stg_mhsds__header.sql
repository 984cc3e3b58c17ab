-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Submission header, one row per provider and reporting month.
-- One row per record of each month (raw keeps one file per provider and month).
{{ staging_model('mhs000_header') }}
