-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Staff in post (whole-time equivalents) by cost centre for the month.
-- One row per record of each month (raw keeps one file per provider and month).
{{ staging_model('staff_in_post') }}
