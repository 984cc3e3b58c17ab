{#- The SQL of every national measure, written from its definition
    (pipelines/national/measures/*.yml -> national_measure_definitions()), in the manner
    of NHS England's measure_metadata.py loop. One select per measure and breakdown:

      prep rows (one per counted unit per submission month), inside the measure's window
      (M: the month; Q: M-2..M; Y: M-11..M; each month from its own submission), for a
      provider that submitted month M, passing the measure's filter,
      grouped by the breakdown's levels, aggregated.

    The prep model is aliased s and the period p: a filter may use p.period_month,
    p.window_start_month and p.reporting_period_end (documented in
    docs/national-measures.md; the length-of-stay filters rely on them).

    Count-like measures are zero-filled at the provider breakdowns (zero_fill in
    breakdowns.yml) for every provider-month (NHS England's COALESCE(COUNT(...), 0));
    ratios are computed from their numerator and denominator measures at the same period,
    breakdown and levels (0 when the denominator is 0). Values are exact. -#}

{% macro national_aggregate(m) -%}
    {%- if m.aggregate == 'count' -%} count(*)
    {%- elif m.aggregate == 'count_distinct' -%} count(distinct s.{{ m.column }})
    {%- elif m.aggregate == 'sum' -%} coalesce(sum(s.{{ m.column }}), 0)
    {%- elif m.aggregate == 'mean' -%} avg(cast(s.{{ m.column }} as double))
    {%- elif m.aggregate == 'median' -%} {{ median('cast(s.' ~ m.column ~ ' as double)') }}
    {%- else -%} {{ exceptions.raise_compiler_error('national measure ' ~ m.id ~ ': no SQL for aggregate ' ~ m.aggregate) }}
    {%- endif -%}
{%- endmacro %}

{% macro national_measure_values() %}
{%- set measures = national_measure_definitions() -%}
{%- set breakdowns = national_breakdown_definitions() -%}
{%- set base = measures | rejectattr('aggregate', 'equalto', 'ratio') | list -%}
{%- set ratios = measures | selectattr('aggregate', 'equalto', 'ratio') | list -%}
{%- set pairs = [] -%}
{%- for m in base -%}{%- for bkey in m.breakdowns -%}{%- do pairs.append([m, breakdowns[bkey]]) -%}{%- endfor -%}{%- endfor -%}
with periods as (

    select * from {{ ref('int_national_periods') }}

),

aggregated as (
{% if not pairs %}
    -- no measures defined: an empty, typed result
    select
        cast(null as {{ dbt.type_string() }}) as measure_id,
        cast(null as {{ dbt.type_string() }}) as breakdown,
        cast(null as date) as period_month,
        cast(null as {{ dbt.type_string() }}) as primary_level,
        cast(null as {{ dbt.type_string() }}) as primary_level_description,
        cast(null as {{ dbt.type_string() }}) as secondary_level,
        cast(null as {{ dbt.type_string() }}) as secondary_level_description,
        cast(null as double) as measure_value
    from periods
    where 1 = 0
{% endif %}
{% for pair in pairs %}{% set m = pair[0] %}{% set b = pair[1] %}
    {% if not loop.first %}union all{% endif %}
    -- {{ m.id }} by {{ b.name }}
    select
        '{{ m.id }}' as measure_id,
        '{{ b.name }}' as breakdown,
        p.period_month,
        {{ b.primary_level }} as primary_level,
        {{ b.primary_level_description }} as primary_level_description,
        {{ b.secondary_level }} as secondary_level,
        {{ b.secondary_level_description }} as secondary_level_description,
        cast({{ national_aggregate(m) }} as double) as measure_value
    from {{ ref(m.source) }} as s
    inner join periods as p
        on p.provider_code = s.provider_code
        and p.frequency = '{{ m.frequency }}'
        and s.submission_month >= p.window_start_month
        and s.submission_month <= p.period_month
    where {% for c in b.requires %}s.{{ c }} is not null and {% endfor %}({{ m.filter or 'true' }})
    group by
        p.period_month,
        {{ b.primary_level }},
        {{ b.primary_level_description }},
        {{ b.secondary_level }},
        {{ b.secondary_level_description }}
{% endfor %}
),

zero_filled as (

    select * from aggregated
{%- for m in base if m.count_like %}{% for bkey in m.breakdowns if breakdowns[bkey].zero_fill %}
    union all
    select
        '{{ m.id }}', '{{ breakdowns[bkey].name }}', p.period_month, p.provider_code,
        p.provider_code, 'NONE', 'NONE', cast(0 as double)
    from periods as p
    where p.frequency = '{{ m.frequency }}'
{%- endfor %}{% endfor %}

),

base_values as (

    -- a zero row only where the measure had no rows (counts are never negative)
    select
        measure_id, breakdown, period_month, primary_level, primary_level_description,
        secondary_level, secondary_level_description, max(measure_value) as measure_value
    from zero_filled
    group by
        measure_id, breakdown, period_month, primary_level, primary_level_description,
        secondary_level, secondary_level_description

){% if ratios %},

ratio_values as (
{% for m in ratios %}
    {% if not loop.first %}union all{% endif %}
    -- {{ m.id }} = {{ m.numerator }} / {{ m.denominator }} x {{ m.multiplier }}
    select
        '{{ m.id }}' as measure_id,
        den.breakdown,
        den.period_month,
        den.primary_level,
        den.primary_level_description,
        den.secondary_level,
        den.secondary_level_description,
        -- a zero denominator gives 0, as NHS England publishes it (72hours_Aggregate.py)
        case
            when den.measure_value > 0
                then coalesce(num.measure_value, 0) / den.measure_value * {{ m.multiplier }}
            else 0
        end as measure_value
    from base_values as den
    left join base_values as num
        on num.measure_id = '{{ m.numerator }}'
        and num.breakdown = den.breakdown
        and num.period_month = den.period_month
        and num.primary_level = den.primary_level
        and num.secondary_level = den.secondary_level
    where den.measure_id = '{{ m.denominator }}'
        and den.breakdown in ({% for bkey in m.breakdowns %}'{{ breakdowns[bkey].name }}'{% if not loop.last %}, {% endif %}{% endfor %})
{% endfor %}
){% endif %}

select * from base_values
{%- if ratios %}
union all
select * from ratio_values
{%- endif %}
{% endmacro %}
