-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Ward stays within hospital spells.
-- The current version of each record.
{{ staging_model('mhs502_ward_stay', partition_by=['provider_code', 'uniq_ward_stay_id']) }}
