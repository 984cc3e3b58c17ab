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
{%- set items = {
    'mhs001_mpi': [
        ('LocalPatientId', 'person_key', none, true),
        ('NHSNumber', 'nhs_number_key', none, true),
        ('PersonBirthDate', 'person_birth_month', none, true),
        ('Gender', 'Gender', none, true),
        ('EthnicCategory', 'EthnicCategory', none, true),
        ('OrgIDSubICBLocResidence', 'OrgIDSubICBLocResidence', none, true),
        ('LSOA2011', 'LSOA2011', none, true),
    ],
    'mhs101_referral': [
        ('UniqServReqID', 'UniqServReqID', none, true),
        ('LocalPatientId', 'person_key', none, true),
        ('ReferralRequestReceivedDate', 'ReferralRequestReceivedDate', none, true),
        ('SourceOfReferralMH', 'SourceOfReferralMH', none, true),
        ('PrimReasonReferralMH', 'PrimReasonReferralMH', none, true),
        ('ClinRespPriorityType', 'ClinRespPriorityType', none, true),
        ('UniqCareProfTeamLocalID', 'UniqCareProfTeamLocalID', none, true),
    ],
    'mhs201_care_contact': [
        ('UniqCareContID', 'UniqCareContID', none, true),
        ('UniqServReqID', 'UniqServReqID', none, true),
        ('LocalPatientId', 'person_key', none, true),
        ('UniqCareProfTeamLocalID', 'UniqCareProfTeamLocalID', none, true),
        ('CareContDate', 'CareContDate', none, true),
        ('AttendStatus', 'AttendStatus', none, true),
        ('ConsMechanismMH', 'ConsMechanismMH', "AttendStatus in ('5', '6')", true),
        ('ClinContDurOfCareCont', 'ClinContDurOfCareCont', "AttendStatus in ('5', '6')", true),
    ],
    'mhs501_hosp_prov_spell': [
        ('UniqHospProvSpellID', 'UniqHospProvSpellID', none, true),
        ('UniqServReqID', 'UniqServReqID', none, true),
        ('LocalPatientId', 'person_key', none, true),
        ('StartDateHospProvSpell', 'StartDateHospProvSpell', none, true),
        ('SourceAdmMHHospProvSpell', 'SourceAdmMHHospProvSpell', none, true),
        ('MethAdmMHHospProvSpell', 'MethAdmMHHospProvSpell', none, true),
        ('MethOfDischMHHospProvSpell', 'MethOfDischMHHospProvSpell', 'DischDateHospProvSpell is not null', true),
        ('DestOfDischHospProvSpell', 'DestOfDischHospProvSpell', 'DischDateHospProvSpell is not null', true),
    ],
    'mhs502_ward_stay': [
        ('UniqWardStayID', 'UniqWardStayID', none, true),
        ('UniqHospProvSpellID', 'UniqHospProvSpellID', none, true),
        ('LocalPatientId', 'person_key', none, true),
        ('StartDateWardStay', 'StartDateWardStay', none, true),
        ('WardCode', 'WardCode', none, true),
        ('MHAdmittedPatientClass', 'MHAdmittedPatientClass', none, true),
        ('WardSecLevel', 'WardSecLevel', none, true),
    ],
    'mhs509_home_leave': [
        ('UniqHospProvSpellID', 'UniqHospProvSpellID', none, true),
        ('StartDateHomeLeave', 'StartDateHomeLeave', none, true),
    ],
    'mhs510_leave_of_absence': [
        ('UniqHospProvSpellID', 'UniqHospProvSpellID', none, true),
        ('StartDateMHLeaveAbs', 'StartDateMHLeaveAbs', none, true),
    ],
    'mhs518_clin_ready_for_discharge': [
        ('MHS518UniqID', 'MHS518UniqID', none, true),
        ('UniqHospProvSpellID', 'UniqHospProvSpellID', none, true),
        ('StartDateClinReadyforDisch', 'StartDateClinReadyforDisch', none, true),
        ('ClinReadyforDischDelayReason', 'ClinReadyforDischDelayReason', none, true),
        ('AttribToIndic', 'AttribToIndic', none, true),
    ],
    'mhs902_service_team_details': [
        ('UniqCareProfTeamLocalID', 'UniqCareProfTeamLocalID', none, true),
        ('ServTeamTypeMH', 'ServTeamTypeMH', none, true),
    ],
    'plics': [
        ('ActivityType', 'ActivityType', none, false),
        ('ActivityID', 'ActivityID', none, false),
        ('CostPool', 'CostPool', none, false),
        ('CostGBP', 'CostGBP', none, false),
    ],
    'ledger': [
        ('CostCentre', 'CostCentre', none, false),
        ('Subjective', 'Subjective', none, false),
        ('AmountGBP', 'AmountGBP', none, false),
    ],
    'staff_in_post': [
        ('CostCentre', 'CostCentre', none, false),
        ('StaffGroup', 'StaffGroup', none, false),
        ('ContractType', 'ContractType', none, false),
        ('WTE', 'WTE', none, false),
    ],
    'oap_log': [
        ('PlacementID', 'PlacementID', none, false),
        ('LocalPatientId', 'person_key', none, false),
        ('NHSNumber', 'nhs_number_key', none, false),
        ('StartDate', 'StartDate', none, false),
        ('OrgIDReceiving', 'OrgIDReceiving', none, false),
        ('ReasonOAT', 'ReasonOAT', none, false),
        ('MHAdmittedPatientClass', 'MHAdmittedPatientClass', none, false),
        ('DailyCostGBP', 'DailyCostGBP', none, false),
    ],
} %}
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
