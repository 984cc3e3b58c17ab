-- Cost, workforce and productivity metrics in the long format of
-- mart_metric_values (same columns, plus value_kind), to be unioned into it.
-- Monthly, for the months the provider submitted MHSDS; the productivity
-- indices also rolling 12 months. Cost and workforce figures come from
-- int_cost_units (ward, team and unmapped rows: unmapped costs count at
-- provider level only), the OAP cost from int_cost_oap_months and the
-- indices from int_productivity_index.
-- value_kind is the metric's kind (pipelines/metrics/metrics.yml), and value
-- follows it (macro metric_value): count -> numerator; ratio, mean -> numerator /
-- denominator, x 100 for percent and index units. The indices are kind ratio,
-- unit index: output_index = 100 x output at base-period unit costs
-- (chain-linked, GBP) / mean monthly base-period output; input_index = 100 x
-- real input / mean monthly base-period real input; productivity_index(_quality_adjusted)
-- = 100 x output index / input index (12-month sums and means for rolling_12m).

with months as (select * from {{ ref('int_provider_months') }}),

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

oap as (select * from {{ ref('int_cost_oap_months') }}),

monthly as (

    -- every metric of pipelines/metrics/metrics.yml with model int_metric_values_cost and
    -- a rollup (cost and workforce; macros/metrics/metric_rollups.sql)
    {{ metric_rollups('int_metric_values_cost') }}

),

in_range as (

    -- only months the provider submitted
    select monthly.*
    from monthly
    inner join months on {{ same_keys('months', 'monthly', ['provider_code', 'period_start']) }}

),

oap_zero_combos as (

    select 'oap_cost' as metric_id, 'all' as bed_type_group
    union all
    select 'oap_cost' as metric_id, 'adult_acute' as bed_type_group

),

oap_zero_filled as (

    -- OAP cost is 0 (not missing) in a submitted month without OAP bed days,
    -- like the OAP counts of int_metric_values
    {{ zero_fill('months', 'in_range', 'oap_zero_combos') }}

),

index_rows as (

    -- the productivity indices (custom SQL; their entries in metrics.yml have no rollup)
    {%- set kinds = {} %}
    {%- for m in metric_definitions() %}{% do kinds.update({m.id: m.kind}) %}{% endfor %}
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
        '{{ kinds[metric_id] }}' as value_kind
    from {{ ref('int_productivity_index') }} as productivity
    where {{ num }} is not null and {{ den }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

catalogue as (

    select metric_id, unit from {{ ref('metric_catalogue') }}

),

all_rows as (

    select * from in_range
    union all
    select * from oap_zero_filled
    union all
    select * from index_rows

)

select{{ metric_row_with_value('all_rows') }},
    all_rows.value_kind
from all_rows
left join catalogue
    on catalogue.metric_id = all_rows.metric_id
