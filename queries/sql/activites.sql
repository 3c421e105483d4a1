-- activites of one snapshot S, classified under the first rule each row breaks (contract
-- order: date_future, orphelin, valeur_invalide). valeur_invalide: a type outside its list,
-- heures outside (0, 80], a semaine that is not a Monday (ISO day of week 1), or a NULL.
-- Placeholders: {path}, {snapshot}, {type_activite}.
CREATE OR REPLACE TEMP VIEW activites_classified AS
SELECT
    b.pid,
    e.semaine,
    e.type_activite,
    e.heures::DOUBLE AS heures,
    CASE
        WHEN e.semaine > {snapshot} THEN 'date_future'
        WHEN b.pid IS NULL THEN 'orphelin'
        WHEN e.semaine IS NULL
            OR isodow(e.semaine) <> 1
            OR coalesce(e.type_activite NOT IN {type_activite}, true)
            OR coalesce(NOT (e.heures > 0 AND e.heures <= 80), true) THEN 'valeur_invalide'
    END AS rule
FROM read_parquet({path}, hive_partitioning = false) AS e
LEFT JOIN beneficiaires_valid AS b USING (id_beneficiaire);
