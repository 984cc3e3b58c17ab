"""National MHSDS measures as data: definitions in measures/*.yml, breakdowns in
breakdowns.yml, turned into dbt SQL by codegen.py (see docs/national-measures.md)."""
