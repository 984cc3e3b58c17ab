-- Every national measure's exact value: one row per period month, measure, breakdown and
-- level. The SQL is written by the national_measure_values macro from the measure
-- definitions (pipelines/national/measures/*.yml, generated into
-- macros/national/national_measure_definitions.sql): add a measure by adding an entry.
{{ national_measure_values() }}
