-- Referential integrity of the foreign keys the metrics join on, per
-- provider x month x table x field (the foreign key) x reference (what it
-- must point to). Child rows are the rows of the table's current loaded
-- file (meta.manifest status 'loaded') with the key filled in.
--   same submission: MHSDS records must point to a record of the same
--                    provider's submission for the same month (a ward stay
--                    to its spell, a contact to its referral, ...);
--   reference data : ward and team codes must be in reference/wards.csv and
--                    reference/teams.csv for the provider;
--   PLICS          : the ward stay or contact costed must exist (current
--                    staging version, any month);
--   staff in post  : the cost centre must be in the same month's ledger.
-- numerator = child rows whose key is found, denominator = child rows with
-- the key filled in.
{%- set checks = [
    ('mhs502_ward_stay', 'UniqHospProvSpellID', 'UniqHospProvSpellID', 'spells', 'mhs501_hosp_prov_spell.UniqHospProvSpellID (same submission)'),
    ('mhs502_ward_stay', 'WardCode', 'WardCode', 'ref_wards', 'reference wards.WardCode'),
    ('mhs509_home_leave', 'UniqHospProvSpellID', 'UniqHospProvSpellID', 'spells', 'mhs501_hosp_prov_spell.UniqHospProvSpellID (same submission)'),
    ('mhs510_leave_of_absence', 'UniqHospProvSpellID', 'UniqHospProvSpellID', 'spells', 'mhs501_hosp_prov_spell.UniqHospProvSpellID (same submission)'),
    ('mhs518_clin_ready_for_discharge', 'UniqHospProvSpellID', 'UniqHospProvSpellID', 'spells', 'mhs501_hosp_prov_spell.UniqHospProvSpellID (same submission)'),
    ('mhs501_hosp_prov_spell', 'UniqServReqID', 'UniqServReqID', 'referrals', 'mhs101_referral.UniqServReqID (same submission)'),
    ('mhs501_hosp_prov_spell', 'LocalPatientId', 'person_key', 'people', 'mhs001_mpi.LocalPatientId (same submission)'),
    ('mhs201_care_contact', 'UniqServReqID', 'UniqServReqID', 'referrals', 'mhs101_referral.UniqServReqID (same submission)'),
    ('mhs201_care_contact', 'UniqCareProfTeamLocalID', 'UniqCareProfTeamLocalID', 'ref_teams', 'reference teams.UniqCareProfTeamLocalID'),
    ('mhs101_referral', 'LocalPatientId', 'person_key', 'people', 'mhs001_mpi.LocalPatientId (same submission)'),
    ('mhs101_referral', 'UniqCareProfTeamLocalID', 'UniqCareProfTeamLocalID', 'ref_teams', 'reference teams.UniqCareProfTeamLocalID'),
    ('plics', 'ActivityID', dbt.concat(['ActivityType', "'|'", 'ActivityID']), 'activities', 'mhs502_ward_stay.UniqWardStayID or mhs201_care_contact.UniqCareContID'),
    ('ledger', 'WardCode', 'WardCode', 'ref_wards', 'reference wards.WardCode'),
    ('ledger', 'UniqCareProfTeamLocalID', 'UniqCareProfTeamLocalID', 'ref_teams', 'reference teams.UniqCareProfTeamLocalID'),
    ('staff_in_post', 'CostCentre', 'CostCentre', 'ledger_cost_centres', 'ledger.CostCentre (same month)'),
] %}
{%- set same_month = ['spells', 'referrals', 'people', 'ledger_cost_centres'] %}
{#- the parents read from the raw tables (loaded files only): name, table, key -#}
{%- set raw_parents = [
    ('spells', 'mhs501_hosp_prov_spell', 'UniqHospProvSpellID'),
    ('referrals', 'mhs101_referral', 'UniqServReqID'),
    ('people', 'mhs001_mpi', 'person_key'),
] %}
with loaded as (

    select file_id
    from {{ source('meta', 'manifest') }}
    where status = 'loaded'

),

{%- for name, table, key in raw_parents %}

parent_{{ name }} as (

    select distinct p._provider as provider_code, p._period_start as period_start,
           p.{{ key }} as parent_key
    from {{ source('raw', table) }} as p
    inner join loaded on loaded.file_id = p._file_id

),
{%- endfor %}

parent_ledger_cost_centres as (

    select distinct provider_code, reporting_period_start as period_start,
           cost_centre as parent_key
    from {{ ref('stg_finance__ledger') }}

),

parent_ref_wards as (

    select distinct org_id_prov as provider_code, ward_code as parent_key
    from {{ ref('stg_reference__wards') }}

),

parent_ref_teams as (

    select distinct org_id_prov as provider_code, uniq_care_prof_team_local_id as parent_key
    from {{ ref('stg_reference__teams') }}

),

parent_activities as (

    select distinct provider_code,
           {{ dbt.concat(["'ward_stay_day'", "'|'", 'uniq_ward_stay_id']) }} as parent_key
    from {{ ref('stg_mhsds__ward_stay') }}
    union
    select distinct provider_code,
           {{ dbt.concat(["'care_contact'", "'|'", 'uniq_care_cont_id']) }} as parent_key
    from {{ ref('stg_mhsds__care_contact') }}

),

{%- for child, field, key_expr, parent, reference in checks %}

check_{{ loop.index }} as (

    select
        c._provider as provider_code,
        c._period_start as period_start,
        '{{ child }}' as table_name,
        '{{ field }}' as field_name,
        '{{ reference }}' as reference,
        sum(case when p.parent_key is not null then 1 else 0 end) as rows_found,
        count(*) as rows_checked
    from {{ source('raw', child) }} as c
    inner join loaded on loaded.file_id = c._file_id
    left join parent_{{ parent }} as p
        on p.provider_code = c._provider
        {%- if parent in same_month %}
        and p.period_start = c._period_start
        {%- endif %}
        and p.parent_key = {{ key_expr }}
    where {{ key_expr }} is not null
    group by c._provider, c._period_start

),
{%- endfor %}

checks as (

    {%- for check in checks %}
    select * from check_{{ loop.index }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select
    provider_code,
    period_start,
    table_name,
    field_name,
    reference,
    rows_found,
    rows_checked,
    100 * cast(rows_found as double) / rows_checked as integrity_pct
from checks
where provider_code is not null and period_start is not null
