{#- The staging layer: rename and type only. Every staging model is generated from
    pipelines/contract/raw_contract.yml by pipelines.contract.codegen as one call of a macro
    here; the renames live in the model's YAML (models/staging/_staging.yml): each column's
    `meta.source_column` is the raw column it is taken from, in the order of the YAML. -#}

{#- `<raw column> as <staged column>, ...` for the columns of the model being built. -#}
{% macro staging_renames(prefix='') -%}
    {%- for column in model.columns.values() -%}
        {%- set meta = column.get('config', {}).get('meta') or column.get('meta', {}) %}
        {{ prefix }}{{ meta['source_column'] }} as {{ column.name }}{% if not loop.last %},{% endif %}
    {%- endfor -%}
{%- endmacro %}

{#- One raw table renamed and typed. With partition_by (a list of staged columns): one
    current version of each record, the first in order_by within its partition (MHSDS and
    OAP tables sent again every month while a record is active; reference files). Without:
    every record (facts of their month; raw keeps one file per provider and month). -#}
{% macro staging_model(source_table, partition_by=none,
        order_by='reporting_period_start desc, submission_created desc, source_file_id desc') -%}
with source as (

    select * from {{ source('raw', source_table) }}

),

renamed as (

    select{{ staging_renames() }}
    from source

){% if partition_by %},

versioned as (

    -- keep one current version of each record: the latest reporting month,
    -- then the latest submission of that month
    select
        renamed.*,
        row_number() over (
            partition by {{ partition_by | join(', ') }}
            order by {{ order_by }}
        ) as version_rank
    from renamed

)

select {{ model.columns.keys() | join(', ') }}
from versioned
where version_rank = 1
{%- else %}

select * from renamed
{%- endif %}
{%- endmacro %}

{#- The national basis of one MHSDS table: every record of each provider-month's current
    submission (the latest DateTimeDatSetCreate in the header), renamed and typed, not
    versioned across months. -#}
{% macro staging_submitted_model(source_table) -%}
with source as (

    select * from {{ source('raw', source_table) }}

),

current_submission as (

    select _provider, _period_start, max(_submission_created) as submission_created
    from {{ source('raw', 'mhs000_header') }}
    group by _provider, _period_start

)

select{{ staging_renames('source.') }}
from source
inner join current_submission
    on current_submission._provider = source._provider
    and current_submission._period_start = source._period_start
    and current_submission.submission_created = source._submission_created
{%- endmacro %}
