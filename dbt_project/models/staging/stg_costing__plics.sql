-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Patient-level costs (optional; only some providers have mature PLICS).
-- One row per record of each month (raw keeps one file per provider and month).
{{ staging_model('plics') }}
