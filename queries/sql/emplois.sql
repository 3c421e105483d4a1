-- emplois of one snapshot S, classified under the first rule each row breaks (contract
-- order: date_future, orphelin, valeur_invalide). valeur_invalide: a NULL in a non-null
-- column or a contract type outside its list ({invalid}, generated from queries/schema.py).
-- Placeholders: {path}, {snapshot}, {invalid}.
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
        WHEN {invalid} THEN 'valeur_invalide'
    END AS rule
FROM read_parquet({path}, hive_partitioning = false) AS e
LEFT JOIN beneficiaires_valid AS b USING (id_beneficiaire);
