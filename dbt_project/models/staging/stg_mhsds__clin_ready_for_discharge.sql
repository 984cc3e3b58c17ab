-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Clinically ready for discharge (delayed discharge) periods.
-- The current version of each record.
{{ staging_model('mhs518_clin_ready_for_discharge', partition_by=['provider_code', 'mhs518_uniq_id']) }}
