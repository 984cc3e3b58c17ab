-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Onward referrals, including out-of-area referrals made by the provider.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
{{ staging_submitted_model('mhs105_onward_referral') }}
