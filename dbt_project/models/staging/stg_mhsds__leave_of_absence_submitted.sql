-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Periods of leave of absence (Mental Health Act section 17) during a spell.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
{{ staging_submitted_model('mhs510_leave_of_absence') }}
