-- contacts of one snapshot S, classified under the first rule each row breaks (contract
-- order: date_future, orphelin, valeur_invalide). valeur_invalide: a NULL in a non-null
-- column or a type outside its list ({invalid}, generated from queries/schema.py), or a
-- date_contact DuckDB reads as -infinity (the date32 −2 147 483 647: no calendar date, so no
-- week nor month to count it in; +infinity is date_future).
-- Placeholders: {path}, {snapshot}, {invalid}.
CREATE OR REPLACE TEMP VIEW contacts_classified AS
SELECT
    b.pid,
    e.date_contact,
    e.type_contact,
    e.id_referent,
    CASE
        WHEN e.date_contact > {snapshot} THEN 'date_future'
        WHEN b.pid IS NULL THEN 'orphelin'
        WHEN {invalid} OR NOT isfinite(e.date_contact) THEN 'valeur_invalide'
    END AS rule
FROM read_parquet({path}, hive_partitioning = false) AS e
LEFT JOIN beneficiaires_valid AS b USING (id_beneficiaire);
