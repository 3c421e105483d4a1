-- What changed between two snapshots P (previous) and C (current) of the same data directory.
-- Compares the rows as delivered (before quarantine: the data-quality page is about the
-- extraction itself). Each table is keyed on its natural columns:
--   beneficiaires  id_beneficiaire
--   orientations   id_beneficiaire, date_orientation
--   activites      id_beneficiaire, semaine, type_activite
--   contacts       id_beneficiaire, date_contact, type_contact
--   emplois        id_beneficiaire, date_debut
--   referents      id_referent
-- Keys and values are compared through DuckDB's 64-bit hash of their columns (a collision,
-- about 1 in 10^7 at a million rows, could hide one change).
-- Keys are compared as multisets (a key present twice in P and once in C: one row gone).
-- A row is « corrected » when its key is unique in P and in C and its other values differ.
-- Placeholders: {prev_<table>}, {cur_<table>} (parquet paths of each table of P and C),
-- {non_renseigne}.
-- Expects the table communes (referential) loaded on the connection.

CREATE OR REPLACE TEMP TABLE diff_raw_beneficiaires AS
SELECT false AS cur, id_beneficiaire, id_foyer, sexe, annee_naissance::INTEGER AS annee_naissance,
       situation_familiale, niveau_diplome, code_commune, date_ouverture_droits,
       date_fin_droits, motif_fin_droits, soumis_droits_devoirs
FROM read_parquet({prev_beneficiaires})
UNION ALL
SELECT true, id_beneficiaire, id_foyer, sexe, annee_naissance::INTEGER, situation_familiale,
       niveau_diplome, code_commune, date_ouverture_droits, date_fin_droits,
       motif_fin_droits, soumis_droits_devoirs
FROM read_parquet({cur_beneficiaires});

CREATE OR REPLACE TEMP TABLE diff_raw_orientations AS
SELECT false AS cur, id_beneficiaire, date_diagnostic, date_orientation, modalite,
       organisme_referent, id_referent, date_contrat, accompagnement_renove
FROM read_parquet({prev_orientations})
UNION ALL
SELECT true, id_beneficiaire, date_diagnostic, date_orientation, modalite,
       organisme_referent, id_referent, date_contrat, accompagnement_renove
FROM read_parquet({cur_orientations});

-- Every row of both snapshots as (table, side, person, key hash, values hash, event date,
-- event type). Keys and values are compared through 64-bit hashes of their columns.
CREATE OR REPLACE TEMP VIEW diff_rows AS
WITH r AS (
    SELECT 'beneficiaires' AS tbl, cur, id_beneficiaire AS id, hash(id_beneficiaire) AS k,
           hash(struct_pack(id_foyer, sexe, annee_naissance, situation_familiale,
                            niveau_diplome, code_commune, date_ouverture_droits,
                            date_fin_droits, motif_fin_droits, soumis_droits_devoirs)) AS v,
           NULL::DATE AS d, NULL::VARCHAR AS kind
    FROM diff_raw_beneficiaires
    UNION ALL
    SELECT 'orientations', cur, id_beneficiaire, hash(id_beneficiaire, date_orientation),
           hash(struct_pack(date_diagnostic, modalite, organisme_referent, id_referent,
                            date_contrat, accompagnement_renove)),
           date_orientation, NULL
    FROM diff_raw_orientations
    UNION ALL
    SELECT 'activites', false, id_beneficiaire, hash(id_beneficiaire, semaine, type_activite),
           hash(heures::DOUBLE), semaine, type_activite
    FROM read_parquet({prev_activites})
    UNION ALL
    SELECT 'activites', true, id_beneficiaire, hash(id_beneficiaire, semaine, type_activite),
           hash(heures::DOUBLE), semaine, type_activite
    FROM read_parquet({cur_activites})
    UNION ALL
    SELECT 'contacts', false, id_beneficiaire, hash(id_beneficiaire, date_contact, type_contact),
           hash(id_referent), date_contact, type_contact
    FROM read_parquet({prev_contacts})
    UNION ALL
    SELECT 'contacts', true, id_beneficiaire, hash(id_beneficiaire, date_contact, type_contact),
           hash(id_referent), date_contact, type_contact
    FROM read_parquet({cur_contacts})
    UNION ALL
    SELECT 'emplois', false, id_beneficiaire, hash(id_beneficiaire, date_debut),
           hash(struct_pack(date_fin, type_contrat, heures_hebdo := heures_hebdo::DOUBLE)),
           date_debut, NULL
    FROM read_parquet({prev_emplois})
    UNION ALL
    SELECT 'emplois', true, id_beneficiaire, hash(id_beneficiaire, date_debut),
           hash(struct_pack(date_fin, type_contrat, heures_hebdo := heures_hebdo::DOUBLE)),
           date_debut, NULL
    FROM read_parquet({cur_emplois})
    UNION ALL
    SELECT 'referents', false, NULL, hash(id_referent),
           hash(struct_pack(organisme, territoire, etp := etp::DOUBLE, date_arrivee,
                            date_depart)),
           NULL, NULL
    FROM read_parquet({prev_referents})
    UNION ALL
    SELECT 'referents', true, NULL, hash(id_referent),
           hash(struct_pack(organisme, territoire, etp := etp::DOUBLE, date_arrivee,
                            date_depart)),
           NULL, NULL
    FROM read_parquet({cur_referents})
)
SELECT * FROM r;

-- One row per (table, key): its number of rows on each side and its values when unique.
CREATE OR REPLACE TEMP TABLE diff_keys AS
SELECT tbl, k,
       any_value(id) AS id, any_value(d) AS d, any_value(kind) AS kind,
       count(*) FILTER (WHERE NOT cur) AS n_prev,
       count(*) FILTER (WHERE cur) AS n_cur,
       min(v) FILTER (WHERE NOT cur) AS v_prev,
       min(v) FILTER (WHERE cur) AS v_cur
FROM diff_rows
GROUP BY tbl, k;

-- People (distinct id_beneficiaire of beneficiaires) present on one side only.
CREATE OR REPLACE TEMP TABLE diff_people_gone AS
SELECT id FROM diff_keys
WHERE tbl = 'beneficiaires' AND n_prev > 0 AND n_cur = 0 AND id IS NOT NULL;

-- Keys that lost rows (multiset difference: gone = rows before − rows after, when positive).
CREATE OR REPLACE TEMP TABLE diff_gone AS
SELECT tbl, id, d, kind, (n_prev - n_cur) AS lignes,
       coalesce(id IN (SELECT id FROM diff_people_gone), false) AS personne_disparue
FROM diff_keys WHERE n_prev > n_cur;

-- One row per table: rows before / after, keys gone / new (and how many of the gone rows
-- belong to a person who disappeared), corrected rows.
CREATE OR REPLACE TEMP TABLE diff_tables AS
WITH tables(tbl, ord) AS (
    VALUES ('beneficiaires', 1), ('orientations', 2), ('activites', 3), ('contacts', 4),
           ('emplois', 5), ('referents', 6)
),
counts AS (
    SELECT tbl,
           sum(n_prev) AS avant,
           sum(n_cur) AS apres,
           sum(greatest(n_cur - n_prev, 0)) AS ajoutees,
           sum(greatest(n_prev - n_cur, 0)) AS disparues,
           count(*) FILTER (WHERE n_prev = 1 AND n_cur = 1 AND v_prev <> v_cur) AS corrigees
    FROM diff_keys GROUP BY tbl
),
gone AS (
    SELECT tbl, sum(lignes) FILTER (WHERE personne_disparue) AS disparues_personne
    FROM diff_gone GROUP BY tbl
)
SELECT t.tbl AS "table",
       coalesce(c.avant, 0)::BIGINT AS lignes_avant,
       coalesce(c.apres, 0)::BIGINT AS lignes_apres,
       coalesce(c.ajoutees, 0)::BIGINT AS ajoutees,
       coalesce(c.disparues, 0)::BIGINT AS disparues,
       coalesce(g.disparues_personne, 0)::BIGINT AS disparues_beneficiaire_disparu,
       coalesce(c.corrigees, 0)::BIGINT AS corrigees
FROM tables t
LEFT JOIN counts c USING (tbl)
LEFT JOIN gone g USING (tbl)
ORDER BY t.ord;

-- The people who disappeared, as they were in P, with their event rows in P.
CREATE OR REPLACE TEMP TABLE diff_people AS
WITH b AS (
    SELECT * FROM diff_raw_beneficiaires
    WHERE NOT cur AND id_beneficiaire IN (SELECT id FROM diff_people_gone)
    QUALIFY row_number() OVER (PARTITION BY id_beneficiaire ORDER BY date_ouverture_droits) = 1
),
ev AS (
    SELECT id,
           sum(n_prev) FILTER (WHERE tbl = 'orientations') AS orientations,
           sum(n_prev) FILTER (WHERE tbl = 'activites') AS activites,
           sum(n_prev) FILTER (WHERE tbl = 'contacts') AS contacts,
           sum(n_prev) FILTER (WHERE tbl = 'emplois') AS emplois
    FROM diff_keys
    WHERE tbl IN ('orientations', 'activites', 'contacts', 'emplois')
        AND id IN (SELECT id FROM diff_people_gone)
    GROUP BY id
)
SELECT b.id_beneficiaire, b.code_commune, c.nom_commune,
       coalesce(c.territoire, {non_renseigne}) AS territoire, b.date_ouverture_droits,
       b.date_fin_droits,
       b.motif_fin_droits, b.soumis_droits_devoirs,
       coalesce(ev.orientations, 0)::BIGINT AS orientations,
       coalesce(ev.activites, 0)::BIGINT AS activites,
       coalesce(ev.contacts, 0)::BIGINT AS contacts,
       coalesce(ev.emplois, 0)::BIGINT AS emplois
FROM b
LEFT JOIN ev ON ev.id = b.id_beneficiaire
LEFT JOIN communes c ON c.code_commune = b.code_commune
ORDER BY b.id_beneficiaire;

-- Event keys that lost rows (lignes: how many rows of that key disappeared).
CREATE OR REPLACE TEMP TABLE diff_events_gone AS
SELECT tbl AS "table", id AS id_beneficiaire, d AS date_evenement, kind AS type,
       lignes::BIGINT AS lignes, personne_disparue AS beneficiaire_disparu
FROM diff_gone
WHERE tbl IN ('orientations', 'activites', 'contacts', 'emplois')
ORDER BY "table", id_beneficiaire, date_evenement, type;

-- Per event table: rows gone, people concerned, rows of people who disappeared.
CREATE OR REPLACE TEMP TABLE diff_events_by_table AS
WITH tables(tbl, ord) AS (
    VALUES ('orientations', 1), ('activites', 2), ('contacts', 3), ('emplois', 4)
),
g AS (
    SELECT tbl, sum(lignes) AS lignes, count(DISTINCT id) AS beneficiaires,
           sum(lignes) FILTER (WHERE personne_disparue) AS lignes_beneficiaire_disparu
    FROM diff_gone GROUP BY tbl
)
SELECT t.tbl AS "table",
       coalesce(g.lignes, 0)::BIGINT AS lignes,
       coalesce(g.beneficiaires, 0)::BIGINT AS beneficiaires,
       coalesce(g.lignes_beneficiaire_disparu, 0)::BIGINT AS lignes_beneficiaire_disparu
FROM tables t LEFT JOIN g USING (tbl)
ORDER BY t.ord;

-- Corrected cells of beneficiaires and orientations: one row per (row, changed column).
CREATE OR REPLACE TEMP TABLE diff_cells AS
WITH pb AS (
    SELECT * FROM diff_raw_beneficiaires
    QUALIFY count(*) OVER (PARTITION BY cur, id_beneficiaire) = 1
),
b AS (
    SELECT p.id_beneficiaire, NULL::DATE AS date_orientation, unnest([
        {'colonne': 'id_foyer', 'avant': p.id_foyer::VARCHAR, 'apres': c.id_foyer::VARCHAR},
        {'colonne': 'sexe', 'avant': p.sexe::VARCHAR, 'apres': c.sexe::VARCHAR},
        {'colonne': 'annee_naissance', 'avant': p.annee_naissance::VARCHAR,
         'apres': c.annee_naissance::VARCHAR},
        {'colonne': 'situation_familiale', 'avant': p.situation_familiale::VARCHAR,
         'apres': c.situation_familiale::VARCHAR},
        {'colonne': 'niveau_diplome', 'avant': p.niveau_diplome::VARCHAR,
         'apres': c.niveau_diplome::VARCHAR},
        {'colonne': 'code_commune', 'avant': p.code_commune::VARCHAR,
         'apres': c.code_commune::VARCHAR},
        {'colonne': 'date_ouverture_droits', 'avant': p.date_ouverture_droits::VARCHAR,
         'apres': c.date_ouverture_droits::VARCHAR},
        {'colonne': 'date_fin_droits', 'avant': p.date_fin_droits::VARCHAR,
         'apres': c.date_fin_droits::VARCHAR},
        {'colonne': 'motif_fin_droits', 'avant': p.motif_fin_droits::VARCHAR,
         'apres': c.motif_fin_droits::VARCHAR},
        {'colonne': 'soumis_droits_devoirs', 'avant': p.soumis_droits_devoirs::VARCHAR,
         'apres': c.soumis_droits_devoirs::VARCHAR}
    ], recursive := true)
    FROM pb p JOIN pb c ON c.id_beneficiaire = p.id_beneficiaire AND c.cur
    WHERE NOT p.cur
),
po AS (
    SELECT * FROM diff_raw_orientations
    QUALIFY count(*) OVER (PARTITION BY cur, id_beneficiaire, date_orientation) = 1
),
o AS (
    SELECT p.id_beneficiaire, p.date_orientation, unnest([
        {'colonne': 'date_diagnostic', 'avant': p.date_diagnostic::VARCHAR,
         'apres': c.date_diagnostic::VARCHAR},
        {'colonne': 'modalite', 'avant': p.modalite::VARCHAR, 'apres': c.modalite::VARCHAR},
        {'colonne': 'organisme_referent', 'avant': p.organisme_referent::VARCHAR,
         'apres': c.organisme_referent::VARCHAR},
        {'colonne': 'id_referent', 'avant': p.id_referent::VARCHAR,
         'apres': c.id_referent::VARCHAR},
        {'colonne': 'date_contrat', 'avant': p.date_contrat::VARCHAR,
         'apres': c.date_contrat::VARCHAR},
        {'colonne': 'accompagnement_renove', 'avant': p.accompagnement_renove::VARCHAR,
         'apres': c.accompagnement_renove::VARCHAR}
    ], recursive := true)
    FROM po p
    JOIN po c ON c.id_beneficiaire = p.id_beneficiaire
        AND c.date_orientation = p.date_orientation AND c.cur
    WHERE NOT p.cur
)
SELECT 'beneficiaires' AS "table", * FROM b WHERE avant IS DISTINCT FROM apres
UNION ALL
SELECT 'orientations', * FROM o WHERE avant IS DISTINCT FROM apres
ORDER BY "table", id_beneficiaire, date_orientation, colonne;

-- Per (table, column): corrected rows, split into filled-in (empty before), erased (empty
-- after) and changed values.
CREATE OR REPLACE TEMP TABLE diff_columns AS
SELECT "table", colonne,
       count(*)::BIGINT AS lignes,
       count(*) FILTER (WHERE avant IS NULL)::BIGINT AS completees,
       count(*) FILTER (WHERE apres IS NULL)::BIGINT AS effacees,
       count(*) FILTER (WHERE avant IS NOT NULL AND apres IS NOT NULL)::BIGINT AS modifiees
FROM diff_cells
GROUP BY "table", colonne
ORDER BY "table", lignes DESC, colonne;
