-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- NHS England's published monthly MHSDS data file: every provider in England, one row per reporting period, status, breakdown, level and measure, as published (below England rounded to the nearest 5, '*' when suppressed, zero rows left out). Never blocks the trust's own publication: its refusals and quarantined rows are warnings.
-- One row per record of every file loaded (raw keeps each file of a month folder).
{{ staging_model('national_publication') }}
