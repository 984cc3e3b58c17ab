{#- int_nat_oaps_referrals: the versions of the records of the out-of-area spells submitted
    for the months M-11..M of each run month M, ranked latest first per record (prep.py
    lines 67-73 for spells, 152-157 for ward stays). `record` is the staging view's name,
    `id_column` the record's id and `columns` the columns kept. -#}
{% macro oaps_ranked_versions(record, id_column, columns) -%}
    select
        run_months.window_end_month,
        {%- for column in columns %}
        versions.{{ column }},
        {%- endfor %}
        versions.reporting_period_start as version_month,
        row_number() over (
            partition by
                run_months.window_end_month,
                versions.provider_code,
                versions.{{ id_column }}
            order by versions.reporting_period_start desc
        ) as version_rank
    from run_months
    inner join {{ ref(record) }} as versions
        on versions.reporting_period_start >= run_months.versions_from_month
        and versions.reporting_period_start <= run_months.window_end_month
    inner join oat_spell_keys
        on {{ same_keys('oat_spell_keys', 'versions', ['provider_code', 'uniq_hosp_prov_spell_id']) }}
{%- endmacro %}

{#- The filter on oaps_ranked_versions' rows that keeps each record's latest version as at
    M, only when the record was open in the month that version was submitted for (starts
    before the month's end, ends in it or later, or is still open). -#}
{% macro oaps_current_and_open(start_column, end_column) -%}
    version_rank = 1
      and {{ start_column }} < {{ next_month_start('version_month') }}
      and ({{ end_column }} is null or {{ end_column }} >= version_month)
{%- endmacro %}
