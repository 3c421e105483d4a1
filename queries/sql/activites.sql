-- activites of one snapshot S, classified under the first row rule each row breaks (contract
-- order: date_future, orphelin, valeur_invalide; the contract's last rule, doublon, reads the
-- rows together and is applied next, in queries/events.py: every row of a key
-- (id_beneficiaire, semaine, type_activite) that appears more than once among the rows the
-- rules below leave valid). valeur_invalide: a NULL in a non-null column or a type outside
-- its list ({invalid}, generated from queries/schema.py), heures outside (0, 80] or NaN, a
-- semaine that is not a Monday (ISO day of week 1; a date32 DuckDB reads as ±infinity has
-- no day of week, and is no Monday either).
-- Rows come out with integer keys for that step: w, the semaine's day number since
-- 1970-01-01; t, the type's position in its list ({types}, 1-based; null outside it).
-- Placeholders: {path}, {snapshot}, {invalid}, {types}.
CREATE OR REPLACE TEMP VIEW activites_classified AS
SELECT
    b.pid,
    (e.semaine - DATE '1970-01-01')::INTEGER AS w,
    list_position({types}, e.type_activite)::UTINYINT AS t,
    e.heures::DOUBLE AS heures,
    CASE
        WHEN e.semaine > {snapshot} THEN 'date_future'
        WHEN b.pid IS NULL THEN 'orphelin'
        WHEN {invalid}
            OR coalesce(isodow(e.semaine) <> 1, true)
            OR isnan(e.heures)
            OR NOT (e.heures > 0 AND e.heures <= 80) THEN 'valeur_invalide'
    END AS rule
FROM read_parquet({path}, hive_partitioning = false) AS e
LEFT JOIN beneficiaires_valid AS b USING (id_beneficiaire);
