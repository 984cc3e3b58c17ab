-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Referrals to secondary mental health services.
-- The current version of each record.
{{ staging_model('mhs101_referral', partition_by=['provider_code', 'uniq_serv_req_id']) }}
