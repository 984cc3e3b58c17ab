-- Data quality per provider x month x table x field x measure, in long
-- format (docs/data-quality.md). Percentages 0-100: value = 100 x
-- numerator / denominator.
--   completeness          non-null rows / loaded rows the item applies to
--   validity              rows not quarantined for the field / rows in the file
--   referential_integrity rows whose key is found / rows with the key filled
--                         (detail = what the key must point to)
--   nhs_number_valid      NHS numbers passing modulus 11 / NHS numbers present
--   rows_quarantined      rows quarantined for the field and reason / rows in
--                         the file (detail = reason; field 'all' = the file's
--                         total from meta.manifest)
--   file_rejected         the table's only delivery for the month was
--                         rejected (numerator 1, denominator 1)
--   dq_score              DQMI-style score of the MHSDS submission: sum of item
--                         scores / items scored (table and field 'all')
with fields as (

    select * from {{ ref('int_dq_fields') }}

),

completeness as (

    select provider_code, period_start, table_name, field_name,
           'completeness' as measure, cast(null as {{ dbt.type_string() }}) as detail,
           cast(non_null_rows as double) as numerator, cast(applicable_rows as double) as denominator
    from fields
    where file_status = 'loaded' and applicable_rows > 0

),

validity as (

    select provider_code, period_start, table_name, field_name,
           'validity' as measure, cast(null as {{ dbt.type_string() }}) as detail,
           cast(rows_in - quarantined_rows as double) as numerator, cast(rows_in as double) as denominator
    from fields
    where file_status = 'loaded' and rows_in > 0

),

rejected as (

    select distinct provider_code, period_start, table_name, 'all' as field_name,
           'file_rejected' as measure, cast(null as {{ dbt.type_string() }}) as detail,
           cast(1 as double) as numerator, cast(1 as double) as denominator
    from fields
    where file_status = 'rejected'

),

referential as (

    select provider_code, period_start, table_name, field_name,
           'referential_integrity' as measure, reference as detail,
           cast(rows_found as double) as numerator, cast(rows_checked as double) as denominator
    from {{ ref('int_dq_referential_integrity') }}

),

nhs_numbers as (

    select provider_code, period_start, table_name, 'NHSNumber' as field_name,
           'nhs_number_valid' as measure, cast(null as {{ dbt.type_string() }}) as detail,
           cast(nhs_numbers_valid as double) as numerator,
           cast(nhs_numbers_present as double) as denominator
    from {{ ref('int_dq_nhs_numbers') }}
    where nhs_numbers_present > 0

),

quarantined_by_reason as (

    select provider_code, period_start, table_name, field_name,
           'rows_quarantined' as measure, reason as detail,
           cast(rows_quarantined as double) as numerator, cast(rows_in as double) as denominator
    from {{ ref('int_dq_quarantine_reasons') }}

),

quarantined_by_file as (

    select provider as provider_code, period_start, table_name, 'all' as field_name,
           'rows_quarantined' as measure, cast(null as {{ dbt.type_string() }}) as detail,
           cast(rows_quarantined as double) as numerator, cast(rows_in as double) as denominator
    from {{ source('meta', 'manifest') }}
    where status = 'loaded'
      and provider is not null
      and period_start is not null
      and rows_in > 0

),

scores as (

    select provider_code, period_start, 'all' as table_name, 'all' as field_name,
           'dq_score' as measure, cast(null as {{ dbt.type_string() }}) as detail,
           cast(item_score_sum as double) as numerator, cast(items_scored as double) as denominator
    from {{ ref('int_dq_submission_scores') }}

),

all_rows as (

    select * from completeness
    union all
    select * from validity
    union all
    select * from rejected
    union all
    select * from referential
    union all
    select * from nhs_numbers
    union all
    select * from quarantined_by_reason
    union all
    select * from quarantined_by_file
    union all
    select * from scores

)

select
    provider_code,
    period_start,
    table_name,
    field_name,
    measure,
    detail,
    numerator,
    denominator,
    100.0 * numerator / nullif(denominator, 0) as value
from all_rows
