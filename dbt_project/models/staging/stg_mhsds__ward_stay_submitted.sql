-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Ward stays within hospital spells.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
{{ staging_submitted_model('mhs502_ward_stay') }}
