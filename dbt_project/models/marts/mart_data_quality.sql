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
-- Every measure's rows have the columns of dq_measure_columns (macros/columns.sql).
with fields as (select * from {{ ref('int_dq_fields') }}),

completeness as (

    select {{ dq_measure_columns('completeness', 'non_null_rows', 'applicable_rows') }}
    from fields
    where file_status = 'loaded' and applicable_rows > 0

),

validity as (

    select {{ dq_measure_columns('validity', 'rows_in - quarantined_rows', 'rows_in') }}
    from fields
    where file_status = 'loaded' and rows_in > 0

),

rejected as (

    select distinct {{ dq_measure_columns('file_rejected', '1', '1', field_name="'all'") }}
    from fields
    where file_status = 'rejected'

),

referential as (

    select {{ dq_measure_columns('referential_integrity', 'rows_found', 'rows_checked',
                                detail='reference') }}
    from {{ ref('int_dq_referential_integrity') }}

),

nhs_numbers as (

    select {{ dq_measure_columns('nhs_number_valid', 'nhs_numbers_valid', 'nhs_numbers_present',
                                field_name="'NHSNumber'") }}
    from {{ ref('int_dq_nhs_numbers') }}
    where nhs_numbers_present > 0

),

quarantined_by_reason as (

    select {{ dq_measure_columns('rows_quarantined', 'rows_quarantined', 'rows_in', detail='reason') }}
    from {{ ref('int_dq_quarantine_reasons') }}

),

quarantined_by_file as (

    select {{ dq_measure_columns('rows_quarantined', 'rows_quarantined', 'rows_in',
                                provider_code='provider', field_name="'all'") }}
    from {{ source('meta', 'manifest') }}
    where status = 'loaded'
      and provider is not null
      and period_start is not null
      and rows_in > 0

),

scores as (

    select {{ dq_measure_columns('dq_score', 'item_score_sum', 'items_scored',
                                table_name="'all'", field_name="'all'") }}
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
