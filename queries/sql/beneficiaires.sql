-- beneficiaires of one snapshot S, classified under the first quarantine rule each row breaks
-- (data contract order: duplicate_beneficiaire, fin_avant_ouverture, date_future,
-- valeur_invalide). valeur_invalide: a NULL in a column the contract declares non-null
-- ({not_null} is generated from queries/schema.py). Descriptive codes outside their list, and
-- a birth year outside [year(S) - {max_age}, year(S) - {min_age}] or beyond the INTEGER range,
-- are read as NULL and flagged code_inconnu: the person is kept.
-- Placeholders: {path}, {snapshot}, {not_null}, {sexe}, {situation_familiale},
-- {niveau_diplome}, {motif_fin_droits}, {non_renseigne}, {max_age}, {min_age}.
-- A table, not a view: the rule counts and the valid rows both read it, and the repeated
-- identifiers are found by one narrow group-by (a window carrying every column over 2 M
-- rows cost seconds, twice).
CREATE OR REPLACE TEMP TABLE beneficiaires_classified AS
WITH repeated AS (
    SELECT id_beneficiaire
    FROM read_parquet({path}, hive_partitioning = false)
    WHERE id_beneficiaire IS NOT NULL
    GROUP BY id_beneficiaire
    HAVING count(*) > 1
),
raw AS (
    SELECT
        *,
        id_beneficiaire IN (SELECT id_beneficiaire FROM repeated) AS repeated_id,
        try_cast(annee_naissance AS INTEGER) AS annee_int
    FROM read_parquet({path}, hive_partitioning = false)
),
years AS (
    SELECT
        *,
        CASE
            WHEN annee_int BETWEEN year({snapshot}) - {max_age} AND year({snapshot}) - {min_age}
                THEN annee_int
        END AS annee_plausible
    FROM raw
)
SELECT
    id_beneficiaire,
    id_foyer,
    CASE WHEN sexe IN {sexe} THEN sexe END AS sexe,
    annee_plausible AS annee_naissance,
    CASE WHEN situation_familiale IN {situation_familiale} THEN situation_familiale END
        AS situation_familiale,
    CASE WHEN niveau_diplome IN {niveau_diplome} THEN niveau_diplome END AS niveau_diplome,
    code_commune,
    date_ouverture_droits,
    date_fin_droits,
    CASE WHEN motif_fin_droits IN {motif_fin_droits} THEN motif_fin_droits END AS motif_fin_droits,
    soumis_droits_devoirs,
    coalesce(sexe NOT IN {sexe}, false)
        OR coalesce(situation_familiale NOT IN {situation_familiale}, false)
        OR coalesce(niveau_diplome NOT IN {niveau_diplome}, false)
        OR coalesce(motif_fin_droits NOT IN {motif_fin_droits}, false)
        OR (annee_naissance IS NOT NULL AND annee_plausible IS NULL) AS code_inconnu,
    CASE
        WHEN coalesce(repeated_id, false) THEN 'duplicate_beneficiaire'
        WHEN date_fin_droits < date_ouverture_droits THEN 'fin_avant_ouverture'
        WHEN date_ouverture_droits > {snapshot} THEN 'date_future'
        WHEN {not_null} THEN 'valeur_invalide'
    END AS rule
FROM years;

-- Valid beneficiaries, joined with the referential. pid is a dense integer key used by the
-- event tables (joins on integers, not strings). An end of rights after S reads as open at S.
-- A commune missing from communes.csv gives territoire "Non renseigné" (the referential's
-- codes are unique: checked before, so the join never duplicates a person).
-- pid is numbered over the identifiers alone (a narrow sort), then joined back.
CREATE OR REPLACE TEMP TABLE beneficiaires_valid AS
WITH pids AS (
    SELECT
        id_beneficiaire,
        (row_number() OVER (ORDER BY id_beneficiaire))::UINTEGER AS pid
    FROM beneficiaires_classified
    WHERE rule IS NULL
)
SELECT
    p.pid,
    b.id_beneficiaire,
    b.id_foyer,
    b.sexe,
    b.annee_naissance,
    b.situation_familiale,
    b.niveau_diplome,
    b.code_commune,
    c.nom_commune,
    c.code_epci,
    coalesce(c.nom_epci, {non_renseigne}) AS nom_epci,
    coalesce(c.territoire, {non_renseigne}) AS territoire,
    b.date_ouverture_droits,
    CASE WHEN b.date_fin_droits <= {snapshot} THEN b.date_fin_droits END AS date_fin_droits,
    CASE WHEN b.date_fin_droits <= {snapshot} THEN b.motif_fin_droits END AS motif_fin_droits,
    b.soumis_droits_devoirs,
    b.code_inconnu
FROM beneficiaires_classified AS b
JOIN pids AS p USING (id_beneficiaire)
LEFT JOIN communes AS c USING (code_commune)
WHERE b.rule IS NULL;
