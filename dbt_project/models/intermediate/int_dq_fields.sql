-- Completeness and validity of each data-quality item (a field the metrics
-- use) in each provider's monthly file. Grain: provider x month x table x
-- field. One row per item of the fixed list below for every table file
-- current for the provider and month: the file with status 'loaded' in
-- meta.manifest (raw.<table> holds exactly its rows: a refresh deletes the
-- rows of the file it replaces), else, when the only delivery was
-- rejected, the latest rejected file (nothing of it was loaded).
--   completeness: share of loaded rows where the field is not null, among the
--                 rows the item applies to (applies_when; e.g. discharge
--                 method only for discharged spells). Identifiers are tested
--                 on their pseudonym columns (null exactly when the raw value
--                 was empty).
--   validity    : share of the file's rows (rows_in = loaded + quarantined)
--                 not quarantined at ingest for that field (meta.quarantine:
--                 invalid code, implausible or out-of-period date, failed row
--                 rule, duplicate key, missing required value, malformed row).
--   item_score  : completeness x validity (fractions), 0 for a rejected file;
--                 the DQ score averages it over the MHSDS items (in_dq_score).
-- Field names are the MHSDS v6 / contract source names, as in meta.quarantine.
{#- the fields of each raw table, in order; MHSDS tables (mhs*) count in the DQ score -#}
{%- set fields = {
    'mhs001_mpi': [
        'LocalPatientId', 'NHSNumber', 'PersonBirthDate', 'Gender', 'EthnicCategory',
        'OrgIDSubICBLocResidence', 'LSOA2011'
    ],
    'mhs101_referral': [
        'UniqServReqID', 'LocalPatientId', 'ReferralRequestReceivedDate', 'SourceOfReferralMH',
        'PrimReasonReferralMH', 'ClinRespPriorityType', 'UniqCareProfTeamLocalID'
    ],
    'mhs201_care_contact': [
        'UniqCareContID', 'UniqServReqID', 'LocalPatientId', 'UniqCareProfTeamLocalID',
        'CareContDate', 'AttendStatus', 'ConsMechanismMH', 'ClinContDurOfCareCont'
    ],
    'mhs501_hosp_prov_spell': [
        'UniqHospProvSpellID', 'UniqServReqID', 'LocalPatientId', 'StartDateHospProvSpell',
        'SourceAdmMHHospProvSpell', 'MethAdmMHHospProvSpell', 'MethOfDischMHHospProvSpell',
        'DestOfDischHospProvSpell'
    ],
    'mhs502_ward_stay': [
        'UniqWardStayID', 'UniqHospProvSpellID', 'LocalPatientId', 'StartDateWardStay',
        'WardCode', 'MHAdmittedPatientClass', 'WardSecLevel'
    ],
    'mhs509_home_leave': ['UniqHospProvSpellID', 'StartDateHomeLeave'],
    'mhs510_leave_of_absence': ['UniqHospProvSpellID', 'StartDateMHLeaveAbs'],
    'mhs518_clin_ready_for_discharge': [
        'MHS518UniqID', 'UniqHospProvSpellID', 'StartDateClinReadyforDisch',
        'ClinReadyforDischDelayReason', 'AttribToIndic'
    ],
    'mhs902_service_team_details': ['UniqCareProfTeamLocalID', 'ServTeamTypeMH'],
    'plics': ['ActivityType', 'ActivityID', 'CostPool', 'CostGBP'],
    'ledger': ['CostCentre', 'Subjective', 'AmountGBP'],
    'staff_in_post': ['CostCentre', 'StaffGroup', 'ContractType', 'WTE'],
    'oap_log': [
        'PlacementID', 'LocalPatientId', 'NHSNumber', 'StartDate', 'OrgIDReceiving', 'ReasonOAT',
        'MHAdmittedPatientClass', 'DailyCostGBP'
    ],
} %}
{#- the column a field is tested on where it is not the field itself (pseudonyms) -#}
{%- set columns = {
    'LocalPatientId': 'person_key',
    'NHSNumber': 'nhs_number_key',
    'PersonBirthDate': 'person_birth_month',
} %}
{#- the rows a field applies to, where not all -#}
{%- set applies = {
    'ConsMechanismMH': "AttendStatus in ('5', '6')",
    'ClinContDurOfCareCont': "AttendStatus in ('5', '6')",
    'MethOfDischMHHospProvSpell': 'DischDateHospProvSpell is not null',
    'DestOfDischHospProvSpell': 'DischDateHospProvSpell is not null',
} %}
{%- set items = {} %}
{%- for table, names in fields.items() %}
    {%- do items.update({table: []}) %}
    {%- for name in names %}
        {%- do items[table].append((name, columns.get(name, name), applies.get(name), table.startswith('mhs'))) %}
    {%- endfor %}
{%- endfor %}
with manifest as (

    select
        file_id,
        table_name,
        provider as provider_code,
        period_start,
        status,
        coalesce(rows_in, 0) as rows_in,
        coalesce(rows_loaded, 0) as rows_loaded,
        last_seen_at
    from {{ source('meta', 'manifest') }}
    where provider is not null
      and period_start is not null
      and status in ('loaded', 'rejected')

),

current_files as (

    -- the loaded file, else the latest rejected delivery
    select * from (
        select
            manifest.*,
            row_number() over (
                partition by provider_code, period_start, table_name
                order by case when status = 'loaded' then 0 else 1 end,
                         last_seen_at desc, file_id desc
            ) as rn
        from manifest
    ) as ranked
    where rn = 1

),

items as (

    {%- for table, fields in items.items() %}
    {%- set outer = loop %}
    {%- for field, column, applies_when, in_score in fields %}
    select
        '{{ table }}' as table_name,
        '{{ field }}' as field_name,
        {{ 'true' if in_score else 'false' }} as in_dq_score,
        cast({{ "'" ~ applies_when | replace("'", "''") ~ "'" if applies_when else 'null' }}
             as {{ dbt.type_string() }}) as applies_when
    {%- if not (outer.last and loop.last) %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}

),

{%- for table, fields in items.items() %}

counts_{{ table }} as (

    select
        _file_id as file_id,
        {%- for field, column, applies_when, in_score in fields %}
        {%- set cond = applies_when or 'true' %}
        sum(case when {{ cond }} then 1 else 0 end) as applicable_{{ loop.index }},
        sum(case when {{ cond }} and {{ column }} is not null then 1 else 0 end)
            as non_null_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ source('raw', table) }}
    group by _file_id

),
{%- endfor %}

completeness as (

    {%- for table, fields in items.items() %}
    {%- set outer = loop %}
    {%- for field, column, applies_when, in_score in fields %}
    select
        file_id,
        '{{ table }}' as table_name,
        '{{ field }}' as field_name,
        applicable_{{ loop.index }} as applicable_rows,
        non_null_{{ loop.index }} as non_null_rows
    from counts_{{ table }}
    {%- if not (outer.last and loop.last) %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}

),

quarantined as (

    select
        file_id,
        field as field_name,
        count(distinct coalesce(record_no, -1 * line_no)) as quarantined_rows
    from {{ source('meta', 'quarantine') }}
    group by file_id, field

),

joined as (

    select
        files.provider_code,
        files.period_start,
        items.table_name,
        items.field_name,
        files.file_id,
        files.status as file_status,
        items.in_dq_score,
        items.applies_when,
        files.rows_in,
        files.rows_loaded,
        coalesce(completeness.applicable_rows, 0) as applicable_rows,
        coalesce(completeness.non_null_rows, 0) as non_null_rows,
        case when files.status = 'loaded' then coalesce(quarantined.quarantined_rows, 0) else 0 end
            as quarantined_rows
    from current_files as files
    inner join items
        on items.table_name = files.table_name
    left join completeness
        on completeness.file_id = files.file_id
        and completeness.field_name = items.field_name
    left join quarantined
        on quarantined.file_id = files.file_id
        and quarantined.field_name = items.field_name

)

select
    joined.*,
    case when applicable_rows > 0 then cast(non_null_rows as double) / applicable_rows end
        as completeness,
    case when file_status = 'loaded' and rows_in > 0
        then cast(rows_in - quarantined_rows as double) / rows_in end as validity,
    -- scored: a rejected file, or a loaded file with rows the item applies to
    -- (or whose rows were all quarantined)
    case
        when file_status = 'rejected' then true
        when rows_in = 0 then false
        when applicable_rows > 0 or rows_loaded = 0 then true
        else false
    end as is_scored,
    case
        when file_status = 'rejected' then 0.0
        when rows_in = 0 then null
        when applicable_rows > 0
            then (cast(non_null_rows as double) / applicable_rows)
                * (cast(rows_in - quarantined_rows as double) / rows_in)
        when rows_loaded = 0 then 0.0
    end as item_score
from joined
