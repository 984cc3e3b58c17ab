-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Master patient index, one row per patient per submission.
-- The current version of each record.
{{ staging_model('mhs001_mpi', partition_by=['provider_code', 'person_key']) }}
