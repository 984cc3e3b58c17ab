-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Clinically ready for discharge (delayed discharge) periods.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
{{ staging_submitted_model('mhs518_clin_ready_for_discharge') }}
