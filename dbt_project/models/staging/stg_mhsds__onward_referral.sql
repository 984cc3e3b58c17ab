-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Onward referrals, including out-of-area referrals made by the provider.
-- The current version of each record.
{{ staging_model('mhs105_onward_referral', partition_by=['provider_code', 'uniq_serv_req_id', 'onward_refer_date']) }}
