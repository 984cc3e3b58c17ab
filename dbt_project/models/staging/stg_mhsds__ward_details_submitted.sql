-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Ward details (MHSDS v6), one row per ward and reporting month, with the ward's available and temporarily closed bed days in the month. Optional: without it, occupancy uses the commissioned beds of reference/wards.csv.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
{{ staging_submitted_model('mhs903_ward_details') }}
