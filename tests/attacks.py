"""Disclosure attacks on the aggregate roles, driven through the pages (AppTest).

Each attack opens pages of the app as a role (« prefecture » by default), reads the figures
the way a user does (the texts of ``st.metric``, the cells of ``st.dataframe``, the messages
of the page), derives hidden small cells by arithmetic on what is shown, and compares them
with the truth. The truth is computed independently, with plain Polars over the parquet
files of the snapshot and the communes referential (:class:`GroundTruth`): it is the
attacker's unknown. Nothing here calls the app's metric or disclosure functions, so the
attacks measure whatever the pages do, whatever the disclosure code becomes.

Attacks (each returns an :class:`AttackResult`, one :class:`Cell` per target):

- :func:`commune_differencing`: « Cohortes et exports », cohort of [big commune + small
  commune] minus cohort of [big commune] (``c_commune``), optionally under a sidebar filter
  (``sexe=f``…): the small commune's count;
- :func:`averaged_differencing`: the same difference taken against several big communes and
  averaged (defeats noise that is independent from one view to the next);
- :func:`period_shift`: « dont <pilot> » over [A, B] and [A, B + 1 day] (``du`` / ``au``):
  the pilot's entrants of day B + 1;
- :func:`empty_oracle`: whether a page tells an empty cohort from a small non-empty one, by
  its « Aucune personne ne correspond » message or by anything else it displays;
- :func:`caseload_attacks`: « Intensité », caseload per FTE: a masked territoire from
  « Reste du département » / « Ensemble » minus the other bars, a masked (territoire,
  organisme) bar from its territoire's total minus the other organismes;
- :func:`repeat_check`: the same query twice (caches cleared in between, and the communes
  listed in the other order): are the figures identical?

Targets are hidden cells holding 1 to t − 1 people (t: the threshold, 11): whether a cell is
empty at all is the oracle's question. :func:`run_all` runs them all (the tests' campaign, or
a fuller one for benchmarks/attacks.py); :func:`markdown_table` prints the attack table.

Certainty: an attacker can trust a derived value when the figures are exact. They are taken
as exact unless the page says its counts are perturbed (:data:`PERTURBATION_RE` over every
text of the page); an attack is also certain when it recovered every cell (rate 1.0).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import os
import re
import statistics
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ROLE = "prefecture"
PILOT = "Laonnois"
RESTE = "Reste du département"
ENSEMBLE = "Ensemble"
NON_RENSEIGNE = "Non renseigné"
BIG_COMMUNE = "02408"  # Laon
COHORT_PAGE = "pages/cohortes.py"
INTENSITY_PAGE = "pages/intensite.py"
SIZE_LABEL = "Personnes dans la cohorte"
EMPTY_MESSAGE = "Aucune personne ne correspond"
MASK_RE = re.compile(r"^\s*<\s*\d+\s*$")  # « < 11 »
# a page that perturbs its counts says so (« perturbé », « perturbation », « bruit »)
PERTURBATION_RE = re.compile(r"perturb|bruit", re.IGNORECASE)
SNAPSHOT_RE = re.compile(r"snapshot du \*\*(\d{2})/(\d{2})/(\d{4})\*\*")
ROLE_LABELS = {
    "prefecture": "Préfecture",
    "direction": "Direction",
    "evaluateur": "Évaluat",
}


# --------------------------------------------------------------------------- reading numbers
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]")


def is_masked(value: object) -> bool:
    """A cell or metric shown masked: « < 11 » (any threshold)."""
    return isinstance(value, str) and bool(MASK_RE.match(value))


def parse_number(value: object) -> float | None:
    """A figure as a user reads it: « 1 234 » (no-break or narrow no-break spaces), « 12,5 »
    (decimal comma), « 61,2 % », a plain int or float; None for a masked or empty cell
    (« < 11 », « – », « », null, NaN)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    text = _SPACES.sub("", str(value))
    text = text.removesuffix("%").removesuffix("pts")
    if not text or is_masked(str(value)) or text in {"–", "-", "—", "None", "nan"}:
        return None
    text = text.replace("−", "-").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def parse_count(value: object) -> int | None:
    """A count (an integer figure) as shown; None when masked or not a whole number."""
    number = parse_number(value)
    if number is None or abs(number - round(number)) > 1e-9:
        return None
    return round(number)


# --------------------------------------------------------------------------- what a page shows
@dataclass(frozen=True)
class PageView:
    """What a user sees on one run of a page: every text (titles, markdown, captions,
    alerts, expander labels, metric helps, chart titles), the metric cards (label -> value
    text), the tables as frames of cell texts (display order), the Plotly figures' JSON and
    the run's exceptions."""

    page: str
    params: Mapping[str, str | list[str]]
    texts: tuple[str, ...]
    metrics: Mapping[str, str]
    tables: tuple[pl.DataFrame, ...]
    charts: tuple[dict, ...]
    exception: tuple[str, ...] = ()

    def merged(self, other: PageView) -> PageView:
        """This view and another run's of the same page (another of its sections)."""
        return replace(
            self,
            texts=self.texts + other.texts,
            metrics={**self.metrics, **other.metrics},
            tables=self.tables + other.tables,
            charts=self.charts + other.charts,
            exception=self.exception + other.exception,
        )

    def table_with(self, *columns: str) -> pl.DataFrame:
        """The first table having all these columns (KeyError when none)."""
        for frame in self.tables:
            if all(c in frame.columns for c in columns):
                return frame
        raise KeyError(f"no table with columns {columns} on {self.page}")

    def has_text(self, fragment: str) -> bool:
        return any(fragment in t for t in self.texts)

    def declares_perturbation(self) -> bool:
        """The page says its figures are perturbed (:data:`PERTURBATION_RE`)."""
        return any(PERTURBATION_RE.search(t) for t in self.texts)

    def snapshot(self) -> dt.date | None:
        for text in self.texts:
            if m := SNAPSHOT_RE.search(text):
                return dt.date(int(m[3]), int(m[2]), int(m[1]))
        return None

    def figures(self, texts: bool = True) -> tuple:
        """Every figure shown (texts, metrics, table cells, chart traces), to compare two runs: the
        rows of a table and the traces of a chart as sets (a table whose rows come in
        another order shows the same figures), numbers to 10 significant digits (a float
        summed in another order differs in its last bits, not in any figure). ``texts``:
        compare the texts too (not for two wordings of one query)."""
        return (
            tuple(sorted(self.texts)) if texts else (),
            tuple(sorted(self.metrics.items())),
            tuple(
                (tuple(f.columns), tuple(sorted(tuple(map(_figure, row)) for row in f.rows())))
                for f in self.tables
            ),
            tuple(
                tuple(sorted(json.dumps(_rounded(trace), sort_keys=True) for trace in c["data"]))
                for c in self.charts
                if isinstance(c.get("data"), list)
            ),
        )


def _figure(text: str) -> str:
    """A table cell for comparisons: a number to 10 significant digits, else its text."""
    number = parse_number(text) if re.search(r"\d", text) else None
    return text if number is None else f"{number:.10g}"


def _rounded(value: Any) -> Any:
    """Chart data for comparisons: every float to 10 significant digits."""
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def _text_frame(df: Any) -> pl.DataFrame:
    """A displayed table (pandas, from AppTest) as a frame of strings, cell texts as shown."""
    columns = [str(c) for c in df.columns]
    data = {
        name: ["" if _is_null(v) else _cell_text(v) for v in df.iloc[:, i].tolist()]
        for i, name in enumerate(columns)
    }
    return pl.DataFrame(data, schema={c: pl.String for c in columns})


def _is_null(value: object) -> bool:
    try:
        return value is None or (isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_page(at: Any, page: str, params: Mapping[str, str | list[str]]) -> PageView:
    """The :class:`PageView` of an AppTest run."""
    texts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                 "error", "success"):  # fmt: skip
        texts.extend(str(e.value) for e in getattr(at, kind))
    texts.extend(str(e.label) for e in at.expander)
    metrics: dict[str, str] = {}
    for m in at.metric:
        metrics[str(m.label)] = str(m.value)
        if m.help:
            texts.append(str(m.help))
    tables = tuple(_text_frame(d.value) for d in at.dataframe)
    charts = []
    for chart in at.get("plotly_chart"):
        try:
            charts.append(json.loads(chart.proto.spec))
        except (AttributeError, ValueError):
            continue
    for chart in charts:  # titles and annotations are texts a user reads too
        layout = chart.get("layout", {})
        title = layout.get("title", {})
        texts.append(str(title.get("text", "")) if isinstance(title, dict) else str(title))
        texts.extend(str(a.get("text", "")) for a in layout.get("annotations", []))
    return PageView(
        page=page,
        params=dict(params),
        texts=tuple(texts),
        metrics=metrics,
        tables=tables,
        charts=tuple(charts),
        exception=tuple(str(e.value) for e in at.exception),
    )


# --------------------------------------------------------------------------- running pages
_COMPONENTS = "_bidi_component_manager"  # AppTest's registry of custom components


class AttackError(RuntimeError):
    """A page could not be driven as the attack needs (an exception, a missing figure)."""


class Pages:
    """Opens pages of the app with AppTest as a role, on one data directory.

    Use as a context manager (:meth:`session`): it points the app at ``data_dir`` (env
    ``RSA_DATA_DIR``), writes any audit line to ``audit_log``, makes page exceptions raise
    (``RSA_DEBUG``) and makes AppTest run app.py on every run as the server does (the same
    as tests/conftest.py's autouse fixture, needed here outside pytest too). ``env``: more
    environment variables for the session (e.g. ``RSA_RECORD_KEY_FILE``, where the cell key
    perturbation keeps its secret, so a run never writes into the project's ``var/``).
    ``runs`` counts the page runs."""

    def __init__(
        self,
        data_dir: Path | str,
        audit_log: Path | str,
        role: str = ROLE,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = str(data_dir)
        self.audit_log = str(audit_log)
        self.role = role
        self.env = dict(env or {})
        self.runs = 0
        self._components: Any = None

    @contextmanager
    def session(self) -> Iterator[Pages]:
        from streamlit import config as st_config

        import config
        from dashboard.warmup import like_the_server

        env = {
            **self.env,
            "RSA_DATA_DIR": self.data_dir,
            "RSA_AUDIT_LOG": self.audit_log,
            "RSA_DEBUG": "1",
        }
        saved_env = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        saved_details = st_config.get_option("client.showErrorDetails")
        st_config.set_option("client.showErrorDetails", "full")
        config.get_config.cache_clear()
        try:
            with like_the_server():
                yield self
        finally:
            st_config.set_option("client.showErrorDetails", saved_details)
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            config.get_config.cache_clear()

    def open(self, page: str, role: str | None = None, **params: str | list[str]) -> PageView:
        """Run ``page`` as ``role`` with these URL parameters (lists: repeated parameters),
        exactly like opening a shared link, and return what it shows."""
        from streamlit.testing.v1 import AppTest

        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=180)
        if self._components is not None and hasattr(at, _COMPONENTS):
            # AppTest scans every installed package for custom components once per AppTest
            # (about half a second); a server does it once: share the first scan's registry
            setattr(at, _COMPONENTS, self._components)
        at.session_state["demo_role"] = role or self.role
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(page).run()
        self._components = getattr(at, _COMPONENTS, None)
        self.runs += 1
        view = read_page(at, page, params)
        # a page runs its open section only (dashboard.layout.sections): a user sees the
        # others by choosing them, so what the page shows is what all of them show
        from dashboard.warmup import other_sections

        if not view.exception:
            for _ in other_sections(at):
                self.runs += 1
                view = view.merged(read_page(at, page, params))
                if view.exception:
                    break
        if view.exception:
            raise AttackError(f"{page} {dict(params)} raised: {view.exception[0][:500]}")
        who = ROLE_LABELS.get(role or self.role, "")
        if not view.has_text(f"Rôle : **{who}"):
            raise AttackError(f"{page} {dict(params)} was not shown as {role or self.role}")
        return view

    @staticmethod
    def clear_caches(resources: bool = False) -> None:
        """Forget every computed frame (the next run recomputes its figures); with
        ``resources``, the loaded snapshots and person tables too (as a server restart)."""
        import streamlit as st

        st.cache_data.clear()
        if resources:
            st.cache_resource.clear()


# --------------------------------------------------------------------------- ground truth
BENEFICIAIRE_CODES = {
    "sexe": ("f", "m"),
    "situation_familiale": (
        "seul_sans_enfant",
        "seul_avec_enfants",
        "couple_sans_enfant",
        "couple_avec_enfants",
    ),
    "niveau_diplome": ("aucun", "cap_bep", "bac", "superieur"),
    "motif_fin_droits": (
        "reprise_emploi",
        "hausse_ressources",
        "demenagement",
        "radiation",
        "autre",
    ),
}
MODALITES = ("social", "socio_professionnel", "professionnel")
ORGANISMES = ("departement", "france_travail", "mission_locale", "autre")
AGE_BANDS = (("moins_de_30", 0, 29), ("30_39", 30, 39), ("40_49", 40, 49), ("50_plus", 50, 200))
# sidebar parameter -> person column
SIDEBAR_COLUMNS = {
    "territoire": "territoire",
    "modalite": "modalite",
    "organisme": "organisme",
    "sexe": "sexe",
    "age": "tranche_age",
    "situation": "situation_familiale",
}


class GroundTruth:
    """The attacker's unknown: true counts from the parquet files of one snapshot, computed
    here with plain Polars from the data contract's rules (quarantined rows left out,
    descriptive codes outside their list read as null, an end of rights after S read as
    open, the first orientation the earliest valid one, ties by modalité then organisme)."""

    def __init__(self, data_dir: Path | str, snapshot: dt.date | None = None) -> None:
        root = Path(data_dir)
        if snapshot is None:
            dates = sorted(
                dt.date.fromisoformat(p.name.split("=", 1)[1])
                for p in (root / "snapshots").glob("snapshot_date=*")
            )
            snapshot = dates[-1]
        self.date = snapshot
        folder = root / "snapshots" / f"snapshot_date={snapshot.isoformat()}"
        self.communes = pl.read_csv(
            root / "referentiels" / "communes.csv", infer_schema_length=0
        ).select("code_commune", "nom_commune", "code_epci", "territoire")
        self.people = self._people(
            pl.read_parquet(folder / "beneficiaires.parquet"),
            pl.read_parquet(folder / "orientations.parquet"),
        )
        self._orientations_raw = pl.read_parquet(folder / "orientations.parquet")
        self.referents = self._referents(pl.read_parquet(folder / "referents.parquet"))

    # ---- valid rows
    def _people(self, b: pl.DataFrame, o: pl.DataFrame) -> pl.DataFrame:
        s = self.date
        required = ["id_beneficiaire", "id_foyer", "code_commune", "date_ouverture_droits",
                    "soumis_droits_devoirs"]  # fmt: skip
        dup = pl.col("id_beneficiaire").is_not_null() & (pl.len().over("id_beneficiaire") > 1)
        invalid = pl.any_horizontal(pl.col(c).is_null() for c in required)
        valid = b.filter(
            ~dup.fill_null(False),
            ~(pl.col("date_fin_droits") < pl.col("date_ouverture_droits")).fill_null(False),
            ~(pl.col("date_ouverture_droits") > s).fill_null(False),
            ~invalid,
        )
        year = pl.col("annee_naissance").cast(pl.Int64)
        year = pl.when(year.is_between(s.year - 100, s.year - 16)).then(year)
        age = pl.lit(s.year) - year
        band = pl.lit(None, pl.String)
        for key, low, high in reversed(AGE_BANDS):
            band = pl.when(age.is_between(low, high)).then(pl.lit(key)).otherwise(band)
        ended = pl.col("date_fin_droits") <= s
        valid = valid.with_columns(
            *(
                pl.when(pl.col(c).is_in(list(codes))).then(pl.col(c)).alias(c)
                for c, codes in BENEFICIAIRE_CODES.items()
            ),
        ).with_columns(
            tranche_age=band,
            date_fin_droits=pl.when(ended).then(pl.col("date_fin_droits")),
            motif_fin_droits=pl.when(ended).then(pl.col("motif_fin_droits")),
        )
        valid = valid.join(self.communes, on="code_commune", how="left").with_columns(
            pl.col("territoire").fill_null(NON_RENSEIGNE)
        )
        orient = self._valid_orientations(o, valid)
        first = (
            orient.sort("id_beneficiaire", "date_orientation", "modalite", "organisme_referent")
            .group_by("id_beneficiaire", maintain_order=True)
            .agg(
                date_premiere_orientation=pl.col("date_orientation").first(),
                modalite=pl.col("modalite").first(),
                organisme=pl.col("organisme_referent").first(),
            )
        )
        return valid.join(first, on="id_beneficiaire", how="left")

    def _valid_orientations(self, o: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
        s = self.date
        required = ["id_beneficiaire", "date_orientation", "modalite", "organisme_referent",
                    "accompagnement_renove"]  # fmt: skip
        joined = o.join(
            people.select("id_beneficiaire", pl.col("date_ouverture_droits").alias("_o")),
            on="id_beneficiaire",
            how="inner",  # an orphan (no valid beneficiary) is quarantined
        )
        return joined.filter(
            ~(pl.col("date_orientation") > s).fill_null(False),
            ~(pl.col("date_diagnostic") > s).fill_null(False),
            ~(pl.col("date_orientation") < pl.col("_o")).fill_null(False),
            ~pl.any_horizontal(pl.col(c).is_null() for c in required),
            pl.col("modalite").is_in(list(MODALITES)).fill_null(False),
            pl.col("organisme_referent").is_in(list(ORGANISMES)).fill_null(False),
        ).drop("_o")

    def _referents(self, r: pl.DataFrame) -> pl.DataFrame:
        territoires = self.communes["territoire"].drop_nulls().unique().to_list()
        required = ["id_referent", "organisme", "territoire", "etp"]
        ok = (
            ~pl.any_horizontal(pl.col(c).is_null() for c in required)
            & pl.col("organisme").is_in(list(ORGANISMES)).fill_null(False)
            & ~pl.col("etp").is_nan().fill_null(True)
            & (pl.col("etp") > 0).fill_null(False)
            & (pl.col("etp") <= 1).fill_null(False)
            & pl.col("territoire").is_in(territoires).fill_null(False)
        )
        # doublon: every row of an id_referent that appears more than once in the file
        return r.filter(ok & (pl.len().over("id_referent") == 1))

    # ---- selections
    def select(
        self,
        sidebar: Mapping[str, str | Sequence[str]] | None = None,
        communes: Sequence[str] = (),
        opened: tuple[dt.date, dt.date] | None = None,
    ) -> pl.DataFrame:
        """The people a view selects: sidebar filters (URL parameter -> values), communes of
        the cohort builder, rights opened within ``opened`` (inclusive)."""
        frame = self.people
        for param, values in (sidebar or {}).items():
            column = SIDEBAR_COLUMNS[param]
            chosen = [values] if isinstance(values, str) else list(values)
            frame = frame.filter(pl.col(column).is_in(chosen).fill_null(False))
        if communes:
            frame = frame.filter(pl.col("code_commune").is_in(list(communes)))
        if opened is not None:
            frame = frame.filter(pl.col("date_ouverture_droits").is_between(*opened))
        return frame

    def count(self, **kwargs: Any) -> int:
        return self.select(**kwargs).height

    def commune_counts(self, sidebar: Mapping[str, str | Sequence[str]] | None = None):
        """Beneficiaries per commune of the referential (zeros included)."""
        counts = self.select(sidebar).group_by("code_commune").agg(n=pl.len().cast(pl.Int64))
        return (
            self.communes.select("code_commune", "nom_commune", "territoire")
            .join(counts, on="code_commune", how="left")
            .with_columns(pl.col("n").fill_null(0))
            .sort("code_commune")
        )

    def pilot_entrants(self, day: dt.date, pilot: str = PILOT) -> int:
        return self.count(sidebar={"territoire": pilot}, opened=(day, day))

    def caseload(self, sidebar: Mapping[str, str | Sequence[str]] | None = None) -> pl.DataFrame:
        """People followed at S by territoire and organisme of the referent of their latest
        valid orientation, over the referents present at S: territoire, organisme,
        personnes (zeros for a referent group with nobody). ``ambiguous``: people whose
        latest orientations (same date) name different referents (then not counted)."""
        s = self.date
        stock = self.select(sidebar).filter(
            pl.col("date_ouverture_droits") <= s,
            pl.col("date_fin_droits").is_null(),
            pl.col("date_premiere_orientation").is_not_null(),
        )
        orient = self._valid_orientations(self._orientations_raw, self.people)
        last = (
            orient.join(stock.select("id_beneficiaire"), on="id_beneficiaire", how="semi")
            .filter(
                pl.col("date_orientation")
                == pl.col("date_orientation").max().over("id_beneficiaire")
            )
            .group_by("id_beneficiaire")
            .agg(
                id_referent=pl.col("id_referent").first(),
                n_ref=pl.col("id_referent").n_unique(),
            )
        )
        self.ambiguous = last.filter(pl.col("n_ref") > 1).height
        present = self.referents.filter(
            pl.col("date_arrivee").is_null() | (pl.col("date_arrivee") <= s),
            pl.col("date_depart").is_null() | (pl.col("date_depart") > s),
        )
        people = (
            last.filter(pl.col("n_ref") == 1)
            .join(present.select("id_referent", "territoire", "organisme"), on="id_referent")
            .group_by("territoire", "organisme")
            .agg(personnes=pl.len())
        )
        return (
            present.select("territoire", "organisme")
            .unique()
            .join(people, on=["territoire", "organisme"], how="left")
            .with_columns(pl.col("personnes").fill_null(0).cast(pl.Int64))
            .sort("territoire", "organisme")
        )

    def caseload_by_group(
        self, sidebar: Mapping[str, str | Sequence[str]] | None = None, pilot: str = PILOT
    ) -> dict[str, int]:
        """People followed per territoire, « Reste du département » and « Ensemble »."""
        frame = self.caseload(sidebar)
        out = dict(
            frame.group_by("territoire").agg(pl.col("personnes").sum()).sort("territoire").rows()
        )
        out[RESTE] = sum(v for k, v in out.items() if k != pilot)
        out[ENSEMBLE] = int(frame["personnes"].sum())
        return out


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Cell:
    """One hidden cell under attack: its true value (the attacker's unknown), the value the
    attacker derives from what the pages show (None: no derivation possible), and whether
    the attacker could trust that value (``certain``)."""

    target: str
    truth: Any
    derived: Any
    certain: bool = False
    how: str = ""

    @property
    def exact(self) -> bool:
        return self.derived is not None and self.derived == self.truth


@dataclass
class AttackResult:
    """What one attack measured. ``certain``: the attacker can be sure of a recovered value,
    i.e. it recovered every cell, or it recovered one on a display that does not say it is
    perturbed. ``repeat_identical``: the attack's first query, run again after the computed
    frames were dropped from Streamlit's caches, shows the same figures."""

    key: str
    title: str
    page: str
    how: str
    cells: list[Cell] = field(default_factory=list)
    perturbation_declared: bool = False
    repeat_identical: bool | None = None
    runs: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def attacked(self) -> int:
        return len(self.cells)

    @property
    def exact(self) -> int:
        return sum(c.exact for c in self.cells)

    @property
    def rate(self) -> float:
        return self.exact / self.attacked if self.cells else 0.0

    @property
    def certain(self) -> bool:
        return (bool(self.cells) and self.exact == self.attacked) or any(
            c.exact and c.certain for c in self.cells
        )

    def summary(self) -> str:
        return (
            f"{self.title}: {self.exact}/{self.attacked} exact ({self.rate:.0%}), "
            f"certain={self.certain}, perturbation declared={self.perturbation_declared}, "
            f"identical repeat={self.repeat_identical}"
        )


def _plausible(value: Any, threshold: int) -> bool:
    return isinstance(value, int) and 0 <= value < threshold


def _repeat(pages: Pages, first: PageView) -> bool:
    """Run ``first``'s query again with every computed frame recomputed: same figures?"""
    pages.clear_caches()
    again = pages.open(first.page, **first.params)
    return again.figures() == first.figures()


def _threshold() -> int:
    import config

    return config.get_config().suppression_threshold


def _pilot() -> str:
    import config

    return config.get_config().pilot


def _launch() -> dt.date:
    import config

    return config.get_config().launch


class _Timer:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.runs0 = pages.runs
        self.t0 = _now()

    def close(self, result: AttackResult) -> AttackResult:
        result.runs = self.pages.runs - self.runs0
        result.seconds = _now() - self.t0
        return result


def _now() -> float:
    return time.perf_counter()


# --------------------------------------------------------------------------- cohort helpers
def cohort_size(view: PageView) -> int | None:
    """« Personnes dans la cohorte » as shown (None when masked)."""
    return parse_count(view.metrics.get(SIZE_LABEL))


def _check_communes(view: PageView, names: Sequence[str]) -> None:
    """The page applied the commune criterion (its « Cohorte : » line names them)."""
    line = next((t for t in view.texts if t.startswith("**Cohorte**")), "")
    plain = line.replace("\\", "")
    missing = [n for n in names if n not in plain]
    if missing:
        raise AttackError(f"the cohort line does not name {missing}: {line[:200]!r}")


def small_communes(
    truth: GroundTruth,
    n: int = 20,
    low: int = 1,
    high: int = 10,
    exclude: Sequence[str] = (),
    sidebar: Mapping[str, str | Sequence[str]] | None = None,
) -> list[str]:
    """``n`` small communes (at most ``high`` beneficiaries in the snapshot) with ``low``..
    ``high`` beneficiaries under the ``sidebar`` filters (none: all of them), spread over
    the counts: the first by code for each count in turn."""
    total = truth.commune_counts().filter(pl.col("n") <= high).select("code_commune")
    counts = total.join(truth.commune_counts(sidebar), on="code_commune").filter(
        ~pl.col("code_commune").is_in(list(exclude))
    )
    return small_communes_from(counts, n, low, high)


def _names(truth: GroundTruth) -> dict[str, str]:
    return dict(truth.communes.select("code_commune", "nom_commune").rows())


# --------------------------------------------------------------------------- (a) differencing
def commune_differencing(
    pages: Pages,
    truth: GroundTruth,
    communes: Sequence[str],
    big: str = BIG_COMMUNE,
    sidebar: Mapping[str, str | list[str]] | None = None,
    key: str = "commune_differencing",
    title: str | None = None,
) -> AttackResult:
    """« Cohortes et exports », cohort over every date (``c_periode=aucune``), under the
    ``sidebar`` filters: size of [big + small] minus size of [big] (``c_commune``), for each
    small commune. Truth: the small commune's beneficiaries under those filters."""
    timer = _Timer(pages)
    sidebar = dict(sidebar or {})
    t = _threshold()
    names = _names(truth)
    filters = " & ".join(f"{k}={v}" for k, v in sidebar.items())
    result = AttackResult(
        key=key,
        title=title or "(a) commune pair differencing",
        page=COHORT_PAGE,
        how=f"size(c_commune=[{names[big]}, X]) − size(c_commune=[{names[big]}]), "
        f"c_periode=aucune{', ' + filters if filters else ''}",
    )
    base = pages.open(COHORT_PAGE, c_commune=[big], c_periode="aucune", **sidebar)
    _check_communes(base, [names[big]])
    base_n = cohort_size(base)
    if base_n is None:
        raise AttackError(f"the big commune's cohort is masked: {base.metrics}")
    declared = base.declares_perturbation()
    for code in communes:
        both = pages.open(COHORT_PAGE, c_commune=[big, code], c_periode="aucune", **sidebar)
        _check_communes(both, [names[big], names[code]])
        declared = declared or both.declares_perturbation()
        both_n = cohort_size(both)
        derived = None if both_n is None else both_n - base_n
        result.cells.append(
            Cell(
                target=f"{names[code]} ({code})" + (f" [{filters}]" if filters else ""),
                truth=truth.count(sidebar=sidebar, communes=[code]),
                derived=derived,
                certain=not both.declares_perturbation() and _plausible(derived, t),
                how=f"{both_n} − {base_n}",
            )
        )
    result.perturbation_declared = declared
    result.repeat_identical = _repeat(pages, base)
    return timer.close(result)


def big_communes(truth: GroundTruth, n: int) -> list[str]:
    """The ``n`` communes with the most beneficiaries."""
    counts = truth.commune_counts().sort("n", "code_commune", descending=[True, False])
    return counts.head(n)["code_commune"].to_list()


def averaged_differencing(
    pages: Pages, truth: GroundTruth, communes: Sequence[str], bigs: Sequence[str]
) -> AttackResult:
    """Differencing against several big communes B, averaged: the median over B of
    size([B + X]) − size([B]), rounded. The same cell always gets the same noise, but
    [B + X] is another set of people for each B: its noise is a new draw, and the median
    of the differences tends to the small commune's count as B varies."""
    timer = _Timer(pages)
    t = _threshold()
    names = _names(truth)
    result = AttackResult(
        key="averaged_differencing",
        title=f"(a+) differencing, median over {len(bigs)} big communes",
        page=COHORT_PAGE,
        how="round(median over B of size([B, X]) − size([B])), c_periode=aucune, "
        f"B: the {len(bigs)} largest communes",
    )
    base: dict[str, int] = {}
    first: PageView | None = None
    declared = False
    for b in bigs:
        view = pages.open(COHORT_PAGE, c_commune=[b], c_periode="aucune")
        first = first or view
        declared = declared or view.declares_perturbation()
        size = cohort_size(view)
        if size is None:
            raise AttackError(f"big commune {b} is masked")
        base[b] = size
    for code in communes:
        diffs = []
        for b in bigs:
            view = pages.open(COHORT_PAGE, c_commune=[b, code], c_periode="aucune")
            declared = declared or view.declares_perturbation()
            size = cohort_size(view)
            if size is not None:
                diffs.append(size - base[b])
        derived = round(statistics.median(diffs)) if diffs else None
        spread = (max(diffs) - min(diffs)) if diffs else None
        result.cells.append(
            Cell(
                target=f"{names[code]} ({code})",
                truth=truth.count(communes=[code]),
                derived=derived,
                # the attacker is sure only when every difference agrees on a display that
                # does not say it is perturbed
                certain=spread == 0 and not declared and _plausible(derived, t),
                how=f"differences {diffs}",
            )
        )
    result.perturbation_declared = declared
    if first is not None:
        result.repeat_identical = _repeat(pages, first)
    return timer.close(result)


# --------------------------------------------------------------------------- (b) period shift
def period_shift(pages: Pages, truth: GroundTruth, ends: Sequence[dt.date]) -> AttackResult:
    """« Cohortes et exports », default cohort (rights opened in the sidebar period):
    « dont <pilot> » over [A, B + 1 day] minus over [A, B] (``du`` / ``au``), for
    consecutive B. Truth: the pilot's entrants of day B + 1."""
    timer = _Timer(pages)
    t = _threshold()
    pilot = _pilot()
    start = _launch()
    label = f"dont {pilot}"
    result = AttackResult(
        key="period_shift",
        title="(b) period end moved by one day",
        page=COHORT_PAGE,
        how=f"« {label} » over [{start}, B + 1] − over [{start}, B] (du, au)",
    )
    views: list[tuple[dt.date, PageView]] = []
    for end in ends:
        views.append((end, pages.open(COHORT_PAGE, du=start.isoformat(), au=end.isoformat())))
    declared = any(v.declares_perturbation() for _, v in views)
    others: list[Cell] = []
    for (b0, v0), (b1, v1) in itertools.pairwise(views):
        if b1 - b0 != dt.timedelta(days=1):
            continue
        n0, n1 = parse_count(v0.metrics.get(label)), parse_count(v1.metrics.get(label))
        derived = None if n0 is None or n1 is None else n1 - n0
        cell = Cell(
            target=f"{pilot} entrants on {b1.isoformat()}",
            truth=truth.pilot_entrants(b1, pilot),
            derived=derived,
            certain=not v1.declares_perturbation() and _plausible(derived, t),
            how=f"{n1} − {n0}",
        )
        # targets: the days of 1 to t − 1 entrants (an empty day is the oracle's question)
        (result.cells if 1 <= cell.truth < t else others).append(cell)
    if others:
        result.notes.append(
            f"days outside 1–{t - 1} entrants, not counted: {len(others)}, derived exactly on "
            f"{sum(c.exact for c in others)}"
        )
    result.perturbation_declared = declared
    if views:
        result.repeat_identical = _repeat(pages, views[0][1])
    return timer.close(result)


# --------------------------------------------------------------------------- (c) oracle
def _monthly_rows(view: PageView) -> int:
    """Rows of the cohort's « par mois » chart data (« Voir les données »)."""
    try:
        return view.table_with("mois", "groupe", "effectif").height
    except KeyError:
        return 0


def empty_oracle(
    pages: Pages, truth: GroundTruth, n_pairs: int = 10
) -> tuple[AttackResult, AttackResult]:
    """« Cohortes et exports », default cohort (entrants of the period) of one commune
    (``c_commune``): pairs of a commune with no entrant and one with 1–10. Two ways a page
    could tell them apart: its « Aucune personne ne correspond » message (the issue), and
    whether the monthly chart has any bar. A pair counts as recovered when the rule « the
    message (or no bar) means nobody » labels both cohorts right."""
    timer = _Timer(pages)
    names = _names(truth)
    period = (_launch(), truth.date)
    entrants = truth.select(opened=period).group_by("code_commune").agg(n=pl.len().cast(pl.Int64))
    counts = (
        truth.communes.select("code_commune")
        .join(entrants, on="code_commune", how="left")
        .with_columns(pl.col("n").fill_null(0))
        .sort("code_commune")
    )
    empties = counts.filter(pl.col("n") == 0)["code_commune"].to_list()[:n_pairs]
    small = small_communes_from(counts, n_pairs)
    message = AttackResult(
        key="empty_message",
        title="(c) « Aucune personne ne correspond » oracle",
        page=COHORT_PAGE,
        how="is the message shown? one commune with no entrant vs one with 1–10 (c_commune)",
    )
    chart = AttackResult(
        key="empty_chart",
        title="(c′) monthly chart bars oracle",
        page=COHORT_PAGE,
        how="does the « par mois » chart have bars? same pairs as (c)",
    )
    seen: dict[str, PageView] = {}
    for code in [*empties, *small]:
        seen[code] = pages.open(COHORT_PAGE, c_commune=[code])
        _check_communes(seen[code], [names[code]])
    declared = any(v.declares_perturbation() for v in seen.values())
    for e, s in zip(empties, small, strict=False):
        truth_pair = ("empty", "non-empty")
        n_small = counts.filter(pl.col("code_commune") == s)["n"][0]
        label = f"{names[e]} (0) vs {names[s]} ({n_small})"
        by_message = tuple(
            "empty" if seen[c].has_text(EMPTY_MESSAGE) else "non-empty" for c in (e, s)
        )
        by_chart = tuple("empty" if _monthly_rows(seen[c]) == 0 else "non-empty" for c in (e, s))
        for result, labels in ((message, by_message), (chart, by_chart)):
            result.cells.append(
                Cell(
                    target=label,
                    truth=truth_pair,
                    derived=labels,
                    certain=not declared,
                    how="labels " + "/".join(labels),
                )
            )
    for result in (message, chart):
        result.perturbation_declared = declared
    if empties:
        same = _repeat(pages, seen[empties[0]])
        message.repeat_identical = chart.repeat_identical = same
    timer.close(message)
    chart.runs, chart.seconds = 0, 0.0  # the same page runs as (c)
    chart.notes.append("same page runs as (c)")
    return message, chart


def small_communes_from(counts: pl.DataFrame, n: int, low: int = 1, high: int = 10) -> list[str]:
    """``n`` codes of ``counts`` (code_commune, n) with low..high, spread over the counts."""
    by_count = {
        k: counts.filter(pl.col("n") == k)["code_commune"].to_list() for k in range(low, high + 1)
    }
    chosen: list[str] = []
    depth = 0
    while len(chosen) < n and any(len(v) > depth for v in by_count.values()):
        for k in range(low, high + 1):
            if len(by_count[k]) > depth and len(chosen) < n:
                chosen.append(by_count[k][depth])
        depth += 1
    return chosen


# --------------------------------------------------------------------------- (d) caseload
CASELOAD_GRID = {
    "sexe": ("f", "m"),
    "modalite": MODALITES,
    "organisme": ORGANISMES,
    "age": tuple(k for k, _, _ in AGE_BANDS),
}


def _caseload_cells(
    truth: GroundTruth, sidebar: Mapping[str, str]
) -> tuple[dict[str, int], list[tuple[str, tuple[str, ...]]]]:
    """True people followed of every cell of the two caseload charts (« group » of the
    totals chart; « territoire / organisme » of the detail chart) and the additive relations
    between them (total, parts)."""
    pilot = _pilot()
    detail = truth.caseload(sidebar)
    totals = truth.caseload_by_group(sidebar, pilot)
    values: dict[str, int] = dict(totals)
    for territoire, organisme, n in detail.select("territoire", "organisme", "personnes").rows():
        values[f"{territoire} / {organisme}"] = int(n)
    territoires = sorted(k for k in totals if k not in (RESTE, ENSEMBLE))
    relations: list[tuple[str, tuple[str, ...]]] = [
        (RESTE, tuple(x for x in territoires if x != pilot)),
        (ENSEMBLE, (pilot, RESTE)),
        (ENSEMBLE, tuple(territoires)),
    ]
    for territoire in territoires:
        parts = tuple(k for k in values if k.startswith(f"{territoire} / "))
        relations.append((territoire, parts))
    return values, relations


def lone_small_cells(
    values: Mapping[str, int], relations: Sequence[tuple[str, tuple[str, ...]]], threshold: int
) -> set[str]:
    """Cells of 1 to threshold − 1 people that are the only cell below the threshold (zero
    included) of one of their additive relations: primary suppression alone leaves them
    recoverable by subtraction."""
    out: set[str] = set()
    for total, parts in relations:
        members = [total, *parts]
        small = [m for m in members if m in values and values[m] < threshold]
        if len(small) == 1 and values[small[0]] >= 1:
            out.add(small[0])
    return out


def thin_caseload_views(truth: GroundTruth, limit: int | None = None) -> list[dict[str, str]]:
    """Sidebar filter combinations (sexe × modalité × organisme × âge of the grid, in order)
    whose caseload-by-territoire chart has a lone small cell: the views an attacker looks
    for (a single « < 11 » bar next to visible totals)."""
    t = _threshold()
    views = []
    keys = list(CASELOAD_GRID)
    for combo in itertools.product(*CASELOAD_GRID.values()):
        sidebar = dict(zip(keys, combo, strict=True))
        values, relations = _caseload_cells(truth, sidebar)
        if any("/" not in c for c in lone_small_cells(values, relations, t)):
            views.append(sidebar)
            if limit is not None and len(views) >= limit:
                break
    return views


def _shown_caseload(view: PageView) -> tuple[dict[str, str], dict[str, tuple[str, str, str]]]:
    """The caseload charts' data as shown: group -> personnes text, and cell ->
    (personnes, personnes_par_etp, etp) texts (cells of both charts)."""
    totals = view.table_with("group", "personnes", "personnes_par_etp")
    detail = view.table_with("territoire", "organisme", "personnes")
    shown: dict[str, tuple[str, str, str]] = {}
    for row in totals.iter_rows(named=True):
        shown[row["group"]] = (row["personnes"], row["personnes_par_etp"], row.get("etp", ""))
    for row in detail.iter_rows(named=True):
        cell = f"{row['territoire']} / {row['organisme']}"
        shown[cell] = (row["personnes"], row.get("personnes_par_etp", ""), row.get("etp", ""))
    return {k: v[0] for k, v in shown.items()}, shown


def _derivations(
    cell: str,
    visible: Mapping[str, int],
    shown: Mapping[str, tuple[str, str, str]],
    relations: Sequence[tuple[str, tuple[str, ...]]],
) -> list[tuple[int, str]]:
    """Every value of a masked cell the attacker can compute from the visible cells."""
    out: list[tuple[int, str]] = []
    for total, parts in relations:
        if cell == total and parts and all(p in visible for p in parts):
            out.append((sum(visible[p] for p in parts), f"Σ parts of {total}"))
        elif cell in parts and total in visible:
            others = [p for p in parts if p != cell]
            if all(p in visible for p in others):
                out.append(
                    (
                        visible[total] - sum(visible[p] for p in others),
                        f"{total} − {len(others)} others",
                    )
                )
    count, ratio, etp = shown.get(cell, ("", "", ""))
    r, e = parse_number(ratio), parse_number(etp)
    if parse_number(count) is None and r is not None and e is not None:
        out.append((round(r * e), "personnes par ETP × ETP"))
    return out


def caseload_attacks(
    pages: Pages, truth: GroundTruth, views: Sequence[Mapping[str, str]]
) -> tuple[AttackResult, AttackResult]:
    """« Intensité », caseload per referent FTE, under each sidebar view: every masked cell
    of the by-territoire chart (territoires, « Reste du département », « Ensemble ») and of
    the by-organisme chart, derived from the visible cells through the additive relations
    (Reste = Σ other territoires, Ensemble = pilot + Reste = Σ territoires, territoire =
    Σ organismes) or from « personnes par ETP » × ETP. Targets: the lone small cells (by the
    truth) of each view, split into the two charts."""
    timer = _Timer(pages)
    t = _threshold()
    totals = AttackResult(
        key="caseload_totals",
        title="(d) caseload by territoire: totals minus other bars",
        page=INTENSITY_PAGE,
        how="masked territoire = Reste − Σ other territoires, Ensemble − Reste, … "
        f"({len(views)} views sexe × modalité × organisme × âge)",
    )
    detail = AttackResult(
        key="caseload_detail",
        title="(d′) caseload by organisme: territoire total minus other organismes",
        page=INTENSITY_PAGE,
        how="masked (territoire, organisme) = territoire − Σ other organismes (same views)",
    )
    first: PageView | None = None
    declared = False
    other_masked = other_recovered = 0
    for sidebar in views:
        view = pages.open(INTENSITY_PAGE, **sidebar)
        first = first or view
        declared = declared or view.declares_perturbation()
        values, relations = _caseload_cells(truth, sidebar)
        targets = lone_small_cells(values, relations, t)
        counts, shown = _shown_caseload(view)
        visible = {k: n for k, v in counts.items() if (n := parse_count(v)) is not None}
        masked = [k for k, v in counts.items() if parse_count(v) is None]
        tag = ", ".join(f"{k}={v}" for k, v in sidebar.items())
        for cell in masked:
            ways = _derivations(cell, visible, shown, relations)
            derived = ways[0][0] if ways else None
            agree = len({w for w, _ in ways}) == 1
            entry = Cell(
                target=f"{cell} [{tag}]",
                truth=values.get(cell),
                derived=derived,
                certain=bool(ways)
                and agree
                and not view.declares_perturbation()
                and _plausible(derived, t),
                how="; ".join(f"{how} = {v}" for v, how in ways) or "no derivation",
            )
            if cell in targets:
                (detail if "/" in cell else totals).cells.append(entry)
            else:
                other_masked += 1
                other_recovered += entry.exact
        for cell in sorted(targets - set(masked)):  # a lone small cell shown unmasked
            n = parse_count(counts.get(cell))
            (detail if "/" in cell else totals).cells.append(
                Cell(
                    target=f"{cell} [{tag}] (shown {counts.get(cell)!r})",
                    truth=values.get(cell),
                    derived=n,
                    certain=not view.declares_perturbation(),
                    how="shown as is",
                )
            )
    for result in (totals, detail):
        result.perturbation_declared = declared
    totals.notes.append(
        f"other masked cells (not lone small by the truth): {other_masked}, "
        f"{other_recovered} recovered exactly"
    )
    if first is not None:
        totals.repeat_identical = detail.repeat_identical = _repeat(pages, first)
    timer.close(totals)
    detail.notes.append("same page runs as (d)")
    return totals, detail


# --------------------------------------------------------------------------- (e) repeat
@dataclass
class RepeatResult:
    """(e): the same query run twice (computed frames dropped from the caches in between),
    and the same cohort asked with its communes in the other order: identical figures?"""

    queries: list[tuple[str, bool]] = field(default_factory=list)
    runs: int = 0
    seconds: float = 0.0

    @property
    def identical(self) -> bool:
        return bool(self.queries) and all(same for _, same in self.queries)


def repeat_check(
    pages: Pages, small: str, big: str = BIG_COMMUNE, sidebar: Mapping[str, str] | None = None
) -> RepeatResult:
    """Identical queries, identical figures: « Cohortes et exports » [big + small] twice and
    in the other order; « Intensité » under ``sidebar`` twice."""
    t0, runs0 = _now(), pages.runs
    out = RepeatResult()
    params = {"c_commune": [big, small], "c_periode": "aucune"}
    one = pages.open(COHORT_PAGE, **params)
    pages.clear_caches(resources=True)
    two = pages.open(COHORT_PAGE, **params)
    swapped = pages.open(COHORT_PAGE, c_commune=[small, big], c_periode="aucune")
    out.queries.append(("cohort [big, small], run twice", one.figures() == two.figures()))
    out.queries.append(
        (
            "cohort [small, big] vs [big, small]",
            one.figures(texts=False) == swapped.figures(texts=False),
        )
    )
    sidebar = dict(sidebar or {"sexe": "f", "modalite": "social"})
    first = pages.open(INTENSITY_PAGE, **sidebar)
    pages.clear_caches(resources=True)
    again = pages.open(INTENSITY_PAGE, **sidebar)
    out.queries.append(("intensité view, run twice", first.figures() == again.figures()))
    out.runs, out.seconds = pages.runs - runs0, _now() - t0
    return out


# --------------------------------------------------------------------------- everything
FIRST_PERIOD_END = dt.date(2024, 8, 20)  # first B of the period shift (2024-09-02 is a B + 1)
# a constant record-key secret for the cell key perturbation: reproducible noise, hence
# reproducible rates (a deployment has its own random secret)
TEST_SECRET = bytes(range(7, 7 + 32))


@dataclass
class Campaign:
    """Every attack of one run: the results in table order and the repeat check."""

    results: list[AttackResult]
    repeat: RepeatResult
    data_dir: str
    snapshot: dt.date
    runs: int
    seconds: float

    def by_key(self) -> dict[str, AttackResult]:
        return {r.key: r for r in self.results}


def caseload_views(truth: GroundTruth, thin: int | None) -> list[dict[str, str]]:
    """The « Intensité » views attacked: sexe × modalité (the issue's), then ``thin`` views
    with a lone small bar by territoire (:func:`thin_caseload_views`; None: all of them)."""
    grid = [{"sexe": s, "modalite": m} for s in ("f", "m") for m in MODALITES]
    return grid + thin_caseload_views(truth, limit=thin)


def run_all(pages: Pages, truth: GroundTruth, full: bool = False) -> Campaign:
    """Every attack, as the tests run them (``full``: more targets, more views, and the
    averaged differencing, for the benchmark)."""
    t0, runs0 = _now(), pages.runs
    communes = small_communes(truth, n=40 if full else 24)
    results = [commune_differencing(pages, truth, communes)]
    women = small_communes(truth, n=30 if full else 20, sidebar={"sexe": "f"})
    results.append(
        commune_differencing(
            pages,
            truth,
            women,
            sidebar={"sexe": "f"},
            key="attribute_differencing",
            title="(a) commune pair differencing, sexe = f",
        )
    )
    if full:
        bigs = big_communes(truth, 20)
        results.append(averaged_differencing(pages, truth, communes[:10], bigs))
    days = 45 if full else 30
    ends = tuple(FIRST_PERIOD_END + dt.timedelta(days=i) for i in range(days + 1))
    results.append(period_shift(pages, truth, ends))
    results.extend(empty_oracle(pages, truth, n_pairs=20 if full else 10))
    views = caseload_views(truth, thin=None if full else 6)
    results.extend(caseload_attacks(pages, truth, views))
    repeat = repeat_check(pages, communes[0])
    return Campaign(
        results=results,
        repeat=repeat,
        data_dir=pages.data_dir,
        snapshot=truth.date,
        runs=pages.runs - runs0,
        seconds=_now() - t0,
    )


def markdown_table(campaign: Campaign) -> str:
    """The attack table: attack, cells attacked, exact recoveries, rate, certain, identical
    repeat (yes/no), page runs and seconds (a shared run is counted by the first attack)."""
    yes = {True: "yes", False: "no", None: "–"}
    lines = [
        "| attack | page | cells attacked | exact recoveries | rate | certain | "
        "identical repeat | page runs | seconds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in campaign.results:
        lines.append(
            f"| {r.title} | {Path(r.page).stem} | {r.attacked} | {r.exact} | {r.rate:.0%} | "
            f"{yes[r.certain]} | {yes[r.repeat_identical]} | {r.runs} | {r.seconds:.0f} |"
        )
    rep = campaign.repeat
    lines.append(
        f"| (e) identical queries ({len(rep.queries)}: run twice, other order) | cohortes, "
        f"intensite | {len(rep.queries)} | – | – | – | {yes[rep.identical]} | {rep.runs} | "
        f"{rep.seconds:.0f} |"
    )
    return "\n".join(lines)


def details(campaign: Campaign, limit: int = 12) -> str:
    """Per attack, the first cells (truth, derived, how) and the notes, as Markdown."""
    out = []
    for r in campaign.results:
        out.append(f"**{r.title}** — {r.how}. {r.summary()}.")
        for note in r.notes:
            out.append(f"- {note}")
        for c in r.cells[:limit]:
            mark = "✔" if c.exact else "✘"
            out.append(f"- {mark} {c.target}: truth {c.truth}, derived {c.derived} ({c.how})")
        if len(r.cells) > limit:
            out.append(f"- … {len(r.cells) - limit} more cells")
        out.append("")
    for query, same in campaign.repeat.queries:
        out.append(f"- (e) {query}: {'identical' if same else 'DIFFERENT'}")
    return "\n".join(out)
