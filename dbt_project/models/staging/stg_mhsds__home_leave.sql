-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Periods of home leave during a spell.
-- The current version of each record.
{{ staging_model('mhs509_home_leave', partition_by=['provider_code', 'uniq_hosp_prov_spell_id', 'start_date_home_leave']) }}
