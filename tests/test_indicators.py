"""Every indicator pinned on a hand-made snapshot whose answers are worked out by hand.

Snapshot S = 2024-06-30 (a Sunday). Pilot « Laonnois » (Laon 02408). Rest: Saint-Quentin
(02691, Saint-Quentinois) and Soissons (02722, Soissonnais). 99999 is an unknown commune.

People (O = opening, Or = first orientation, D = diagnostic, F = end of rights):
  p1  L  O 2024-01-01  D 01-10 (9 d)  Or 01-21 (20 d) professionnel
  p2  L  O 2024-02-01  D 02-20 (19 d) Or 03-12 (40 d) social
  p3  L  O 2024-03-01  F 03-20 (left)  Or 03-25 (24 d, after F) social
  p4  L  O 2024-06-20  never oriented
  p5  SQ O 2024-01-15  no D           Or 04-14 (90 d) professionnel
  p6  So O 2024-02-01  D 02-10 (9 d)  Or 02-26 (25 d) socio_pro, re-oriented 05-01 pro
  p7  So O 2024-03-01  never oriented
  p8  ?? O 2024-01-10  D 01-05 (before O: 0 d) Or 01-20 (10 d) professionnel
  p9  L  O 2022-01-01  Or 2022-06-01 (stock)
  p10 SQ O 2021-06-01  never oriented (stock)
  p11 SQ O 2023-01-10  Or 2023-03-01  F 2024-05-15 (reprise_emploi)
  p12 L  O 2023-06-01  Or 2023-06-20  not subject to rights and duties
  p13 L  O 2022-01-01  same foyer as p9, never oriented
  p14 L  O 2023-02-01  Or 2023-02-20  F 2023-11-15
  p15 So O 2023-09-01  never oriented

Engagement contracts (date_contrat of orientation rows; Ct = earliest non-null, <= S):
  p1 2024-02-15 (45 d)   p2 2024-01-20 (before O: 0 d)   p3 2024-03-28 (after he left on F)
  p5 2024-05-01 (107 d)  p6 none on his first row, 2024-05-05 on the second (94 d)
  p8 2024-07-15 (after S: ignored)
Renewed accompaniment: every orientation row but p9's and p6's first one.
Referents (present at S unless said): r1 L departement 1.0 (arrived 2020-01-01, p1's
referent), r2 L france_travail 0.5 (arrived 2023-06-01, after the launch 2023-05-11),
r3 L departement 0.8 (2023-09-01, left 2024-03-01: not present), r4 SQ departement 1.0 (no
arrival date), r5 So mission_locale 0.5 (arrived 2023-05-11 = L, leaves 2024-07-31 > S).
No referent in Chaunois, Sud de l'Aisne, Thiérache.
"""

from __future__ import annotations

import math

import pytest

from config import load_config
from metrics import engine
from metrics.base import Filters, Period
from metrics.stats import newcombe_hybrid, two_proportion_pvalue
from queries.snapshots import load_snapshot
from tests.snapshot_builder import D, orientation, person, write_snapshot

S = "2024-06-30"
L, SQ, SO, NR = "02408", "02691", "02722", "99999"
LAON, RESTE, ENS = "Laonnois", "Reste du département", "Ensemble"
H1_2024 = Period(D("2024-01-01"), D("2024-06-30"))
YEAR_2023 = Period(D("2023-01-01"), D("2023-12-31"))


def act(pid: str, week: str, hours: float, kind: str = "formation") -> dict:
    return {"id_beneficiaire": pid, "semaine": week, "type_activite": kind, "heures": hours}


def contact(pid: str, date: str, kind: str = "telephone") -> dict:
    return {"id_beneficiaire": pid, "date_contact": date, "type_contact": kind}


def job(pid: str, start: str, kind: str) -> dict:
    return {"id_beneficiaire": pid, "date_debut": start, "type_contrat": kind}


def referent(
    rid: str,
    territoire: str,
    etp: float,
    organisme: str,
    arrival: str | None = None,
    leave: str | None = None,
) -> dict:
    return {
        "id_referent": rid,
        "organisme": organisme,
        "territoire": territoire,
        "etp": etp,
        "date_arrivee": arrival,
        "date_depart": leave,
    }


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("hand")
    write_snapshot(
        data,
        S,
        {
            "beneficiaires": [
                person("p1", code_commune=L, date_ouverture_droits="2024-01-01"),
                person("p2", code_commune=L, date_ouverture_droits="2024-02-01"),
                person(
                    "p3",
                    code_commune=L,
                    date_ouverture_droits="2024-03-01",
                    date_fin_droits="2024-03-20",
                    motif_fin_droits="demenagement",
                ),
                person("p4", code_commune=L, date_ouverture_droits="2024-06-20"),
                person("p5", code_commune=SQ, date_ouverture_droits="2024-01-15"),
                person("p6", code_commune=SO, date_ouverture_droits="2024-02-01", sexe="m"),
                person("p7", code_commune=SO, date_ouverture_droits="2024-03-01"),
                person("p8", code_commune=NR, date_ouverture_droits="2024-01-10"),
                person("p9", code_commune=L, date_ouverture_droits="2022-01-01", id_foyer="f9"),
                person("p10", code_commune=SQ, date_ouverture_droits="2021-06-01"),
                person(
                    "p11",
                    code_commune=SQ,
                    date_ouverture_droits="2023-01-10",
                    date_fin_droits="2024-05-15",
                    motif_fin_droits="reprise_emploi",
                ),
                person(
                    "p12",
                    code_commune=L,
                    date_ouverture_droits="2023-06-01",
                    soumis_droits_devoirs=False,
                ),
                person("p13", code_commune=L, date_ouverture_droits="2022-01-01", id_foyer="f9"),
                person(
                    "p14",
                    code_commune=L,
                    date_ouverture_droits="2023-02-01",
                    date_fin_droits="2023-11-15",
                    motif_fin_droits="reprise_emploi",
                ),
                person("p15", code_commune=SO, date_ouverture_droits="2023-09-01"),
            ],
            "orientations": [
                orientation(
                    "p1",
                    "2024-01-21",
                    date_diagnostic="2024-01-10",
                    date_contrat="2024-02-15",
                    id_referent="r1",
                ),
                orientation(
                    "p2",
                    "2024-03-12",
                    date_diagnostic="2024-02-20",
                    modalite="social",
                    date_contrat="2024-01-20",
                ),
                orientation("p3", "2024-03-25", modalite="social", date_contrat="2024-03-28"),
                orientation("p5", "2024-04-14", date_contrat="2024-05-01"),
                orientation(
                    "p6",
                    "2024-02-26",
                    date_diagnostic="2024-02-10",
                    modalite="socio_professionnel",
                    accompagnement_renove=False,
                ),
                orientation(
                    "p6", "2024-05-01", date_diagnostic="2024-04-20", date_contrat="2024-05-05"
                ),
                orientation(
                    "p8", "2024-01-20", date_diagnostic="2024-01-05", date_contrat="2024-07-15"
                ),
                orientation("p9", "2022-06-01", accompagnement_renove=False),
                orientation("p11", "2023-03-01"),
                orientation("p12", "2023-06-20"),
                orientation("p14", "2023-02-20"),
            ],
            "activites": [
                act("p1", "2024-01-15", 20.0),  # before p1's first eligible week
                act("p1", "2024-01-22", 10.0),
                act("p1", "2024-01-22", 6.0, "atelier_cv"),  # 16 h that week
                act("p1", "2024-01-29", 15.0),  # exactly 15 h counts
                act("p9", "2023-12-25", 18.0),  # before A
                act("p9", "2024-01-01", 20.0),
                act("p9", "2024-06-24", 14.5),  # last week of the period, under 15 h
                act("p6", "2024-02-26", 16.0),  # the week of Or: not eligible (Or < w)
                act("p6", "2024-03-04", 15.0),
            ],
            "contacts": [
                contact("p1", "2024-01-21"),  # Sunday before the first eligible week
                contact("p1", "2024-01-24"),
                contact("p1", "2024-01-25", "visio"),  # same week: counts once
                contact("p1", "2024-02-05", "rendez_vous"),
                contact("p9", "2024-06-30", "rendez_vous"),  # Sunday of week 06-24, = S
                contact("p6", "2024-03-10", "rendez_vous"),
            ],
            "emplois": [
                job("p11", "2023-02-15", "cdi"),  # before Or: never counts
                job("p11", "2023-09-01", "interim"),  # Or + 184 days
                job("p12", "2023-12-19", "cdi"),  # Or + 182 days
                job("p14", "2023-05-01", "cdd_moins_6_mois"),  # Or + 70 days
                job("p14", "2023-10-01", "cdi"),  # Or + 223 days
            ],
            "referents": [
                referent("r1", "Laonnois", 1.0, "departement", arrival="2020-01-01"),
                referent("r2", "Laonnois", 0.5, "france_travail", arrival="2023-06-01"),
                referent(
                    "r3", "Laonnois", 0.8, "departement", arrival="2023-09-01", leave="2024-03-01"
                ),
                referent("r4", "Saint-Quentinois", 1.0, "departement"),
                referent(
                    "r5",
                    "Soissonnais",
                    0.5,
                    "mission_locale",
                    arrival="2023-05-11",
                    leave="2024-07-31",
                ),
            ],
        },
    )
    return load_snapshot(str(data), D(S))


@pytest.fixture(scope="module")
def cfg():
    return load_config()


def table(snap, cfg, period: Period, filters: Filters | None = None):
    sc = engine.scope(snap, period, cfg, filters)
    return sc, engine.indicators(sc)


def get(frame, key: str, group: str) -> dict:
    rows = frame.filter(indicator=key, group=group).to_dicts()
    assert len(rows) == 1, (key, group, rows)
    return rows[0]


def check(frame, key: str, group: str, num: float, den: float, value: float | None) -> None:
    row = get(frame, key, group)
    assert (row["numerator"], row["denominator"]) == (num, den), (key, group, row)
    if value is None:
        assert row["value"] is None, (key, group, row)
    else:
        assert row["value"] == pytest.approx(value, abs=1e-12), (key, group, row)


def test_every_group_and_key_present(snap, cfg) -> None:
    _, t = table(snap, cfg, H1_2024)
    groups = [
        LAON,
        "Chaunois",
        "Saint-Quentinois",
        "Soissonnais",
        "Sud de l'Aisne",
        "Thiérache",
        RESTE,
        ENS,
    ]
    assert t["group"].unique(maintain_order=True).to_list() == groups
    assert t.height == 27 * len(groups)
    # an empty group gives null value and null interval, never 0
    row = get(t, "part_orientes_30j", "Chaunois")
    assert row["value"] is None and row["ci_low"] is None and row["denominator"] == 0


def test_orientation_delays(snap, cfg) -> None:
    _, t = table(snap, cfg, H1_2024)
    # C (O in H1 2024) = p1..p4 (L), p5..p7 (rest), p8 (unknown commune: Ensemble only).
    # KM Laonnois: p4 censored 10 (S − O), p3 censored 19 (left on F before Or),
    # p1 event 20 (2 at risk: Ŝ = 1/2 <= 0.5), p2 event 40 -> median 20; events 2 of 4.
    check(t, "delai_orientation_median", LAON, 2, 4, 20)
    # Rest: p6 event 25 (3 at risk, Ŝ = 2/3), p5 event 90 (2 at risk, Ŝ = 1/3), p7 censored
    # 121 -> median 90; events 2 of 3.
    check(t, "delai_orientation_median", RESTE, 2, 3, 90)
    # Soissonnais: p6 event 25 with 2 at risk: Ŝ = 1/2 -> 25. Saint-Quentinois: p5 alone -> 90.
    check(t, "delai_orientation_median", "Soissonnais", 1, 2, 25)
    check(t, "delai_orientation_median", "Saint-Quentinois", 1, 1, 90)
    # Ensemble: t=10 p8 event and p4 censored (event first): Ŝ = 7/8; t=20: 5 at risk
    # (p1 p2 p5 p6 p7) Ŝ = 0.7; t=25: 4 at risk Ŝ = 0.525; t=40: 3 at risk Ŝ = 0.35 -> 40.
    check(t, "delai_orientation_median", ENS, 5, 8, 40)
    # Naive mean over C with Or <= S (p3 counts: oriented 24 days after O, after leaving):
    # L (20 + 40 + 24) / 3 = 28; rest (90 + 25) / 2 = 57.5; Ensemble 209 / 6.
    check(t, "delai_orientation_moyen", LAON, 84, 3, 28)
    check(t, "delai_orientation_moyen", RESTE, 115, 2, 57.5)
    check(t, "delai_orientation_moyen", ENS, 209, 6, 209 / 6)
    # Student interval: L delays 20, 40, 24: sd = sqrt(((−8)² + 12² + (−4)²) / 2) = sqrt(112)
    row = get(t, "delai_orientation_moyen", LAON)
    half = 4.302652729911275 * math.sqrt(112 / 3)  # t(0.975, 2 df)
    assert row["ci_low"] == pytest.approx(28 - half) and row["ci_high"] == pytest.approx(28 + half)


def test_orientation_shares(snap, cfg) -> None:
    _, t = table(snap, cfg, H1_2024)
    # within 30 days, among O <= S − 30 (2024-05-31): L p1 p2 p3 (p4 too recent); only p1
    # (p3's 24 days do not count: he left the RSA before his orientation).
    check(t, "part_orientes_30j", LAON, 1, 3, 1 / 3)
    check(t, "part_orientes_30j", RESTE, 1, 3, 1 / 3)  # p6 (25 d); not p5 (90), p7
    check(t, "part_orientes_30j", ENS, 3, 7, 3 / 7)  # + p8 (10 d)
    # diagnostic within 15 days, among O <= S − 15: L p1 (9 d) of p1 p2 p3; rest p6 of p5..p7;
    # Ensemble + p8 whose diagnostic precedes O (counts as 0 day).
    check(t, "part_diagnostic_15j", LAON, 1, 3, 1 / 3)
    check(t, "part_diagnostic_15j", RESTE, 1, 3, 1 / 3)
    check(t, "part_diagnostic_15j", ENS, 3, 7, 3 / 7)
    # first modalité among C oriented by S: L p1 pro, p2 social, p3 social; rest p5 pro,
    # p6 socio (his later re-orientation does not count); Ensemble + p8 pro.
    check(t, "part_modalite_social", LAON, 2, 3, 2 / 3)
    check(t, "part_modalite_professionnel", LAON, 1, 3, 1 / 3)
    check(t, "part_modalite_socio_professionnel", LAON, 0, 3, 0.0)
    check(t, "part_modalite_socio_professionnel", RESTE, 1, 2, 0.5)
    check(t, "part_modalite_professionnel", ENS, 3, 6, 0.5)
    # Wilson interval of 1/3 (z = 1.96): centre (1 + z²/2)/(3 + z²), half-width
    # z·sqrt(1·2/3 + z²/4)/(3 + z²)
    z = 1.959963984540054
    centre = (1 + z * z / 2) / (3 + z * z)
    half = z * math.sqrt(1 * 2 / 3 + z * z / 4) / (3 + z * z)
    row = get(t, "part_orientes_30j", LAON)
    assert row["ci_low"] == pytest.approx(centre - half)
    assert row["ci_high"] == pytest.approx(centre + half)


def test_intensity(snap, cfg) -> None:
    _, t = table(snap, cfg, H1_2024)
    # Eligible weeks (Mondays 2024-01-01 .. 06-24, after O and Or, before F − 6):
    #   p1 from 01-22: 23; p2 from 03-18: 15; p9: all 26; p12: 26 -> Laonnois 90
    #   p3 none (F 03-20 before his Or); p5 from 04-15: 11; p6 from 03-04: 17;
    #   p11 until 05-06 (F 05-15 > w + 6): 19 -> rest 47; p8 from 01-22: 23 -> Ensemble 160.
    # Weeks at >= 15 h: p1 01-22 (16 h), 01-29 (15 h); p9 01-01 (20 h); p6 03-04 (15 h).
    check(t, "part_semaines_15h", LAON, 3, 90, 3 / 90)
    check(t, "part_semaines_15h", RESTE, 1, 47, 1 / 47)
    check(t, "part_semaines_15h", ENS, 4, 160, 4 / 160)
    # Hours: L 16 + 15 + 20 + 14.5 = 65.5; rest 15.
    check(t, "heures_hebdo_moyennes", LAON, 65.5, 90, 65.5 / 90)
    check(t, "heures_hebdo_moyennes", RESTE, 15, 47, 15 / 47)
    # Weeks with a contact: p1 weeks 01-22 and 02-05; p9 week 06-24 (contact on Sunday = S);
    # p6 week 03-04.
    check(t, "part_semaines_contact", LAON, 3, 90, 3 / 90)
    check(t, "part_semaines_contact", RESTE, 1, 47, 1 / 47)
    # Clustered variance of part_semaines_15h, Laonnois: R = 1/30, people (n, y):
    # p1 (23, 2), p2 (15, 0), p9 (26, 1), p12 (26, 0); Σ(y − R·n)² = (37/30)² + (1/2)² +
    # (4/30)² + (26/30)² = 2286/900; Var = 4/3 · 2286/900 / 90².
    var = 4 / 3 * (2286 / 900) / 90**2
    row = get(t, "part_semaines_15h", LAON)
    assert row["var"] == pytest.approx(var)
    assert row["ci_low"] == pytest.approx(max(0.0, 1 / 30 - 1.959963984540054 * math.sqrt(var)))
    assert row["ci_high"] == pytest.approx(1 / 30 + 1.959963984540054 * math.sqrt(var))
    # Months Jan..Jun 2024 (m2 <= S), after O and Or, F > m2:
    #   p1 Feb..Jun 5 (rendez-vous 02-05); p2 Apr..Jun 3; p9 6 (rendez-vous 06-30); p12 6
    #   -> L 2 / 20; p5 May, Jun 2; p6 Mar..Jun 4 (rendez-vous 03-10); p11 Jan..Apr 4
    #   -> rest 1 / 10; p8 Feb..Jun 5 -> Ensemble 3 / 35.
    check(t, "part_mois_rendez_vous", LAON, 2, 20, 0.1)
    check(t, "part_mois_rendez_vous", RESTE, 1, 10, 0.1)
    check(t, "part_mois_rendez_vous", ENS, 3, 35, 3 / 35)


def test_employment(snap, cfg) -> None:
    _, t = table(snap, cfg, YEAR_2023)
    # E_183 (Or in 2023, Or + 183 <= S): p11 (SQ), p12, p14 (L); E_365 the same three.
    # Within 183 days: p12 cdi at 182 d, p14 cdd at 70 d; p11 interim at 184 d (too late),
    # his cdi before Or never counts.
    check(t, "taux_emploi_6m", LAON, 2, 2, 1.0)
    check(t, "taux_emploi_6m", RESTE, 0, 1, 0.0)
    check(t, "taux_emploi_6m", ENS, 2, 3, 2 / 3)
    # durable within 183 days: p12 only (p14's cdi comes at 223 days)
    check(t, "taux_emploi_durable_6m", LAON, 1, 2, 0.5)
    check(t, "taux_emploi_durable_6m", ENS, 1, 3, 1 / 3)
    # within 365 days: p11 (184 d) now counts
    check(t, "taux_emploi_12m", RESTE, 1, 1, 1.0)
    check(t, "taux_emploi_12m", ENS, 3, 3, 1.0)
    # exit within 365 days of Or: p14 (268 d); p11 left 441 days after Or
    check(t, "taux_sortie_rsa_12m", LAON, 1, 2, 0.5)
    check(t, "taux_sortie_rsa_12m", RESTE, 0, 1, 0.0)
    # the H1 2024 period has no orientation cohort old enough: null, not 0
    _, t24 = table(snap, cfg, H1_2024)
    check(t24, "taux_emploi_6m", LAON, 0, 0, None)


def test_coverage(snap, cfg) -> None:
    _, t = table(snap, cfg, H1_2024)
    # Stock at S (open rights): L p1 p2 p4 p9 p12 p13 (p3 left) -> 6 people, 5 foyers
    # (p9 and p13 share one); rest p5 p6 p7 p10 p15 -> 5; Ensemble + p8 -> 12 people, 11 foyers.
    check(t, "effectif_stock", LAON, 6, 6, 6)
    check(t, "foyers_stock", LAON, 5, 5, 5)
    check(t, "effectif_stock", ENS, 12, 12, 12)
    check(t, "foyers_stock", ENS, 11, 11, 11)
    # P_dd excludes p12. Oriented: L p1 p2 p9 of 5; rest p5 p6 of 5; Ensemble + p8: 6 of 11.
    check(t, "part_orientes_stock", LAON, 3, 5, 0.6)
    check(t, "part_orientes_stock", RESTE, 2, 5, 0.4)
    check(t, "part_orientes_stock", ENS, 6, 11, 6 / 11)
    # Seniority S − O: p1 181, p2 150, p4 10 (< 183); p9, p13 911 (>= 365);
    # p5 167, p6 150, p7 121, p8 172 (< 183); p15 303 (6-12 months); p10 1125.
    check(t, "part_orientes_stock_moins_6m", LAON, 2, 3, 2 / 3)
    check(t, "part_orientes_stock_6_12m", LAON, 0, 0, None)
    check(t, "part_orientes_stock_12m_plus", LAON, 1, 2, 0.5)
    check(t, "part_orientes_stock_moins_6m", ENS, 5, 7, 5 / 7)
    check(t, "part_orientes_stock_6_12m", RESTE, 0, 1, 0.0)
    # 12 months or more in P_dd: p9, p13, p10 (p12 has 395 days but is not subject to
    # rights and duties) -> 1 of 3.
    check(t, "part_orientes_stock_12m_plus", ENS, 1, 3, 1 / 3)


def test_comparisons(snap, cfg) -> None:
    sc, t = table(snap, cfg, H1_2024)
    comp = engine.comparisons(sc, t)
    assert "effectif_stock" not in comp["indicator"].to_list()
    assert comp.height == 22
    row = comp.filter(indicator="part_orientes_stock").to_dicts()[0]
    assert (row["group_a"], row["group_b"]) == (LAON, RESTE)
    diff, low, high = newcombe_hybrid(3, 5, 2, 5)
    assert row["difference"] == pytest.approx(0.2) == pytest.approx(diff)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert row["p_value"] == pytest.approx(two_proportion_pvalue(3, 5, 2, 5))
    med = comp.filter(indicator="delai_orientation_median").to_dicts()[0]
    assert med["difference"] == 20 - 90 and med["ci_low"] is None
    assert 0 < med["p_value"] <= 1
    # Welch on means 28 (n 3) vs 57.5 (n 2): difference −29.5
    assert comp.filter(indicator="delai_orientation_moyen")["difference"].item() == -29.5


def test_filters_select_people(snap, cfg) -> None:
    # sexe = m keeps p6 only: every denominator shrinks to his contributions
    _, t = table(snap, cfg, H1_2024, Filters(sexes=("m",)))
    check(t, "part_orientes_30j", RESTE, 1, 1, 1.0)
    check(t, "part_orientes_30j", LAON, 0, 0, None)
    check(t, "part_semaines_15h", RESTE, 1, 17, 1 / 17)
    # modalité filter uses the first orientation: p6 was first socio-professionnel
    _, t2 = table(snap, cfg, H1_2024, Filters(modalites=("socio_professionnel",)))
    check(t2, "delai_orientation_moyen", ENS, 25, 1, 25)
    # a territoire filter keeps the pilot only; Reste becomes empty
    _, t3 = table(snap, cfg, H1_2024, Filters(territoires=(LAON,)))
    check(t3, "effectif_stock", ENS, 6, 6, 6)
    check(t3, "effectif_stock", RESTE, 0, 0, None)


def test_engagement_contract(snap, cfg) -> None:
    _, t = table(snap, cfg, H1_2024)
    # KM of O -> Ct over C. Laonnois: t=0 p2 event (4 at risk, Ŝ = 3/4; his contract predates
    # O: 0 days), p4 censored 10, p3 censored 19 (left on F before signing on 03-28), t=45 p1
    # event (1 at risk, Ŝ = 0) -> median 45, events 2 of 4.
    check(t, "delai_contrat_median", LAON, 2, 4, 45)
    # Rest: t=94 p6 (3 at risk, Ŝ = 2/3; the earliest non-null date of his rows), t=107 p5
    # (2 at risk, Ŝ = 1/3), p7 censored 121 -> 107, events 2 of 3.
    check(t, "delai_contrat_median", RESTE, 2, 3, 107)
    # Ensemble adds p8, censored at S − O = 172 (his contract is after S): Ŝ 7/8 at 0,
    # 0.7 at 45 (5 at risk), 0.525 at 94, 0.35 at 107 -> 107, events 4 of 8.
    check(t, "delai_contrat_median", ENS, 4, 8, 107)
    # within 60 days, among O <= S − 60 (2024-05-01): L p1 (45 d), p2 (0 d) of p1 p2 p3 (p3
    # left before signing); rest none of p5 (107) p6 (94) p7; Ensemble + p8 (after S): 2 / 7.
    check(t, "part_contrat_60j", LAON, 2, 3, 2 / 3)
    check(t, "part_contrat_60j", RESTE, 0, 3, 0.0)
    check(t, "part_contrat_60j", ENS, 2, 7, 2 / 7)


def test_renewed_accompaniment_coverage(snap, cfg) -> None:
    _, t = table(snap, cfg, H1_2024)
    # P_dd: L p1 p2 p4 p9 p13; renewed: p1, p2 (p9's only row is not; p4, p13 never oriented)
    check(t, "part_accompagnement_renove", LAON, 2, 5, 0.4)
    # rest p5 p6 p7 p10 p15: p5, and p6 by his second row (any row counts)
    check(t, "part_accompagnement_renove", RESTE, 2, 5, 0.4)
    check(t, "part_accompagnement_renove", ENS, 5, 11, 5 / 11)  # + p8


def test_accompanying_professionals(snap, cfg) -> None:
    sc, t = table(snap, cfg, H1_2024)
    # present at S: r1 r2 (L), r4 (SQ), r5 (So); r3 left on 2024-03-01
    check(t, "etp_accompagnants", LAON, 1.5, 2, 1.5)
    check(t, "etp_accompagnants", "Saint-Quentinois", 1.0, 1, 1.0)
    check(t, "etp_accompagnants", RESTE, 1.5, 2, 1.5)
    check(t, "etp_accompagnants", ENS, 3.0, 4, 3.0)
    check(t, "etp_accompagnants", "Chaunois", 0, 0, None)  # no referent: null, not 0
    # arrived on or after L = 2023-05-11: r2 (L), r5 (So, arrived on L itself)
    check(t, "etp_recrutes_lancement", LAON, 0.5, 1, 0.5)
    check(t, "etp_recrutes_lancement", "Soissonnais", 0.5, 1, 0.5)
    check(t, "etp_recrutes_lancement", ENS, 1.0, 2, 1.0)
    check(t, "etp_recrutes_lancement", "Saint-Quentinois", 0, 0, None)  # nobody recruited
    # P_dd oriented by S over the group's FTE: L p1 p2 p9 / 1.5; rest p5 p6 / 1.5;
    # So p6 / 0.5; Ensemble + p8: 6 / 3.0; Chaunois: no FTE -> null ratio, not an error
    check(t, "beneficiaires_par_etp", LAON, 3, 1.5, 2.0)
    check(t, "beneficiaires_par_etp", RESTE, 2, 1.5, 4 / 3)
    check(t, "beneficiaires_par_etp", "Soissonnais", 1, 0.5, 2.0)
    check(t, "beneficiaires_par_etp", ENS, 6, 3.0, 2.0)
    check(t, "beneficiaires_par_etp", "Chaunois", 0, 0, None)
    # counts: no interval and no comparison
    assert get(t, "etp_accompagnants", LAON)["ci_low"] is None
    comp = engine.comparisons(sc, t)["indicator"].to_list()
    assert not {"etp_accompagnants", "etp_recrutes_lancement", "beneficiaires_par_etp"} & set(comp)
    assert {"delai_contrat_median", "part_contrat_60j", "part_accompagnement_renove"} <= set(comp)
