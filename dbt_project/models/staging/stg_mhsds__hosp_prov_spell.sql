-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Hospital provider spells (admission to discharge).
-- The current version of each record.
{{ staging_model('mhs501_hosp_prov_spell', partition_by=['provider_code', 'uniq_hosp_prov_spell_id']) }}
