-- Home leave (MHS509) and leave of absence (MHS510) periods, with an
-- exclusive end date (open leave runs to the end of the last submitted month).
with home_leave as (

    select
        provider_code,
        uniq_hosp_prov_spell_id,
        'home_leave' as leave_type,
        start_date_home_leave as start_date,
        coalesce(end_date_home_leave, {{ next_month_start('reporting_period_start') }}) as end_excl
    from {{ ref('stg_mhsds__home_leave') }}

),

leave_of_absence as (

    select
        provider_code,
        uniq_hosp_prov_spell_id,
        'leave_of_absence' as leave_type,
        start_date_mh_leave_abs as start_date,
        coalesce(end_date_mh_leave_abs, {{ next_month_start('reporting_period_start') }})
            as end_excl
    from {{ ref('stg_mhsds__leave_of_absence') }}

)

select * from home_leave
union all
select * from leave_of_absence
