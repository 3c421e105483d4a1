"""Tests of the synthetic sample generator (sample_data.generate).

Contract shape and mess on the small sample; every calibration figure of parameters.py and
the planted difference-in-differences on the default (département-scale) sample. Figures
are computed from the files with DuckDB on the valid rows (the contract's quarantine rules,
re-implemented here in a few lines of SQL so the generator is checked independently of the
project's query layer).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from functools import cache
from pathlib import Path

import duckdb
import pytest

from queries import schema
from sample_data import parameters as P
from sample_data.generate import generate, main

L = P.LAUNCH
PILOT = P.PILOT
LAST = P.LAST_SNAPSHOT
SNAPSHOT_DATES = [
    dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
    for y in (2023, 2024)
    for m in range(1, 13)
]
DURABLE = schema.EMPLOI_DURABLE
OBS = f"DATE '{P.OBSERVATION_START}'"
# orientation cohorts whose 6-month window is observed: the two DiD windows
COHORT = (
    f"\"Or\" BETWEEN DATE '{L - dt.timedelta(days=365)}' AND DATE '{L + dt.timedelta(days=364)}'"
)


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class Snap:
    """One snapshot loaded in DuckDB, with views of the raw tables (r_*) and valid rows (v_*).

    ``pers``: one row per valid beneficiary with O, F (null when after S), territoire, pilot
    flag, first orientation Or and its modality, earliest diagnostic D, first renewed
    orientation R.
    """

    def __init__(self, root: Path, date: dt.date) -> None:
        self.root, self.date = Path(root), date
        self.s = f"DATE '{date.isoformat()}'"
        folder = self.root / "snapshots" / f"snapshot_date={date.isoformat()}"
        con = duckdb.connect()
        self.con = con
        for t in schema.TABLES:
            con.execute(
                f"CREATE VIEW r_{t} AS SELECT * FROM read_parquet('{folder / (t + '.parquet')}', "
                "hive_partitioning = false)"
            )
        con.execute(
            "CREATE TABLE communes AS SELECT * FROM read_csv("
            f"'{self.root / 'referentiels' / 'communes.csv'}', "
            "types={'code_commune': 'VARCHAR', 'code_epci': 'VARCHAR'})"
        )
        s = self.s
        con.execute(f"""
            CREATE TABLE v_beneficiaires AS
            SELECT b.*, coalesce(c.territoire, 'Non renseigné') AS territoire
            FROM r_beneficiaires b LEFT JOIN communes c USING (code_commune)
            WHERE id_beneficiaire IN (
                    SELECT id_beneficiaire FROM r_beneficiaires GROUP BY 1 HAVING count(*) = 1)
              AND NOT coalesce(date_fin_droits < date_ouverture_droits, false)
              AND date_ouverture_droits <= {s}
              AND id_foyer IS NOT NULL AND code_commune IS NOT NULL
              AND soumis_droits_devoirs IS NOT NULL""")
        codes = schema.EVENT_CODES
        con.execute(f"""
            CREATE TABLE v_orientations AS
            SELECT o.* FROM r_orientations o
            JOIN v_beneficiaires b USING (id_beneficiaire)
            WHERE o.date_orientation <= {s} AND coalesce(o.date_diagnostic <= {s}, true)
              AND o.date_orientation >= b.date_ouverture_droits
              AND o.modalite IN {_in(codes["orientations"]["modalite"])}
              AND o.organisme_referent IN {_in(codes["orientations"]["organisme_referent"])}""")
        con.execute(f"""
            CREATE TABLE v_activites AS
            SELECT a.* FROM r_activites a
            WHERE semaine <= {s}
              AND id_beneficiaire IN (SELECT id_beneficiaire FROM v_beneficiaires)
              AND type_activite IN {_in(schema.TYPE_ACTIVITE)}
              AND heures > 0 AND heures <= 80 AND isodow(semaine) = 1
            QUALIFY count(*) OVER (PARTITION BY id_beneficiaire, semaine, type_activite) = 1""")
        con.execute(f"""
            CREATE TABLE v_contacts AS
            SELECT * FROM r_contacts
            WHERE date_contact <= {s}
              AND id_beneficiaire IN (SELECT id_beneficiaire FROM v_beneficiaires)
              AND type_contact IN {_in(schema.TYPE_CONTACT)}""")
        con.execute(f"""
            CREATE TABLE v_emplois AS
            SELECT * FROM r_emplois
            WHERE date_debut <= {s}
              AND id_beneficiaire IN (SELECT id_beneficiaire FROM v_beneficiaires)
              AND type_contrat IN {_in(schema.TYPE_CONTRAT)}""")
        con.execute(f"""
            CREATE TABLE v_referents AS
            SELECT * FROM r_referents
            WHERE organisme IN {_in(schema.ORGANISME)} AND etp > 0 AND etp <= 1""")
        con.execute(f"""
            CREATE TABLE pers AS
            WITH o AS (
                SELECT id_beneficiaire, min(date_orientation) AS Or_,
                       arg_min(modalite, date_orientation) AS mod1,
                       min(date_diagnostic) AS D,
                       min(date_orientation) FILTER (WHERE accompagnement_renove) AS R
                FROM v_orientations GROUP BY 1)
            SELECT b.id_beneficiaire AS id, b.id_foyer AS foyer, b.territoire,
                   b.territoire = '{PILOT}' AS pilot,
                   b.territoire NOT IN ('{PILOT}', 'Non renseigné') AS reste,
                   b.date_ouverture_droits AS O,
                   CASE WHEN b.date_fin_droits <= {s} THEN b.date_fin_droits END AS F,
                   b.motif_fin_droits AS motif, b.soumis_droits_devoirs AS sdd,
                   o.Or_ AS "Or", o.mod1, o.D, o.R
            FROM v_beneficiaires b LEFT JOIN o USING (id_beneficiaire)""")

    def one(self, sql: str):
        return self.con.execute(sql).fetchone()[0]

    def rows(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    # -- quarantine counts, rule by rule, in the contract's order ---------------------------
    def rule_counts(self, table: str) -> dict[str, int]:
        s = self.s
        if table == "beneficiaires":
            case = f"""CASE
                WHEN id_beneficiaire IN (SELECT id_beneficiaire FROM r_beneficiaires
                                         GROUP BY 1 HAVING count(*) > 1)
                    THEN 'duplicate_beneficiaire'
                WHEN date_fin_droits < date_ouverture_droits THEN 'fin_avant_ouverture'
                WHEN date_ouverture_droits > {s} THEN 'date_future'
                WHEN id_beneficiaire IS NULL OR id_foyer IS NULL OR code_commune IS NULL
                    OR date_ouverture_droits IS NULL OR soumis_droits_devoirs IS NULL
                    THEN 'valeur_invalide' END"""
            src = "r_beneficiaires"
        elif table == "referents":
            case = f"""CASE WHEN organisme NOT IN {_in(schema.ORGANISME)}
                OR NOT (etp > 0 AND etp <= 1) THEN 'valeur_invalide'
                WHEN count(*) OVER (PARTITION BY id_referent) > 1 THEN 'doublon' END"""
            src = "r_referents"
        else:
            dates = " OR ".join(f"coalesce({d} > {s}, false)" for d in schema.EVENT_DATES[table])
            inv = " OR ".join(
                f"{col} NOT IN {_in(codes)}" for col, codes in schema.EVENT_CODES[table].items()
            )
            if table == "activites":
                inv += " OR NOT (heures > 0 AND heures <= 80) OR isodow(semaine) <> 1"
            avant = (
                "WHEN x.date_orientation < b.date_ouverture_droits "
                "THEN 'orientation_avant_ouverture'"
                if table == "orientations"
                else ""
            )
            case = f"""CASE WHEN {dates} THEN 'date_future'
                WHEN b.id_beneficiaire IS NULL THEN 'orphelin'
                {avant}
                WHEN {inv} THEN 'valeur_invalide' END"""
            src = f"r_{table} x LEFT JOIN v_beneficiaires b USING (id_beneficiaire)"
        if table == "activites":  # doublon: a key twice among the rows valid so far
            src = f"(SELECT id_beneficiaire, x.semaine, x.type_activite, {case} AS r0 FROM {src})"
            case = """CASE WHEN r0 IS NULL AND count(*) FILTER (WHERE r0 IS NULL) OVER (
                PARTITION BY id_beneficiaire, semaine, type_activite) > 1 THEN 'doublon'
                ELSE r0 END"""
        got = dict(
            self.rows(f"SELECT rule, count(*) FROM (SELECT {case} AS rule FROM {src}) GROUP BY 1")
        )
        return {r: int(got.get(r, 0)) for r in schema.RULES[table]} | {
            "_total": int(sum(got.values()))
        }

    # -- calibration figures ---------------------------------------------------------------
    def foyers_stock(self, where: str = "true") -> int:
        return self.one(
            f"SELECT count(DISTINCT foyer) FROM pers WHERE O <= {self.s} AND F IS NULL AND {where}"
        )

    def share(self, num: str, where: str) -> tuple[float, int]:
        n, k = self.rows(f"SELECT count(*), count(*) FILTER (WHERE {num}) FROM pers WHERE {where}")[
            0
        ]
        return (k / n if n else float("nan")), n

    def job_rate(self, where: str, durable: bool = False, horizon: int = 183) -> tuple[float, int]:
        typ = f"AND e.type_contrat IN {_in(DURABLE)}" if durable else ""
        n, k = self.rows(f"""
            SELECT count(*), count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM v_emplois e WHERE e.id_beneficiaire = p.id
                  AND e.date_debut BETWEEN p."Or" AND p."Or" + {horizon} {typ}))
            FROM pers p WHERE "Or" IS NOT NULL AND "Or" + {horizon} <= {self.s} AND {where}""")[0]
        return k / n, n

    def weeks(self, where: str, start: str = '"Or"', since: str = OBS) -> dict[str, float]:
        """Intensity over eligible beneficiary-weeks (indicators.md), weeks after ``start``
        (and from ``since``: activities are observed from 2022 on)."""
        s = self.s
        start = f"greatest({start}, {since} - 1)"
        row = self.rows(f"""
            WITH w AS (
                SELECT p.id, wk::DATE AS w FROM pers p,
                    unnest(generate_series(
                        date_trunc('week', greatest({start}, O)::TIMESTAMP) + INTERVAL 7 DAY,
                        ({s} - 6)::TIMESTAMP, INTERVAL 7 DAY)) t(wk)
                WHERE {start} IS NOT NULL AND {where}),
            e AS (
                SELECT w.* FROM w JOIN pers p ON p.id = w.id
                WHERE p.O < w.w AND p."Or" < w.w AND (p.F IS NULL OR p.F > w.w + 6)),
            h AS (SELECT id_beneficiaire AS id, semaine AS w, sum(heures) AS h
                  FROM v_activites GROUP BY 1, 2),
            c AS (SELECT DISTINCT e.id, e.w FROM e JOIN v_contacts c
                  ON c.id_beneficiaire = e.id AND c.date_contact BETWEEN e.w AND e.w + 6)
            SELECT count(*),
                   avg((coalesce(h.h, 0) >= 15)::INT),
                   avg(coalesce(h.h, 0)),
                   avg((c.id IS NOT NULL)::INT)
            FROM e LEFT JOIN h USING (id, w) LEFT JOIN c USING (id, w)""")[0]
        return {"n": row[0], "part_15h": row[1], "heures": row[2], "contact": row[3]}

    def months_rdv(self, where: str, start: str = '"Or"', since: str = OBS) -> tuple[float, int]:
        s = self.s
        start = f"greatest({start}, {since} - 1)"
        return self.rows(f"""
            WITH m AS (
                SELECT p.id, m1::DATE AS m1, (m1 + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS m2
                FROM pers p, unnest(generate_series(
                    date_trunc('month', greatest({start}, O)::TIMESTAMP) + INTERVAL 1 MONTH,
                    date_trunc('month', {s}::TIMESTAMP + INTERVAL 1 DAY) - INTERVAL 1 MONTH,
                    INTERVAL 1 MONTH)) t(m1)
                WHERE {start} IS NOT NULL AND {where}),
            e AS (SELECT m.* FROM m JOIN pers p ON p.id = m.id
                  WHERE p.O < m.m1 AND p."Or" < m.m1 AND (p.F IS NULL OR p.F > m.m2))
            SELECT avg((EXISTS (SELECT 1 FROM v_contacts c WHERE c.id_beneficiaire = e.id
                         AND c.type_contact = 'rendez_vous'
                         AND c.date_contact BETWEEN e.m1 AND e.m2))::INT), count(*)
            FROM e""")[0]

    def caseload(self, territoire_sql: str, persons_sql: str) -> float:
        s = self.s
        fte = self.one(f"""SELECT sum(etp) FROM v_referents WHERE {territoire_sql}
            AND coalesce(date_arrivee <= {s}, true) AND coalesce(date_depart > {s}, true)""")
        n = self.one(f"SELECT count(*) FROM pers WHERE O <= {s} AND F IS NULL AND {persons_sql}")
        return n / fte


def _attach(snap: Snap, view: str, root: Path, date: dt.date, table: str) -> None:
    """A view of another snapshot's raw table in this snapshot's connection."""
    path = Path(root) / "snapshots" / f"snapshot_date={date}" / f"{table}.parquet"
    snap.con.execute(
        f"CREATE OR REPLACE VIEW {view} AS "
        f"SELECT * FROM read_parquet('{path}', hive_partitioning = false)"
    )


@cache
def _snap(root: str, date: dt.date) -> Snap:
    return Snap(Path(root), date)


def did(snap: Snap, cohort: str, measure) -> dict:
    """Difference-in-differences of indicators.md: cells by cohort date (O or Or)."""
    lo, hi = f"DATE '{L - dt.timedelta(days=365)}'", f"DATE '{L + dt.timedelta(days=364)}'"
    ll = f"DATE '{L}'"
    cells = {}
    for side, grp in (("pilot", "pilot"), ("reste", "reste")):
        for per, cond in (
            ("pre", f"{cohort} BETWEEN {lo} AND {ll} - 1"),
            ("post", f"{cohort} BETWEEN {ll} AND {hi}"),
        ):
            cells[f"{side}_{per}"] = measure(f"{grp} AND {cond}")
    est = (cells["pilot_post"][0] - cells["pilot_pre"][0]) - (
        cells["reste_post"][0] - cells["reste_pre"][0]
    )
    se = math.sqrt(sum(p * (1 - p) / n for p, n in cells.values()))
    return {"estimate": est, "se": se, "cells": cells}


# =============================================================================================
# Contract shape, determinism, CLI (small sample)
# =============================================================================================
def test_every_snapshot_has_every_table_with_contract_types(small_sample: Path) -> None:
    folders = sorted((small_sample / "snapshots").iterdir())
    assert [f.name for f in folders] == [f"snapshot_date={d}" for d in SNAPSHOT_DATES]
    con = duckdb.connect()
    for folder in folders:
        for table, cols in schema.TABLES.items():
            path = folder / f"{table}.parquet"
            assert path.is_file(), path
            desc = con.execute(
                f"DESCRIBE SELECT * FROM read_parquet('{path}', hive_partitioning = false)"
            ).fetchall()
            assert [(r[0], r[1]) for r in desc] == [(c.name, c.type) for c in cols], path
    for name in (schema.COMMUNES_CSV, schema.COMMUNES_GEOJSON):
        assert (small_sample / "referentiels" / name).is_file()


def test_row_count_of_last_snapshot_is_the_requested_size(small_sample: Path) -> None:
    snap = _snap(str(small_sample), LAST)
    assert snap.one("SELECT count(*) FROM r_beneficiaires") == 3000


def test_non_nullable_columns_are_null_only_in_planted_rows_and_ids_are_opaque(
    small_sample: Path,
) -> None:
    snap = _snap(str(small_sample), LAST)
    for table, cols in schema.TABLES.items():
        nulls = " OR ".join(f"{c.name} IS NULL" for c in cols if not c.nullable)
        n = snap.one(f"SELECT count(*) FROM r_{table} WHERE {nulls}")
        if table == "beneficiaires":  # the planted valeur_invalide persons, one column each
            assert n == snap.rule_counts(table)["valeur_invalide"] > 0
        else:
            assert n == 0, table
    assert (
        snap.one(
            "SELECT count(*) FROM r_beneficiaires WHERE NOT regexp_full_match(id_beneficiaire, "
            "'[0-9a-f]{12}') OR NOT regexp_full_match(id_foyer, '[0-9a-f]{12}')"
        )
        == 0
    )
    assert snap.one("SELECT count(DISTINCT id_referent) = count(*) FROM r_referents")


def test_ids_are_stable_across_snapshots(small_sample: Path) -> None:
    first, last = _snap(str(small_sample), SNAPSHOT_DATES[0]), _snap(str(small_sample), LAST)
    _attach(last, "first_b", small_sample, SNAPSHOT_DATES[0], "beneficiaires")
    n_first = first.one("SELECT count(DISTINCT id_beneficiaire) FROM r_beneficiaires")
    kept = last.one(
        "SELECT count(DISTINCT f.id_beneficiaire) FROM first_b f JOIN r_beneficiaires l "
        "ON f.id_beneficiaire = l.id_beneficiaire AND f.id_foyer = l.id_foyer "
        "AND f.date_ouverture_droits = l.date_ouverture_droits"
    )
    # everyone is still there, except the few persons withdrawn in between
    assert n_first - kept <= max(2, 0.003 * n_first)


def test_determinism(tmp_path: Path) -> None:
    def digest(out: Path) -> dict[str, str]:
        folder = out / "snapshots" / f"snapshot_date={LAST}"
        return {
            f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())
        }

    a = generate(tmp_path / "a", beneficiaires=600, seed=3, snapshots="last")
    b = generate(tmp_path / "b", beneficiaires=600, seed=3, snapshots="last")
    generate(tmp_path / "c", beneficiaires=600, seed=4, snapshots="last")
    generate(tmp_path / "d", beneficiaires=600, seed=3, snapshots="all")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")
    # the last snapshot does not depend on how many snapshots are written
    assert digest(tmp_path / "a") == digest(tmp_path / "d")
    assert a["rows"] == b["rows"] and a["snapshots"] == 1
    assert a["rows"]["beneficiaires"] == 600
    assert set(a) >= {"seconds", "bytes", "rows", "snapshots"}


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path), "--beneficiaires", "500", "--snapshots", "last"]) == 0
    out = capsys.readouterr().out
    assert "snapshot" in out and "lignes" in out
    assert [f.name for f in (tmp_path / "snapshots").iterdir()] == [f"snapshot_date={LAST}"]
    for bad in (
        ["--out"],
        ["--out", "x", "--beneficiaires", "abc"],
        ["--out", "x", "--snapshots", "some"],
        ["--out", "x", "--seed", "-1"],
        ["--beneficiaires", "1000"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(bad)
        assert exc.value.code == 2


# =============================================================================================
# Mess: every quarantine rule present, and small, in every snapshot
# =============================================================================================
def test_every_rule_is_present_and_small_in_every_snapshot(small_sample: Path) -> None:
    for date in SNAPSHOT_DATES:
        snap = _snap(str(small_sample), date)
        for table in schema.RULES:
            if table == "referents":
                continue  # too small at this size for one row to be <= 0.5 %: see below
            counts = snap.rule_counts(table)
            total = counts.pop("_total")
            for rule, k in counts.items():
                assert 0 < k <= 0.005 * total, (date, table, rule, k, total)


def test_referent_rule_and_descriptive_mess_at_default_size(generated_sample: Path) -> None:
    for date in (SNAPSHOT_DATES[0], SNAPSHOT_DATES[12], LAST):
        snap = _snap(str(generated_sample), date)
        counts = snap.rule_counts("referents")
        assert 0 < counts["valeur_invalide"] <= 0.005 * counts["_total"], counts
        n = snap.one("SELECT count(*) FROM r_beneficiaires")
        unknown = snap.one(
            "SELECT count(*) FROM r_beneficiaires WHERE code_commune NOT IN "
            "(SELECT code_commune FROM communes)"
        )
        assert 0.001 * n < unknown <= 0.005 * n
        bad = " OR ".join(
            f"{col} NOT IN {_in(codes)}" for col, codes in schema.BENEFICIAIRE_CODES.items()
        )
        inconnu = snap.one(f"SELECT count(*) FROM r_beneficiaires WHERE {bad}")
        assert 0 < inconnu <= 0.005 * n


def test_late_records_corrections_and_withdrawals(generated_sample: Path) -> None:
    early = _snap(str(generated_sample), dt.date(2023, 6, 30))
    late = _snap(str(generated_sample), LAST)
    _attach(early, "other_o", generated_sample, late.date, "orientations")
    s = early.s
    # events dated by June 2023 but recorded later appear only in the later snapshot
    n_early = early.one(f"SELECT count(*) FROM r_orientations WHERE date_orientation <= {s}")
    n_late = late.one(f"SELECT count(*) FROM r_orientations WHERE date_orientation <= {s}")
    assert n_late > n_early
    # a few orientation rows are revised (date or modality) between the two snapshots
    changed = early.one(
        "SELECT count(*) FROM r_orientations e WHERE NOT EXISTS (SELECT 1 FROM other_o l "
        "WHERE l.id_beneficiaire = e.id_beneficiaire AND l.date_orientation = e.date_orientation "
        "AND l.modalite = e.modalite)"
    )
    assert 0 < changed <= 0.02 * n_early
    # persons withdrawn in between (the quality page flags rows that disappeared)
    _attach(early, "last_b", generated_sample, LAST, "beneficiaires")
    gone = early.one(
        "SELECT count(DISTINCT id_beneficiaire) FROM r_beneficiaires WHERE id_beneficiaire "
        "NOT IN (SELECT id_beneficiaire FROM last_b)"
    )
    n = early.one("SELECT count(*) FROM r_beneficiaires")
    assert 0 < gone <= 0.003 * n
    # end dates: some known in the last snapshot were still null in the early one
    filled = early.one(
        "SELECT count(*) FROM r_beneficiaires e JOIN last_b l USING (id_beneficiaire) "
        f"WHERE e.date_fin_droits IS NULL AND l.date_fin_droits <= {s}"
    )
    assert filled > 0


# =============================================================================================
# Calibration (default size)
# =============================================================================================
@pytest.fixture(scope="module")
def last(generated_sample: Path) -> Snap:
    return _snap(str(generated_sample), LAST)


def test_households_on_2023_04_30(generated_sample: Path) -> None:
    snap = _snap(str(generated_sample), P.REFERENCE_DATE)
    aisne = snap.foyers_stock()
    pilot = snap.foyers_stock("pilot")
    assert abs(aisne / P.TARGET_FOYERS_AISNE - 1) <= 0.01, aisne
    assert abs(pilot / P.TARGET_FOYERS_PILOT - 1) <= 0.02, pilot
    # couples share a household: two rows, situation couple_*
    two = snap.rows(
        "SELECT count(*) FILTER (WHERE n = 2 AND couples = 2), count(*) FILTER (WHERE n = 2) "
        "FROM (SELECT id_foyer, count(*) n, count(*) FILTER (WHERE situation_familiale LIKE "
        "'couple%') couples FROM v_beneficiaires GROUP BY 1)"
    )[0]
    assert two[1] > 0 and two[0] >= 0.95 * two[1]
    sdd, _ = snap.share("sdd", f"O <= {snap.s} AND F IS NULL")
    assert 0.95 <= sdd <= 0.99


def test_stock_is_stationary_with_realistic_turnover(last: Snap, generated_sample: Path) -> None:
    first = _snap(str(generated_sample), SNAPSHOT_DATES[0])
    n0 = first.one(f"SELECT count(*) FROM pers WHERE O <= {first.s} AND F IS NULL")
    n1 = last.one(f"SELECT count(*) FROM pers WHERE O <= {last.s} AND F IS NULL")
    assert abs(n1 / n0 - 1) < 0.08
    stock = last.one(
        "SELECT count(*) FROM pers WHERE O < DATE '2023-01-01' AND "
        "(F IS NULL OR F >= DATE '2023-01-01')"
    )
    exits = last.one(
        "SELECT count(*) FROM pers WHERE F BETWEEN DATE '2023-01-01' AND DATE '2023-12-31'"
    )
    entries = last.one("SELECT count(*) FROM pers WHERE year(O) = 2023")
    assert 0.22 <= exits / stock <= 0.32, exits / stock
    assert 0.22 <= entries / stock <= 0.32
    # motif filled when the end is known
    assert (
        last.one(
            "SELECT count(*) FROM v_beneficiaires "
            "WHERE (date_fin_droits IS NULL) <> (motif_fin_droits IS NULL)"
        )
        == 0
    )


def test_geography_and_population(last: Snap) -> None:
    towns = last.rows("""
        SELECT c.nom_commune, count(*) / any_value(c.population) AS rate
        FROM v_beneficiaires b JOIN communes c USING (code_commune)
        GROUP BY 1 ORDER BY 2 DESC""")
    rates = dict(towns)
    rural = last.one("""SELECT count(*) / sum(DISTINCT_pop) FROM (SELECT b.code_commune,
        any_value(c.population) AS DISTINCT_pop FROM v_beneficiaires b JOIN communes c
        USING (code_commune) WHERE c.population < 2000 GROUP BY 1)""")
    for town in (
        "Saint-Quentin",
        "Laon",
        "Soissons",
        "Chauny",
        "Tergnier",
        "Château-Thierry",
        "Hirson",
        "Villers-Cotterêts",
    ):
        assert rates[town] > 1.5 * rural, town
    assert last.one("SELECT count(DISTINCT code_commune) FROM v_beneficiaires") > 600
    ages = last.one(
        "SELECT avg((2024 - annee_naissance BETWEEN 25 AND 64)::INT) FROM v_beneficiaires"
    )
    assert ages >= 0.85
    mix = dict(last.rows("SELECT sexe, count(*) FROM v_beneficiaires GROUP BY 1"))
    assert 0.4 < mix["f"] / (mix["f"] + mix["m"]) < 0.65


def test_usual_practice_outside_the_pilot(last: Snap) -> None:
    s = last.s
    mean_delay = last.one(
        f'SELECT avg("Or" - O) FROM pers WHERE reste AND year(O) = 2023 AND "Or" <= {s}'
    )
    assert 80 <= mean_delay <= 95, mean_delay
    for snap in (last, _snap(str(last.root), P.REFERENCE_DATE)):
        cov, _ = snap.share(
            '"Or" IS NOT NULL',
            f"reste AND sdd AND O <= {snap.s} AND F IS NULL AND {snap.s} - O < 183",
        )
        assert 0.50 <= cov <= 0.60, (snap.date, cov)
    never, _ = last.share('"Or" IS NULL', f"reste AND sdd AND F IS NULL AND {s} - O >= 365")
    assert 0.02 <= never <= 0.15
    pro, _ = last.share("mod1 = 'professionnel'", f"reste AND \"Or\" >= DATE '{L}'")
    assert 0.35 <= pro <= 0.45, pro
    diag15, _ = last.share("D - O <= 15", f"reste AND O BETWEEN DATE '2023-01-01' AND {s} - 15")
    assert diag15 < 0.25
    wk = last.weeks('reste AND "Or" IS NOT NULL')
    assert wk["part_15h"] < 0.05 and wk["heures"] < 1.5, wk
    assert 0.10 <= wk["contact"] <= 0.25, wk  # a contact every 1-2 months
    rdv, _ = last.months_rdv("reste")
    assert 0.25 <= rdv <= 0.50, rdv  # a meeting every 2-3 months


def test_renewed_accompaniment_in_the_pilot(last: Snap) -> None:
    s, ll = last.s, f"DATE '{L}'"
    entrants = f"pilot AND O >= {ll}"
    d15, n = last.share("D - O <= 15", f"{entrants} AND O <= {s} - 15")
    assert d15 >= 0.75 and n > 500, d15
    med = last.one(f'SELECT median("Or" - O) FROM pers WHERE {entrants} AND "Or" IS NOT NULL')
    assert 15 <= med <= 50, med
    everyone = last.one(
        f"SELECT bool_and(accompagnement_renove) FROM v_orientations o JOIN pers p "
        f"ON p.id = o.id_beneficiaire WHERE p.pilot AND o.date_orientation >= {ll}"
    )
    assert everyone
    pro = last.one(
        "SELECT avg((modalite = 'professionnel')::INT) FROM v_orientations o JOIN pers p "
        "ON p.id = o.id_beneficiaire WHERE p.pilot AND accompagnement_renove"
    )
    assert abs(pro - 0.60) <= 0.05, pro
    types = {
        r[0]
        for r in last.rows(
            "SELECT DISTINCT type_activite FROM v_activites a "
            "JOIN pers p ON p.id = a.id_beneficiaire WHERE p.pilot"
        )
    }
    assert types >= {
        "formation",
        "savoirs_de_base",
        "atelier_cv",
        "rencontre_employeur",
        "confiance_en_soi",
        "immersion",
        "freins_peripheriques",
    }
    wk = last.weeks("pilot AND R IS NOT NULL", start="R")
    assert wk["part_15h"] >= 0.60 and 12 <= wk["heures"] <= 20, wk
    assert wk["contact"] >= 0.80, wk
    rows_per_week = last.one(
        "SELECT avg(n) FROM (SELECT count(*) n FROM v_activites a JOIN pers p "
        "ON p.id = a.id_beneficiaire WHERE p.pilot AND a.semaine > p.R GROUP BY a.id_beneficiaire, "
        "semaine HAVING sum(heures) >= 15)"
    )
    assert 2 <= rows_per_week <= 4
    rdv, _ = last.months_rdv("pilot AND R IS NOT NULL", start="R")
    assert rdv >= 0.80, rdv


def test_employment_rates(last: Snap) -> None:
    post = f"\"Or\" BETWEEN DATE '{L}' AND DATE '{L + dt.timedelta(days=364)}'"
    p6, _ = last.job_rate(f"pilot AND {post}")
    pd6, _ = last.job_rate(f"pilot AND {post}", durable=True)
    assert abs(p6 - 0.42) <= 0.04, p6
    assert abs(pd6 - 0.16) <= 0.03, pd6
    r6, _ = last.job_rate(f"reste AND {COHORT}")
    rd6, _ = last.job_rate(f"reste AND {COHORT}", durable=True)
    assert 0.25 <= r6 <= 0.30, r6
    assert 0.07 <= rd6 <= 0.13, rd6
    r12, _ = last.job_rate(f"reste AND {COHORT}", horizon=365)
    assert r12 > r6 + 0.03  # jobs after 183 days too
    # exits to employment follow job starts
    follow = last.one("""
        SELECT avg((EXISTS (SELECT 1 FROM v_emplois e WHERE e.id_beneficiaire = p.id
                    AND e.date_debut BETWEEN p.F - 120 AND p.F))::INT)
        FROM pers p WHERE motif = 'reprise_emploi' AND F >= DATE '2022-06-01'""")
    assert 0.3 <= follow < 1


def test_stock_brought_into_the_renewed_accompaniment(generated_sample: Path) -> None:
    snap = _snap(str(generated_sample), dt.date(2024, 5, 31))
    share, n = snap.share("R IS NOT NULL", f"pilot AND O <= {snap.s} AND F IS NULL")
    assert abs(share - 0.76) <= 0.05 and n > 2000, share


def test_referents_and_caseloads(generated_sample: Path) -> None:
    snap = _snap(str(generated_sample), dt.date(2024, 5, 31))
    grid = snap.rows("SELECT territoire, count(DISTINCT organisme) FROM v_referents GROUP BY 1")
    assert len(grid) == 6 and all(k == len(schema.ORGANISME) for _, k in grid)
    assert snap.one("SELECT min(etp) > 0 AND max(etp) <= 1 FROM v_referents")
    # 20 extra professionals arrive in the pilot during 2023 (besides the usual replacements)
    arrivals = snap.one(
        f"SELECT count(*) FROM v_referents WHERE territoire = '{PILOT}' "
        "AND date_arrivee BETWEEN DATE '2023-05-01' AND DATE '2023-12-31'"
    )
    assert P.EXTRA_PROFESSIONALS <= arrivals <= P.EXTRA_PROFESSIONALS + 12

    def fte(d: str) -> float:
        return snap.one(
            f"SELECT sum(etp) FROM v_referents WHERE territoire = '{PILOT}' "
            f"AND coalesce(date_arrivee <= DATE '{d}', true) "
            f"AND coalesce(date_depart > DATE '{d}', true)"
        )

    assert fte("2023-12-31") - fte("2023-04-30") >= P.EXTRA_PROFESSIONALS - 3
    pilot_load = snap.caseload(f"territoire = '{PILOT}'", "pilot AND R IS NOT NULL")
    assert 30 <= pilot_load <= 50, pilot_load
    for terr in {t for t, _ in grid} - {PILOT}:
        t = terr.replace("'", "''")
        load = snap.caseload(f"territoire = '{t}'", f"territoire = '{t}' AND \"Or\" IS NOT NULL")
        assert load >= 100, (terr, load)
    # id_referent of orientations and contacts: referents of the person's territory/organisme
    bad = snap.one("""
        SELECT count(*) FROM v_orientations o JOIN pers p ON p.id = o.id_beneficiaire
        JOIN r_referents r USING (id_referent)
        WHERE p.territoire <> 'Non renseigné'
          AND (r.territoire <> p.territoire OR r.organisme <> o.organisme_referent)""")
    known = snap.one("SELECT count(*) FROM v_orientations WHERE id_referent IS NOT NULL")
    assert bad == 0 and known > 0
    orphan_ref = snap.one(
        "SELECT count(*) FROM v_contacts WHERE id_referent IS NOT NULL AND id_referent NOT IN "
        "(SELECT id_referent FROM r_referents)"
    )
    assert orphan_ref == 0


# =============================================================================================
# The planted treatment effect
# =============================================================================================
@pytest.mark.parametrize("indicator", sorted(P.PLANTED_DID))
def test_planted_did_is_recovered(last: Snap, indicator: str) -> None:
    durable = indicator == "taux_emploi_durable_6m"
    res = did(last, '"Or"', lambda where: last.job_rate(where, durable=durable))
    delta = P.PLANTED_DID[indicator]
    assert abs(res["estimate"] - delta) <= 2 * res["se"], (res, delta)
    assert all(n > 300 for _, n in res["cells"].values())


def test_large_effects_on_first_steps(last: Snap) -> None:
    s = last.s
    d15 = did(last, "O", lambda where: last.share("D - O <= 15", f"{where} AND O <= {s} - 15"))
    o30 = did(last, "O", lambda where: last.share('"Or" - O <= 30', f"{where} AND O <= {s} - 30"))
    assert abs(d15["estimate"] - P.EXPECTED_DID_DIAGNOSTIC_15J) <= 0.10, d15
    assert abs(o30["estimate"] - P.EXPECTED_DID_ORIENTES_30J) <= 0.10, o30
