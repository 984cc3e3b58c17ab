-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Periods of home leave during a spell.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
{{ staging_submitted_model('mhs509_home_leave') }}
