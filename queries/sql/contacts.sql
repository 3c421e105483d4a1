-- contacts of one snapshot S, classified under the first rule each row breaks (contract
-- order: date_future, orphelin, valeur_invalide).
-- Placeholders: {path}, {snapshot}, {type_contact}.
CREATE OR REPLACE TEMP VIEW contacts_classified AS
SELECT
    b.pid,
    e.date_contact,
    e.type_contact,
    e.id_referent,
    CASE
        WHEN e.date_contact > {snapshot} THEN 'date_future'
        WHEN b.pid IS NULL THEN 'orphelin'
        WHEN e.date_contact IS NULL
            OR coalesce(e.type_contact NOT IN {type_contact}, true) THEN 'valeur_invalide'
    END AS rule
FROM read_parquet({path}, hive_partitioning = false) AS e
LEFT JOIN beneficiaires_valid AS b USING (id_beneficiaire);
