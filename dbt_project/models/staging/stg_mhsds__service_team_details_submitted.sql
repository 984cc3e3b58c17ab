-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Service team details.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
{{ staging_submitted_model('mhs902_service_team_details') }}
