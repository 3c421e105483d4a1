-- activites of one snapshot S, classified under the first rule each row breaks (contract
-- order: date_future, orphelin, valeur_invalide, doublon). valeur_invalide: a NULL in a
-- non-null column or a type outside its list ({invalid}, generated from queries/schema.py),
-- heures outside (0, 80] or NaN, a semaine that is not a Monday (ISO day of week 1).
-- doublon: every row of a key (id_beneficiaire, semaine, type_activite) that appears more
-- than once among the rows the rules above leave valid (its hours are ambiguous).
-- Placeholders: {path}, {snapshot}, {invalid}.
CREATE OR REPLACE TEMP VIEW activites_classified AS
WITH first_rules AS (
    SELECT
        b.pid,
        e.semaine,
        e.type_activite,
        e.heures::DOUBLE AS heures,
        CASE
            WHEN e.semaine > {snapshot} THEN 'date_future'
            WHEN b.pid IS NULL THEN 'orphelin'
            WHEN {invalid}
                OR isodow(e.semaine) <> 1
                OR isnan(e.heures)
                OR NOT (e.heures > 0 AND e.heures <= 80) THEN 'valeur_invalide'
        END AS rule_before
    FROM read_parquet({path}, hive_partitioning = false) AS e
    LEFT JOIN beneficiaires_valid AS b USING (id_beneficiaire)
)
SELECT
    pid,
    semaine,
    type_activite,
    heures,
    CASE
        WHEN rule_before IS NOT NULL THEN rule_before
        WHEN count(*) FILTER (WHERE rule_before IS NULL)
            OVER (PARTITION BY pid, semaine, type_activite) > 1 THEN 'doublon'
    END AS rule
FROM first_rules;
