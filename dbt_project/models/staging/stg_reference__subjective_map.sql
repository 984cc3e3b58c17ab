-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Optional: the provider's ledger subjective/account codes mapped to the cost categories. A row is an exact code (5A110), a prefix ending in * (5A1*) or a range (SubjectiveCode to CodeTo); the most specific match wins: exact, then the longest prefix, then the range starting latest.
-- The current version of each record.
{{ staging_model('subjective_map', partition_by=['org_id_prov', 'subjective_code'], order_by='source_file_id desc, source_record_no desc') }}
