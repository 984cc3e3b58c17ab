-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Referrals to secondary mental health services.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
{{ staging_submitted_model('mhs101_referral') }}
