-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Service team details.
-- The current version of each record.
{{ staging_model('mhs902_service_team_details', partition_by=['provider_code', 'uniq_care_prof_team_local_id']) }}
