-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Care contacts (booked appointments and their outcome).
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
{{ staging_submitted_model('mhs201_care_contact') }}
