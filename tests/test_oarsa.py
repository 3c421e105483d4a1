"""The DREES OARSA survey tables (metrics.oarsa) and the ``python -m metrics oarsa`` command.

Hand-made snapshot S = 2023-12-31. Laon (02408, Laonnois, the pilot) unless said; SQ =
Saint-Quentin (02691, Saint-Quentinois); 99999 is a commune absent from the referential.
Everyone is subject to rights and duties (SDD) unless said. Or = first orientation.

Stock (open at S):
  a1  O 2021-03-01  Or 2021-04-01 professionnel france_travail, re-oriented 2023-06-01 social
      departement (contract 2023-06-20 on that row)             niveau superieur
  a2  O 2022-10-01  Or 2022-11-15 socio_professionnel mission_locale (contract 2022-12-01)
  a3  O 2023-03-01  not SDD, oriented 2023-03-20                (P only)
  a5  SQ O 2018-06-01  never oriented, born 1960, sexe unknown
  u1  99999 O 2022-12-01  Or 2023-01-10 professionnel autre
Left before S: a4 (O 2022-01-10, F 2023-06-30), e7 (an entrant of 2023, F 2023-09-30).
Entrants of 2023 (SDD at S):
  e1  O 02-01  Or 02-20 (19 d)  professionnel france_travail, contract 03-01   born 2000
  e2  O 03-01  Or 04-15 (45 d)  social departement, contract 05-01 (16 d)      born unknown
  e3  O 04-01  Or 06-20 (80 d)  socio_professionnel autre, no contract        niveau aucun
  e4  O 05-01  Or 09-01 (123 d) professionnel france_travail, re-oriented 11-01 social
      departement (not primo-oriented)
  e5  O 01-05  Or 07-07 (183 d) social mission_locale, contract 08-06 (30 d)  niveau unknown
  e6  O 10-01  never oriented
  e9  SQ O 09-01  Or 10-01 (30 d) professionnel france_travail            sexe m
  e8  O 07-01  not SDD (excluded)
Quarantined: one orphan orientation (« zz »).
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest

from config import load_config
from metrics import engine, oarsa
from metrics.base import Period, persons
from queries.snapshots import load_snapshot
from tests.snapshot_builder import PROJECT_ROOT, D, orientation, person, write_snapshot

S = "2023-12-31"
L, SQ, NR = "02408", "02691", "99999"


def tables() -> dict:
    return {
        "beneficiaires": [
            person("a1", date_ouverture_droits="2021-03-01", niveau_diplome="superieur"),
            person("a2", date_ouverture_droits="2022-10-01"),
            person("a3", date_ouverture_droits="2023-03-01", soumis_droits_devoirs=False),
            person(
                "a4",
                date_ouverture_droits="2022-01-10",
                date_fin_droits="2023-06-30",
                motif_fin_droits="reprise_emploi",
            ),
            person(
                "a5",
                code_commune=SQ,
                date_ouverture_droits="2018-06-01",
                annee_naissance=1960,
                sexe=None,
            ),
            person("u1", code_commune=NR, date_ouverture_droits="2022-12-01"),
            person("e1", date_ouverture_droits="2023-02-01", annee_naissance=2000),
            person("e2", date_ouverture_droits="2023-03-01", annee_naissance=None),
            person("e3", date_ouverture_droits="2023-04-01", niveau_diplome="aucun"),
            person("e4", date_ouverture_droits="2023-05-01"),
            person("e5", date_ouverture_droits="2023-01-05", niveau_diplome=None),
            person("e6", date_ouverture_droits="2023-10-01"),
            person(
                "e7",
                date_ouverture_droits="2023-06-01",
                date_fin_droits="2023-09-30",
                motif_fin_droits="autre",
            ),
            person("e8", date_ouverture_droits="2023-07-01", soumis_droits_devoirs=False),
            person("e9", code_commune=SQ, date_ouverture_droits="2023-09-01", sexe="m"),
        ],
        "orientations": [
            orientation("a1", "2021-04-01"),
            orientation(
                "a1",
                "2023-06-01",
                modalite="social",
                organisme_referent="departement",
                date_contrat="2023-06-20",
            ),
            orientation(
                "a2",
                "2022-11-15",
                modalite="socio_professionnel",
                organisme_referent="mission_locale",
                date_contrat="2022-12-01",
            ),
            orientation("a3", "2023-03-20"),
            orientation("u1", "2023-01-10", organisme_referent="autre"),
            orientation("e1", "2023-02-20", date_contrat="2023-03-01"),
            orientation(
                "e2",
                "2023-04-15",
                modalite="social",
                organisme_referent="departement",
                date_contrat="2023-05-01",
            ),
            orientation(
                "e3", "2023-06-20", modalite="socio_professionnel", organisme_referent="autre"
            ),
            orientation("e4", "2023-09-01"),
            orientation("e4", "2023-11-01", modalite="social", organisme_referent="departement"),
            orientation(
                "e5",
                "2023-07-07",
                modalite="social",
                organisme_referent="mission_locale",
                date_contrat="2023-08-06",
            ),
            orientation("e7", "2023-07-01"),
            orientation("e9", "2023-10-01"),
            orientation("zz", "2023-05-01"),  # orphan: quarantined
        ],
    }


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("oarsa")
    write_snapshot(d, S, tables())
    return d


@pytest.fixture(scope="module")
def snap(data_dir: Path):
    return load_snapshot(str(data_dir), D(S))


@pytest.fixture(scope="module")
def result(snap):
    ref = oarsa.Reference(D(S), D(S))
    return oarsa.build(snap, ref, load_config())


def row(frame: pl.DataFrame, categorie: str, tranche: str) -> dict:
    rows = frame.filter(categorie=categorie, tranche=tranche).to_dicts()
    assert len(rows) == 1, (categorie, tranche)
    return {k: v for k, v in rows[0].items() if k not in ("categorie", "tranche")}


def column(frame: pl.DataFrame, categorie: str, key: str) -> dict[str, object]:
    block = frame.filter(categorie=categorie)
    return dict(zip(block["tranche"], block[key], strict=True))


AGE, SEXE, SITFAM = "Âge (au 31/12 de l'année)", "Sexe", "Situation familiale (1)"
ANC = "Ancienneté dans le dispositif, y compris anciens minima (RMI, API) (2)"
NIV, TERR = "Niveau de formation (3)", oarsa.TERRITOIRE_CATEGORY
TOTAL = (oarsa.TOTAL_CATEGORY, oarsa.TOTAL_ROW)


def test_current_orientation_is_the_latest(snap) -> None:
    cur = oarsa.current_orientations(snap.orientations, oarsa.day(snap.date))
    people = persons(snap).select("pid", "id_beneficiaire", "organisme", "modalite")
    got = people.join(cur, on="pid").sort("id_beneficiaire")
    by_id = {r["id_beneficiaire"]: r for r in got.to_dicts()}
    # first orientation France Travail, in force at S: the Département (re-oriented)
    assert by_id["a1"]["organisme"] == "france_travail"
    assert by_id["a1"]["organisme_courant"] == "departement"
    assert by_id["a1"]["modalite_courante"] == "social"
    assert by_id["a1"]["reoriente"] is True
    assert oarsa.to_date(by_id["a1"]["contrat_courant"]) == D("2023-06-20")
    assert by_id["e4"]["organisme_courant"] == "departement" and by_id["e4"]["reoriente"]
    assert by_id["e4"]["contrat_courant"] is None
    assert by_id["e1"]["reoriente"] is False
    assert by_id["e1"]["organisme_courant"] == by_id["e1"]["organisme"] == "france_travail"


def test_tableau_1(result) -> None:
    t = result.tables["Tableau 1"]
    # P_dd: a1 a2 a5 u1 e1 e2 e3 e4 e5 e6 e9 (a3 and e8 not SDD; a4 and e7 left before S)
    # oriented: all but a5 e6. In force at S: FT e1 e9; ML a2 e5; CD a1 e2 e4; autre e3 u1
    assert row(t, *TOTAL) == {
        "sdd": 11,
        "non_orientees": 2,
        "orientees": 9,
        "orientees_pe": 2,
        "orientees_autre_que_pe": 7,
        "org_spe_0": 2,  # Mission locale
        "org_hors_spe_0": 3,  # Service du Conseil départemental
        "org_autre": 2,  # the data's « autre »
    }
    assert column(t, AGE, "sdd") == {
        "0 - 24": 1,  # e1 (born 2000: 23 at 31/12)
        "25 - 29": 0,
        "30 - 39": 8,  # born 1985: 38
        "40 - 49": 0,
        "50 - 59": 0,
        ">= 60": 1,  # a5 (63)
        "Age inconnu": 1,  # e2
    }
    assert column(t, SEXE, "sdd") == {"Femme": 9, "Homme": 1, "Sexe inconnu": 1}
    assert column(t, SITFAM, "sdd") == {
        "Personne seule sans enfant": 11,
        "Personne seule avec enfant(s)": 0,
        "Personne en couple sans enfant": 0,
        "Personne en couple avec enfant(s)": 0,
        "Situation familiale non connue": 0,
    }
    # S − O: a1 1035 d, a2 456, a5 2039, u1 395, e1 333, e2 305, e3 274, e4 244, e5 360,
    # e6 91, e9 121
    assert column(t, ANC, "sdd") == {
        "moins de 6 mois": 2,
        "6 mois et moins 1 an": 5,
        "1 an et moins de 2 ans": 2,
        "2 ans et moins de 5 ans": 1,
        "5 ans et plus": 1,
        "Ancienneté non connue": 0,
    }
    assert column(t, ANC, "orientees") == {
        "moins de 6 mois": 1,  # e9 (e6 not oriented)
        "6 mois et moins 1 an": 5,
        "1 an et moins de 2 ans": 2,
        "2 ans et moins de 5 ans": 1,
        "5 ans et plus": 0,  # a5
        "Ancienneté non connue": 0,
    }
    assert column(t, NIV, "sdd") == {
        "Vbis et VI": 1,  # e3
        "V": 0,
        "IV": 8,
        "III, II, I": 1,  # a1
        "Niveau de formation non connu": 1,  # e5
    }
    terr = column(t, TERR, "sdd")
    assert (terr["Laonnois"], terr["Saint-Quentinois"], terr["Non renseigné"]) == (8, 2, 1)
    assert sum(terr.values()) == 11
    assert column(t, TERR, "orientees_pe")["Saint-Quentinois"] == 1  # e9
    assert column(t, TERR, "org_autre")["Non renseigné"] == 1  # u1
    # every breakdown adds up to the total, column by column
    for key in row(t, *TOTAL):
        for cat in (AGE, SEXE, SITFAM, ANC, NIV, TERR):
            assert sum(column(t, cat, key).values()) == row(t, *TOTAL)[key], (cat, key)


def test_tableau_1_parcours_and_2(result) -> None:
    p = result.tables["Tableau 1 parcours (avant 2017)"]
    # modalité in force: pro e1 e9 u1; socio-pro a2 e3; social a1 e2 e4 e5
    assert row(p, *TOTAL) == {
        "sdd": 11,
        "parcours_professionnel": 3,
        "parcours_socioprofessionnel": 2,
        "parcours_social": 4,
        "non_orientees": 2,
    }
    t2 = result.tables["Tableau 2"]
    # contract of the orientation in force, signed by S, organism other than FT:
    # a1 (CD, 2023-06-20), a2 (ML), e2 (CD), e5 (ML); not e3 (none), e4 (none on its
    # current row), u1 (none)
    assert row(t2, *TOTAL) == {
        "cer": 4,
        "cer_spe_0": 2,
        "cer_hors_spe_0": 2,
        "cer_autre": 0,
    }
    for sheet in ("Tableau 3", "Tableau 4", "Tableau 6"):
        assert result.tables[sheet].to_dicts() == [
            {"categorie": oarsa.TOTAL_CATEGORY, "tranche": oarsa.TOTAL_ROW}
        ]


def test_tableau_5(result) -> None:
    t = result.tables["Tableau 5"]
    # (17) e1 e2 e3 e4 e5 e6 e9; (18) not e4 (re-oriented) nor e6; (19) e2 e3 e5; (20) e2 e5
    total = row(t, *TOTAL)
    assert {k: v for k, v in total.items() if not k.startswith("delai")} == {
        "entrants": 7,
        "primo_orientees": 5,
        "primo_orientees_hors_pe": 3,
        "primo_orientees_hors_pe_primo_cer": 2,
    }
    # (21) over e1 19, e2 45, e3 80, e5 183, e9 30; (22) e2 16, e5 30
    assert total["delai_moyen_primo_orientation"] == pytest.approx((19 + 45 + 80 + 183 + 30) / 5)
    assert total["delai_moyen_primo_cer"] == pytest.approx((16 + 30) / 2)
    terr = column(t, TERR, "delai_moyen_primo_orientation")
    assert terr["Laonnois"] == pytest.approx((19 + 45 + 80 + 183) / 4)
    assert terr["Saint-Quentinois"] == pytest.approx(30)
    assert terr["Chaunois"] is None  # no entrant: null mean, not 0
    assert column(t, TERR, "entrants")["Chaunois"] == 0


def test_delay_classes(result) -> None:
    d = result.delays
    got = {(r["groupe"], r["classe"]): (r["effectif"], r["part"]) for r in d.iter_rows(named=True)}
    names = [c[0] for c in oarsa.DELAY_CLASSES] + [oarsa.NOT_ORIENTED_CLASS, oarsa.TOTAL_CLASS]
    # first orientation delay: e1 19, e9 30 (< 1 month, boundary 30 included), e2 45, e3 80,
    # e4 123 (re-oriented: its first orientation counts), e5 183 (6 months: boundary), e6 none
    ens = [got[("Ensemble", n)] for n in names]
    assert [e for e, _ in ens] == [2, 1, 1, 1, 1, 1, 7]
    assert [p for _, p in ens] == pytest.approx([2 / 7, 1 / 7, 1 / 7, 1 / 7, 1 / 7, 1 / 7, 1.0])
    assert [got[("Laonnois", n)][0] for n in names] == [1, 1, 1, 1, 1, 1, 6]
    assert [got[("Reste du département", n)][0] for n in names] == [1, 0, 0, 0, 0, 0, 1]


def test_indicators(result) -> None:
    ind = result.indicators.filter(groupe="Ensemble")

    def get(code: str, label_start: str = "") -> tuple:
        rows = ind.filter(
            pl.col("code") == code, pl.col("indicateur").str.contains(label_start, literal=True)
        ).to_dicts()
        assert len(rows) == 1, (code, label_start)
        r = rows[0]
        return r["valeur"], r["numerateur"], r["denominateur"]

    assert get("B1") == (9 / 11, 9, 11)
    assert get("B2") == (1 / 2, 1, 2)  # e6 e9
    assert get("B3") == (1.0, 5, 5)  # e1 e2 e3 e4 e5
    assert get("B4") == (3 / 4, 3, 4)  # a1 a2 a5 u1
    assert get("B5") == (2 / 9, 2, 9)
    assert get("B7") == (3 / 9, 3, 9)
    assert get("B6") == (None, None, None)  # « autre » not classified SPE / hors SPE
    assert get("B9") == (4 / 7, 4, 7)
    assert get("B11") == (2 / 3, 2, 3)
    assert get("B13") == (357 / 5, 357, 5)
    assert get("B14") == (23.0, 46, 2)
    assert get("Ajout", "Personnes ayant un droit ouvert") == (13, 13, 13)
    assert get("Ajout", "Part des personnes soumises") == (11 / 13, 11, 13)
    assert get("Ajout", "mission locale") == (2 / 9, 2, 9)
    assert get("Ajout", "parcours social") == (4 / 9, 4, 9)
    pilot = result.indicators.filter(groupe="Laonnois", code="B1").to_dicts()[0]
    assert (pilot["numerateur"], pilot["denominateur"]) == (7, 8)  # a1 a2 e1..e5 of a1 a2 e1..e6


def test_quarantine_counts(result) -> None:
    q = result.quarantined.filter(table="orientations", regle="orphelin")
    assert q["lignes"].to_list() == [1]


# --------------------------------------------------------------------------- the snapshot rule


def test_choose_snapshot(tmp_path: Path) -> None:
    write_snapshot(tmp_path, "2023-11-30", tables())
    write_snapshot(tmp_path, "2024-01-31", tables())
    # no snapshot on 31/12: the nearest valid one before it in the same year, never after
    ref = oarsa.choose_snapshot(str(tmp_path), D("2023-12-31"))
    assert ref.snapshot == D("2023-11-30") and "30/11/2023" in (ref.note or "")
    # default: the 31/12 of the year before the latest valid snapshot
    assert oarsa.choose_snapshot(str(tmp_path), None).snapshot == D("2023-11-30")
    with pytest.raises(oarsa.DataDirError):  # nothing in 2022
        oarsa.choose_snapshot(str(tmp_path), D("2022-12-31"))
    # an invalid snapshot on the requested date is an error, not silently replaced
    broken = write_snapshot(tmp_path, "2023-12-31", tables())
    (broken / "emplois.parquet").unlink()
    with pytest.raises(oarsa.SnapshotError):
        oarsa.choose_snapshot(str(tmp_path), D("2023-12-31"))


# --------------------------------------------------------------------------- small_sample


def test_stock_tables_agree_with_coverage(small_sample: Path) -> None:
    snap = load_snapshot(str(small_sample), D("2024-12-31"))
    cfg = load_config()
    sc = engine.scope(snap, Period(D("2024-01-01"), D("2024-12-31")), cfg)
    cov = engine.indicators(sc, ("couverture",)).filter(group="Ensemble")

    def c(key: str) -> dict:
        return cov.filter(indicator=key).to_dicts()[0]

    res = oarsa.build(snap, oarsa.Reference(None, snap.date), cfg)
    t1 = row(res.tables["Tableau 1"], *TOTAL)
    share = c("part_orientes_stock")
    assert t1["sdd"] == share["denominator"]
    assert t1["orientees"] == share["numerator"]
    ind = res.indicators.filter(groupe="Ensemble")

    def value(code: str, label: str = "") -> dict:
        return ind.filter(
            pl.col("code") == code, pl.col("indicateur").str.contains(label, literal=True)
        ).to_dicts()[0]

    assert value("B1")["valeur"] == pytest.approx(share["value"])
    for code, key in (
        ("B2", "part_orientes_stock_moins_6m"),
        ("B3", "part_orientes_stock_6_12m"),
        ("B4", "part_orientes_stock_12m_plus"),
    ):
        got = value(code)
        assert (got["numerateur"], got["denominateur"]) == (
            c(key)["numerator"],
            c(key)["denominator"],
        )
    assert (
        value("Ajout", "Personnes ayant un droit ouvert")["valeur"] == c("effectif_stock")["value"]
    )
    # The organisms differ from the dashboard's on purpose: the survey counts the orientation
    # in force at S, the dashboard the first one. They coincide exactly for people never
    # re-oriented, and the totals (oriented, not oriented) do not depend on the choice.
    people = oarsa.oarsa_people(snap)
    stock = oarsa.stock_flags(people, oarsa.day(snap.date)).filter(pl.col("orr").is_not_null())
    never = stock.filter(~pl.col("reoriente"))
    assert (never["organisme"] == never["organisme_courant"]).all()
    assert stock.filter(pl.col("reoriente")).height > 0  # the sample has re-orientations
    assert (
        t1["orientees_pe"] == stock.filter(pl.col("organisme_courant") == "france_travail").height
    )
    assert (stock["organisme"] != stock["organisme_courant"]).any()  # where they differ


# --------------------------------------------------------------------------- the command


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


class Xlsx:
    """Just enough of an XLSX reader (openpyxl is not a dependency): sheet names, cell
    values (shared strings resolved) and each cell's number format."""

    def __init__(self, path: Path) -> None:
        z = zipfile.ZipFile(path)
        shared = z.read("xl/sharedStrings.xml").decode()
        self.strings = [
            html.unescape("".join(re.findall(r"<t[^>]*>(.*?)</t>", si, re.S)))
            for si in re.findall(r"<si>(.*?)</si>", shared, re.S)
        ]
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        targets = {}
        for rel in re.findall(r"<Relationship [^>]*/>", rels):
            rid = re.search(r'Id="([^"]+)"', rel).group(1)
            targets[rid] = re.search(r'Target="([^"]+)"', rel).group(1)
        styles = z.read("xl/styles.xml").decode()
        custom = dict(re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"', styles))
        xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1)
        self.formats = []
        for xf in re.findall(r"<xf [^>]*?/?>", xfs):
            fid = re.search(r'numFmtId="(\d+)"', xf).group(1)
            self.formats.append(html.unescape(custom.get(fid, fid)))
        self.sheets: dict[str, dict[str, tuple[object, str]]] = {}
        for name, rid in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="([^"]+)"', book):
            xml = z.read("xl/" + targets[rid]).decode()
            cells: dict[str, tuple[object, str]] = {}
            for attrs, body in re.findall(r"<c ([^>]*?)(?:/>|>(.*?)</c>)", xml, re.S):
                ref = re.search(r'r="([A-Z]+\d+)"', attrs).group(1)
                style = re.search(r's="(\d+)"', attrs)
                fmt = self.formats[int(style.group(1))] if style else "0"
                v = re.search(r"<v>(.*?)</v>", body or "")
                if v is None:
                    continue
                raw = v.group(1)
                value: object = self.strings[int(raw)] if 't="s"' in attrs else float(raw)
                cells[ref] = (value, fmt)
            self.sheets[html.unescape(name)] = cells

    def find(self, sheet: str, text: str) -> str:
        for ref, (value, _) in self.sheets[sheet].items():
            if value == text:
                return ref
        raise KeyError(text)


def right(ref: str, n: int = 1) -> str:
    col, num = re.match(r"([A-Z]+)(\d+)", ref).groups()
    return chr(ord(col) + n) + num


def test_command_writes_the_workbook(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "oarsa.xlsx"
    res = run("oarsa", "--data-dir", str(data_dir), "--snapshot", S, "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "31/12/2023" in res.stdout and res.stderr == ""
    book = Xlsx(out)
    assert list(book.sheets) == [
        "Lisez-moi",
        "Tableau 1",
        "Tableau 1 parcours (avant 2017)",
        "Tableau 2",
        "Tableau 3",
        "Tableau 4",
        "Tableau 5",
        "Tableau 6",
        "Délais par classe",
        "Indicateurs",
    ]
    t1 = book.sheets["Tableau 1"]
    assert t1["A1"][0] == oarsa.T1.title
    # the snapshot date actually used, on every sheet
    for name, cells in book.sheets.items():
        texts = " ".join(str(v) for v, _ in cells.values())
        assert "31/12/2023" in texts, name
    header = book.find(
        "Tableau 1", "Personnes soumises aux droits et devoirs au 31/12 de l'année (4)"
    )
    total = book.find("Tableau 1", "Effectif total")
    sdd = t1[right(total)]
    assert sdd == (11.0, "#,##0")  # an integer count with thousands separators
    assert header[:1] == right(total)[:1]  # the count sits under its header
    assert book.find("Tableau 1", oarsa.ND)  # columns the data cannot fill
    ind = book.sheets["Indicateurs"]
    b1 = book.find("Indicateurs", "B1")
    value, fmt = ind[right(b1, 3)]
    assert value == pytest.approx(9 / 11) and fmt == "0.0%"  # exact value, percent format
    delays = book.sheets["Délais par classe"]
    first = book.find("Délais par classe", oarsa.DELAY_CLASSES[0][0])
    assert delays[right(first)] == (2.0, "#,##0")
    assert delays[right(first, 2)][1] == "0.0%"
    readme = " ".join(str(v) for v, _ in book.sheets["Lisez-moi"].values())
    assert "Bénéficiaire inconnu ou écarté (orphelin)" in readme  # quarantine counts
    assert str(data_dir) not in readme and f"« {data_dir.name} »" in readme  # name, not path
    assert "non disponible" in readme.lower() or "Pas dans les données" in readme


def test_command_default_snapshot(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "defaut.xlsx"
    res = run("oarsa", "--data-dir", str(data_dir), "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "snapshot du 31/12/2023" in res.stdout  # the latest valid snapshot is a 31/12


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--data-dir", "/nonexistent/rsa", "--out", "{tmp}/x.xlsx"], "n'existe pas"),
        (["--data-dir", "{data}", "--snapshot", "2023-13-01", "--out", "{tmp}/x.xlsx"],
         "n'est pas une date"),
        (["--data-dir", "{data}", "--snapshot", "hier", "--out", "{tmp}/x.xlsx"],
         "n'est pas une date"),
        (["--data-dir", "{data}", "--out", "/nonexistent/dir/x.xlsx"], "n'existe pas"),
        (["--data-dir", "{data}", "--out", "{tmp}"], "répertoire"),
        (["--data-dir", "{data}", "--out", "{tmp}/x.csv"], ".xlsx"),
        (["--data-dir", "{data}", "--snapshot", "2021-12-31", "--out", "{tmp}/x.xlsx"],
         "Aucun snapshot valide"),
        (["--out", "{tmp}/x.xlsx"], "obligatoire"),
    ],
)  # fmt: skip
def test_command_errors_exit_2_in_french(
    args: list[str], expected: str, data_dir: Path, tmp_path: Path
) -> None:
    filled = [a.format(tmp=tmp_path, data=data_dir) for a in args]
    res = run("oarsa", *filled)
    assert res.returncode == 2, res
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("erreur : "), res.stderr
    assert expected in lines[0]
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_invalid_snapshot_exits_2(tmp_path: Path) -> None:
    broken = write_snapshot(tmp_path, S, tables())
    (broken / "emplois.parquet").unlink()
    res = run(
        "oarsa", "--data-dir", str(tmp_path), "--snapshot", S, "--out", str(tmp_path / "x.xlsx")
    )
    assert res.returncode == 2
    line = res.stderr.strip()
    assert "\n" not in line and "emplois.parquet" in line and "Snapshot inutilisable" in line


def test_report_dispatch_unchanged() -> None:
    from metrics.report import parser

    res = run("report", "--help")
    assert res.returncode == 0
    sub = parser()._subparsers._group_actions[0].choices["report"]
    assert res.stdout == sub.format_help()
    res = run("--help")
    assert res.stdout.startswith(parser().format_help()) and "oarsa" in res.stdout
