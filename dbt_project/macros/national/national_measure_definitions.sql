{#- generated from pipelines/national/measures/*.yml by pipelines.national.codegen -#}
{% macro national_measure_definitions() %}
{{ return([
  {
    "id": "MHS78",
    "frequency": "M",
    "aggregate": "count",
    "column": none,
    "source": "int_nat_followup_72h_discharges",
    "filter": "eligible_acute_discharge",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider_of_responsibility",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS79",
    "frequency": "M",
    "aggregate": "count",
    "column": none,
    "source": "int_nat_followup_72h_discharges",
    "filter": "followed_up_within_72h",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider_of_responsibility",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS80",
    "frequency": "M",
    "aggregate": "ratio",
    "column": none,
    "source": none,
    "filter": none,
    "numerator": "MHS79",
    "denominator": "MHS78",
    "multiplier": 100.0,
    "count_like": false,
    "breakdowns": [
      "provider_of_responsibility",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS140",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "person_key",
    "source": "int_nat_los_discharges",
    "filter": "acute_bed = 'Adult Acute' and age_at_period_end between 18 and 64 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS140a",
    "frequency": "Q",
    "aggregate": "mean",
    "column": "los_days",
    "source": "int_nat_los_discharges",
    "filter": "acute_bed = 'Adult Acute' and age_at_period_end between 18 and 64 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": false,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS140b",
    "frequency": "Q",
    "aggregate": "median",
    "column": "los_days",
    "source": "int_nat_los_discharges",
    "filter": "acute_bed = 'Adult Acute' and age_at_period_end between 18 and 64 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": false,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS100",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "person_key",
    "source": "int_nat_los_discharges",
    "filter": "acute_bed = 'Adult Acute' and age_at_period_end between 18 and 64 and los_days >= 60 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS100b",
    "frequency": "Q",
    "aggregate": "ratio",
    "column": none,
    "source": none,
    "filter": none,
    "numerator": "MHS100",
    "denominator": "MHS140",
    "multiplier": 100.0,
    "count_like": false,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS101",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "person_key",
    "source": "int_nat_los_discharges",
    "filter": "acute_bed = 'Adult Acute' and age_at_period_end between 18 and 64 and los_days >= 90 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS101b",
    "frequency": "Q",
    "aggregate": "ratio",
    "column": none,
    "source": none,
    "filter": none,
    "numerator": "MHS101",
    "denominator": "MHS140",
    "multiplier": 100.0,
    "count_like": false,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS141",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "person_key",
    "source": "int_nat_los_discharges",
    "filter": "acute_bed = 'Older Adult Acute' and age_at_period_end >= 65 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS141a",
    "frequency": "Q",
    "aggregate": "mean",
    "column": "los_days",
    "source": "int_nat_los_discharges",
    "filter": "acute_bed = 'Older Adult Acute' and age_at_period_end >= 65 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": false,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS141b",
    "frequency": "Q",
    "aggregate": "median",
    "column": "los_days",
    "source": "int_nat_los_discharges",
    "filter": "acute_bed = 'Older Adult Acute' and age_at_period_end >= 65 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": false,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS102",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "person_key",
    "source": "int_nat_los_discharges",
    "filter": "acute_bed = 'Older Adult Acute' and age_at_period_end >= 65 and los_days >= 60 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS102b",
    "frequency": "Q",
    "aggregate": "ratio",
    "column": none,
    "source": none,
    "filter": none,
    "numerator": "MHS102",
    "denominator": "MHS141",
    "multiplier": 100.0,
    "count_like": false,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS103",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "person_key",
    "source": "int_nat_los_discharges",
    "filter": "acute_bed = 'Older Adult Acute' and age_at_period_end >= 65 and los_days >= 90 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS103b",
    "frequency": "Q",
    "aggregate": "ratio",
    "column": none,
    "source": none,
    "filter": none,
    "numerator": "MHS103",
    "denominator": "MHS141",
    "multiplier": 100.0,
    "count_like": false,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS142",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "person_key",
    "source": "int_nat_los_discharges",
    "filter": "age_at_period_end between 0 and 17 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS142a",
    "frequency": "Q",
    "aggregate": "mean",
    "column": "los_days",
    "source": "int_nat_los_discharges",
    "filter": "age_at_period_end between 0 and 17 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": false,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS142b",
    "frequency": "Q",
    "aggregate": "median",
    "column": "los_days",
    "source": "int_nat_los_discharges",
    "filter": "age_at_period_end between 0 and 17 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": false,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS104",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "person_key",
    "source": "int_nat_los_discharges",
    "filter": "age_at_period_end between 0 and 17 and los_days >= 60 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS104b",
    "frequency": "Q",
    "aggregate": "ratio",
    "column": none,
    "source": none,
    "filter": none,
    "numerator": "MHS104",
    "denominator": "MHS142",
    "multiplier": 100.0,
    "count_like": false,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS105",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "person_key",
    "source": "int_nat_los_discharges",
    "filter": "age_at_period_end between 0 and 17 and los_days >= 90 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS105b",
    "frequency": "Q",
    "aggregate": "ratio",
    "column": none,
    "source": none,
    "filter": none,
    "numerator": "MHS105",
    "denominator": "MHS142",
    "multiplier": 100.0,
    "count_like": false,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS156",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "uniq_hosp_prov_spell_id",
    "source": "int_nat_los_spells",
    "filter": "has_acute_discharge_bed and age_at_period_end >= 18 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS156a",
    "frequency": "Q",
    "aggregate": "sum",
    "column": "los_days",
    "source": "int_nat_los_spells",
    "filter": "has_acute_discharge_bed and age_at_period_end >= 18 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS156b",
    "frequency": "Q",
    "aggregate": "mean",
    "column": "los_days",
    "source": "int_nat_los_spells",
    "filter": "has_acute_discharge_bed and age_at_period_end >= 18 and s.disch_date between p.window_start_month and p.reporting_period_end and (s.superseded_month is null or s.superseded_month > p.period_month)",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": false,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS01",
    "frequency": "M",
    "aggregate": "count_distinct",
    "column": "person_key",
    "source": "int_nat_monthly_referrals",
    "filter": "is_open_at_period_end",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality"
    ]
  },
  {
    "id": "MHS07",
    "frequency": "M",
    "aggregate": "count_distinct",
    "column": "person_key",
    "source": "int_nat_monthly_spell_events",
    "filter": "event = 'open_at_end' and referral_open_at_period_end and person_in_mpi",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS21",
    "frequency": "M",
    "aggregate": "count_distinct",
    "column": "uniq_ward_stay_id",
    "source": "int_nat_monthly_ward_stays",
    "filter": "is_open_at_period_end and person_in_mpi",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS24",
    "frequency": "M",
    "aggregate": "sum",
    "column": "bed_days",
    "source": "int_nat_monthly_ward_stays",
    "filter": none,
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS25",
    "frequency": "M",
    "aggregate": "sum",
    "column": "bed_days_less_leave",
    "source": "int_nat_monthly_ward_stays",
    "filter": none,
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS26",
    "frequency": "M",
    "aggregate": "sum",
    "column": "crfd_days",
    "source": "int_nat_monthly_crfd_periods",
    "filter": none,
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS27",
    "frequency": "M",
    "aggregate": "count",
    "column": none,
    "source": "int_nat_monthly_spell_events",
    "filter": "event = 'admission'",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS28",
    "frequency": "M",
    "aggregate": "count",
    "column": none,
    "source": "int_nat_monthly_spell_events",
    "filter": "event = 'discharge'",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality",
      "provider_ward"
    ]
  },
  {
    "id": "MHS30",
    "frequency": "M",
    "aggregate": "count_distinct",
    "column": "uniq_care_cont_id",
    "source": "int_nat_monthly_care_contacts",
    "filter": "is_attended",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality"
    ]
  },
  {
    "id": "MHS32",
    "frequency": "M",
    "aggregate": "count_distinct",
    "column": "uniq_serv_req_id",
    "source": "int_nat_monthly_referrals",
    "filter": "is_received_in_period",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "provider",
      "provider_locality"
    ]
  },
  {
    "id": "OAP01M",
    "frequency": "M",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 1 and s.window_end_month = p.period_month and s.received_in_window",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP01Q",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 3 and s.window_end_month = p.period_month and s.received_in_window",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP01Y",
    "frequency": "Y",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 12 and s.window_end_month = p.period_month and s.received_in_window",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP01aM",
    "frequency": "M",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 1 and s.window_end_month = p.period_month and s.received_in_window and s.start_acute_bed = 'Y'",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP01aQ",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 3 and s.window_end_month = p.period_month and s.received_in_window and s.start_acute_bed = 'Y'",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP01aY",
    "frequency": "Y",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 12 and s.window_end_month = p.period_month and s.received_in_window and s.start_acute_bed = 'Y'",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP02M",
    "frequency": "M",
    "aggregate": "sum",
    "column": "bed_days",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 1 and s.window_end_month = p.period_month",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP02Q",
    "frequency": "Q",
    "aggregate": "sum",
    "column": "bed_days",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 3 and s.window_end_month = p.period_month",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP02Y",
    "frequency": "Y",
    "aggregate": "sum",
    "column": "bed_days",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 12 and s.window_end_month = p.period_month",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP02aM",
    "frequency": "M",
    "aggregate": "sum",
    "column": "acute_bed_days",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 1 and s.window_end_month = p.period_month",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP02aQ",
    "frequency": "Q",
    "aggregate": "sum",
    "column": "acute_bed_days",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 3 and s.window_end_month = p.period_month",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP02aY",
    "frequency": "Y",
    "aggregate": "sum",
    "column": "acute_bed_days",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 12 and s.window_end_month = p.period_month",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP03M",
    "frequency": "M",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 1 and s.window_end_month = p.period_month and s.active_at_end",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP03Q",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 1 and s.window_end_month = p.period_month and s.active_at_end",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP03Y",
    "frequency": "Y",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 1 and s.window_end_month = p.period_month and s.active_at_end",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP03aM",
    "frequency": "M",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 1 and s.window_end_month = p.period_month and s.active_at_end and s.active_acute_bed = 'Y'",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP03aQ",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 1 and s.window_end_month = p.period_month and s.active_at_end and s.active_acute_bed = 'Y'",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP03aY",
    "frequency": "Y",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 1 and s.window_end_month = p.period_month and s.active_at_end and s.active_acute_bed = 'Y'",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP04M",
    "frequency": "M",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 1 and s.window_end_month = p.period_month and s.ended_in_window",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP04Q",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 3 and s.window_end_month = p.period_month and s.ended_in_window",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP04Y",
    "frequency": "Y",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 12 and s.window_end_month = p.period_month and s.ended_in_window",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP04aM",
    "frequency": "M",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 1 and s.window_end_month = p.period_month and s.ended_in_window and s.end_acute_bed = 'Y'",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP04aQ",
    "frequency": "Q",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 3 and s.window_end_month = p.period_month and s.ended_in_window and s.end_acute_bed = 'Y'",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  },
  {
    "id": "OAP04aY",
    "frequency": "Y",
    "aggregate": "count_distinct",
    "column": "referral_key",
    "source": "int_nat_oaps_referrals",
    "filter": "s.window_months = 12 and s.window_end_month = p.period_month and s.ended_in_window and s.end_acute_bed = 'Y'",
    "numerator": none,
    "denominator": none,
    "multiplier": 1.0,
    "count_like": true,
    "breakdowns": [
      "receiving_provider",
      "sending_provider"
    ]
  }
]) }}
{% endmacro %}

{% macro national_breakdown_definitions() %}
{{ return({
  "provider": {
    "key": "provider",
    "name": "Provider",
    "primary_level": "s.provider_code",
    "primary_level_description": "s.provider_code",
    "secondary_level": "'NONE'",
    "secondary_level_description": "'NONE'",
    "requires": [
      "provider_code"
    ],
    "zero_fill": true
  },
  "provider_of_responsibility": {
    "key": "provider_of_responsibility",
    "name": "Provider of Responsibility",
    "primary_level": "s.provider_code",
    "primary_level_description": "s.provider_code",
    "secondary_level": "'NONE'",
    "secondary_level_description": "'NONE'",
    "requires": [
      "provider_code"
    ],
    "zero_fill": true
  },
  "receiving_provider": {
    "key": "receiving_provider",
    "name": "Receiving Provider",
    "primary_level": "s.provider_code",
    "primary_level_description": "s.provider_code",
    "secondary_level": "'NONE'",
    "secondary_level_description": "'NONE'",
    "requires": [
      "provider_code"
    ],
    "zero_fill": true
  },
  "sending_provider": {
    "key": "sending_provider",
    "name": "Sending Provider",
    "primary_level": "s.sending_provider",
    "primary_level_description": "s.sending_provider",
    "secondary_level": "'NONE'",
    "secondary_level_description": "'NONE'",
    "requires": [
      "sending_provider"
    ],
    "zero_fill": false
  },
  "provider_locality": {
    "key": "provider_locality",
    "name": "Provider; Locality",
    "primary_level": "s.provider_code",
    "primary_level_description": "s.provider_code",
    "secondary_level": "coalesce(s.locality, 'Unknown')",
    "secondary_level_description": "coalesce(s.locality, 'Unknown')",
    "requires": [
      "provider_code"
    ],
    "zero_fill": false
  },
  "provider_ward": {
    "key": "provider_ward",
    "name": "Provider; Ward",
    "primary_level": "s.provider_code",
    "primary_level_description": "s.provider_code",
    "secondary_level": "s.ward_code",
    "secondary_level_description": "coalesce(s.ward_name, s.ward_code)",
    "requires": [
      "provider_code",
      "ward_code"
    ],
    "zero_fill": false
  }
}) }}
{% endmacro %}

{# the breakdowns NHS England publishes (breakdowns.yml national: true) #}
{% macro national_breakdown_names() %}
{{ return([
  "Provider",
  "Provider of Responsibility",
  "Receiving Provider",
  "Sending Provider"
]) }}
{% endmacro %}
