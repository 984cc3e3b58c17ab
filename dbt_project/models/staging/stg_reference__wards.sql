-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Wards with locality, bed type and commissioned beds over time.
-- The current version of each record.
{{ staging_model('wards', partition_by=['org_id_prov', 'ward_code', 'effective_from'], order_by='source_file_id desc, source_record_no desc') }}
