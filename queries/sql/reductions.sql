-- Per-person reductions of the two big event tables, computed where the data is (DuckDB)
-- so no row per activity or contact reaches Python. Valid rows only (rule IS NULL).
-- Days are day numbers since 1970-01-01 (the metrics' notation); months are year·12 + month − 1.

-- h(b, w): hours of all valid activites rows of person b with semaine = w (indicators.md)
CREATE OR REPLACE TEMP TABLE heures_semaine AS
SELECT pid, (semaine - DATE '1970-01-01')::INTEGER AS w, sum(heures) AS h
FROM activites_m
WHERE rule IS NULL
GROUP BY pid, semaine;

-- hours of each activity type per person and week (the chart of hours by activity type):
-- the valid rows themselves, already one per (person, week, type) since the doublon rule
-- quarantines every row of a repeated key; a view, streamed to the cache by COPY
CREATE OR REPLACE TEMP VIEW heures_type_semaine AS
SELECT pid, (semaine - DATE '1970-01-01')::INTEGER AS w, type_activite, heures AS h
FROM activites_m
WHERE rule IS NULL;

-- weeks (their Monday) with at least one valid contact of any type
CREATE OR REPLACE TEMP TABLE contacts_semaine AS
SELECT DISTINCT pid, (date_trunc('week', date_contact)::DATE - DATE '1970-01-01')::INTEGER AS w
FROM contacts_m
WHERE rule IS NULL;

-- calendar months with at least one valid face-to-face meeting (rendez_vous)
CREATE OR REPLACE TEMP TABLE rdv_mois AS
SELECT DISTINCT pid, (year(date_contact) * 12 + month(date_contact) - 1)::INTEGER AS m
FROM contacts_m
WHERE rule IS NULL AND type_contact = 'rendez_vous';
