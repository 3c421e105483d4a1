-- referents of one snapshot, classified: valeur_invalide for an organisme outside its list,
-- an etp outside (0, 1], a territoire unknown to communes.csv, or a NULL where the contract
-- says non-null. Placeholders: {path}, {organisme}.
CREATE OR REPLACE TEMP VIEW referents_classified AS
SELECT
    e.id_referent,
    e.organisme,
    e.territoire,
    e.etp::DOUBLE AS etp,
    e.date_arrivee,
    e.date_depart,
    CASE
        WHEN e.id_referent IS NULL
            OR coalesce(e.organisme NOT IN {organisme}, true)
            OR coalesce(NOT (e.etp > 0 AND e.etp <= 1), true)
            OR e.territoire IS NULL
            OR e.territoire NOT IN (SELECT DISTINCT territoire FROM communes)
            THEN 'valeur_invalide'
    END AS rule
FROM read_parquet({path}, hive_partitioning = false) AS e;
