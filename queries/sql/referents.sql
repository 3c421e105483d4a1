-- referents of one snapshot, classified under the first rule each row breaks (contract order:
-- valeur_invalide, doublon). valeur_invalide: a NULL in a non-null column or an organisme
-- outside its list ({invalid}, generated from queries/schema.py), an etp outside (0, 1] or
-- NaN, a territoire unknown to communes.csv. doublon: every row of an id_referent that
-- appears more than once in the file (which row is right is ambiguous).
-- Placeholders: {path}, {invalid}.
CREATE OR REPLACE TEMP VIEW referents_classified AS
SELECT
    e.id_referent,
    e.organisme,
    e.territoire,
    e.etp::DOUBLE AS etp,
    e.date_arrivee,
    e.date_depart,
    CASE
        WHEN {invalid}
            OR isnan(e.etp)
            OR NOT (e.etp > 0 AND e.etp <= 1)
            OR e.territoire NOT IN (SELECT territoire FROM communes WHERE territoire IS NOT NULL)
            THEN 'valeur_invalide'
        WHEN count(*) OVER (PARTITION BY e.id_referent) > 1 THEN 'doublon'
    END AS rule
FROM read_parquet({path}, hive_partitioning = false) AS e;
