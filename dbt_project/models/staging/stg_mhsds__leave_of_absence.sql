-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Periods of leave of absence (Mental Health Act section 17) during a spell.
-- The current version of each record.
{{ staging_model('mhs510_leave_of_absence', partition_by=['provider_code', 'uniq_hosp_prov_spell_id', 'start_date_mh_leave_abs']) }}
