"""Cached data access: the only place pages get data from, and the only module of
``st.cache_*`` wrappers.

Loaded snapshots and referentials are shared resources (immutable Polars frames, never
copied); computed tables are cached per (snapshot, period, filters), so a filter change
recomputes only what it changes. Functions take hashable arguments only (the View, a frozen
CohortSpec, dates, tuples, strings). Every computation goes through one :func:`_scope`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Concatenate, ParamSpec

import polars as pl
import streamlit as st

from config import Config, get_config, record_key_secret
from dashboard import display
from dashboard.state import View, default_period
from metrics import analyses as analyses_metrics
from metrics import cohort as cohort_metrics
from metrics import (
    compare,
    employment,
    engine,
    intensity,
    minimisation,
    orientation,
    perturbation,
    professionals,
    series,
)
from metrics.base import Filters, apply_filters, day
from metrics.base import persons as _persons
from metrics.cohort import CohortSpec
from queries import diff, geo
from queries.snapshots import (
    Snapshot,
    SnapshotStatus,
    fingerprint,
    geojson_path,
    latest_valid_snapshot,
    load_snapshot,
    snapshot_statuses,
    source_digest,
)
from queries.snapshots import synthetic_marker as _synthetic_marker

log = logging.getLogger(__name__)
# How every cache of this module hashes a view and a cohort: by their text (a few dozen
# characters) rather than field by field (View.cache_token). Its caches are declared with
# these two, never with st.cache_data / st.cache_resource directly.
HASH_FUNCS = {View: View.cache_token, CohortSpec: repr}
_cache_data = functools.partial(st.cache_data, hash_funcs=HASH_FUNCS)
_cache_resource = functools.partial(st.cache_resource, hash_funcs=HASH_FUNCS)
_ROOT = Path(__file__).resolve().parent.parent

P = ParamSpec("P")

# What decides a kept table besides the snapshot: the code of every module a table is
# computed with (then the parameters and the secret, _tables_version)
_TABLE_CODE = (
    *sorted((_ROOT / "metrics").glob("*.py")),
    _ROOT / "metrics" / "ptable.csv",
    *sorted((_ROOT / "queries").glob("*.py")),
    *sorted((_ROOT / "queries" / "sql").glob("*.sql")),
    _ROOT / "config" / "__init__.py",
    Path(__file__),
)


@cache
def _tables_code() -> str:
    return source_digest(*_TABLE_CODE)


def _tables_version() -> str:
    """The version of the kept tables (:func:`_kept`): a digest of the code that computes
    them, of the evaluation parameters they depend on and of the record key secret (the
    perturbation's cell keys are sums of record keys), never the secret itself."""
    cfg = config()
    parameters = {
        "pilot": cfg.pilot,
        "launch": cfg.launch.isoformat(),
        "end": cfg.end.isoformat(),
        "targets": dict(cfg.targets),
        "references": dict(cfg.references),
        "suppression_threshold": cfg.suppression_threshold,
        "alpha": cfg.alpha,
    }
    h = hashlib.sha256(_tables_code().encode())
    h.update(json.dumps(parameters, sort_keys=True).encode())
    h.update(hashlib.sha256(b"rsa-kept-tables|" + record_key_secret(cfg)).digest())
    return h.hexdigest()[:24]


def is_default_view(view: View) -> bool:
    """The view every session opens on: no filter, the default period of its snapshot."""
    return view.filters == Filters() and view.period == default_period(config(), view.date)


def _kept(
    fn: Callable[Concatenate[View, P], pl.DataFrame],
) -> Callable[Concatenate[View, P], pl.DataFrame]:
    """The table of the default view kept with the snapshot's cache
    (:meth:`queries.snapshots.Snapshot.kept_table`): a restarted server or the next
    visitor's process reads it instead of computing it (the first page of a session, every
    page opened cold, are these tables). Other views are computed (and cached in memory by
    ``st.cache_data``) as before; the tables are raw, protected by the pages as always."""

    @functools.wraps(fn)
    def kept(view: View, *args: P.args, **kwargs: P.kwargs) -> pl.DataFrame:
        if not (is_default_view(view) and _default_cohort(view, args, kwargs)):
            return fn(view, *args, **kwargs)
        call = repr((args, sorted(kwargs.items())))
        family = f"{fn.__name__}.{hashlib.sha256(call.encode()).hexdigest()[:16]}"
        return snapshot(view.data_dir, view.date).kept_table(
            f"{family}-{_tables_version()}", lambda: fn(view, *args, **kwargs)
        )

    return kept


def _default_cohort(view: View, args: tuple, kwargs: dict) -> bool:
    """No cohort criteria among a table's arguments, or those the cohort page opens on (the
    entrants of the view's period): a cohort table is kept for that cohort, not for the
    free specs an evaluator builds after."""
    specs = [a for a in (*args, *kwargs.values()) if isinstance(a, CohortSpec)]
    return all(spec == cohort_metrics.entrants(view.period) for spec in specs)


def config() -> Config:
    return get_config()


def synthetic_marker(data_dir: str) -> dict | None:
    """The generator's marker of synthetic data (None: real data may be there). Read at
    every run, never cached: removing it closes demo mode at once (a small local file)."""
    return _synthetic_marker(data_dir)


@_cache_data(ttl=300, show_spinner="Vérification des snapshots disponibles…")
def statuses(data_dir: str) -> list[SnapshotStatus]:
    """Every snapshot folder and its structural status (re-read every 5 minutes)."""
    return snapshot_statuses(data_dir)


def valid_dates(data_dir: str) -> list[dt.date]:
    return [s.date for s in statuses(data_dir) if s.valid]


@_cache_data(ttl=300, show_spinner="Recherche du dernier snapshot valide…")
def latest_valid(data_dir: str) -> dt.date:
    return latest_valid_snapshot(data_dir)


@_cache_resource(max_entries=4, show_spinner="Chargement du snapshot…")
def snapshot(data_dir: str, date: dt.date) -> Snapshot:
    """One validated snapshot, loaded once and shared by every session."""
    return load_snapshot(data_dir, date)


@_cache_resource(max_entries=4, show_spinner="Chargement des bénéficiaires du snapshot…")
def people(data_dir: str, date: dt.date) -> pl.DataFrame:
    """The person table of a snapshot (shared, computed once), with the record keys of the
    cell key perturbation (metrics.perturbation; they never leave the server)."""
    snap = snapshot(data_dir, date)
    return perturbation.with_record_keys(
        _persons(snap), record_key_secret(config()), store=snap.derived
    )


@_cache_resource(max_entries=1, show_spinner="Sélection des bénéficiaires de la vue…")
def _scope(view: View, level: str = "territoire") -> engine.Scope:
    """The scope of a view, shared by every table of the view and every session: its
    filtered people, group membership (with its cell decomposition) and employment flags
    are computed once per view, not once per table (the current view's only: the tables
    themselves are cached, and a national scope holds ≈ 0.25 GB)."""
    snap = snapshot(view.data_dir, view.date)
    return engine.scope(
        snap,
        view.period,
        config(),
        view.filters,
        level=level,
        people=people(view.data_dir, view.date),
    )


@_cache_data(max_entries=64, show_spinner="Calcul des indicateurs…")
@_kept
def indicators(view: View, families: tuple[str, ...] | None = None, level: str = "territoire"):
    """Indicator table (with the internal var column) for the view."""
    return engine.indicators(_scope(view, level), families)


@_cache_data(
    max_entries=64,
    show_spinner="Comparaison du pilote et du reste du département…",
)
@_kept
def comparisons(view: View, perturbed: bool = False) -> pl.DataFrame:
    """Pilot versus rest tests, from the raw counts or (``perturbed``, for the aggregate
    roles) from the perturbed ones: a test on raw counts would give them back."""
    table = indicators(view)
    if perturbed:
        table = perturbation.perturb(table, display.INDICATOR_FRAME)
    return engine.comparisons(_scope(view), table)


def pilot_vs_rest(view: View, keys: tuple[str, ...] | None = None) -> pl.DataFrame:
    """The pilot-versus-rest frame of ``keys`` (default: every indicator), protected for the
    current role: its masks are those of the protected indicator table."""
    from dashboard import access

    raw = access.sees_raw(access.current_role())
    safe = _protected_indicators(view, raw)
    tests = comparisons(view, perturbed=not raw)
    return compare.pilot_vs_rest(safe, tests, config().pilot, keys)


@_cache_data(
    max_entries=64,
    show_spinner="Application du secret statistique aux indicateurs…",
)
def _protected_indicators(view: View, raw: bool) -> pl.DataFrame:
    """The view's indicator table protected for a role that sees raw figures or not
    (``raw``). Protection depends on the role through that alone (dashboard.access.suppress)
    and otherwise on the view (its groups' relations), both in the key: the pages' one to
    three pilot-versus-rest frames share one protection of the whole table."""
    return display.protect(indicators(view), display.INDICATOR_FRAME)


@_cache_data(
    max_entries=8,
    show_spinner="Analyses d'évaluation (étude d'événements, composition, ajustements)…",
)
def analyses(view: View) -> analyses_metrics.Analyses:
    """The evaluation analyses of the view (metrics.analyses: the report's ``--analyses``)."""
    fields = dataclasses.fields(analyses_metrics.Analyses)
    return analyses_metrics.Analyses(**{f.name: _analysis(view, f.name) for f in fields})


@_kept
def _analysis(view: View, key: str) -> pl.DataFrame:
    """One analysis's frame (kept like the tables for the default view, which is also the
    fixed view of the aggregate roles: see :func:`evaluation_view`)."""
    return _computed_analyses(view).frame(key)


@_cache_data(
    max_entries=2,
    show_spinner="Analyses d'évaluation (étude d'événements, composition, ajustements)…",
)
def _computed_analyses(view: View) -> analyses_metrics.Analyses:
    return analyses_metrics.frames(_scope(view))


def evaluation_view(view: View, raw: bool) -> View:
    """The view the evaluation analyses are computed on: the user's for the evaluators
    (``raw``); for the aggregate roles a fixed one, the whole département on the default
    period (since the launch) of the snapshot, whatever the sidebar says. Their counts are
    then one fixed table per snapshot, which suppression protects; differencing two
    filtered views, the attack the cell key perturbation answers elsewhere, has nothing to
    work on."""
    if raw:
        return view
    return View(
        data_dir=view.data_dir,
        date=view.date,
        period=default_period(config(), view.date),
        filters=Filters(),
        epci_names=view.epci_names,
    )


@_cache_data(max_entries=32, show_spinner="Différence de différences…")
def did(view: View) -> list[dict]:
    return json.loads(_did_json(view)["rows"][0])


@_kept
def _did_json(view: View) -> pl.DataFrame:
    """The DiD rows (nested dicts of plain numbers) as JSON in a one-cell frame, so that
    they are kept like the tables (Python's JSON gives every float back bit for bit)."""
    rows = engine.difference_in_differences(_scope(view), config().launch)
    return pl.DataFrame({"rows": [json.dumps(rows)]})


def did_rows(view: View) -> list[dict]:
    """The DiD rows for the current role: perturbed cells and estimates for the aggregate
    roles (metrics.compare.perturb_did), raw for evaluators."""
    from dashboard import access

    rows = did(view)
    return rows if access.sees_raw(access.current_role()) else compare.perturb_did(rows)


@_cache_data(
    max_entries=32,
    show_spinner="Calcul des séries par mois d'ouverture des droits…",
)
@_kept
def by_entry_month(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return series.by_entry_month(_scope(view), list(groups))


@_cache_data(max_entries=32, show_spinner="Calcul de l'intensité mois par mois…")
@_kept
def intensity_by_month(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return series.intensity_by_month(_scope(view), list(groups))


@_cache_data(
    max_entries=32,
    show_spinner="Calcul des courbes d'orientation (Kaplan–Meier)…",
)
@_kept
def orientation_km(
    view: View, groups: tuple[str, ...], key: str = "delai_orientation_median"
) -> pl.DataFrame:
    return series.orientation_km(_scope(view), list(groups), key)


@_cache_data(max_entries=32, show_spinner="Calcul des courbes de reprise d'emploi…")
@_kept
def employment_curves(view: View, groups: tuple[str, ...], durable: bool) -> pl.DataFrame:
    return series.employment_curves(_scope(view), list(groups), durable=durable)


@_cache_data(
    max_entries=32,
    show_spinner="Répartition des semaines par heures d'activité…",
)
@_kept
def hours_distribution(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return series.hours_distribution(_scope(view), list(groups))


@_cache_data(max_entries=32, show_spinner="Calcul des heures par type d'activité…")
@_kept
def hours_by_activity(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return series.hours_by_activity(_scope(view), list(groups))


@_cache_data(max_entries=32, show_spinner="Calcul des indicateurs par catégorie…")
@_kept
def by_attribute(view: View, column: str, families: tuple[str, ...]) -> pl.DataFrame:
    return series.by_attribute(_scope(view), column, families)


@_cache_data(
    max_entries=16,
    show_spinner="Calcul des personnes accompagnées par référent…",
)
@_kept
def caseload(view: View) -> pl.DataFrame:
    """Caseload per FTE by territoire and organisme, restricted to the territoires of the
    territory filter when there is one (referents are known by territoire only)."""
    frame = series.caseload(_scope(view))
    chosen = view.filters.territoires
    return frame.filter(pl.col("territoire").is_in(list(chosen))) if chosen else frame


@_cache_data(
    max_entries=16,
    show_spinner="Calcul des personnes par référent et territoire…",
)
def caseload_by_territoire(view: View) -> pl.DataFrame:
    return intensity.caseload_by_territoire(caseload(view), config().pilot)


@_cache_data(max_entries=16, show_spinner="Calcul de l'évolution du stock…")
@_kept
def stock_series(view: View, months: tuple[dt.date, ...]) -> pl.DataFrame:
    return series.stock_series(_scope(view), list(months))


# --------------------------------------------------------------------------- orientation


@_cache_data(max_entries=32, show_spinner="Calcul des délais d'orientation…")
def delays(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    """Per (person, group) delay Or − O of the entry cohort oriented by S (internal: never
    displayed as such, only through the histogram and the quantiles)."""
    return series.scope_delays(_scope(view), groups)


@_cache_data(max_entries=32, show_spinner="Répartition des délais d'orientation…")
@_kept
def delay_histogram(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return orientation.delay_histogram(delays(view, groups), groups)


@_cache_data(max_entries=32, show_spinner="Synthèse des délais d'orientation…")
@_kept
def delay_summary(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return orientation.delay_summary(delays(view, groups), groups)


@_cache_data(max_entries=32, show_spinner="Calcul des parts par organisme référent…")
@_kept
def organisme_shares(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    return series.organisme_shares(_scope(view), groups)


@_cache_data(
    max_entries=32,
    show_spinner="Calcul de la part orientée au fil des jours…",
)
def oriented_share_curve(
    view: View, groups: tuple[str, ...], key: str = "delai_orientation_median"
) -> pl.DataFrame:
    return orientation.oriented_share_curve(orientation_km(view, groups, key))


# --------------------------------------------------------------------------- intensity


@_cache_data(
    max_entries=32,
    show_spinner="Calcul des parts de semaines par heures d'activité…",
)
def hours_shares(view: View, groups: tuple[str, ...]) -> pl.DataFrame:
    """The weekly hours distribution with each group's total of weeks (the share's
    denominator)."""
    frame = intensity.with_group_total(
        hours_distribution(view, groups), "semaines", "semaines_total"
    )
    keys = [c for c in frame.columns if perturbation.is_ck(c)]
    return frame.select("group", "classe", "semaines", "semaines_total", "part", *keys)


@_cache_data(
    max_entries=16,
    show_spinner="Calcul des professionnels accompagnants (ETP)…",
)
@_kept
def fte_over_time(
    view: View,
    months: tuple[dt.date, ...],
    since_launch: bool = False,
    by: tuple[str, ...] = ("territoire", "organisme"),
) -> pl.DataFrame:
    """FTE present at each month-end by ``by`` (those arrived since the launch only with
    ``since_launch``); referents of the filtered territoires only."""
    sc = _scope(view)
    return professionals.fte_over_time(
        sc.snapshot.referents,
        months,
        territoires=sc.territoires,
        arrived_since=config().launch if since_launch else None,
        by=by,
    )


# --------------------------------------------------------------------------- employment


@_cache_data(
    max_entries=32,
    show_spinner="Calcul des premiers emplois par type de contrat…",
)
@_kept
def first_job_by_contract(view: View, groups: tuple[str, ...], horizon: int) -> pl.DataFrame:
    """First job within ``horizon`` days of the first orientation, by type of contract."""
    sc = _scope(view)
    membership = sc.membership_of(groups)
    frame = employment.first_job_contracts(
        sc.people, sc.events("emplois"), membership, sc.period, sc.s, horizon
    )
    order = {g: i for i, g in enumerate(groups)}
    return frame.sort(pl.col("group").replace_strict(order, default=len(order)))


@_cache_data(max_entries=32, show_spinner="Calcul des premiers emplois durables…")
def durable_first_jobs(view: View, groups: tuple[str, ...], horizon: int) -> pl.DataFrame:
    """Share of durable contracts among first jobs, per group."""
    return employment.durable_share(first_job_by_contract(view, groups, horizon))


# --------------------------------------------------------------------------- comparisons


def did_cells(view: View) -> pl.DataFrame:
    return compare.did_cells(did_rows(view), config().pilot)


def did_summary(view: View) -> pl.DataFrame:
    return compare.did_summary(did_rows(view))


# --------------------------------------------------------------------------- map


@_cache_resource(max_entries=2, show_spinner="Chargement des contours des communes…")
def commune_shapes(data_dir: str) -> geo.CommuneShapes:
    """The communes outlines of the data directory (read once, shared by every session).
    Raises :class:`queries.errors.DataDirError` when the file is missing or unreadable."""
    return geo.load_commune_shapes(geojson_path(data_dir))


# Streamlit serves the app's « static » folder at « app/static/ » (server.enableStaticServing,
# .streamlit/config.toml): the map's outlines are written there once and fetched once by
# each browser, so a filter change sends the map's values, not 465 KB of outlines again.
STATIC_GEO = Path(__file__).resolve().parent.parent / "static" / "geo"
STATIC_GEO_URL = "app/static/geo"  # relative to the page: also under a server.baseUrlPath


@_cache_resource(max_entries=2, show_spinner="Préparation des contours de la carte…")
def commune_outlines(data_dir: str) -> str | dict:
    """What the map's traces take as ``geojson``: the URL of the communes outlines served
    as a static file (content-addressed, written on first use), or the FeatureCollection
    itself when static serving is off or the folder cannot be written (the map then carries
    them, as before). Raises :class:`queries.errors.DataDirError` like
    :func:`commune_shapes`."""
    shapes = commune_shapes(data_dir)
    if not st.get_option("server.enableStaticServing"):
        return shapes.geojson
    text = json.dumps(shapes.geojson, separators=(",", ":"), ensure_ascii=False)
    name = f"communes-{hashlib.sha256(text.encode()).hexdigest()[:16]}.json"
    path = STATIC_GEO / name
    try:
        if not path.is_file():
            STATIC_GEO.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
    except OSError as exc:
        log.warning("cannot write the map outlines to %s (sent inline instead): %s", path, exc)
        return shapes.geojson
    return f"{STATIC_GEO_URL}/{name}"


@_cache_resource(max_entries=8, show_spinner="Tracé des contours des territoires…")
def group_borders(data_dir: str, date: dt.date, level: str) -> pl.DataFrame:
    """Outline edges of each territoire (or EPCI) of the snapshot's communes referential."""
    communes = snapshot(data_dir, date).communes
    column = "territoire" if level == "territoire" else "nom_epci"
    groups = communes.select("code_commune", pl.col(column).alias("group")).drop_nulls()
    return geo.borders(commune_shapes(data_dir).segments, groups)


# --------------------------------------------------------------------------- cohorts


def reference(view: View) -> pl.DataFrame:
    """The people of the view: every valid beneficiary matching the sidebar filters."""
    return apply_filters(people(view.data_dir, view.date), view.filters)


# The cohort's rows are shared, not copied: st.cache_data would pickle them at each call
# (a national cohort is 2 M rows, about 400 MB: 2 s per read); a few cohorts at a time.
@_cache_resource(max_entries=4, show_spinner="Sélection de la cohorte…")
def cohort(view: View, spec: CohortSpec) -> pl.DataFrame:
    """The person-table rows of the cohort (sidebar filters, then the spec)."""
    snap = snapshot(view.data_dir, view.date)
    return cohort_metrics.select(reference(view), spec, day(view.date), emplois=snap.emplois)


@_cache_data(max_entries=16, show_spinner="Calcul du profil de la cohorte…")
@_kept
def cohort_profile(view: View, spec: CohortSpec) -> pl.DataFrame:
    return cohort_metrics.profile(cohort(view, spec), reference(view))


@_cache_data(max_entries=16, show_spinner="Synthèse de la cohorte…")
@_kept
def cohort_summary(view: View, spec: CohortSpec) -> pl.DataFrame:
    return cohort_metrics.summary(cohort(view, spec), reference(view), config().pilot)


@_cache_data(
    max_entries=16,
    show_spinner="Calcul des entrées mensuelles de la cohorte…",
)
@_kept
def cohort_monthly_entries(view: View, spec: CohortSpec, date_col: str = "o") -> pl.DataFrame:
    """The cohort by month, on the full grid of the view's months (no presence oracle)."""
    on = "orientation" if date_col == "orr" else "ouverture"
    bounds = (getattr(spec, f"{on}_du"), getattr(spec, f"{on}_au"))
    return cohort_metrics.monthly_entries(
        cohort(view, spec), config().pilot, date_col, reference(view), bounds
    )


def export_rows(
    snap: Snapshot, rows: pl.DataFrame, view: View, *, with_intensity: bool = True
) -> pl.DataFrame:
    """The person-level rows of the cohort ``rows`` of ``snap`` (still with
    id_beneficiaire: never shown nor downloaded as such; :func:`dashboard.exports.row_export`
    is the way out). Without ``with_intensity`` the weekly-intensity counts are null: they
    are no quasi-identifier, so the file's risk is the same without them
    (:func:`export_risk`), and those rows are left unsorted. No Streamlit cache: a download
    runs it off the script's thread."""
    per_person = None
    if with_intensity:
        per_person = intensity.person_intensity(
            rows,
            snap.heures_semaine,
            snap.contacts_semaine,
            snap.rdv_mois,
            view.period,
            day(view.date),
            store=snap.derived,
        )
    return cohort_metrics.export_rows(
        rows,
        emplois=snap.emplois,
        orientations=snap.orientations,
        communes=snap.communes,
        intensity=per_person,
        ordered=with_intensity,  # the risk's rows (no intensity) need no order
    )


def export_builder(view: View, spec: CohortSpec) -> Callable[[], pl.DataFrame]:
    """The cohort's rows built when called, from the snapshot and cohort this run holds: a
    row download's data, computed on the click (2 M rows nationally), not at each run."""
    snap, rows = snapshot(view.data_dir, view.date), cohort(view, spec)
    return lambda: export_rows(snap, rows, view)


@_cache_data(
    max_entries=32,
    show_spinner="Calcul du risque de réidentification du fichier…",
)
@_kept
def export_risk(view: View, spec: CohortSpec, precise: tuple[str, ...] = ()) -> pl.DataFrame:
    """The re-identification risk of the cohort's row file with these ``precise`` groups
    (:func:`metrics.minimisation.risk` of the file as minimised)."""
    rows = export_rows(
        snapshot(view.data_dir, view.date), cohort(view, spec), view, with_intensity=False
    )
    return minimisation.risk(minimisation.minimise(rows, frozenset(precise)))


# --------------------------------------------------------------------------- snapshot diff


def previous_valid(data_dir: str, date: dt.date) -> dt.date | None:
    """The latest structurally valid snapshot strictly before ``date`` (None if none)."""
    earlier = [d for d in valid_dates(data_dir) if d < date]
    return earlier[-1] if earlier else None


@_cache_data(max_entries=8, show_spinner="Comparaison avec le snapshot précédent…")
def snapshot_diff(data_dir: str, previous: dt.date, current: dt.date) -> dict[str, pl.DataFrame]:
    """What changed between two snapshots (see :func:`queries.diff.compare_snapshots`),
    kept with the current snapshot's cache like the default view's tables
    (:meth:`queries.snapshots.Snapshot.kept_table`): the comparison reads both extracts in
    full (1.4 s on the sample, every first visit of « Qualité des données » in a new server
    process) and depends on nothing else than their files (the previous one's by its
    fingerprint, in the name) and the code (the version)."""
    snap = snapshot(data_dir, current)
    if snap.cache_folder is None:  # a URL or read-only data directory: nothing is kept
        return diff.compare_snapshots(data_dir, previous, current)
    before = fingerprint(data_dir, previous)[:16]
    computed: dict[str, pl.DataFrame] = {}

    def build(name: str) -> pl.DataFrame:
        if not computed:  # one comparison gives every frame
            computed.update(diff.compare_snapshots(data_dir, previous, current))
        return computed[name]

    return {
        name: snap.kept_table(
            f"snapshot_diff.{name}.{previous.isoformat()}.{before}-{_tables_version()}",
            functools.partial(build, name),
        )
        for name in diff.RESULTS
    }
