-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Wards with locality, bed type and commissioned beds over time.
with source as (

    select * from {{ source('raw', 'wards') }}

),

renamed as (

    select
        OrgIDProv as org_id_prov,
        WardCode as ward_code,
        WardName as ward_name,
        SiteIDOfWard as site_id_of_ward,
        Locality as locality,
        MHAdmittedPatientClass as mh_admitted_patient_class,
        CommissionedBeds as commissioned_beds,
        EffectiveFrom as effective_from,
        EffectiveTo as effective_to,
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
            partition by org_id_prov, ward_code, effective_from
            order by source_file_id desc, source_record_no desc
        ) as version_rank
    from renamed

)

select
    org_id_prov,
    ward_code,
    ward_name,
    site_id_of_ward,
    locality,
    mh_admitted_patient_class,
    commissioned_beds,
    effective_from,
    effective_to,
    source_file_id,
    source_record_no
from versioned
where version_rank = 1
