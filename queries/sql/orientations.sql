-- orientations of one snapshot S, classified under the first rule each row breaks (contract
-- order: date_future, orphelin, orientation_avant_ouverture, valeur_invalide).
-- valeur_invalide: a NULL in a non-null column or a code outside its list ({invalid} is
-- generated from queries/schema.py). A NULL id_beneficiaire is unknown: orphelin.
-- Placeholders: {path}, {snapshot}, {invalid}.
CREATE OR REPLACE TEMP VIEW orientations_classified AS
SELECT
    b.pid,
    e.date_diagnostic,
    e.date_orientation,
    e.modalite,
    e.organisme_referent,
    e.id_referent,
    e.date_contrat,
    e.accompagnement_renove,
    CASE
        WHEN e.date_orientation > {snapshot} OR e.date_diagnostic > {snapshot} THEN 'date_future'
        WHEN b.pid IS NULL THEN 'orphelin'
        WHEN e.date_orientation < b.date_ouverture_droits THEN 'orientation_avant_ouverture'
        WHEN {invalid} THEN 'valeur_invalide'
    END AS rule
FROM read_parquet({path}, hive_partitioning = false) AS e
LEFT JOIN beneficiaires_valid AS b USING (id_beneficiaire);
