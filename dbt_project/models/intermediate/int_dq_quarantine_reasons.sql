-- Rows quarantined at ingest by field and reason, per provider x month x
-- table x field x reason, for the current loaded file of each table
-- (quarantine rows of files since replaced by a refresh are not counted).
-- Reasons are the ingest's fixed texts; a duplicate-key reason loses its
-- record number and a malformed-row reason its parser message, so like
-- reasons group together. denominator = rows in the file (loaded +
-- quarantined).
with files as (

    select file_id, table_name, provider as provider_code, period_start, rows_in
    from {{ source('meta', 'manifest') }}
    where status = 'loaded'
      and provider is not null
      and period_start is not null

),

quarantine as (

    select
        file_id,
        coalesce(field, 'unknown') as field_name,
        case
            when reason like 'duplicate key within file%' then 'duplicate key within file'
            when reason like 'malformed row%' then 'malformed row'
            else reason
        end as reason,
        coalesce(record_no, -1 * line_no) as record_ref
    from {{ source('meta', 'quarantine') }}

)

select
    files.provider_code,
    files.period_start,
    files.table_name,
    quarantine.field_name,
    quarantine.reason,
    count(distinct quarantine.record_ref) as rows_quarantined,
    max(files.rows_in) as rows_in
from quarantine
inner join files
    on files.file_id = quarantine.file_id
group by files.provider_code, files.period_start, files.table_name, quarantine.field_name,
         quarantine.reason
