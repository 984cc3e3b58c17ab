-- Clinically-ready-for-discharge days (MHS26 rule, int_crfd_days) by delay
-- reason and attribution, per provider, locality and ward and month: the
-- "bed days lost to delays, by reason" view. Aggregates only.
with crfd as (select * from {{ ref('int_crfd_days') }}),

by_level as (

    select provider_code, 'provider' as level, provider_code as unit_code,
           provider_code as unit_name, period_start, attrib_to_indic, delay_reason, crfd_days
    from crfd
    union all
    select provider_code, 'locality', locality, locality, period_start, attrib_to_indic,
           delay_reason, crfd_days
    from crfd
    union all
    select provider_code, 'ward', ward_code, ward_name, period_start, attrib_to_indic,
           delay_reason, crfd_days
    from crfd
    where ward_code is not null

)

select
    provider_code,
    level,
    unit_code,
    max(unit_name) as unit_name,
    period_start,
    attrib_to_indic,
    case attrib_to_indic
        when '04' then 'NHS'
        when '05' then 'Social care'
        when '06' then 'Both NHS and social care'
        when '07' then 'Housing'
        else 'Not known'
    end as attributable_to,
    delay_reason,
    -- the 37 ClinReadyforDischDelayReason descriptions are not bundled: see the NHS
    -- Data Dictionary for code meanings
    {{ dbt.concat(["'Delay reason '", 'delay_reason']) }} as delay_reason_name,
    sum(crfd_days) as crfd_days
from by_level
group by provider_code, level, unit_code, period_start, attrib_to_indic, delay_reason
