-- Inappropriate out-of-area placements (reason 10, bed unavailable), one
-- row per placement, attributed to the *sending* provider, from two sources:
--   1. receiving providers' MHSDS submissions: a referral with ReasonOAT 10
--      and OrgIDReferringOrg = the sending provider, with its hospital spell;
--   2. the sending trust's own OAP log (oap_log.csv).
-- A log placement and an MHSDS placement of the same person (NHS number
-- pseudonym), sending and receiving provider, starting within 7 days of
-- each other, are the same placement: it is counted once (the log row is
-- kept, as it carries the daily cost).
with reporting_providers as (

    select distinct provider_code from {{ ref('int_provider_months') }}

),

mpi as (

    select provider_code, person_key, nhs_number_key
    from {{ ref('stg_mhsds__mpi') }}

),

from_mhsds as (

    select
        refs.org_id_referring_org as provider_code,
        refs.provider_code as org_id_receiving,
        'mhsds_receiving_provider' as source,
        spells.uniq_hosp_prov_spell_id as placement_id,
        receiving_mpi.nhs_number_key,
        sending_mpi.person_key,
        spells.admission_date as start_date,
        spells.discharge_date as end_date,
        coalesce(
            spells.discharge_date,
            {{ next_month_start('raw_spells.reporting_period_start') }}
        ) as end_excl,
        coalesce(spells.discharge_bed_type, spells.admission_bed_type) as bed_type,
        cast(null as double) as daily_cost_gbp
    from {{ ref('stg_mhsds__referral') }} as refs
    inner join reporting_providers
        on reporting_providers.provider_code = refs.org_id_referring_org
    inner join {{ ref('int_hospital_spells') }} as spells
        on {{ same_keys('spells', 'refs', ['provider_code', 'uniq_serv_req_id']) }}
    inner join {{ ref('stg_mhsds__hosp_prov_spell') }} as raw_spells
        on {{ same_keys('raw_spells', 'spells', ['provider_code', 'uniq_hosp_prov_spell_id']) }}
    left join mpi as receiving_mpi
        on {{ same_keys('receiving_mpi', 'refs', ['provider_code', 'person_key']) }}
    left join mpi as sending_mpi
        on sending_mpi.provider_code = refs.org_id_referring_org
        and sending_mpi.nhs_number_key = receiving_mpi.nhs_number_key
    where refs.reason_oat = '10'
      and refs.org_id_referring_org is not null
      and refs.org_id_referring_org <> refs.provider_code

),

from_log as (

    select
        provider_code,
        org_id_receiving,
        'oap_log' as source,
        placement_id,
        nhs_number_key,
        person_key,
        start_date,
        end_date,
        coalesce(end_date, {{ next_month_start('reporting_period_start') }}) as end_excl,
        mh_admitted_patient_class as bed_type,
        cast(daily_cost_gbp as double) as daily_cost_gbp
    from {{ ref('stg_oap__oap_log') }}
    where reason_oat = '10'

),

unmatched_mhsds as (

    select from_mhsds.*
    from from_mhsds
    where not exists (
        select 1
        from from_log
        where from_log.provider_code = from_mhsds.provider_code
          and {{ same_keys('from_log', 'from_mhsds', ['org_id_receiving', 'nhs_number_key']) }}
          and abs({{ days_between('from_log.start_date', 'from_mhsds.start_date') }}) <= 7
    )

),

placements as (

    select * from from_log
    union all
    select * from unmatched_mhsds

)

select
    placements.provider_code,
    placements.source,
    placements.placement_id,
    placements.org_id_receiving,
    placements.person_key,
    placements.start_date,
    placements.end_date,
    placements.end_excl,
    placements.bed_type,
    adult_acute.code is not null as is_adult_acute,
    placements.daily_cost_gbp,
    coalesce(person_locality.locality, 'Unknown') as locality
from placements
{{ code_list_join('bed_type_groups', 'adult_acute', 'placements.bed_type') }}
left join {{ ref('int_person_locality') }} as person_locality
    on {{ same_keys('person_locality', 'placements', ['provider_code', 'person_key']) }}
