-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Hospital provider spells (admission to discharge).
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
{{ staging_submitted_model('mhs501_hosp_prov_spell') }}
