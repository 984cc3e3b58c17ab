-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Optional: the provider's ledger subjective/account codes mapped to the cost categories. A row is an exact code (5A110), a prefix ending in * (5A1*) or a range (SubjectiveCode to CodeTo); the most specific match wins: exact, then the longest prefix, then the range starting latest.
with source as (

    select * from {{ source('raw', 'subjective_map') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        SubjectiveCode as subjective_code,
        CodeTo as code_to,
        Category as category,
        Description as description,
        _file_id as source_file_id,
        _record_no as source_record_no
    from source

),

versioned as (

    -- keep one current version of each record: the latest reporting month,
    -- then the latest submission of that month
    select
        renamed.*,
        row_number() over (
            partition by org_id_prov, subjective_code
            order by source_file_id desc, source_record_no desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    subjective_code,
    code_to,
    category,
    description,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
