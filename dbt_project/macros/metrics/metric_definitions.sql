{#- generated from pipelines/metrics/metrics.yml by pipelines.metrics.codegen -#}
{# every local metric: kind, unit, computing model and its rollup #}
{% macro metric_definitions() %}
{{ return([
  {
    "id": "admissions",
    "kind": "count",
    "unit": "count",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "admissions",
      "numerator": "count(*)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "admissions_planned",
    "kind": "count",
    "unit": "count",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "admissions",
      "numerator": "sum(case when admission_method_group = 'planned' then 1 else 0 end)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "admissions_emergency",
    "kind": "count",
    "unit": "count",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "admissions",
      "numerator": "sum(case when admission_method_group = 'emergency' then 1 else 0 end)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "admissions_emergency_via_crisis",
    "kind": "count",
    "unit": "count",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "admissions",
      "numerator": "sum(case when admission_method = '25' then 1 else 0 end)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "admissions_transfer",
    "kind": "count",
    "unit": "count",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "admissions",
      "numerator": "sum(case when admission_method_group = 'transfer' then 1 else 0 end)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "admissions_unplanned_pct",
    "kind": "ratio",
    "unit": "percent",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "admissions",
      "numerator": "sum(case when admission_method_group = 'emergency' then 1 else 0 end)",
      "denominator": "count(*)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": "binomial"
  },
  {
    "id": "discharges",
    "kind": "count",
    "unit": "count",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "discharges",
      "numerator": "count(*)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "occupied_bed_days",
    "kind": "count",
    "unit": "days",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "ward_month",
      "numerator": "sum(occupied_bed_days)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "bed_days_less_leave",
    "kind": "count",
    "unit": "days",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "ward_month",
      "numerator": "sum(bed_days_less_leave)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "available_bed_days",
    "kind": "count",
    "unit": "days",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "ward_month",
      "numerator": "sum(available_bed_days)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "occupancy_pct",
    "kind": "ratio",
    "unit": "percent",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "ward_month",
      "numerator": "sum(occupied_bed_days)",
      "denominator": "sum(available_bed_days)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": "binomial"
  },
  {
    "id": "occupancy_excl_leave_pct",
    "kind": "ratio",
    "unit": "percent",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "ward_month",
      "numerator": "sum(bed_days_less_leave)",
      "denominator": "sum(available_bed_days)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": "binomial"
  },
  {
    "id": "closed_bed_days",
    "kind": "count",
    "unit": "days",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "ward_month",
      "numerator": "sum(closed_bed_days)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "closed_bed_days_pct",
    "kind": "ratio",
    "unit": "percent",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "ward_month",
      "numerator": "sum(closed_bed_days)",
      "denominator": "sum(reported_bed_days)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": "binomial"
  },
  {
    "id": "los_mean_days",
    "kind": "mean",
    "unit": "days",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "discharges",
      "numerator": "sum(los_days)",
      "denominator": "count(*)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "los"
    },
    "window": none,
    "complete_when": none,
    "funnel": "normal"
  },
  {
    "id": "los_median_days",
    "kind": "median",
    "unit": "days",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "discharges",
      "numerator": "median(los_days)",
      "denominator": "count(*)",
      "median_of": "los_days",
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "los"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "los_60plus_pct",
    "kind": "ratio",
    "unit": "percent",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "discharges",
      "numerator": "sum(case when los_days >= 60 then 1 else 0 end)",
      "denominator": "count(*)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "los"
    },
    "window": none,
    "complete_when": none,
    "funnel": "binomial"
  },
  {
    "id": "los_90plus_pct",
    "kind": "ratio",
    "unit": "percent",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "discharges",
      "numerator": "sum(case when los_days >= 90 then 1 else 0 end)",
      "denominator": "count(*)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "los"
    },
    "window": none,
    "complete_when": none,
    "funnel": "binomial"
  },
  {
    "id": "crfd_days",
    "kind": "count",
    "unit": "days",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "ward_month",
      "numerator": "sum(crfd_days)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "crfd_bed_days_pct",
    "kind": "ratio",
    "unit": "percent",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "ward_month",
      "numerator": "sum(crfd_days)",
      "denominator": "sum(occupied_bed_days)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": "binomial"
  },
  {
    "id": "oap_new",
    "kind": "count",
    "unit": "count",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "oap",
      "numerator": "sum(started)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality"
      ],
      "groups": "bed"
    },
    "window": "sum",
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "oap_bed_days",
    "kind": "count",
    "unit": "days",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "oap",
      "numerator": "sum(oap_bed_days)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality"
      ],
      "groups": "bed"
    },
    "window": "sum",
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "oap_active_end",
    "kind": "count",
    "unit": "count",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "oap",
      "numerator": "sum(active_at_end)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality"
      ],
      "groups": "bed"
    },
    "window": "last",
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "oap_ended",
    "kind": "count",
    "unit": "count",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "oap",
      "numerator": "sum(ended)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality"
      ],
      "groups": "bed"
    },
    "window": "sum",
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "readmission_30d_pct",
    "kind": "ratio",
    "unit": "percent",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "discharges",
      "numerator": "sum(case when is_readmission_index and is_readmitted_30d then 1 else 0 end)",
      "denominator": "sum(case when is_readmission_index then 1 else 0 end)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": "outcome_window_30d",
    "funnel": "binomial"
  },
  {
    "id": "followup_72h_pct",
    "kind": "ratio",
    "unit": "percent",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "followups",
      "numerator": "sum(case when is_followed_up_72h then 1 else 0 end)",
      "denominator": "count(*)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "all"
    },
    "window": none,
    "complete_when": none,
    "funnel": "binomial"
  },
  {
    "id": "people_in_contact",
    "kind": "count",
    "unit": "people",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "open_referrals",
      "numerator": "count(distinct person_key)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "team"
      ],
      "groups": "all"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "new_referrals",
    "kind": "count",
    "unit": "count",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "new_referrals",
      "numerator": "count(*)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "team"
      ],
      "groups": "all"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "open_caseload",
    "kind": "count",
    "unit": "count",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "open_referrals",
      "numerator": "count(*)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "team"
      ],
      "groups": "all"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "attended_contacts",
    "kind": "count",
    "unit": "count",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "contacts",
      "numerator": "sum(case when is_attended then 1 else 0 end)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "team"
      ],
      "groups": "all"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "dna_rate_pct",
    "kind": "ratio",
    "unit": "percent",
    "model": "int_metric_values_monthly",
    "rollup": {
      "fact": "contacts",
      "numerator": "sum(case when is_dna then 1 else 0 end)",
      "denominator": "sum(case when is_booked then 1 else 0 end)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "team"
      ],
      "groups": "all"
    },
    "window": none,
    "complete_when": none,
    "funnel": "binomial"
  },
  {
    "id": "cost_total",
    "kind": "count",
    "unit": "gbp",
    "model": "int_metric_values_cost",
    "rollup": {
      "fact": "units",
      "numerator": "sum(cost_total_gbp)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward",
        "team"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "cost_per_occupied_bed_day",
    "kind": "mean",
    "unit": "gbp",
    "model": "int_metric_values_cost",
    "rollup": {
      "fact": "ward_units",
      "numerator": "sum(cost_total_gbp)",
      "denominator": "sum(occupied_bed_days)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "cost_per_discharge",
    "kind": "mean",
    "unit": "gbp",
    "model": "int_metric_values_cost",
    "rollup": {
      "fact": "ward_units",
      "numerator": "sum(cost_total_gbp)",
      "denominator": "sum(discharges)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "cost_per_attended_contact",
    "kind": "mean",
    "unit": "gbp",
    "model": "int_metric_values_cost",
    "rollup": {
      "fact": "team_units",
      "numerator": "sum(cost_total_gbp)",
      "denominator": "sum(attended_contacts)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "team"
      ],
      "groups": "all"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "agency_pay_pct",
    "kind": "ratio",
    "unit": "percent",
    "model": "int_metric_values_cost",
    "rollup": {
      "fact": "units",
      "numerator": "sum(pay_agency_gbp)",
      "denominator": "sum(pay_gbp)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward",
        "team"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "oap_cost",
    "kind": "count",
    "unit": "gbp",
    "model": "int_metric_values_cost",
    "rollup": {
      "fact": "oap",
      "numerator": "sum(oap_cost_gbp)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "clinical_wte",
    "kind": "count",
    "unit": "wte",
    "model": "int_metric_values_cost",
    "rollup": {
      "fact": "units",
      "numerator": "sum(clinical_wte)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward",
        "team"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "clinical_wte_substantive",
    "kind": "count",
    "unit": "wte",
    "model": "int_metric_values_cost",
    "rollup": {
      "fact": "units",
      "numerator": "sum(clinical_wte_substantive)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward",
        "team"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "clinical_wte_bank",
    "kind": "count",
    "unit": "wte",
    "model": "int_metric_values_cost",
    "rollup": {
      "fact": "units",
      "numerator": "sum(clinical_wte_bank)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward",
        "team"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "clinical_wte_agency",
    "kind": "count",
    "unit": "wte",
    "model": "int_metric_values_cost",
    "rollup": {
      "fact": "units",
      "numerator": "sum(clinical_wte_agency)",
      "denominator": none,
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward",
        "team"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "attended_contacts_per_clinical_wte",
    "kind": "ratio",
    "unit": "ratio",
    "model": "int_metric_values_cost",
    "rollup": {
      "fact": "team_units",
      "numerator": "sum(attended_contacts)",
      "denominator": "sum(clinical_wte)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "team"
      ],
      "groups": "all"
    },
    "window": none,
    "complete_when": none,
    "funnel": "poisson"
  },
  {
    "id": "occupied_bed_days_per_nursing_wte",
    "kind": "ratio",
    "unit": "ratio",
    "model": "int_metric_values_cost",
    "rollup": {
      "fact": "ward_units",
      "numerator": "sum(occupied_bed_days)",
      "denominator": "sum(nursing_wte)",
      "median_of": none,
      "levels": [
        "provider",
        "locality",
        "ward"
      ],
      "groups": "bed"
    },
    "window": none,
    "complete_when": none,
    "funnel": "poisson"
  },
  {
    "id": "output_index",
    "kind": "ratio",
    "unit": "index",
    "model": "int_metric_values_cost",
    "rollup": none,
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "input_index",
    "kind": "ratio",
    "unit": "index",
    "model": "int_metric_values_cost",
    "rollup": none,
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "productivity_index",
    "kind": "ratio",
    "unit": "index",
    "model": "int_metric_values_cost",
    "rollup": none,
    "window": none,
    "complete_when": none,
    "funnel": none
  },
  {
    "id": "productivity_index_quality_adjusted",
    "kind": "ratio",
    "unit": "index",
    "model": "int_metric_values_cost",
    "rollup": none,
    "window": none,
    "complete_when": "quality_adjustment",
    "funnel": none
  }
]) }}
{% endmacro %}

{# metric ids by window, completeness rule and funnel method #}
{% macro metric_lists() %}
{{ return({
  "window_sum": [
    "oap_new",
    "oap_bed_days",
    "oap_ended"
  ],
  "window_last": [
    "oap_active_end"
  ],
  "complete_outcome_window_30d": [
    "readmission_30d_pct"
  ],
  "complete_quality_adjustment": [
    "productivity_index_quality_adjusted"
  ],
  "funnel_binomial": [
    "admissions_unplanned_pct",
    "occupancy_pct",
    "occupancy_excl_leave_pct",
    "closed_bed_days_pct",
    "los_60plus_pct",
    "los_90plus_pct",
    "crfd_bed_days_pct",
    "readmission_30d_pct",
    "followup_72h_pct",
    "dna_rate_pct"
  ],
  "funnel_poisson": [
    "attended_contacts_per_clinical_wte",
    "occupied_bed_days_per_nursing_wte"
  ],
  "funnel_normal": [
    "los_mean_days"
  ]
}) }}
{% endmacro %}

{# units whose ratio and mean values are on a 0-100 scale #}
{% macro metric_scaled_units() %}
{{ return([
  "percent",
  "index"
]) }}
{% endmacro %}
