-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Ward details (MHSDS v6), one row per ward and reporting month, with the ward's available and temporarily closed bed days in the month. Optional: without it, occupancy uses the commissioned beds of reference/wards.csv.
-- One row per record of each month (raw keeps one file per provider and month).
{{ staging_model('mhs903_ward_details') }}
