-- Share of NHS numbers passing the modulus 11 check, per provider x month
-- x table, from the raw rows of the current loaded MHS001MPI and OAP log
-- files. nhs_number_valid was computed at ingest on the NHS number itself,
-- before it was replaced by its pseudonym. Rows without an NHS number are
-- not counted here (see completeness of NHSNumber).
with loaded as (

    select file_id
    from {{ source('meta', 'manifest') }}
    where status = 'loaded'

),

numbers as (

    select r._provider as provider_code, r._period_start as period_start,
           'mhs001_mpi' as table_name, r.nhs_number_key, r.nhs_number_valid
    from {{ source('raw', 'mhs001_mpi') }} as r
    inner join loaded on loaded.file_id = r._file_id
    union all
    select r._provider, r._period_start, 'oap_log', r.nhs_number_key, r.nhs_number_valid
    from {{ source('raw', 'oap_log') }} as r
    inner join loaded on loaded.file_id = r._file_id

)

select
    provider_code,
    period_start,
    table_name,
    sum(case when nhs_number_key is not null and nhs_number_valid then 1 else 0 end)
        as nhs_numbers_valid,
    sum(case when nhs_number_key is not null then 1 else 0 end) as nhs_numbers_present,
    count(*) as rows_loaded
from numbers
where provider_code is not null and period_start is not null
group by provider_code, period_start, table_name
