-- Cost, workforce and productivity metrics in the long format of
-- mart_metric_values (same columns, plus value_kind), to be unioned into it.
-- Monthly, for the months the provider submitted MHSDS; the productivity
-- indices also rolling 12 months. Cost and workforce figures come from
-- int_cost_units (ward, team and unmapped rows: unmapped costs count at
-- provider level only), the OAP cost from int_cost_oap_months and the
-- indices from int_productivity_index.
-- value_kind: count -> value = numerator; pct -> value = 100 x numerator /
-- denominator; mean -> value = numerator / denominator. The indices are
-- 'pct' rows: output_index = 100 x output at base-period unit costs
-- (chain-linked, GBP) / mean monthly base-period output; input_index = 100 x
-- real input / mean monthly base-period real input; productivity_index(_quality_adjusted)
-- = 100 x output index / input index (12-month sums and means for rolling_12m).
{% set bed_groups = bed_type_groups() %}
{% set all_levels = ('provider', 'locality', 'ward', 'team') %}

with months as (

    select * from {{ ref('int_provider_months') }}

),

units as (

    select
        provider_code,
        period_start,
        locality,
        case when unit_type = 'ward' then unit_code end as ward_code,
        case when unit_type = 'ward' then unit_name end as ward_name,
        case when unit_type = 'team' then unit_code end as team_code,
        case when unit_type = 'team' then unit_name end as team_name,
        unit_type,
        is_adult_acute,
        cost_total_gbp,
        pay_gbp,
        pay_agency_gbp,
        occupied_bed_days,
        discharges,
        attended_contacts,
        clinical_wte,
        clinical_wte_substantive,
        clinical_wte_bank,
        clinical_wte_agency,
        nursing_wte
    from {{ ref('int_cost_units') }}

),

ward_units as (

    select * from units where unit_type = 'ward'

),

team_units as (

    select * from units where unit_type = 'team'

),

oap as (

    select * from {{ ref('int_cost_oap_months') }}

),

monthly as (

    -- cost
    {{ metric_rollup('units', 'cost_total', 'sum(cost_total_gbp)', levels=all_levels, groups=bed_groups) }}
    union all
    {{ metric_rollup('ward_units', 'cost_per_occupied_bed_day', 'sum(cost_total_gbp)', 'sum(occupied_bed_days)', 'mean', groups=bed_groups) }}
    union all
    {{ metric_rollup('ward_units', 'cost_per_discharge', 'sum(cost_total_gbp)', 'sum(discharges)', 'mean', groups=bed_groups) }}
    union all
    {{ metric_rollup('team_units', 'cost_per_attended_contact', 'sum(cost_total_gbp)', 'sum(attended_contacts)', 'mean', levels=('provider', 'locality', 'team')) }}
    union all
    {{ metric_rollup('units', 'agency_pay_pct', 'sum(pay_agency_gbp)', 'sum(pay_gbp)', 'pct', levels=all_levels, groups=bed_groups) }}
    union all
    {{ metric_rollup('oap', 'oap_cost', 'sum(oap_cost_gbp)', levels=('provider', 'locality'), groups=bed_groups) }}
    union all
    -- workforce
    {{ metric_rollup('units', 'clinical_wte', 'sum(clinical_wte)', levels=all_levels, groups=bed_groups) }}
    union all
    {{ metric_rollup('units', 'clinical_wte_substantive', 'sum(clinical_wte_substantive)', levels=all_levels, groups=bed_groups) }}
    union all
    {{ metric_rollup('units', 'clinical_wte_bank', 'sum(clinical_wte_bank)', levels=all_levels, groups=bed_groups) }}
    union all
    {{ metric_rollup('units', 'clinical_wte_agency', 'sum(clinical_wte_agency)', levels=all_levels, groups=bed_groups) }}
    union all
    {{ metric_rollup('team_units', 'attended_contacts_per_clinical_wte', 'sum(attended_contacts)', 'sum(clinical_wte)', 'mean', levels=('provider', 'locality', 'team')) }}
    union all
    {{ metric_rollup('ward_units', 'occupied_bed_days_per_nursing_wte', 'sum(occupied_bed_days)', 'sum(nursing_wte)', 'mean', groups=bed_groups) }}

),

in_range as (

    -- only months the provider submitted
    select monthly.*
    from monthly
    inner join months
        on months.provider_code = monthly.provider_code
        and months.period_start = monthly.period_start

),

oap_zero_filled as (

    -- OAP cost is 0 (not missing) in a submitted month without OAP bed days,
    -- like the OAP counts of mart_metric_values
    select
        'oap_cost' as metric_id,
        months.period_start,
        'month' as period_type,
        months.provider_code,
        'provider' as level,
        months.provider_code as unit_code,
        months.provider_code as unit_name,
        bed_groups.bed_type_group,
        cast(0 as double) as numerator,
        cast(null as double) as denominator,
        'count' as value_kind
    from months
    cross join (
        select 'all' as bed_type_group
        union all
        select 'adult_acute' as bed_type_group
    ) as bed_groups
    where not exists (
        select 1 from in_range
        where in_range.metric_id = 'oap_cost'
          and in_range.level = 'provider'
          and in_range.provider_code = months.provider_code
          and in_range.period_start = months.period_start
          and in_range.bed_type_group = bed_groups.bed_type_group
    )

),

productivity as (

    select * from {{ ref('int_productivity_index') }}

),

index_rows as (

    {%- set index_metrics = [
        ('output_index', 'output_value_gbp', 'base_output_gbp * months_in_period'),
        ('input_index', 'input_real_gbp', 'base_input_real_gbp * months_in_period'),
        ('productivity_index', 'output_index', 'input_index'),
        ('productivity_index_quality_adjusted', 'output_index_quality_adjusted', 'input_index'),
    ] %}
    {%- for metric_id, num, den in index_metrics %}
    select
        '{{ metric_id }}' as metric_id,
        period_start,
        period_type,
        provider_code,
        level,
        cast(unit_code as {{ dbt.type_string() }}) as unit_code,
        cast(unit_code as {{ dbt.type_string() }}) as unit_name,
        'all' as bed_type_group,
        cast({{ num }} as double) as numerator,
        cast({{ den }} as double) as denominator,
        'pct' as value_kind
    from productivity
    where {{ num }} is not null and {{ den }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

all_rows as (

    select * from in_range
    union all
    select * from oap_zero_filled
    union all
    select * from index_rows

)

select
    metric_id,
    period_start,
    period_type,
    provider_code,
    level,
    unit_code,
    unit_name,
    bed_type_group,
    numerator,
    denominator,
    case
        when value_kind = 'count' then numerator
        when value_kind = 'pct' then 100.0 * numerator / nullif(denominator, 0)
        when value_kind = 'mean' then numerator / nullif(denominator, 0)
        when value_kind = 'median' then numerator
    end as value,
    value_kind
from all_rows
