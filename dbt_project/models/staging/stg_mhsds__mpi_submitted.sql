-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Master patient index, one row per patient per submission.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
with source as (

    select * from {{ source('raw', 'mhs001_mpi') }}

),

current_submission as (

    select _provider, _period_start, max(_submission_created) as submission_created
    from {{ source('raw', 'mhs000_header') }}
    group by _provider, _period_start

)

select
    source.OrgIDProv as org_id_prov,
    source.person_key as person_key,
    source.nhs_number_key as nhs_number_key,
    source.person_birth_month as person_birth_month,
    source.Gender as gender,
    source.EthnicCategory as ethnic_category,
    source.OrgIDSubICBLocResidence as org_id_sub_icb_loc_residence,
    source.LSOA2011 as lsoa2011,
    source.PersDeathDate as pers_death_date,
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
