-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Localities with resident population by age band (for rates per 100,000).
-- The current version of each record.
{{ staging_model('localities', partition_by=['org_id_prov', 'locality', 'age_band'], order_by='source_file_id desc, source_record_no desc') }}
