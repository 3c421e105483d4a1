-- emplois of one snapshot S, classified under the first rule each row breaks (contract
-- order: date_future, orphelin, valeur_invalide).
-- Placeholders: {path}, {snapshot}, {type_contrat}.
CREATE OR REPLACE TEMP VIEW emplois_classified AS
SELECT
    b.pid,
    e.date_debut,
    e.date_fin,
    e.type_contrat,
    e.heures_hebdo::DOUBLE AS heures_hebdo,
    CASE
        WHEN e.date_debut > {snapshot} THEN 'date_future'
        WHEN b.pid IS NULL THEN 'orphelin'
        WHEN e.date_debut IS NULL
            OR coalesce(e.type_contrat NOT IN {type_contrat}, true) THEN 'valeur_invalide'
    END AS rule
FROM read_parquet({path}, hive_partitioning = false) AS e
LEFT JOIN beneficiaires_valid AS b USING (id_beneficiaire);
