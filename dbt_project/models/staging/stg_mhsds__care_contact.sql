-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Care contacts (booked appointments and their outcome).
-- The current version of each record.
{{ staging_model('mhs201_care_contact', partition_by=['provider_code', 'uniq_care_cont_id']) }}
