-- Every ledger row with the cost category its Subjective resolves to
-- (docs/your-data.md, "Finance ledger and the subjective map").
-- Grain: one row per ledger row (provider x month x cost centre x subjective).
--   A Subjective that is a category name (pay_substantive, pay_bank,
--   pay_agency, non_pay, excluded; any case) is used as it is, so ledgers
--   already in our categories load unchanged. Anything else is the ledger's
--   own subjective/account code, looked up in the provider's rows of
--   reference/subjective_map.csv, most specific match first:
--     1. exact     the row's SubjectiveCode equals the code;
--     2. prefix    SubjectiveCode ends in * and the code starts with the rest;
--                  the longest prefix wins (5A11* before 5A1*);
--     3. range     CodeTo is filled and the code lies from SubjectiveCode to
--                  CodeTo inclusive; of overlapping ranges the one starting
--                  latest wins (a narrow range nested in a wide one), then
--                  the one ending first.
--   Codes compare ignoring case and surrounding spaces. In a range they
--   compare as text left-padded with zeros to 40 characters: codes of equal
--   length compare character by character, a shorter code sorts before a
--   longer one (9000 before 10000).
--   A code that matches nothing is 'unmapped': its money still counts in the
--   unit's ledger cost (as it did before the map), in no pay or non-pay
--   column, and the marts gate warns with each code and its amount
--   (expectations/marts.yml, ledger_subjectives_mapped). 'excluded' rows are
--   kept here and counted as excluded, never as cost.
{%- set categories = ['pay_substantive', 'pay_bank', 'pay_agency', 'non_pay', 'excluded'] %}
with ledger as (

    select
        provider_code,
        reporting_period_start as period_start,
        cost_centre,
        ward_code,
        uniq_care_prof_team_local_id,
        subjective,
        upper(trim(subjective)) as code,
        lower(trim(subjective)) as subjective_key,
        cast(amount_gbp as double) as amount_gbp,
        source_file_id,
        source_record_no
    from {{ ref('stg_finance__ledger') }}

),

subjective_map as (

    select
        org_id_prov as provider_code,
        subjective_code as map_code,
        category,
        case
            when code_to is not null then 'range'
            when subjective_code like '%*' then 'prefix'
            else 'exact'
        end as matched_by,
        upper(trim(subjective_code)) as exact_code,
        upper(trim(replace(subjective_code, '*', ''))) as prefix_code,
        lpad(upper(trim(subjective_code)), 40, '0') as range_from,
        lpad(upper(trim(code_to)), 40, '0') as range_to
    from {{ ref('stg_reference__subjective_map') }}

),

codes as (

    -- each provider's distinct codes are resolved once, then joined back to the rows
    select distinct provider_code, code
    from ledger
    where subjective_key not in ('{{ categories | join("', '") }}')

),

candidates as (

    select
        codes.provider_code,
        codes.code,
        subjective_map.category,
        subjective_map.matched_by,
        subjective_map.map_code,
        row_number() over (
            partition by codes.provider_code, codes.code
            order by
                case subjective_map.matched_by
                    when 'exact' then 1 when 'prefix' then 2 else 3
                end,
                -- then within the kind: the longest prefix; the range starting
                -- latest, then ending first
                case when subjective_map.matched_by = 'prefix'
                     then length(subjective_map.prefix_code) end desc,
                case when subjective_map.matched_by = 'range'
                     then subjective_map.range_from end desc,
                case when subjective_map.matched_by = 'range'
                     then subjective_map.range_to end,
                subjective_map.map_code
        ) as match_rank
    from codes
    inner join subjective_map
        on subjective_map.provider_code = codes.provider_code
        and (
            (subjective_map.matched_by = 'exact' and subjective_map.exact_code = codes.code)
            or (
                subjective_map.matched_by = 'prefix'
                and substr(codes.code, 1, length(subjective_map.prefix_code))
                    = subjective_map.prefix_code
            )
            or (
                subjective_map.matched_by = 'range'
                and lpad(codes.code, 40, '0') >= subjective_map.range_from
                and lpad(codes.code, 40, '0') <= subjective_map.range_to
            )
        )

),

resolved as (

    select provider_code, code, category, matched_by, map_code
    from candidates
    where match_rank = 1

)

select
    ledger.provider_code,
    ledger.period_start,
    ledger.cost_centre,
    ledger.ward_code,
    ledger.uniq_care_prof_team_local_id,
    ledger.subjective,
    case
        when ledger.subjective_key in ('{{ categories | join("', '") }}')
            then ledger.subjective_key
        else coalesce(resolved.category, 'unmapped')
    end as category,
    case
        when ledger.subjective_key in ('{{ categories | join("', '") }}') then 'category'
        else coalesce(resolved.matched_by, 'unmapped')
    end as matched_by,
    resolved.map_code,
    ledger.amount_gbp,
    ledger.source_file_id,
    ledger.source_record_no
from ledger
left join resolved
    on {{ same_keys('resolved', 'ledger', ['provider_code', 'code']) }}
