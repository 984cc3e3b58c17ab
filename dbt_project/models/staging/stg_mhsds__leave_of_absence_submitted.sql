-- generated from pipelines/contract/raw_contract.yml by pipelines.contract.codegen
-- Periods of leave of absence (Mental Health Act section 17) during a spell.
-- National basis: the records of each provider-month's current submission only.
{{ config(materialized='view') }}
with source as (

    select * from {{ source('raw', 'mhs510_leave_of_absence') }}

),

current_submission as (

    select _provider, _period_start, max(_submission_created) as submission_created
    from {{ source('raw', 'mhs000_header') }}
    group by _provider, _period_start

)

select
    source.OrgIDProv as org_id_prov,
    source.UniqHospProvSpellID as uniq_hosp_prov_spell_id,
    source.StartDateMHLeaveAbs as start_date_mh_leave_abs,
    source.EndDateMHLeaveAbs as end_date_mh_leave_abs,
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
