-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Master patient index, one row per patient per submission.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
{{ staging_submitted_model('mhs001_mpi') }}
