-- Wards with locality and bed type; one row per ward and effective period.
select
    org_id_prov as provider_code,
    ward_code,
    ward_name,
    locality,
    mh_admitted_patient_class as ward_bed_type,
    commissioned_beds,
    effective_from,
    -- exclusive end of the effective period (open = far future)
    coalesce({{ add_days('effective_to', 1) }}, cast('9999-12-31' as date)) as effective_to_excl
from {{ ref('stg_reference__wards') }}
