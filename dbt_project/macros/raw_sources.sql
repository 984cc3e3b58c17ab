{#- Make the raw layer (every dbt source: raw.* and meta.manifest/quarantine) readable
    by the engine. Run as the project's on-run-start hook (dbt_project.yml).

    DuckDB: the ingest wrote the sources into the warehouse file; nothing to do.
    Spark: pipelines/spark_engine.py exported them as Parquet to
    <location>/<schema>/<table>/; each becomes an external (unmanaged) table over its
    folder, replaced on every run so a new export or a changed column is picked up
    (dropping an external table leaves its files alone). location: the var
    raw_location, else env MHP_SPARK_RAW_LOCATION; when neither is set the tables are
    assumed to exist already (e.g. registered in a Databricks / Hive catalogue).
    See docs/scaling.md. -#}
{% macro register_raw_sources(location=none) -%}
    {{ return(adapter.dispatch('register_raw_sources', 'mh_productivity')(location)) }}
{%- endmacro %}

{% macro default__register_raw_sources(location) -%}
    {{ return('') }}
{%- endmacro %}

{% macro spark__register_raw_sources(location) -%}
    {%- set location = location or var('raw_location', none) or env_var('MHP_SPARK_RAW_LOCATION', '') -%}
    {%- if execute and location -%}
        {%- set schemas = [] -%}
        {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- if node.schema not in schemas -%}
                {%- do run_query('create database if not exists ' ~ node.schema) -%}
                {%- do schemas.append(node.schema) -%}
            {%- endif -%}
            {%- set rel = node.schema ~ '.' ~ node.identifier -%}
            {%- set path = location.rstrip('/') ~ '/' ~ node.schema ~ '/' ~ node.identifier -%}
            {%- do run_query('drop table if exists ' ~ rel) -%}
            {%- do run_query('create table ' ~ rel ~ " using parquet location '" ~ path ~ "'") -%}
        {%- endfor -%}
        {%- do log('registered ' ~ (graph.sources | length) ~ ' raw sources from ' ~ location, info=true) -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
