-- One row per calendar month for BI tools: calendar and NHS financial year
-- (April to March) attributes. Covers whole financial years, from the April
-- before the earliest period_start of mart_metric_values to the March after
-- the latest. Months are generated from a digits table (portable SQL: no
-- recursive CTE or generate_series).
{%- set month_names = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
                      'September', 'October', 'November', 'December'] %}
with bounds as (

    select
        min(period_start) as first_period,
        max(period_start) as last_period,
        max(case when period_type = 'month' then period_start end) as latest_month
    from {{ ref('mart_metric_values') }}

),

fy_bounds as (

    -- April of the financial year of the first month, March of the financial year
    -- of the last month
    select
        cast({{ dbt.dateadd(
            'month',
            "-1 * ((cast(extract(month from first_period) as integer) + 8) % 12)",
            month_start('first_period')) }} as date) as range_start,
        cast({{ dbt.dateadd(
            'month',
            "11 - ((cast(extract(month from last_period) as integer) + 8) % 12)",
            month_start('last_period')) }} as date) as range_end,
        {{ month_start('coalesce(latest_month, last_period)') }} as latest_month
    from bounds
    where first_period is not null

),

digits as (

    select 0 as d union all select 1 union all select 2 union all select 3
    union all select 4 union all select 5 union all select 6 union all select 7
    union all select 8 union all select 9

),

month_offsets as (

    -- 0 .. 999 months (83 years)
    select hundreds.d * 100 + tens.d * 10 + ones.d as n
    from digits as hundreds
    cross join digits as tens
    cross join digits as ones

),

months as (

    select
        cast({{ dbt.dateadd('month', 'month_offsets.n', 'fy_bounds.range_start') }} as date)
            as month_start,
        fy_bounds.latest_month
    from fy_bounds
    cross join month_offsets
    where month_offsets.n <= {{ dbt.datediff('fy_bounds.range_start', 'fy_bounds.range_end', 'month') }}

),

parts as (

    select
        month_start,
        latest_month,
        cast(extract(year from month_start) as integer) as calendar_year,
        cast(extract(month from month_start) as integer) as month_number
    from months

),

financial as (

    select
        parts.*,
        case when month_number >= 4 then calendar_year else calendar_year - 1 end
            as financial_year_start,
        ((month_number + 8) % 12) + 1 as financial_month_number
    from parts

),

monthly_data as (

    select distinct period_start
    from {{ ref('mart_metric_values') }}
    where period_type = 'month'

)

select
    financial.month_start,
    {{ add_days(next_month_start('financial.month_start'), -1) }} as month_end,
    financial.calendar_year * 100 + financial.month_number as month_key,
    {{ dbt.concat([
        'cast(financial.calendar_year as ' ~ dbt.type_string() ~ ')',
        "case when financial.month_number < 10 then '-0' else '-' end",
        'cast(financial.month_number as ' ~ dbt.type_string() ~ ')',
    ]) }} as month_label,
    financial.calendar_year,
    financial.month_number,
    case financial.month_number
        {%- for name in month_names[:-1] %} when {{ loop.index }} then '{{ name }}'{% endfor %}
        else '{{ month_names[-1] }}'
    end as month_name,
    case financial.month_number
        {%- for name in month_names[:-1] %} when {{ loop.index }} then '{{ name[:3] }}'{% endfor %}
        else '{{ month_names[-1][:3] }}'
    end as month_short_name,
    cast(floor((financial.month_number + 2) / 3) as integer) as calendar_quarter_number,
    cast(
        {{ dbt.dateadd('month', '-1 * financial.financial_month_number + 1', 'financial.month_start') }}
        as date
    ) as financial_year_start_date,
    financial.financial_year_start,
    {{ dbt.concat([
        'cast(financial.financial_year_start as ' ~ dbt.type_string() ~ ')',
        "case when (financial.financial_year_start + 1) % 100 < 10 then '/0' else '/' end",
        'cast((financial.financial_year_start + 1) % 100 as ' ~ dbt.type_string() ~ ')',
    ]) }} as financial_year,
    cast(floor((financial.financial_month_number + 2) / 3) as integer) as financial_quarter_number,
    {{ dbt.concat([
        "'Q'",
        'cast(cast(floor((financial.financial_month_number + 2) / 3) as integer) as '
            ~ dbt.type_string() ~ ')',
    ]) }} as financial_quarter,
    financial.financial_month_number,
    {{ dbt.datediff('financial.month_start', 'financial.latest_month', 'month') }}
        as months_before_latest,
    financial.month_start = financial.latest_month as is_latest_month,
    financial.month_start <= financial.latest_month
        and financial.month_start > cast({{ dbt.dateadd('month', -12, 'financial.latest_month') }} as date)
        as in_latest_12_months,
    monthly_data.period_start is not null as has_monthly_data
from financial
left join monthly_data
    on monthly_data.period_start = financial.month_start
