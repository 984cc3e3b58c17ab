-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- The trust's own log of out-of-area placements with other providers, one row per placement active in the month.
-- The current version of each record.
{{ staging_model('oap_log', partition_by=['provider_code', 'placement_id']) }}
