-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Ward stays within hospital spells.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
with source as (

    select * from {{ source('raw', 'mhs502_ward_stay') }}

),

current_submission as (

    select _provider, _period_start, max(_submission_created) as submission_created
    from {{ source('raw', 'mhs000_header') }}
    group by _provider, _period_start

)

select
    source.OrgIDProv as org_id_prov,
    source.UniqWardStayID as uniq_ward_stay_id,
    source.UniqHospProvSpellID as uniq_hosp_prov_spell_id,
    source.person_key as person_key,
    source.StartDateWardStay as start_date_ward_stay,
    source.EndDateWardStay as end_date_ward_stay,
    source.WardCode as ward_code,
    source.SiteIDOfWard as site_id_of_ward,
    source.MHAdmittedPatientClass as mh_admitted_patient_class,
    source.WardSecLevel as ward_sec_level,
    source.WardLocDistanceHome as ward_loc_distance_home,
    source._provider as provider_code,
    source._period_start as reporting_period_start,
    source._submission_created as submission_created,
    source._file_id as source_file_id,
    source._record_no as source_record_no
from source
inner join current_submission
    on current_submission._provider = source._provider
    and current_submission._period_start = source._period_start
    and current_submission.submission_created = source._submission_created
