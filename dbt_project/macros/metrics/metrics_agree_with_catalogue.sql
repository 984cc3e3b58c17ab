{#- The build check that the SQL and the catalogue agree (both generated from
    pipelines/metrics/metrics.yml): every metric the rollup models produce is in
    metric_catalogue with the same kind (value_kind), and, with check='produced', every
    catalogue metric is produced. Returns one row per disagreement. -#}
{% test metrics_agree_with_catalogue(model, rollup_models, check='kinds') %}
with produced as (
    {%- for name in rollup_models %}
    select distinct metric_id, value_kind from {{ ref(name) }}
    {%- if not loop.last %}
    union
    {%- endif %}
    {%- endfor %}
),

catalogue as (
    select metric_id, value_kind from {{ ref('metric_catalogue') }}
)

{%- if check == 'kinds' %}
select
    produced.metric_id,
    produced.value_kind as produced_kind,
    catalogue.value_kind as catalogue_kind
from produced
left join catalogue
    on catalogue.metric_id = produced.metric_id
where catalogue.metric_id is null
   or catalogue.value_kind <> produced.value_kind
{%- else %}
select catalogue.metric_id, catalogue.value_kind as catalogue_kind
from catalogue
where not exists (
    select 1 from {{ model }} as metric_values
    where metric_values.metric_id = catalogue.metric_id
)
{%- endif %}
{% endtest %}
