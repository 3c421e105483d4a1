"""Excel-ready downloads of aggregates (dashboard.exports.aggregate_files, through
dashboard.display.downloads): French headers and labels beside codes, exact values with
number formats in the workbook (a share is its fraction, shown « 12,5 % »), masked cells
« < 11 » and never their value, a « Lisez-moi » sheet; the on-screen « voir les données »
version (dashboard.labels.screen). The workbook is read back from its XML (no openpyxl)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
import zipfile

import polars as pl
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from dashboard import exports, labels
from metrics import registry

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
BUILTIN_FORMATS = {0: "General", 14: "dd/mm/yyyy"}

# A protected indicator frame: a share, a median in days, and a masked row (its value, its
# numerator and denominator hidden: here they are even filled with a « true » value, which
# must never come out).
PROTECTED = pl.DataFrame(
    {
        "indicator": ["part_orientes_30j", "delai_orientation_median", "part_orientes_30j"],
        "group": ["Laonnois", "Laonnois", "Thiérache"],
        "value": [0.12474012474012475, 26.0, 0.8],
        "numerator": [120.0, 118.0, 8.0],
        "denominator": [962.0, 139.0, 10.0],
        "ci_low": [0.1, None, None],
        "ci_high": [0.15, None, None],
        "masque": [[], [], ["value", "numerator", "denominator"]],
    }
)
README = exports.Readme(
    content="indicateurs par territoire",
    snapshot="31/12/2024",
    filters="période du 11/05/2023 au 31/12/2024 · territoire : Laonnois",
    exported="02/12/2026 à 10:00",
    figures="Secret statistique : effectifs perturbés puis masqués.",
)


def files(frame: pl.DataFrame = PROTECTED) -> dict[str, bytes]:
    out = exports.aggregate_files(frame, threshold=11, readme=README)
    return {ext: write() for ext, (_label, write, _mime) in out.items()}


def read_xlsx(raw: bytes) -> dict[str, list[list[tuple[object, str]]]]:
    """Sheet name -> rows of (value, number format) cells, read from the workbook's XML."""
    book = zipfile.ZipFile(io.BytesIO(raw))
    strings = [
        "".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t"))
        for si in ET.fromstring(book.read("xl/sharedStrings.xml")).findall("m:si", NS)
    ]
    styles = ET.fromstring(book.read("xl/styles.xml"))
    custom = {
        int(f.get("numFmtId")): f.get("formatCode")
        for f in styles.findall("m:numFmts/m:numFmt", NS)
    }
    xf_formats = [
        custom.get(int(xf.get("numFmtId")), BUILTIN_FORMATS.get(int(xf.get("numFmtId")), "?"))
        for xf in styles.findall("m:cellXfs/m:xf", NS)
    ]
    rels = {
        r.get("Id"): r.get("Target") for r in ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    }
    out: dict[str, list[list[tuple[object, str]]]] = {}
    for sheet in ET.fromstring(book.read("xl/workbook.xml")).findall("m:sheets/m:sheet", NS):
        xml = ET.fromstring(book.read("xl/" + rels[sheet.get(REL)]))
        rows = []
        for row in xml.findall("m:sheetData/m:row", NS):
            cells: list[tuple[object, str]] = []
            for c in row.findall("m:c", NS):
                col = _column_index(c.get("r"))
                while len(cells) < col:
                    cells.append((None, "General"))
                v = c.find("m:v", NS)
                text = v.text if v is not None else None
                value: object
                if c.get("t") == "s":
                    value = strings[int(text)]
                elif c.get("t") == "b":
                    value = text == "1"
                else:
                    value = None if text is None else float(text)
                cells.append((value, xf_formats[int(c.get("s", 0))]))
            rows.append(cells)
        out[sheet.get("name")] = rows
    return out


def _column_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)  # type: ignore[union-attr]
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def by_header(rows: list[list[tuple[object, str]]]) -> list[dict[str, tuple[object, str]]]:
    headers = [str(v) for v, _ in rows[0]]
    blank = (None, "General")
    return [
        dict(zip(headers, r + [blank] * (len(headers) - len(r)), strict=True)) for r in rows[1:]
    ]


# --------------------------------------------------------------------------- CSV


def test_csv_has_french_headers_labels_exact_values_and_masks() -> None:
    raw = files()["csv"]
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == [
        "Indicateur (code)",
        "Indicateur",
        "Groupe",
        "Valeur",
        "Numérateur",
        "Dénominateur",
        "IC 95 % (borne basse)",
        "IC 95 % (borne haute)",
    ]
    share, median, masked = rows
    # the label beside the code
    assert (share["Indicateur (code)"], share["Indicateur"]) == (
        "part_orientes_30j",
        "Orientés en 30 jours",
    )
    # exact fraction with a decimal comma (Excel FR reads it as a number), whole counts
    assert share["Valeur"] == "0,12474012474012475"
    assert (share["Numérateur"], share["Dénominateur"]) == ("120", "962")
    assert median["Valeur"] == "26,0"
    # masked cells: « < 11 », never the value behind them
    assert [masked[c] for c in ("Valeur", "Numérateur", "Dénominateur")] == ["< 11"] * 3
    assert "0,8" not in raw.decode("utf-8-sig") and ";8;" not in raw.decode("utf-8-sig")


def test_csv_keeps_negative_numbers_of_a_masked_column_as_numbers() -> None:
    frame = pl.DataFrame(
        {
            "indicator": ["part_orientes_30j"] * 2,
            "difference": [-0.052, 0.1],
            "label": ["=cmd", "-x"],
            "durable": [True, False],
            "masque": [[], ["difference"]],
        }
    )
    rows = list(csv.DictReader(io.StringIO(files(frame)["csv"].decode("utf-8-sig")), delimiter=";"))
    assert [r["Écart pilote − reste"] for r in rows] == ["-0,052", "< 11"]  # no apostrophe
    assert [r["Indicateur"] for r in rows] == ["'=cmd", "'-x"]  # text is neutralised
    assert [r["Contrat durable"] for r in rows] == ["oui", "non"]


# --------------------------------------------------------------------------- XLSX


def test_xlsx_keeps_exact_values_with_number_formats() -> None:
    book = read_xlsx(files()["xlsx"])
    assert list(book) == [exports.DATA_SHEET, exports.README_SHEET]  # data first
    share, median, masked = by_header(book[exports.DATA_SHEET])
    value, number_format = share["Valeur"]
    assert value == pytest.approx(0.12474012474012475, rel=1e-15)  # the fraction, exact
    assert number_format == "0.0%"  # shown « 12,5 % » by Excel
    assert share["IC 95 % (borne basse)"] == (0.1, "0.0%")
    assert share["Numérateur"] == (120.0, "#,##0")  # thousands separators, no « ,0 »
    assert median["Valeur"] == (26.0, "#,##0.0")  # days, in the unit of its row
    assert share["Indicateur"][0] == "Orientés en 30 jours"
    # masked cells are text « < 11 », nothing else
    for column in ("Valeur", "Numérateur", "Dénominateur"):
        assert masked[column][0] == "< 11"
    values = [v for row in book[exports.DATA_SHEET] for v, _ in row]
    assert 0.8 not in values and 8.0 not in values and 10.0 not in values


def test_xlsx_formats_dates_months_and_p_values() -> None:
    frame = pl.DataFrame(
        {
            "month": [dt.date(2024, 5, 1)],
            "p_value": [0.0004],
            "personnes_par_etp": [26.923076923076923],
        }
    )
    (row,) = by_header(read_xlsx(files(frame)["xlsx"])[exports.DATA_SHEET])
    assert row["Mois"][1] == "mm/yyyy"
    assert row["p-valeur"] == (0.0004, '[<0.001]"< 0,001";0.000')
    assert row["Personnes par ETP"] == (pytest.approx(26.923076923076923), "#,##0.0")


def test_every_workbook_has_a_readme() -> None:
    book = read_xlsx(files()["xlsx"])
    readme = {str(r[0][0]): str(r[1][0]) for r in book[exports.README_SHEET] if len(r) > 1}
    assert readme["Source"] == "Snapshot du 31/12/2024 (lignes valides)"
    assert readme["Filtres de la vue"] == README.filters
    assert readme["Date de l'export"] == "02/12/2026 à 10:00"
    assert "Secret statistique" in readme["Chiffres"]
    texts = " ".join(str(v) for row in book[exports.README_SHEET] for v, _ in row)
    assert "« < 11 » : cellule masquée" in texts and "fraction de 1" in texts
    # the definition of every column and of every indicator of the file
    for header in ("Valeur", "Numérateur", "IC 95 % (borne basse)"):
        assert header in readme
    assert registry.get("part_orientes_30j").definition in readme["Orientés en 30 jours"]
    assert "Délai médian d'orientation" in readme


def test_the_row_export_workbook_has_its_readme(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dashboard.audit import ExportContext

    rows = pl.DataFrame(
        {
            "id_beneficiaire": ["a1", "b2"],
            "sexe": ["f", None],
            "tranche_age": ["moins_de_30", "50_plus"],
            "code_epci": ["200043495", "200071892"],
            "nom_epci": ["CA du Pays de Laon", "CA du Saint-Quentinois"],
            "date_ouverture_droits": [dt.date(2024, 3, 17), dt.date(2023, 12, 1)],
        }
    )
    ctx = ExportContext(
        user="u",
        role="evaluateur",
        snapshot="2024-12-31",
        filters={"barre_laterale": {"epci": ["200043495"], "sexe": ["f"]}},
        format="xlsx",
    )
    out = exports.cohort_row_export(rows, audit=ctx, log_path=str(tmp_path / "a.jsonl"))
    book = read_xlsx(exports.to_xlsx(out))
    header = [v for v, _ in book[exports.DATA_SHEET][0]]
    assert header[:5] == [
        "pseudonyme",
        "sexe",
        "sexe_libelle",
        "tranche_age",
        "tranche_age_libelle",
    ]
    readme = {str(r[0][0]): str(r[1][0]) for r in book[exports.README_SHEET] if len(r) > 1}
    assert readme["Source"] == "Snapshot du 31/12/2024 (lignes valides)"
    assert readme["Filtres de la vue"] == "EPCI : CA du Pays de Laon · sexe : Femme"  # names
    assert readme["sexe_libelle"] == "Libellé en clair de sexe"
    assert readme["mois_ouverture_droits"].endswith("mois (AAAA-MM)")
    # a plain frame gets one too (its columns' definitions)
    plain = read_xlsx(exports.to_xlsx(pl.DataFrame({"sexe": ["f"]})))
    assert exports.README_SHEET in plain


def test_parquet_keeps_types_masks_and_technical_names() -> None:
    back = pl.read_parquet(io.BytesIO(files()["parquet"]))
    assert back.columns == PROTECTED.columns
    assert back.schema["value"] == pl.Float64
    assert back["masque"].to_list()[2] == ["value", "numerator", "denominator"]


# --------------------------------------------------------------------------- on screen


def test_the_data_table_keeps_numbers_and_shows_masks() -> None:
    frame = pl.DataFrame(
        {
            "indicator": ["part_orientes_30j"] * 2,
            "group": ["Laonnois", "Thiérache"],
            "organisme": ["france_travail", "departement"],
            "value": [0.6852085967130215, None],
            "denominator": [1084.0, None],
            "part": [0.5, 0.25],
            "masque": [[], ["value", "denominator"]],
        }
    )
    shown = labels.screen(frame, 11)
    # technical names kept (tests and attacks read them), the code hidden behind its label
    assert shown.frame.columns == [
        "indicator",
        "indicator_libelle",
        "group",
        "organisme",
        "organisme_libelle",
        "value",
        "denominator",
        "part",
    ]
    assert "organisme" not in shown.order and "organisme_libelle" in shown.order
    assert shown.frame["organisme_libelle"].to_list() == ["France Travail", "Département"]
    # a masked column becomes French text with « < 11 »; an unmasked one stays a number
    assert shown.frame["value"].to_list() == ["68,5\u00a0%", "< 11"]
    assert shown.frame["denominator"].to_list() == ["1\u00a0084", "< 11"]
    assert shown.frame.schema["part"] == pl.Float64
    part = shown.config["part"]
    assert part["label"] == "Part" and part["type_config"]["format"] == "percent"
    assert shown.options["placeholder"] == "–"


# --------------------------------------------------------------------------- through a page


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The deferred download callables by file name (run them as a click would)."""
    captured: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):  # type: ignore[no-untyped-def]
        captured[file_name or coordinates] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return captured


def test_a_page_download_is_masked_and_says_where_it_comes_from(app_on_sample, deferred) -> None:  # type: ignore[no-untyped-def]
    at = app_on_sample("pages/territoires.py", role="prefecture", niveau="epci")
    assert not at.exception
    name = next(n for n in deferred if n.startswith("classement_part_orientes_30j_epci"))
    stem = name.rsplit(".", 1)[0]
    book = read_xlsx(deferred[f"{stem}.xlsx"]())  # type: ignore[operator]
    rows = by_header(book[exports.DATA_SHEET])
    assert any(r["Valeur"][0] == "< 11" for r in rows)  # small EPCI are masked
    assert all(r["Valeur"][1] == "0.0%" for r in rows if isinstance(r["Valeur"][0], float))
    readme = {str(r[0][0]): str(r[1][0]) for r in book[exports.README_SHEET] if len(r) > 1}
    assert readme["Source"].startswith("Snapshot du 31/12/2024")
    assert readme["Filtres de la vue"].startswith("période du ")
    assert "perturbés" in readme["Chiffres"] and "masquée(s)" in readme["Chiffres"]
    text = deferred[f"{stem}.csv"]().decode("utf-8-sig")  # type: ignore[operator]
    assert text.splitlines()[0].startswith("Indicateur (code);Indicateur;Groupe;Valeur")
    assert ";< 11;" in text


# --------------------------------------------------------------------------- definitions


def test_definitions_link_to_their_methodology_entry_and_notations() -> None:
    from dashboard import methodology

    ind = registry.get("taux_emploi_6m")
    text = methodology.definition_markdown(ind)
    assert "(methodologie#indicateur-taux-emploi-6m)" in text  # relative: any base URL
    notations = text.split("Notations : ")[1]
    for anchor in ("glossaire-or", "glossaire-s", "glossaire-periode", "glossaire-cohorte-e"):
        assert f"(methodologie#{anchor})" in notations
    assert "glossaire-stock-p" not in notations
    assert "glossaire-semaine-beneficiaire" in methodology.definition_markdown(
        registry.get("part_semaines_15h")
    )


def test_the_registry_table_reads_in_french() -> None:
    from config import get_config
    from dashboard import methodology

    shown = methodology.registry_show(get_config()).to_dicts()
    by_key = {r["Code"]: r for r in shown}
    nbsp = "\u00a0"
    assert by_key["part_accompagnement_renove"]["Cible"] == f"100,0{nbsp}%"  # not « 1 »
    assert by_key["effectif_stock"]["Cible"] == "–"  # not « None »
    assert by_key["heures_hebdo_moyennes"]["Unité"] == "heures par semaine"
    assert by_key["beneficiaires_par_etp"]["Unité"] == "personnes par ETP"


def test_the_methodology_page_has_every_anchor_it_is_linked_to(app_on_sample) -> None:  # type: ignore[no-untyped-def]
    from dashboard import methodology

    at = app_on_sample("pages/methodologie.py", role="direction")
    assert not at.exception
    anchors = {h.proto.anchor for h in [*at.header, *at.subheader]}
    # the table of contents
    toc = re.findall(r"\]\(#([a-z0-9-]+)\)", methodology.toc_markdown())
    assert toc and set(toc) <= anchors
    assert any("Sommaire" in m.value for m in at.markdown)
    # every « Définition » link of every indicator lands on a heading of the page
    for ind in registry.INDICATORS:
        links = re.findall(r"\(methodologie#([a-z0-9-]+)\)", methodology.definition_markdown(ind))
        assert links and set(links) <= anchors, ind.key
    # the registry table: French, formatted, « – » for no target
    table = next(d.value for d in at.dataframe if "Cible" in d.value.columns)
    assert "None" not in table.to_string() and "–" in table["Cible"].tolist()
