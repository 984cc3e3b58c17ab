-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Localities with resident population by age band (for rates per 100,000).
with source as (

    select * from {{ source('raw', 'localities') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        Locality as locality,
        AgeBand as age_band,
        Population as population,
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
            partition by org_id_prov, locality, age_band
            order by source_file_id desc, source_record_no desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    locality,
    age_band,
    population,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
