-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Community teams and their locality.
-- The current version of each record.
{{ staging_model('teams', partition_by=['org_id_prov', 'uniq_care_prof_team_local_id'], order_by='source_file_id desc, source_record_no desc') }}
