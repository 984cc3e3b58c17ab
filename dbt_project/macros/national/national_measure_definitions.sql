{#- generated from pipelines/national/measures/*.yml by pipelines.national.codegen -#}
{% macro national_measure_definitions() %}
{{ return([]) }}
{% endmacro %}

{% macro national_breakdown_definitions() %}
{{ return({}) }}
{% endmacro %}
