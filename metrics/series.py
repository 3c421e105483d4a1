"""What the pages draw besides the headline table: series by month, curves, distributions.

All vectorised: a month series regroups people by (group, month) instead of looping; curves
reuse the grouped Kaplan–Meier of ``metrics.orientation``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from metrics import perturbation, professionals, registry, survival
from metrics.base import day, group_sums, to_date, with_keys
from metrics.disclosure import Protection
from metrics.employment import employment_indicators
from metrics.engine import Scope
from metrics.intensity import (
    EventIndex,
    contacts_index,
    eligible_months,
    eligible_weeks,
    hours_index,
    in_window,
    meetings_index,
    monday_on_or_after,
    monday_on_or_before,
    month_index,
    ratio_from_sums,
    window_month_sums,
)
from metrics.orientation import (
    KM_EVENT_COLUMNS,
    delays_by_group,
    entry_cohort,
    first_orientation_shares,
    orientation_indicators,
    survival_data,
)

SEP = "\x1f"  # separator of composite (group, month) labels


def _month_label(expr: pl.Expr) -> pl.Expr:
    """Day number -> first day of its month (Date)."""
    return expr.cast(pl.Date).dt.month_start()


def _by_month(membership: pl.DataFrame, people: pl.DataFrame, date_col: str) -> pl.DataFrame:
    """(pid, group) -> (pid, "group<SEP>YYYY-MM-01") using the month of ``date_col``."""
    month = people.select(
        "pid", _month_label(pl.col(date_col)).dt.to_string("%Y-%m-%d").alias("month")
    ).drop_nulls()
    keys = [c for c in (perturbation.RKEY, perturbation.FKEY) if c in membership.columns]
    return membership.join(month, on="pid").select(
        "pid", (pl.col("group") + SEP + pl.col("month")).alias("group"), *keys
    )


def _split(frame: pl.DataFrame) -> pl.DataFrame:
    parts = pl.col("group").str.split_exact(SEP, 1)
    return frame.with_columns(
        parts.struct.field("field_0").alias("group"),
        parts.struct.field("field_1").str.to_date("%Y-%m-%d").alias("month"),
    )


def by_entry_month(sc: Scope, groups: list[str] | None = None) -> pl.DataFrame:
    """Orientation indicators (cohort C) by month of opening of rights, and employment
    indicators by month of first orientation, for ``groups`` (default pilot and rest)."""
    groups = groups or [sc.pilot, "Reste du département"]
    membership = sc.membership_of(groups)
    orient = orientation_indicators(
        sc.people, _by_month(membership, sc.people, "o"), sc.period, sc.s
    )
    emp = employment_indicators(
        sc.employment_flags, _by_month(membership, sc.people, "orr"), sc.period, sc.s
    )
    return _split(pl.concat([orient, emp], how="diagonal_relaxed")).sort(
        "indicator", "group", "month"
    )


def _month_start(m: pl.Expr) -> pl.Expr:
    """The first day of month index m (:func:`month_index`'s inverse)."""
    return pl.date(m // 12, m % 12 + 1, 1)


def _mondays(lo: pl.Series | None, hi: pl.Series | None, m: pl.Series) -> pl.Series:
    """Mondays of month index m inside the window of Mondays [lo, hi] (0 when none);
    without a window, every Monday of the month. Looked up in a table of the months."""
    months = m.cast(pl.Int64).to_numpy()
    if months.size == 0:
        return pl.Series("n", [], dtype=pl.Int32)
    low = int(months.min())
    span = pl.int_range(low, int(months.max()) + 2, eager=True)  # one past the last month
    day_one = _month_start(pl.col("m")).cast(pl.Int32).alias("m")
    starts = span.to_frame("m").select(day_one)["m"].to_numpy()
    first = monday_on_or_after(starts[:-1])
    last = monday_on_or_before(starts[1:] - 1)  # of the month's last day
    a, b = first[months - low], last[months - low]
    if lo is not None and hi is not None:
        a = np.maximum(a, lo.cast(pl.Int64).to_numpy())
        b = np.minimum(b, hi.cast(pl.Int64).to_numpy())
    return pl.Series("n", np.maximum((b - a) // 7 + 1, 0), dtype=pl.Int32)


def _full_months(w: pl.DataFrame, a: str, b: str, membership: pl.DataFrame) -> pl.DataFrame:
    """People per (group, m) whose window covers month m entirely, for m in [a, b]:
    +1 / −1 events summed cumulatively (no row per person and month). When the membership
    carries record keys, ``people__ck`` is the cell key of those people (± key events)."""
    has = perturbation.keyed(membership)
    ck = perturbation.ck
    ev = w.filter(pl.col(b) >= pl.col(a))

    def changes(month: pl.Expr, sign: int) -> pl.DataFrame:
        # the people whose window starts (+1) or has ended (−1) at a month, per group
        rows = ev.select("pid", month.alias("m"))
        sums = group_sums(rows, membership, {"d": pl.lit(1)}, ("d",), by="m")
        return sums.select(
            "group",
            pl.col("m").cast(pl.Int32),
            (pl.col("d").cast(pl.Int64) * sign).alias("d"),
            (pl.col(ck("d")) * sign if has else pl.lit(0, pl.Int64)).alias("k"),
        )

    events = (
        pl.concat([changes(pl.col(a), 1), changes(pl.col(b) + 1, -1)])
        .group_by("group", "m")
        .agg(pl.col("d").sum(), pl.col("k").sum())
    )
    ck_people = ck("people")
    if events.is_empty():
        schema = {"group": pl.String, "m": pl.Int32, "people": pl.Int64}
        return pl.DataFrame(schema=schema | ({ck_people: pl.Int64} if has else {}))
    lo, hi = events["m"].min(), events["m"].max()
    grid = pl.DataFrame({"m": pl.int_range(lo, hi + 1, eager=True).cast(pl.Int32)}).join(
        events.select("group").unique(), how="cross"
    )
    # a cell key sum taken modulo 256 per month: the running total modulo 256 is that of
    # the keys of the people inside (floored modulo)
    return (
        grid.join(events, on=["group", "m"], how="left")
        .fill_null(0)
        .sort("group", "m")
        .with_columns(
            people=pl.col("d").cum_sum().over("group"),
            **{ck_people: pl.col("k").cum_sum().over("group") % perturbation.KEY_RANGE},
        )
        .filter(pl.col("people") > 0)
        .select("group", "m", pl.col("people").cast(pl.Int64), *([ck_people] if has else []))
    )


def _clustered_month_rows(key: str, agg: pl.DataFrame, share: bool) -> pl.DataFrame:
    """Rows (indicator, group, month, ...) from per-(group, m) sums of the clustered ratio."""
    r, _var, low, high = ratio_from_sums(agg, share)
    m = pl.col("m")
    rows = (
        pl.DataFrame(
            {
                "indicator": [key] * agg.height,
                "group": agg["group"],
                "m": agg["m"],
                "value": r,
                "numerator": agg["sy"],
                "denominator": agg["sn"],
                "ci_low": low,
                "ci_high": high,
            }
        )
        .with_columns(pl.col(c).fill_nan(None) for c in ("value", "ci_low", "ci_high"))
        .with_columns(_month_start(m).alias("month"))
        .drop("m")
    )
    return with_keys(rows, agg, {"numerator": "sy", "denominator": "sn"})


def intensity_by_month(sc: Scope, groups: list[str] | None = None) -> pl.DataFrame:
    """Beneficiary-week indicators by calendar month of the week's Monday, and
    part_mois_rendez_vous by calendar month, with clustered intervals (person = cluster).

    Without a row per person and month: for each person, the months entirely inside the
    eligibility window contribute their number of Mondays (counted per group with +1 / −1
    events), the first and last months of the window and the months with activity or
    contacts are explicit rows; the clustered sums Σy, Σn, Σy², Σyn, Σn² and the number of
    people are then added up per (group, month)."""
    groups = groups or [sc.pilot, "Reste du département"]
    membership = sc.membership_of(groups)
    has = perturbation.keyed(membership)
    ck = perturbation.ck
    # the scope's windows, as the indicators read them (their runs in the indexes found once
    # for both: metrics.intensity._shared); people in no group of ``groups`` fall in no cell
    # of the sums below
    weeks = eligible_weeks(sc.people, sc.period, sc.s)
    w = weeks.with_columns(a=month_index(pl.col("lo")), b=month_index(pl.col("hi")))
    # the first and last month of each window: explicit (partial) months
    edges = pl.concat(
        [
            w.select("pid", "lo", "hi", m="a"),
            w.filter(pl.col("b") != pl.col("a")).select("pid", "lo", "hi", m="b"),
        ]
    )
    edges = edges.with_columns(_mondays(edges["lo"], edges["hi"], edges["m"]))
    # numerators by (person, month), inside the window, from the snapshot's indexes of its
    # reductions (those of the indicators): a y-term is 0 where its table has no row, so
    # each table is summed on its own (no join of the two)
    snap = sc.snapshot

    def by_month(index: EventIndex) -> pl.DataFrame:
        rows = window_month_sums(index, weeks, "w")
        return rows.with_columns(_mondays(rows["lo"], rows["hi"], rows["m"]))

    hours = by_month(hours_index(snap.heures_semaine, snap.derived))
    contacts = by_month(contacts_index(snap.contacts_semaine, snap.derived))
    y_sums = {}
    for frame, counted in (
        (hours, {"y15": True, "hours": False}),
        (contacts.rename({"rows": "ycontact"}), {"ycontact": True}),
    ):  # Σy, Σy², Σyn of each y of a table per (group, month), in one pass over its rows
        sums: dict[str, pl.Expr] = {}
        for y in counted:
            yy = pl.col(y).cast(pl.Float64)
            sums |= {f"sy.{y}": yy, f"syy.{y}": yy**2, f"syn.{y}": yy * pl.col("n")}
        keyed = tuple(f"sy.{y}" for y, count in counted.items() if count)
        agg = group_sums(frame, membership, sums, keyed=keyed, by="m")
        for y in counted:
            y_sums[y] = agg.select(
                "group",
                "m",
                *perturbation.carried(agg.columns, {"sy": f"sy.{y}"}),
                pl.col(f"sy.{y}").alias("sy"),
                pl.col(f"syy.{y}").alias("syy"),
                pl.col(f"syn.{y}").alias("syn"),
            )
    # every (person, month) of a window: full months (interior) + edge months
    full = _full_months(w.with_columns(a=pl.col("a") + 1, b=pl.col("b") - 1), "a", "b", membership)
    full = full.with_columns(_mondays(None, None, full["m"]).alias("mon"))
    full_key = [(pl.col(ck("people")) * pl.col("mon")).alias(ck("sn"))] if has else []
    base_full = full.select(
        "group",
        "m",
        *full_key,
        sn=(pl.col("people") * pl.col("mon")).cast(pl.Float64),
        snn=(pl.col("people") * pl.col("mon") ** 2).cast(pl.Float64),
        clusters=pl.col("people"),
    )
    nn = pl.col("n").cast(pl.Float64)
    base_edge = group_sums(
        edges, membership, {"sn": nn, "snn": nn**2}, keyed=("sn",), by="m"
    ).rename({"rows": "clusters"})
    base = (
        pl.concat([base_full, base_edge.select(base_full.columns).cast(base_full.schema)])
        .group_by("group", "m")
        .agg(pl.col("snn", "clusters").sum(), *perturbation.sum_keys("sn", has))
    )
    parts = []
    for key, y, share in (
        ("part_semaines_15h", "y15", True),
        ("heures_hebdo_moyennes", "hours", False),
        ("part_semaines_contact", "ycontact", True),
    ):
        agg = base.join(y_sums[y], on=["group", "m"], how="left").fill_null(0.0).sort("group", "m")
        parts.append(_clustered_month_rows(key, agg, share))
    # months with a meeting: one person-month = one cluster with n = 1, y in {0, 1}
    months = eligible_months(sc.people, sc.period, sc.s)
    eligible = _full_months(months, "lo", "hi", membership)
    hits = group_sums(
        window_month_sums(meetings_index(snap.rdv_mois, snap.derived), months, "m"),
        membership,
        {"sy": pl.col("rows")},
        keyed=("sy",),
        by="m",
    ).drop("rows")
    agg = (
        eligible.join(hits, on=["group", "m"], how="left")
        .with_columns(pl.col("sy").fill_null(0.0))
        .select(
            "group",
            "m",
            "sy",
            pl.col("people").cast(pl.Float64).alias("sn"),
            *perturbation.carried(eligible.columns, {"sn": "people"}),
            *([pl.col(ck("sy")).fill_null(0)] if has else []),
            syy=pl.col("sy"),
            syn=pl.col("sy"),
            snn=pl.col("people").cast(pl.Float64),
            clusters=pl.col("people"),
        )
        .sort("group", "m")
    )
    parts.append(_clustered_month_rows("part_mois_rendez_vous", agg, True))
    return pl.concat(parts, how="diagonal_relaxed").sort("indicator", "group", "month")


def orientation_km(
    sc: Scope, groups: list[str] | None = None, key: str = "delai_orientation_median"
) -> pl.DataFrame:
    """Kaplan–Meier curves of the delay behind a median of the orientation family (cohort
    C): to the first orientation (default) or to the engagement contract
    (``delai_contrat_median``), with their band, plus a row at t = 0 (Ŝ = 1) per group so
    curves start at one."""
    groups = groups or [sc.pilot, "Reste du département"]
    membership = sc.membership_of(groups)
    cohort = entry_cohort(sc.people, sc.period, sc.s)
    surv = survival_data(cohort, sc.s, KM_EVENT_COLUMNS[key])
    return survival.with_origin(survival.curves(surv, membership))


# Disclosure of employment_curves: the estimate rests on the people at risk.
CURVE_PROTECTION = Protection(
    counts=("n_at_risk", "events", "censored"),
    shares={"cumulative": "n_at_risk"},
    intervals={"cumulative": ("cum_low", "cum_high")},
)


def employment_curves(
    sc: Scope, groups: list[str] | None = None, durable: bool = False, horizon: int = 365
) -> pl.DataFrame:
    """Cumulative share with a first job (or a first durable job) by days since the first
    orientation, for people oriented in [A, B]: 1 − Kaplan–Meier of the time to the first job,
    censored at S − Or (exits from the RSA do not censor: jobs are observed after exit)."""
    groups = groups or [sc.pilot, "Reste du département"]
    membership = sc.membership_of(groups)
    flags = sc.employment_flags.filter(
        pl.col("orr").is_between(day(sc.period.start), day(sc.period.end))
    )
    col = "durable" if durable else "job"
    follow = pl.min_horizontal(pl.lit(sc.s) - pl.col("orr"), pl.lit(horizon))
    event = pl.col(col).is_not_null() & (pl.col(col) <= follow)
    surv = flags.select(
        "pid",
        event.alias("event"),
        pl.when(event).then(pl.col(col)).otherwise(follow).cast(pl.Int32).alias("t"),
    )
    curves = survival.with_origin(survival.curves(surv, membership))
    return curves.with_columns(
        cumulative=1 - pl.col("survival"),
        cum_low=1 - pl.col("ci_high"),
        cum_high=1 - pl.col("ci_low"),
    )


HOUR_BINS = (
    ("0 h", None, 0.0),
    ("moins de 5 h", 0.0, 5.0),
    ("5 à 10 h", 5.0, 10.0),
    ("10 à 15 h", 10.0, 15.0),
    ("15 à 20 h", 15.0, 20.0),
    ("20 h ou plus", 20.0, None),
)


# Disclosure of hours_distribution (with its per-group total of weeks): weeks by class; the
# classes of a group add up to its total.
HOURS_DISTRIBUTION_PROTECTION = Protection(
    counts=("semaines", "semaines_total"),
    shares={"part": "semaines_total"},
    numerators={"part": "semaines"},  # part × total would give a masked count back
    totals=("group",),
    ratios={"part": ("semaines", "semaines_total")},
)


def hours_distribution(sc: Scope, groups: list[str] | None = None) -> pl.DataFrame:
    """Eligible beneficiary-weeks by weekly hours class (0 h weeks included), per group.

    Classes: 0 h, ]0, 5[, [5, 10[, [10, 15[, [15, 20[, 20 h or more. Columns: group, classe,
    semaines, part."""
    groups = groups or [sc.pilot, "Reste du département"]
    membership = sc.membership_of(groups)
    has = perturbation.keyed(membership)
    ck = perturbation.ck
    weeks = eligible_weeks(sc.people, sc.period, sc.s)
    snap = sc.snapshot  # its reduction's own index: the windows read their people's rows only
    hours = in_window(
        snap.heures_semaine, weeks, "w", hours_index(snap.heures_semaine, snap.derived)
    )
    h = pl.col("h")
    label = (
        pl.when(h < 5)
        .then(pl.lit("moins de 5 h"))
        .when(h < 10)
        .then(pl.lit("5 à 10 h"))
        .when(h < 15)
        .then(pl.lit("10 à 15 h"))
        .when(h < 20)
        .then(pl.lit("15 à 20 h"))
        .otherwise(pl.lit("20 h ou plus"))
    )
    with_hours = (
        hours.join(membership, on="pid")
        .group_by("group", label.alias("classe"))
        .agg(*perturbation.count_len("semaines", has))
    )
    totals = (
        weeks.join(membership, on="pid")
        .group_by("group")
        .agg(*perturbation.count_sum(pl.col("n"), "total", has))
    )
    with_h = with_hours.group_by("group").agg(*perturbation.sum_keys("semaines", has))
    # the 0 h weeks: eligible weeks without hours (their cell key: the difference of keys)
    zero_key = (
        [
            ((pl.col(ck("total")) - pl.col(ck("semaines")).fill_null(0)) % perturbation.KEY_RANGE)
            .cast(pl.Int64)
            .alias(ck("semaines"))
        ]
        if has
        else []
    )
    zero = totals.join(with_h, on="group", how="left").select(
        "group",
        pl.lit("0 h").alias("classe"),
        (pl.col("total") - pl.col("semaines").fill_null(0)).alias("semaines"),
        *zero_key,
    )
    order = {name: i for i, (name, _, _) in enumerate(HOUR_BINS)}
    grid = pl.DataFrame(
        [(g, name) for g in groups for name, _, _ in HOUR_BINS],
        schema={"group": pl.String, "classe": pl.String},
        orient="row",
    )
    out = (
        grid.join(
            pl.concat([zero, with_hours.cast(zero.schema)]), on=["group", "classe"], how="left"
        )
        .with_columns(pl.col("semaines").fill_null(0))
        .with_columns(part=pl.col("semaines") / pl.col("semaines").sum().over("group"))
    )
    if has:
        out = out.with_columns(pl.col(ck("semaines")).fill_null(0))
    return (
        out.with_columns(
            pl.col("part").fill_nan(None),
            ordre=pl.col("classe").replace_strict(order, return_dtype=pl.Int32),
        )
        .sort("group", "ordre")
        .drop("ordre")
    )


# Disclosure of hours_by_activity: mean hours rest on the weeks counted.
HOURS_BY_ACTIVITY_PROTECTION = Protection(
    counts=("semaines",), shares={"heures_par_semaine": "semaines"}
)


def hours_by_activity(sc: Scope, groups: list[str] | None = None) -> pl.DataFrame:
    """Mean hours per eligible beneficiary-week by activity type, per group."""
    groups = groups or [sc.pilot, "Reste du département"]
    membership = sc.membership_of(groups)
    has = perturbation.keyed(membership)
    weeks = eligible_weeks(sc.people, sc.period, sc.s)
    # the typed weekly hours are scanned lazily from the snapshot's cache: only the rows of
    # the eligible windows of the people in scope are ever collected
    acts = (
        sc.snapshot.heures_type_semaine.join(weeks.lazy().select("pid", "lo", "hi"), on="pid")
        .filter(pl.col("w").is_between(pl.col("lo"), pl.col("hi")))
        .join(membership.select("pid", "group").lazy(), on="pid")
        .group_by("group", "type_activite")
        .agg(heures=pl.col("h").sum())
        .collect()
    )
    totals = (
        weeks.join(membership, on="pid")
        .group_by("group")
        .agg(*perturbation.count_sum(pl.col("n"), "semaines", has))
    )
    return (
        acts.join(totals, on="group")
        .with_columns(heures_par_semaine=pl.col("heures") / pl.col("semaines"))
        .sort("group", "heures_par_semaine", descending=[False, True])
    )


def by_attribute(sc: Scope, column: str, families: tuple[str, ...]) -> pl.DataFrame:
    """Indicators of ``families`` with people grouped by an attribute (e.g. the first
    modalité) instead of territory, within the pilot and the rest: group = "side · value"."""
    membership = sc.membership_of([sc.pilot, "Reste du département"])
    values = sc.people.select("pid", pl.col(column).fill_null("non_renseigne").alias("v"))
    keys = [c for c in (perturbation.RKEY, perturbation.FKEY) if c in membership.columns]
    mem = membership.join(values, on="pid").select(
        "pid", (pl.col("group") + SEP + pl.col("v")).alias("group"), *keys
    )
    parts = []
    if "intensite" in families:
        from metrics.intensity import intensity_indicators

        parts.append(
            intensity_indicators(
                sc.people,
                # the snapshot's whole reductions: their sorted index is built once and
                # the eligibility windows restrict them to the people in scope
                sc.snapshot.heures_semaine,
                sc.snapshot.contacts_semaine,
                sc.snapshot.rdv_mois,
                mem,
                sc.period,
                sc.s,
                store=sc.snapshot.derived,
            )
        )
    if "orientation" in families:
        parts.append(orientation_indicators(sc.people, mem, sc.period, sc.s))
    if "emploi" in families:
        parts.append(employment_indicators(sc.employment_flags, mem, sc.period, sc.s))
    out = pl.concat(parts, how="diagonal_relaxed").drop("var")
    label = pl.col("group").str.split_exact(SEP, 1)
    return out.with_columns(
        label.struct.field("field_0").alias("group"),
        label.struct.field("field_1").alias(column),
    )


def caseload(sc: Scope) -> pl.DataFrame:
    """Caseload per referent FTE at S, by territoire and organisme.

    Accompanied people: the stock at S (open rights) with a valid orientation, counted with the
    referent of their latest orientation; referents active at S (arrived on or before S, not
    departed). Columns: territoire, organisme, referents, etp, personnes, personnes_par_etp.
    """
    s = sc.s
    ref = professionals.present(sc.snapshot.referents, s)
    stock = sc.people.filter(pl.col("o") <= s, pl.col("f").is_null(), pl.col("orr").is_not_null())
    has = perturbation.keyed(sc.people)
    latest = (
        sc.events("orientations")
        .join(stock.select("pid"), on="pid", how="semi")
        .sort("pid", "date_orientation")
        .group_by("pid")
        .agg(pl.col("id_referent").last())
    )
    if has:
        latest = latest.join(stock.select("pid", perturbation.RKEY), on="pid")
    people = (
        latest.join(ref.select("id_referent", "territoire", "organisme"), on="id_referent")
        .group_by("territoire", "organisme")
        .agg(*perturbation.count_len("personnes", has))
    )
    staff = ref.group_by("territoire", "organisme").agg(referents=pl.len(), etp=pl.col("etp").sum())
    return (
        staff.join(people, on=["territoire", "organisme"], how="left")
        .with_columns(pl.col("personnes").fill_null(0), *perturbation.fill_keys(people))
        .with_columns(personnes_par_etp=pl.col("personnes") / pl.col("etp"))
        .sort("territoire", "organisme")
    )


def stock_series(sc: Scope, months: list[dt.date]) -> pl.DataFrame:
    """Stock and its oriented share at past month-ends, as known in this snapshot (the stock
    rule of coverage_indicators applied at each date m instead of S), per group.

    Columns: indicator (effectif_stock, part_orientes_stock), group, month, value, numerator,
    denominator, ci_low, ci_high. Vectorised without a row per person and month: a person is
    in the stock at the month-ends i in [start, end) (first month-end >= O, first >= F) and
    oriented from the first month-end >= Or; +1 / −1 events per group, summed cumulatively.
    """
    import numpy as np

    from metrics.base import share_rows

    if not months:
        return pl.DataFrame()
    ends = np.array(sorted(day(m) for m in months), dtype=np.int64)
    k = len(ends)

    def index(col: str) -> pl.Expr:  # first month-end >= the date (k when none / null)
        return pl.col(col).map_batches(
            lambda x: pl.Series(
                np.where(x.is_null(), k, np.searchsorted(ends, x.fill_null(0).to_numpy())),
                dtype=pl.Int32,
            ),
            return_dtype=pl.Int32,
        )

    p = sc.people.select(
        "pid",
        "soumis_dd",
        index("o").alias("start"),
        index("f").alias("end"),
        index("orr").alias("ori"),
    ).filter(pl.col("start") < pl.col("end"))
    p = p.with_columns(ostart=pl.max_horizontal("start", "ori"))
    mem = sc.membership.join(p, on="pid")
    # +1 / −1 events; with record keys, each count's cell key moves by ± the person's key
    has = perturbation.keyed(mem)
    key = pl.col(perturbation.RKEY).cast(pl.Int64) if has else pl.lit(0, pl.Int64)
    dd = pl.col("soumis_dd").cast(pl.Int32)
    oriented = mem.filter(pl.col("soumis_dd"), pl.col("ostart") < pl.col("end"))

    def step(frame: pl.DataFrame, at: str, stock: int, dd_: pl.Expr, ok: int) -> pl.DataFrame:
        return frame.select(
            "group",
            pl.col(at).alias("i"),
            pl.lit(stock).alias("stock"),
            dd_.alias("dd"),
            pl.lit(ok).alias("ok"),
            (key * stock).alias("stock_k"),
            (key * dd_).alias("dd_k"),
            (key * ok).alias("ok_k"),
        )

    events = (
        pl.concat(
            [
                step(mem, "start", 1, dd, 0),
                step(mem, "end", -1, -dd, 0),
                step(oriented, "ostart", 0, pl.lit(0, pl.Int32), 1),
                step(oriented, "end", 0, pl.lit(0, pl.Int32), -1),
            ]
        )
        .group_by("group", "i")
        .agg(pl.col("stock", "dd", "ok", "stock_k", "dd_k", "ok_k").sum())
    )
    groups = sc.groups
    grid = pl.DataFrame(
        [(g, i) for g in groups for i in range(k)],
        schema={"group": pl.String, "i": pl.Int32},
        orient="row",
    )
    level = (
        grid.join(events.with_columns(pl.col("i").cast(pl.Int32)), on=["group", "i"], how="left")
        .fill_null(0)
        .sort("group", "i")
        .with_columns(
            pl.col("stock", "dd", "ok").cum_sum().over("group"),
            (pl.col("stock_k", "dd_k", "ok_k").cum_sum().over("group") % perturbation.KEY_RANGE),
        )
    )
    label = (pl.col("group") + SEP + pl.col("i").cast(pl.String)).alias("group")
    ck = perturbation.ck
    key_cols = [pl.col("ok_k").alias(ck("k")), pl.col("dd_k").alias(ck("n"))] if has else []
    shares = share_rows(
        "part_orientes_stock",
        level.select(label, pl.col("ok").alias("k"), pl.col("dd").alias("n"), *key_cols),
    ).drop("var")
    sizes = level.select(
        pl.lit("effectif_stock").alias("indicator"),
        label,
        pl.col("stock").cast(pl.Float64).alias("value"),
        pl.col("stock").cast(pl.Float64).alias("numerator"),
        pl.col("stock").cast(pl.Float64).alias("denominator"),
        pl.lit(None, pl.Float64).alias("ci_low"),
        pl.lit(None, pl.Float64).alias("ci_high"),
        *(
            [pl.col("stock_k").alias(ck("numerator")), pl.col("stock_k").alias(ck("denominator"))]
            if has
            else []
        ),
    ).with_columns(pl.when(pl.col("value") > 0).then(pl.col("value")).alias("value"))
    dates = pl.Series("month", [to_date(int(e)) for e in ends], dtype=pl.Date)
    parts = pl.col("group").str.split_exact(SEP, 1)
    return (
        pl.concat([sizes, shares.select(sizes.columns)])
        .with_columns(
            parts.struct.field("field_0").alias("group"),
            parts.struct.field("field_1").cast(pl.Int32).alias("i"),
        )
        .with_columns(
            pl.col("i").map_elements(lambda i: dates[i], return_dtype=pl.Date).alias("month")
        )
        .drop("i")
        .sort("indicator", "group", "month")
    )


# --------------------------------------------------------------------------- delays


def scope_delays(sc: Scope, groups: Sequence[str]) -> pl.DataFrame:
    """Per-person delays (cohort C oriented by S) of the people of ``groups``."""
    membership = sc.membership_of(groups)
    return delays_by_group(sc.people, membership, sc.period, sc.s)


def organisme_shares(sc: Scope, groups: Sequence[str]) -> pl.DataFrame:
    """Shares of the first organisme référent (cohort C oriented by S) for ``groups``."""
    membership = sc.membership_of(groups)
    return first_orientation_shares(sc.people, membership, sc.period, sc.s, groups=groups)


__all__ = [
    "CURVE_PROTECTION",
    "by_attribute",
    "by_entry_month",
    "caseload",
    "employment_curves",
    "hours_by_activity",
    "hours_distribution",
    "intensity_by_month",
    "organisme_shares",
    "orientation_km",
    "registry",
    "scope_delays",
    "stock_series",
]
