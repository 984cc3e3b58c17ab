-- The units the metrics report on, one row per provider, locality, ward and
-- team, with the columns of the hierarchy ward/team -> locality -> provider
-- for BI tools. Keyed like mart_metric_values: (provider_code, level,
-- unit_code). Built from the reference wards, teams and localities; a unit
-- that only appears in the metrics (not in the reference files) is added
-- under its provider so every metric row finds its unit.
with wards_ranked as (

    -- latest effective period of each ward
    select
        int_wards.*,
        row_number() over (
            partition by provider_code, ward_code
            order by effective_from desc, effective_to_excl desc
        ) as version_rank
    from {{ ref('int_wards') }} as int_wards

),

wards as (

    select
        provider_code,
        ward_code,
        ward_name,
        locality,
        ward_bed_type
    from wards_ranked
    where version_rank = 1 and ward_code is not null

),

teams_ranked as (

    select
        int_teams.*,
        row_number() over (
            partition by provider_code, team_code
            order by team_name, locality, team_type
        ) as version_rank
    from {{ ref('int_teams') }} as int_teams

),

teams as (

    select provider_code, team_code, team_name, locality, team_type
    from teams_ranked
    where version_rank = 1 and team_code is not null

),

localities as (

    select distinct org_id_prov as provider_code, locality
    from {{ ref('stg_reference__localities') }}
    where locality is not null
    union
    select distinct provider_code, locality from wards where locality is not null
    union
    select distinct provider_code, locality from teams where locality is not null

),

metric_units as (

    -- every unit of the metrics, with its latest display name
    select provider_code, level, unit_code, max(unit_name) as unit_name
    from {{ ref('mart_metric_values') }}
    group by provider_code, level, unit_code

),

providers as (

    select distinct provider_code from {{ ref('int_provider_months') }}
    union
    select distinct provider_code from localities
    union
    select distinct provider_code from metric_units

),

reference_units as (

    select
        'provider' as level,
        provider_code as unit_code,
        provider_code as unit_name,
        provider_code,
        {{ null_strings(['locality_code', 'ward_code', 'ward_name', 'bed_type_code', 'team_code', 'team_name', 'team_type_code']) }},
        true as in_reference
    from providers

    union all

    select
        'locality' as level,
        locality as unit_code,
        locality as unit_name,
        provider_code,
        locality as locality_code,
        {{ null_strings(['ward_code', 'ward_name', 'bed_type_code', 'team_code', 'team_name', 'team_type_code']) }},
        true as in_reference
    from localities

    union all

    select
        'ward' as level,
        ward_code as unit_code,
        ward_name as unit_name,
        provider_code,
        locality as locality_code,
        ward_code,
        ward_name,
        cast(ward_bed_type as {{ dbt.type_string() }}) as bed_type_code,
        {{ null_strings(['team_code', 'team_name', 'team_type_code']) }},
        true as in_reference
    from wards

    union all

    select
        'team' as level,
        team_code as unit_code,
        team_name as unit_name,
        provider_code,
        locality as locality_code,
        {{ null_strings(['ward_code', 'ward_name', 'bed_type_code']) }},
        team_code,
        team_name,
        cast(team_type as {{ dbt.type_string() }}) as team_type_code,
        true as in_reference
    from teams

),

metric_only_units as (

    -- units in the metrics but not in the reference files: placed under their provider
    select
        metric_units.level,
        metric_units.unit_code,
        metric_units.unit_name,
        metric_units.provider_code,
        case when metric_units.level = 'locality' then metric_units.unit_code end
            as locality_code,
        case when metric_units.level = 'ward' then metric_units.unit_code end as ward_code,
        case when metric_units.level = 'ward' then metric_units.unit_name end as ward_name,
        cast(null as {{ dbt.type_string() }}) as bed_type_code,
        case when metric_units.level = 'team' then metric_units.unit_code end as team_code,
        case when metric_units.level = 'team' then metric_units.unit_name end as team_name,
        cast(null as {{ dbt.type_string() }}) as team_type_code,
        false as in_reference
    from metric_units
    where not exists (
        select 1 from reference_units
        where reference_units.provider_code = metric_units.provider_code
          and {{ same_keys('reference_units', 'metric_units', ['level', 'unit_code']) }}
    )

),

units as (

    select * from reference_units
    union all
    select * from metric_only_units

)

select
    {{ dbt.concat(['units.provider_code', "'|'", 'units.level', "'|'", 'units.unit_code']) }}
        as unit_key,
    units.level,
    case units.level
        when 'provider' then 1 when 'locality' then 2 when 'ward' then 3 else 4
    end as level_order,
    units.unit_code,
    coalesce(units.unit_name, units.unit_code) as unit_name,
    units.provider_code,
    units.provider_code as provider_name,
    units.locality_code,
    units.locality_code as locality_name,
    units.ward_code,
    units.ward_name,
    units.bed_type_code,
    case
        when units.level <> 'ward' or units.bed_type_code is null then null
        when adult_acute.code is not null then 'adult_acute'
        else 'other'
    end as bed_type_group,
    units.team_code,
    units.team_name,
    units.team_type_code,
    case
        when units.level = 'provider' then null
        when units.level = 'locality' or units.locality_code is null then 'provider'
        else 'locality'
    end as parent_level,
    case
        when units.level = 'provider' then null
        when units.level = 'locality' or units.locality_code is null then units.provider_code
        else units.locality_code
    end as parent_unit_code,
    case
        when units.level = 'provider' then null
        when units.level = 'locality' or units.locality_code is null
            then {{ dbt.concat(['units.provider_code', "'|provider|'", 'units.provider_code']) }}
        else {{ dbt.concat(['units.provider_code', "'|locality|'", 'units.locality_code']) }}
    end as parent_unit_key,
    units.in_reference
from units
{{ code_list_join('bed_type_groups', 'adult_acute', 'units.bed_type_code') }}
