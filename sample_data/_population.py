"""Phase 1 of the generator: households, persons, orientations, jobs, referents.

Everything here is held in memory for the whole population (a few hundred bytes per person,
so even the national scale fits); the bulky weekly activities and contacts are generated
later, by chunks of persons (``_events``). All dates are int32 day numbers (``_util.day``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import ndtri

from queries import schema
from sample_data import parameters as P
from sample_data._util import (
    NO_DATE,
    choice,
    day,
    expand,
    month_ends,
    record_lag,
    strat_uniform,
    strat_uniform_by,
    systematic_pick,
    uniform_int,
    unique_random_ids,
)

NULL_DATE = np.int32(-(2**31))  # a null date that compares as "before everything"

W0 = day(P.OBSERVATION_START)
L = day(P.LAUNCH)
E = day(P.LAST_SNAPSHOT)
H = E + P.HORIZON_DAYS
REF = day(P.REFERENCE_DATE)
SNAPSHOTS = month_ends(P.FIRST_SNAPSHOT, P.LAST_SNAPSHOT)
SNAP_DAYS = np.array([day(s) for s in SNAPSHOTS], dtype=np.int32)
FIRST_S = int(SNAP_DAYS[0])

# Orientation row kinds.
KIND_USUAL, KIND_RENEWED_FIRST, KIND_RENEWED_STOCK, KIND_REORIENT = 0, 1, 2, 3

DIPLOMES = tuple(P.DIPLOME_SHARES)
MODALITES = schema.MODALITE  # social, socio_professionnel, professionnel
ORGANISMES = schema.ORGANISME  # departement, france_travail, mission_locale, autre
MOTIFS = schema.MOTIF_FIN_DROITS


@dataclass
class Communes:
    codes: list[str]
    territoire: np.ndarray  # territory index of each commune
    territoires: list[str]
    population: np.ndarray
    pilot: int  # index of the pilot territory


def load_communes(path: Path) -> Communes:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    terrs = sorted({r["territoire"] for r in rows})
    t_index = {t: i for i, t in enumerate(terrs)}
    return Communes(
        codes=[r["code_commune"] for r in rows],
        territoire=np.array([t_index[r["territoire"]] for r in rows], dtype=np.int8),
        territoires=terrs,
        population=np.array([float(r["population"]) for r in rows]),
        pilot=t_index[P.PILOT],
    )


def _year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


class World:
    """The whole synthetic population and its person-level events.

    Attributes are numpy arrays filled by the ``build_*`` functions (dates are day numbers,
    NO_DATE: none / not yet; NULL_DATE: a null date):

    - households (``f_*``, one per id_foyer): O opening ``f_O``, natural end ``f_Fnat``, final
      end ``f_F`` (after exits to employment), its record date ``f_Frec`` and ``f_motif``,
      record date of the household ``f_rec``, true commune ``f_commune`` and written commune
      ``f_code`` (-1-k: unknown code k), situation ``f_sit`` (+ ``f_sit_null``), ``f_future``
      (opens after the last snapshot), ids ``f_id``;
    - persons (``p_*``): household ``p_foyer``, ``p_sexe``, ``p_birth``, diploma ``p_dipl``
      (-1 null), ``p_sdd``, territory ``p_terr`` / ``p_pilot``, first orientation ``p_Or``,
      start ``p_R`` and modality ``p_Rmod`` of the renewed accompaniment, id ``p_id`` and its
      rank ``p_rank`` in id order, and the person-level mess: withdrawal date ``p_wd``,
      duplicate ``p_dup`` (+ ``p_dup_commune``), written end before opening ``p_finerr``,
      descriptive code outside its list ``p_codebad`` (0 none, 1 sexe, 2 situation,
      3 diplome) / ``p_codebad_val``, a null required column ``p_nullcol`` (0 none,
      1 id_foyer, 2 code_commune, 3 soumis_droits_devoirs);
    - ``o``: orientation rows (dict of arrays sorted by person and date), ``e``: job rows,
      ``r``: referent rows, ``pos``: referent positions (holder A, replacement B),
      ``ghost_ids``: ids of no beneficiary (orphan rows).
    """

    def __init__(self, n_target: int, communes: Communes) -> None:
        self.n_target = n_target
        self.communes = communes

    @property
    def n_persons(self) -> int:
        return len(self.p_foyer)

    def p_O(self) -> np.ndarray:
        return self.f_O[self.p_foyer]

    def p_F(self) -> np.ndarray:
        return self.f_F[self.p_foyer]

    def p_rec(self) -> np.ndarray:
        return self.f_rec[self.p_foyer]


# ---------------------------------------------------------------------------------------------
# Households and persons
# ---------------------------------------------------------------------------------------------
def _commune_weights(c: Communes) -> np.ndarray:
    mult = np.full(len(c.population), P.RATE_BY_POPULATION[-1][1])
    for threshold, m in reversed(P.RATE_BY_POPULATION):
        mult[c.population >= threshold] = m
    w = c.population * mult
    pilot = c.territoire == c.pilot
    share = P.TARGET_FOYERS_PILOT / P.TARGET_FOYERS_AISNE * P.PILOT_SHARE_ADJUST
    wp, wr = w[pilot].sum(), w[~pilot].sum()
    w[pilot] *= share * wr / ((1 - share) * wp)
    return w / w.sum()


def _spells(rng, n: int, short_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Type (True: long) and exponential length in days, stratified within each type."""
    long_ = strat_uniform(rng, n) >= short_share
    length = np.empty(n)
    for flag, mean in ((False, P.SHORT_SPELL_MEAN_DAYS), (True, P.LONG_SPELL_MEAN_DAYS)):
        sel = long_ == flag
        length[sel] = -mean * np.log1p(-strat_uniform(rng, int(sel.sum())))
    return long_, length


def build_households(w: World, rng: np.random.Generator) -> None:
    n = w.n_target
    n_withdrawn = max(1, round(P.WITHDRAWN_SHARE * n))
    n_dup = max(1, round(P.DUPLICATE_SHARE * n))
    n_future = max(1, round(P.FUTURE_SHARE * n))
    m = n + n_withdrawn - n_dup  # persons to generate
    n_f = round(m / (1 + P.COUPLE_SHARE))
    n_couples = m - n_f
    n_reg = n_f - n_future
    window = E - W0 + 1
    n0 = round(n_reg / (1 + P.ENTRY_RATE_PER_STOCK_DAY * window))
    n_e = n_reg - n0
    w.counts = {"withdrawn": n_withdrawn, "dup": n_dup, "future": n_future}

    ps, pl = P.SHORT_SPELL_SHARE, 1 - P.SHORT_SPELL_SHARE
    # Stock on W0: stationary composition (length-biased), elapsed and residual exponential.
    short_stock = (
        ps * P.SHORT_SPELL_MEAN_DAYS / (ps * P.SHORT_SPELL_MEAN_DAYS + pl * P.LONG_SPELL_MEAN_DAYS)
    )
    long0, elapsed = _spells(rng, n0, short_stock)
    residual = np.empty(n0)
    for flag, mean in ((False, P.SHORT_SPELL_MEAN_DAYS), (True, P.LONG_SPELL_MEAN_DAYS)):
        sel = long0 == flag
        residual[sel] = -mean * np.log1p(-strat_uniform(rng, int(sel.sum())))
    o0 = W0 - 1 - elapsed.astype(np.int64)
    # Spells older than the RSA: the RMI conversions of 1 June 2009, or the first RSA years.
    old = o0 < day(P.RSA_START)
    spread = old & (rng.random(n0) >= P.RMI_CONVERSION_SHARE)
    o0[old] = day(P.RSA_START)
    o0[spread] += rng.integers(0, day(P.RMI_SPREAD_END) - day(P.RSA_START), int(spread.sum()))
    f0 = W0 + residual.astype(np.int64)
    # Entrants over the observation window (uniform, stratified), and the few households whose
    # right opens just after the last snapshot (recorded in advance: date_future).
    oe = W0 + (strat_uniform(rng, n_e) * window).astype(np.int64)
    _, le = _spells(rng, n_e, ps)
    fe = oe + P.MIN_SPELL_DAYS + le.astype(np.int64)
    of = E + 1 + rng.integers(0, 31, n_future)
    _, lf = _spells(rng, n_future, ps)
    ff = of + P.MIN_SPELL_DAYS + lf.astype(np.int64)

    w.f_O = np.concatenate((o0, oe, of)).astype(np.int32)
    f_nat = np.concatenate((f0, fe, ff))
    w.f_Fnat = np.minimum(f_nat, NO_DATE - 1).astype(np.int32)
    w.f_future = np.zeros(n_f, bool)
    w.f_future[n_reg:] = True

    # Communes: stratified separately among households in the natural stock of REF and the
    # others, so the territorial split of the calibration date is exact.
    weights = _commune_weights(w.communes)
    cum = np.cumsum(weights)
    cum[-1] = 1.0
    in_ref = (w.f_O <= REF) & (w.f_Fnat > REF)
    u = strat_uniform_by(rng, in_ref.astype(np.int8))
    w.f_commune = np.searchsorted(cum, u, side="right").astype(np.int32)

    # Records: the stock is known long before; entrants are recorded with a lag (clipped to
    # the last snapshot so every person is in it).
    rec = w.f_O + record_lag(rng, n_f)
    rec[:n_reg] = np.minimum(rec[:n_reg], E)
    w.f_rec = rec.astype(np.int32)

    couple = np.zeros(n_f, bool)
    couple[rng.choice(n_reg, n_couples, replace=False)] = True
    children = np.where(
        couple,
        rng.random(n_f) < P.COUPLE_WITH_CHILDREN,
        rng.random(n_f) < P.SINGLE_WITH_CHILDREN,
    )
    # situation index in schema.SITUATION_FAMILIALE
    w.f_sit = (couple.astype(np.int8) * 2 + children.astype(np.int8)).astype(np.int8)

    # Persons: first adult of every household, then the partners of couples.
    partners = np.flatnonzero(couple)
    w.p_foyer = np.concatenate((np.arange(n_f), partners)).astype(np.int32)
    np_ = len(w.p_foyer)
    sit = w.f_sit[w.p_foyer]
    female = np.where(
        sit == 1,
        rng.random(np_) < P.SINGLE_PARENT_FEMALE,
        rng.random(np_) < P.SINGLE_NO_CHILD_FEMALE,
    )
    # couples: one woman, one man
    f_first = rng.random(n_f) < 0.5
    female[:n_f][couple] = f_first[couple]
    female[n_f:] = ~f_first[partners]
    w.p_sexe = np.where(female, 0, 1).astype(np.int8)  # index in schema.SEXE (f, m)

    bands = P.AGE_BANDS
    b = choice(rng, [x[2] for x in bands], np_)
    lo = np.array([x[0] for x in bands])[b]
    hi = np.array([x[1] for x in bands])[b]
    age = lo + (rng.random(np_) * (hi - lo + 1)).astype(np.int64)
    age[(sit == 0) & (age < 25)] += 7  # no childless under-25 single
    partner_age = age[:n_f][partners] + np.round(rng.normal(1.5, 4.0, len(partners)))
    age[n_f:] = np.clip(partner_age, 18, 66).astype(np.int64)
    birth = 2023 - age
    o_year = _year(w.f_O[w.p_foyer].astype(np.int64))
    too_young = o_year - birth < 18
    birth[too_young] = o_year[too_young] - 18 - rng.integers(0, 7, int(too_young.sum()))
    w.p_birth = birth.astype(np.int32)

    dipl = choice(rng, P.DIPLOME_SHARES, np_).astype(np.int8)
    dipl[rng.random(np_) < P.DIPLOME_NULL] = -1
    w.p_dipl = dipl
    w.p_sdd = rng.random(np_) < P.SOUMIS_DROITS_DEVOIRS
    w.p_terr = w.communes.territoire[w.f_commune[w.p_foyer]]
    w.p_pilot = w.p_terr == w.communes.pilot
    w.p_age_null = rng.random(np_) < P.ANNEE_NAISSANCE_NULL
    w.p_sexe_null = rng.random(np_) < P.SEXE_NULL
    w.f_sit_null = rng.random(n_f) < P.SITUATION_NULL


# ---------------------------------------------------------------------------------------------
# Orientations
# ---------------------------------------------------------------------------------------------
def _modalite(rng, dipl: np.ndarray, renewed: np.ndarray) -> np.ndarray:
    p_pro = np.array([P.PRO_BY_DIPLOME[d] for d in DIPLOMES] + [P.PRO_BY_DIPLOME[None]])
    p = p_pro[np.where(dipl < 0, len(DIPLOMES), dipl)] + P.RENEWED_PRO_UPLIFT * renewed
    socio = np.where(renewed, P.RENEWED_SOCIO_PRO_SHARE_OF_REST, P.SOCIO_PRO_SHARE_OF_REST)
    u = rng.random(len(dipl))
    out = np.where(u < p, 2, np.where(u < p + (1 - p) * socio, 1, 0))
    return out.astype(np.int8)


def _organisme(rng, mod: np.ndarray, young: np.ndarray) -> np.ndarray:
    out = np.empty(len(mod), np.int8)
    for m_idx, name in enumerate(MODALITES):
        sel = mod == m_idx
        table = P.ORGANISME_BY_MODALITE[name]
        codes = np.array([ORGANISMES.index(k) for k in table], np.int8)
        out[sel] = codes[choice(rng, table, int(sel.sum()))]
    ml = young & (mod >= 1) & (rng.random(len(mod)) < P.MISSION_LOCALE_UNDER_26)
    out[ml] = ORGANISMES.index("mission_locale")
    return out


def build_orientations(w: World, rng: np.random.Generator) -> None:
    n = w.n_persons
    opening = w.p_O().astype(np.int64)
    Fn = w.f_Fnat[w.p_foyer].astype(np.int64)
    sdd, pilot = w.p_sdd, w.p_pilot

    never = rng.random(n) < P.NEVER_ORIENTED
    # Usual delay: a mixture of two lognormals (most fairly quick, a minority very late),
    # drawn from uniforms stratified by entry year and pilot flag (so every cohort gets the
    # exact mixture): u < share picks the quick component.
    u = strat_uniform_by(rng, _year(opening) * 2 + pilot)
    share = P.DELAY_QUICK_SHARE
    quick = u < share
    uu = np.where(quick, u / share, (u - share) / (1 - share))
    med = np.where(quick, P.DELAY_QUICK_MEDIAN_DAYS, P.DELAY_SLOW_MEDIAN_DAYS)
    sig = np.where(quick, P.DELAY_QUICK_SIGMA, P.DELAY_SLOW_SIGMA)
    delay = np.exp(np.log(med) + sig * ndtri(np.clip(uu, 1e-9, 1 - 1e-9)))
    or_nat = opening + np.maximum(1, delay.astype(np.int64))
    nat_ok = sdd & ~never & (or_nat < Fn) & (or_nat <= H)

    # Renewed process of an entrant: diagnostic, then orientation.
    in15 = rng.random(n) < P.RENEWED_DIAGNOSTIC_15J
    diag_d = np.where(
        in15,
        rng.integers(1, 16, n),
        16 + rng.exponential(P.RENEWED_DIAG_LATE_MEAN, n).astype(np.int64),
    )
    long_gap = rng.random(n) < P.RENEWED_ORIENT_GAP_LONG_SHARE
    gap = np.where(
        long_gap,
        uniform_int(rng, P.RENEWED_ORIENT_GAP_LONG, n),
        uniform_int(rng, P.RENEWED_ORIENT_GAP, n),
    )
    never_r = rng.random(n) < P.RENEWED_NEVER_ORIENTED

    rows_p, rows_d, rows_diag, rows_kind = [], [], [], []

    def add(mask, date, diag, kind):
        idx = np.flatnonzero(mask)
        rows_p.append(idx)
        rows_d.append(np.asarray(date)[idx] if np.ndim(date) else np.full(len(idx), date))
        rows_diag.append(np.asarray(diag)[idx])
        rows_kind.append(np.full(len(idx), kind, np.int8))

    # Usual diagnostic: often missing, otherwise long (somewhere between O and Or).
    old = or_nat < W0
    diag_null = rng.random(n) < np.where(old, P.DIAGNOSTIC_NULL_OLD, P.DIAGNOSTIC_NULL)
    pos = rng.uniform(*P.DIAGNOSTIC_POSITION, n)
    diag_usual = np.where(
        diag_null, NULL_DATE, opening + ((or_nat - opening) * pos).astype(np.int64)
    )

    # Rest of the département, and the pilot before the launch: usual practice.
    usual_first = nat_ok & (~pilot | (or_nat < L))
    add(usual_first, or_nat, diag_usual, KIND_USUAL)
    # Pilot entrants after the launch.
    r1 = opening + diag_d + gap
    ok1 = pilot & (opening >= L) & sdd & ~never_r & (r1 < Fn) & (r1 <= H)
    add(ok1, r1, opening + diag_d, KIND_RENEWED_FIRST)
    # Pilot stock not oriented at the launch (backlog): oriented by the renewed process.
    tb = rng.exponential(P.BACKLOG_MEAN_DAYS, n).astype(np.int64)
    r3 = np.maximum(r1, L + tb)
    ok3 = pilot & (opening < L) & ~usual_first & sdd & ~never_r & (r3 < Fn) & (r3 <= H)
    add(ok3, r3, np.maximum(r3 - gap, opening), KIND_RENEWED_FIRST)
    # Pilot stock already oriented: brought into the renewed accompaniment progressively.
    ts = (-P.STOCK_RENEWAL_MEAN_DAYS * np.log1p(-strat_uniform(rng, n))).astype(np.int64)
    r2 = L + ts
    ok2 = pilot & usual_first & (r2 < Fn) & (r2 <= H)
    add(ok2, r2, np.maximum(r2 - rng.integers(0, 13, n), L), KIND_RENEWED_STOCK)
    # Usual re-orientations.
    ro = or_nat + uniform_int(rng, P.REORIENTATION_DAYS, n)
    ok_ro = (
        usual_first
        & (rng.random(n) < P.REORIENTATION_SHARE)
        & (ro < Fn)
        & (ro <= H)
        & (~pilot | (ro < L))
    )
    ro_diag = np.where(rng.random(n) < 0.6, NULL_DATE, ro - rng.integers(0, 21, n))
    add(ok_ro, ro, ro_diag, KIND_REORIENT)

    p = np.concatenate(rows_p).astype(np.int32)
    d = np.concatenate(rows_d).astype(np.int64)
    diag = np.concatenate(rows_diag).astype(np.int64)
    kind = np.concatenate(rows_kind)
    order = np.lexsort((d, p))
    p, d, diag, kind = p[order], d[order], diag[order], kind[order]
    renewed = (kind == KIND_RENEWED_FIRST) | (kind == KIND_RENEWED_STOCK)
    nr = len(p)

    mod = _modalite(rng, w.p_dipl[p], renewed)
    reo = kind == KIND_REORIENT
    # a re-orientation changes modality
    mod[reo] = (mod[reo] + rng.integers(1, 3, int(reo.sum()))) % 3
    age = _year(d) - w.p_birth[p]
    org = _organisme(rng, mod, age < 26)
    contract_null = rng.random(nr) < np.where(renewed, P.RENEWED_CONTRACT_NULL, P.CONTRACT_NULL)
    contract_delay = np.where(
        renewed,
        uniform_int(rng, P.RENEWED_CONTRACT_DAYS, nr),
        rng.exponential(P.CONTRACT_MEAN_DAYS, nr).astype(np.int64),
    )
    contract = np.where(contract_null, NULL_DATE, d + contract_delay)
    ref_null = rng.random(nr) < np.where(renewed, P.RENEWED_REFERENT_NULL, P.REFERENT_NULL)
    w.o = {
        "p": p,
        "date": d.astype(np.int32),
        "diag": diag.astype(np.int32),
        "kind": kind,
        "renewed": renewed,
        "mod": mod,
        "org": org,
        "contract": contract.astype(np.int32),
        "ref_null": ref_null,
    }


def _first_per_person(n: int, p: np.ndarray, values: np.ndarray, mask=None) -> np.ndarray:
    out = np.full(n, NO_DATE, np.int64)
    if mask is not None:
        p, values = p[mask], values[mask]
    np.minimum.at(out, p, values)
    return out


# ---------------------------------------------------------------------------------------------
# Jobs (with the planted treatment effect) and exits to employment
# ---------------------------------------------------------------------------------------------
def build_jobs(w: World, rng: np.random.Generator) -> None:
    n = w.n_persons
    o = w.o
    first = _first_per_person(n, o["p"], o["date"].astype(np.int64))
    oriented = first < NO_DATE
    renewed_start = _first_per_person(n, o["p"], o["date"].astype(np.int64), o["renewed"])
    pilot = w.p_pilot
    idx = np.flatnonzero(oriented)
    Or = first[idx]
    pl = pilot[idx]
    post = Or >= L
    window = np.where((Or >= L - 365) & (Or < L), 0, np.where(post & (Or <= L + 364), 1, 2))
    strata = (pl.astype(np.int64) * 3 + window).astype(np.int64)
    u = strat_uniform_by(rng, strata)

    dipl = w.p_dipl[idx]
    key = np.where(dipl < 0, len(DIPLOMES), dipl)
    eff6 = np.array([P.JOB6_DIPLOME[d] for d in DIPLOMES] + [P.JOB6_DIPLOME[None]])[key]
    effd = np.array([P.DURABLE6_DIPLOME[d] for d in DIPLOMES] + [P.DURABLE6_DIPLOME[None]])[key]
    p6 = (
        P.JOB6_BASE
        + eff6
        + P.JOB6_TREND * post
        + P.JOB6_PILOT_LEVEL * pl
        + P.PLANTED_DID["taux_emploi_6m"] * (pl & post)
    )
    pd = (
        P.DURABLE6_BASE
        + effd
        + P.DURABLE6_TREND * post
        + P.DURABLE6_PILOT_LEVEL * pl
        + P.PLANTED_DID["taux_emploi_durable_6m"] * (pl & post)
    )
    durable1 = u < pd
    job1 = u < p6
    t1 = Or + (184 * rng.beta(*P.JOB6_TIMING_BETA, len(idx))).astype(np.int64)
    t1 = np.minimum(t1, Or + 183)
    second = job1 & (rng.random(len(idx)) < P.SECOND_JOB_SHARE)
    t2 = t1 + uniform_int(rng, P.SECOND_JOB_DAYS, len(idx))

    # Later job starts: Poisson processes after Or + 183, faster in the renewed accompaniment.
    Fn = w.f_Fnat[w.p_foyer[idx]].astype(np.int64)
    end = np.minimum(Fn, H + 1)
    a = np.maximum(Or + 184, W0)
    rs = renewed_start[idx]
    seg1 = np.clip(np.minimum(rs, end) - a, 0, None)
    a2 = np.maximum(a, rs)
    seg2 = np.where(rs < NO_DATE, np.clip(end - a2, 0, None), 0)
    n1 = rng.poisson(seg1 * P.LATE_JOB_RATE)
    n2 = rng.poisson(seg2 * P.LATE_JOB_RATE_RENEWED)
    o1, _ = expand(n1)
    o2, _ = expand(n2)
    late_t = np.concatenate(
        (
            a[o1] + (rng.random(len(o1)) * seg1[o1]).astype(np.int64),
            a2[o2] + (rng.random(len(o2)) * seg2[o2]).astype(np.int64),
        )
    )
    late_owner = np.concatenate((o1, o2))
    late_durable = rng.random(len(late_owner)) < P.LATE_JOB_DURABLE_SHARE

    j_owner = np.concatenate((np.flatnonzero(job1), np.flatnonzero(second), late_owner))
    j_start = np.concatenate((t1[job1], t2[second], late_t))
    j_durable = np.concatenate((durable1[job1], np.zeros(int(second.sum()), bool), late_durable))
    j_window = np.concatenate(
        (np.ones(int(job1.sum()), bool), np.zeros(len(j_start) - int(job1.sum()), bool))
    )
    j_p = idx[j_owner].astype(np.int32)
    keep = (j_start >= W0) & (j_start <= H)
    j_p, j_start, j_durable, j_window = j_p[keep], j_start[keep], j_durable[keep], j_window[keep]

    # Exits to employment: a job start ends the household's right with some probability.
    f_of_job = w.p_foyer[j_p]
    fn_job = w.f_Fnat[f_of_job].astype(np.int64)
    q = np.where(j_durable, P.EXIT_AFTER_DURABLE, P.EXIT_AFTER_OTHER)
    trig = (j_start < fn_job) & (rng.random(len(j_p)) < q)
    cand = j_start + uniform_int(rng, P.EXIT_AFTER_DAYS, len(j_p))
    f_cand = np.full(len(w.f_O), NO_DATE, np.int64)
    np.minimum.at(f_cand, f_of_job[trig], cand[trig])
    f_final = np.minimum(w.f_Fnat.astype(np.int64), f_cand)
    job_exit = f_cand < w.f_Fnat
    w.f_F = np.where(f_final > H, NO_DATE, f_final).astype(np.int32)

    # Drop what happens after the end of the right: orientation rows (a partner's job may end
    # the household's right before this person is oriented) and, for people no longer
    # followed, the later jobs. The first job of the 6-month window is always kept: the
    # planted probability depends on nothing that happens after Or.
    fp = w.f_F[w.p_foyer].astype(np.int64)
    keep_o = o["date"] < fp[o["p"]]
    w.o = {k: v[keep_o] for k, v in o.items()}
    first_after = _first_per_person(n, w.o["p"], w.o["date"].astype(np.int64))
    still_oriented = first_after < NO_DATE
    keep_j = still_oriented[j_p] & (j_window | (j_start < fp[j_p]))
    j_p, j_start, j_durable = j_p[keep_j], j_start[keep_j], j_durable[keep_j]

    # Motifs of the end of rights.
    motif = choice(rng, P.MOTIF_NATURAL, len(w.f_O)).astype(np.int8)
    motif[job_exit] = MOTIFS.index("reprise_emploi")
    w.f_motif = motif
    lag = uniform_int(rng, P.END_LAG_ON_TIME, len(w.f_O))
    late = rng.random(len(w.f_O)) < P.END_LAG_LATE_SHARE
    lag[late] = uniform_int(rng, P.END_LAG_LATE, int(late.sum()))
    adv = rng.random(len(w.f_O)) < P.END_IN_ADVANCE_SHARE
    lag[adv] = -uniform_int(rng, P.END_IN_ADVANCE, int(adv.sum()))
    frec = w.f_F.astype(np.int64) + lag
    frec = np.maximum(frec, w.f_rec)
    w.f_Frec = np.where(w.f_F == NO_DATE, NO_DATE, frec).astype(np.int32)

    # Contract types, ends, hours.
    nj = len(j_p)
    t_idx = np.empty(nj, np.int8)
    dur_types = [schema.TYPE_CONTRAT.index(k) for k in P.DURABLE_TYPES]
    oth_types = [schema.TYPE_CONTRAT.index(k) for k in P.OTHER_TYPES]
    t_idx[j_durable] = np.array(dur_types, np.int8)[
        choice(rng, P.DURABLE_TYPES, int(j_durable.sum()))
    ]
    t_idx[~j_durable] = np.array(oth_types, np.int8)[
        choice(rng, P.OTHER_TYPES, int((~j_durable).sum()))
    ]
    fin = np.full(nj, NULL_DATE, np.int64)
    hours = np.empty(nj)
    for k, name in enumerate(schema.TYPE_CONTRAT):
        sel = t_idx == k
        cnt = int(sel.sum())
        length = P.CONTRACT_LENGTH[name]
        if length is not None:
            fin[sel] = j_start[sel] + uniform_int(rng, length, cnt)
        elif name == "cdi":
            ends = rng.random(cnt) < P.CDI_END_SHARE
            f = np.full(cnt, NULL_DATE, np.int64)
            f[ends] = j_start[sel][ends] + rng.integers(20, 401, int(ends.sum()))
            fin[sel] = f
        lo, hi = P.WEEKLY_HOURS[name]
        hours[sel] = np.round(rng.uniform(lo, hi, cnt) * 2) / 2
    hours[rng.random(nj) < P.WEEKLY_HOURS_NULL] = np.nan
    rec = np.maximum(j_start + record_lag(rng, nj), w.f_rec[w.p_foyer[j_p]])
    end_lag = uniform_int(rng, P.LAG_ON_TIME, nj)
    late = rng.random(nj) < P.END_DATE_LAG_LATE_SHARE
    end_lag[late] = uniform_int(rng, P.END_DATE_LAG_LATE, int(late.sum()))
    fin_rec = np.where(fin == NULL_DATE, NO_DATE, np.maximum(fin + end_lag, rec))
    order = np.lexsort((j_start, j_p))
    w.e = {
        "p": j_p[order],
        "date": j_start[order].astype(np.int32),
        "fin": fin[order].astype(np.int32),
        "type": t_idx[order],
        "hours": hours[order],
        "rec": rec[order].astype(np.int32),
        "fin_rec": fin_rec[order].astype(np.int32),
    }
    w.p_has_jobs = np.zeros(n, bool)
    w.p_has_jobs[j_p] = True


def finish_orientations(w: World, rng: np.random.Generator) -> None:
    """Person summaries (first orientation, renewed start) and orientation records."""
    n = w.n_persons
    o = w.o
    w.p_Or = _first_per_person(n, o["p"], o["date"].astype(np.int64)).astype(np.int32)
    w.p_R = _first_per_person(n, o["p"], o["date"].astype(np.int64), o["renewed"]).astype(np.int32)
    w.p_Rmod = np.full(n, 2, np.int8)
    ren = np.flatnonzero(o["renewed"])
    # first renewed row of each person gives the modality of the renewed accompaniment
    first_ren = ren[np.unique(o["p"][ren], return_index=True)[1]]
    w.p_Rmod[o["p"][first_ren]] = o["mod"][first_ren]
    nr = len(o["p"])
    rec = o["date"].astype(np.int64) + record_lag(rng, nr)
    o["rec"] = np.maximum(rec, w.f_rec[w.p_foyer[o["p"]]]).astype(np.int32)


# ---------------------------------------------------------------------------------------------
# Referents
# ---------------------------------------------------------------------------------------------
def build_referents(w: World, rng: np.random.Generator) -> None:
    n_t = len(w.communes.territoires)
    n_o = len(ORGANISMES)
    o = w.o
    # Oriented stock of REF by territory and organisme of its current (latest) row.
    fp = w.f_F[w.p_foyer]
    opening = w.p_O()
    in_stock = (opening <= REF) & (fp > REF) & (w.p_Or <= REF)
    rows = np.flatnonzero(o["date"] <= REF)
    last_row = np.full(w.n_persons, -1, np.int64)
    last_row[o["p"][rows]] = rows  # rows sorted by (p, date): the last assignment wins
    sel = in_stock & (last_row >= 0)
    counts = np.zeros((n_t, n_o))
    np.add.at(counts, (w.p_terr[sel], o["org"][last_row[sel]]), 1)
    caseload = np.full(n_t, P.CASELOAD_USUAL)
    caseload[w.communes.pilot] = P.CASELOAD_PILOT_BASE
    fte = counts / caseload[:, None]

    etp_vals = np.array(list(P.ETP_VALUES), float)
    pos_t, pos_o, pos_etp = [], [], []
    for t in range(n_t):
        for k in range(n_o):
            need = fte[t, k]
            draws = etp_vals[choice(rng, P.ETP_VALUES, int(need / 0.5) + 3)]
            npos = max(1, int(np.searchsorted(np.cumsum(draws), need)) + 1)
            npos = min(npos, len(draws))
            pos_t.append(np.full(npos, t))
            pos_o.append(np.full(npos, k))
            pos_etp.append(draws[:npos])
    base_t = np.concatenate(pos_t)
    nb = len(base_t)
    scale = w.n_target / P.DEFAULT_BENEFICIAIRES
    extra_o = []
    for org_name, cnt in P.EXTRA_ORGANISMES.items():
        extra_o += [ORGANISMES.index(org_name)] * max(1, round(cnt * scale))
    ne = len(extra_o)
    pos = {
        "t": np.concatenate((base_t, np.full(ne, w.communes.pilot))).astype(np.int8),
        "o": np.concatenate((np.concatenate(pos_o), extra_o)).astype(np.int8),
        "etp": np.concatenate((np.concatenate(pos_etp), np.ones(ne))),
    }
    npos = nb + ne
    ea0, ea1 = day(P.EXTRA_ARRIVAL[0]), day(P.EXTRA_ARRIVAL[1])
    a_arr = np.concatenate(
        (
            np.where(
                rng.random(nb) < P.ARRIVAL_NULL,
                NULL_DATE,
                rng.integers(day(P.ARRIVAL_RANGE[0]), day(P.ARRIVAL_RANGE[1]) + 1, nb),
            ),
            np.sort(rng.integers(ea0, ea1 + 1, ne)),
        )
    )
    pos["start"] = np.concatenate((np.full(nb, NULL_DATE), a_arr[nb:])).astype(np.int64)
    years = (E - W0 + 1) / 365.25
    p_dep = np.concatenate(
        (
            np.full(nb, 1 - np.exp(-P.REFERENT_TURNOVER_PER_YEAR * years)),
            np.full(ne, 1 - np.exp(-P.EXTRA_TURNOVER_PER_YEAR * 1.5)),
        )
    )
    dep_lo = np.maximum(W0, np.where(a_arr == NULL_DATE, W0, a_arr + 60))
    departs = (rng.random(npos) < p_dep) & (dep_lo < E)
    a_dep = np.where(departs, dep_lo + (rng.random(npos) * (E - dep_lo)).astype(np.int64), NO_DATE)
    b_arr = np.where(departs, a_dep + uniform_int(rng, P.REPLACEMENT_GAP_DAYS, npos), NO_DATE)
    has_b = departs & (b_arr <= E)
    # Referent rows: holder A of every position, then holder B of replaced positions.
    b_pos = np.flatnonzero(has_b)
    nref = npos + len(b_pos)
    pos["a"] = np.arange(npos)
    pos["b"] = np.full(npos, -1, np.int64)
    pos["b"][b_pos] = npos + np.arange(len(b_pos))
    pos["a_arr"], pos["a_dep"], pos["b_arr"] = a_arr.astype(np.int64), a_dep, b_arr
    ids = unique_random_ids(rng, nref, 10)
    w.r = {
        "id": ids,
        "org": np.concatenate((pos["o"], pos["o"][b_pos])),
        "terr": np.concatenate((pos["t"], pos["t"][b_pos])),
        "etp": np.concatenate((pos["etp"], pos["etp"][b_pos])),
        "arr": np.concatenate((a_arr, b_arr[b_pos])).astype(np.int32),
        "dep": np.concatenate((a_dep, np.full(len(b_pos), NO_DATE))).astype(np.int32),
        "invalid": np.zeros(nref, bool),
    }
    w.pos = pos
    # valeur_invalide in referents, only when the table is large enough for one row to stay
    # under 0.5 % (from the first snapshot on).
    known_first = w.r["arr"] <= FIRST_S
    if known_first.sum() >= P.REFERENT_INVALID_MIN_ROWS:
        cand = np.flatnonzero(known_first & (w.r["terr"] != w.communes.pilot))
        w.r["invalid"][rng.choice(cand)] = True
    w.r["etp_written"] = np.where(w.r["invalid"], rng.choice(P.INVALID_ETP), w.r["etp"])
    _assign_referents(w, rng)


def holder_at(w: World, position: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Referent row holding each position at each date (-1: vacant or unknown)."""
    pos = w.pos
    ok = position >= 0
    pp = np.where(ok, position, 0)
    a_ok = (pos["a_arr"][pp] <= d) & (d < pos["a_dep"][pp])
    b = pos["b"][pp]
    b_ok = (b >= 0) & (pos["b_arr"][pp] <= d)
    return np.where(ok & a_ok, pos["a"][pp], np.where(ok & b_ok, b, -1))


def _assign_referents(w: World, rng: np.random.Generator) -> None:
    o, pos = w.o, w.pos
    nr = len(o["p"])
    terr = w.p_terr[o["p"]]
    d = o["date"].astype(np.int64)
    position = np.full(nr, -1, np.int64)
    n_o = len(ORGANISMES)
    group_rows = terr.astype(np.int64) * n_o + o["org"]
    group_pos = pos["t"].astype(np.int64) * n_o + pos["o"]
    # Every row gets a position (its holder follows the person's contacts); the referent of
    # rows older than REFERENT_HISTORY_START is not recorded.
    for g in np.unique(group_rows):
        rows = np.flatnonzero(group_rows == g)
        cand = np.flatnonzero(group_pos == g)
        cum = np.cumsum(pos["etp"][cand])
        cum /= cum[-1]
        pick = cand[
            np.searchsorted(cum, rng.random(len(rows)), side="right").clip(0, len(cand) - 1)
        ]
        for _ in range(8):
            bad = d[rows] < pos["start"][pick]
            if not bad.any():
                break
            redraw = np.searchsorted(cum, rng.random(int(bad.sum())), side="right")
            pick[bad] = cand[redraw.clip(0, len(cand) - 1)]
        bad = d[rows] < pos["start"][pick]
        pick[bad] = cand[0]  # a base position (always open)
        position[rows] = pick
    o["pos"] = position
    holder = holder_at(w, position, d)
    holder[o["ref_null"] | (d < day(P.REFERENT_HISTORY_START))] = -1
    o["ref"] = holder


# ---------------------------------------------------------------------------------------------
# Ids and person-level mess
# ---------------------------------------------------------------------------------------------
def build_ids_and_mess(w: World, rng: np.random.Generator) -> None:
    n = w.n_persons
    nf = len(w.f_O)
    p_ids = np.sort(unique_random_ids(rng, n, 12))
    f_ids = unique_random_ids(rng, nf, 12, taken=p_ids)
    w.p_rank = rng.permutation(n).astype(np.int64)
    w.p_id = p_ids[w.p_rank]
    w.sorted_ids = p_ids
    w.f_id = f_ids
    n_ghost = max(4, round(P.ORPHAN_SHARE * n))
    w.ghost_ids = unique_random_ids(rng, n_ghost, 12, taken=np.concatenate((p_ids, f_ids)))

    rec = w.p_rec().astype(np.int64)
    used = np.zeros(n, bool)
    regular = ~w.f_future[w.p_foyer]
    # Quarantined persons are taken outside the pilot among persons without job rows, so that
    # their events (counted as `orphelin`) stay a small share of every event table.
    quiet = regular & ~w.p_pilot & ~w.p_has_jobs & (rec <= E - 31)
    c = w.counts
    dup = systematic_pick(rng, np.flatnonzero(quiet), rec[quiet], c["dup"])
    used[dup] = True
    w.p_dup = np.zeros(n, bool)
    w.p_dup[dup] = True
    ncom = len(w.communes.codes)
    w.p_dup_commune = np.where(w.p_dup, rng.integers(0, ncom, n), -1).astype(np.int32)

    k_fin = max(1, round(P.FIN_AVANT_OUVERTURE_SHARE * w.n_target))
    cand = np.flatnonzero(quiet & ~used)
    fin = systematic_pick(rng, cand, rec[cand], k_fin)
    used[fin] = True
    w.p_finerr = np.full(n, NO_DATE, np.int32)
    w.p_finerr[fin] = (w.p_O()[fin] - rng.integers(1, 401, len(fin))).astype(np.int32)

    # Persons deleted in a later snapshot: visible in at least one snapshot before.
    cand = np.flatnonzero(regular & ~used & (rec <= SNAP_DAYS[-3]))
    wd = systematic_pick(rng, cand, rec[cand], c["withdrawn"])
    used[wd] = True
    first_vis = np.searchsorted(SNAP_DAYS, rec[wd])  # first snapshot index with rec <= S
    k = first_vis + 1 + (rng.random(len(wd)) * (len(SNAP_DAYS) - 1 - first_vis - 1)).astype(int)
    k = np.clip(k, first_vis + 1, len(SNAP_DAYS) - 2)
    w.p_wd = np.full(n, NO_DATE, np.int32)
    w.p_wd[wd] = SNAP_DAYS[k] - rng.integers(0, 20, len(wd))

    # Descriptive codes outside their lists (read as null, person kept).
    k_code = max(1, round(P.CODE_INCONNU_SHARE * w.n_target))
    cand = np.flatnonzero(regular & ~used)
    bad = systematic_pick(rng, cand, rec[cand], k_code)
    w.p_codebad = np.zeros(n, np.int8)
    w.p_codebad[bad] = rng.integers(1, 4, len(bad))
    w.p_codebad_val = rng.integers(0, 3, n).astype(np.int8)

    # Unknown commune codes (household level).
    k_com = max(1, round(P.UNKNOWN_COMMUNE_SHARE * nf))
    frec = w.f_rec.astype(np.int64)
    cand = np.flatnonzero(~w.f_future)
    unk = systematic_pick(rng, cand, frec[cand], k_com)
    w.f_code = w.f_commune.copy()
    w.f_code[unk] = -1 - rng.integers(0, len(P.UNKNOWN_COMMUNE_CODES), len(unk))

    # Households recorded before their opening date (date_future in beneficiaires): for every
    # snapshot, a few entrants opening within the next month; for the last one, the future
    # households generated for that purpose.
    f_rec = w.f_rec.astype(np.int64)
    f_used = np.zeros(nf, bool)
    f_used[w.p_foyer[used]] = True
    persons_per_foyer = np.bincount(w.p_foyer, minlength=nf)
    for s in SNAP_DAYS[:-1]:
        visible = int((f_rec <= s).sum())
        k = max(1, round(P.FUTURE_SHARE * visible * 1.2))
        cand = np.flatnonzero((w.f_O > s) & (w.f_O <= s + 31) & (f_rec > s) & ~f_used & ~w.f_future)
        cand = cand[persons_per_foyer[cand] == 1]
        if len(cand):
            pick = rng.choice(cand, min(k, len(cand)), replace=False)
            f_rec[pick] = s - rng.integers(0, 8, len(pick))
            f_used[pick] = True
    fut = np.flatnonzero(w.f_future)
    f_rec[fut] = E - rng.integers(0, 8, len(fut))
    w.f_rec = f_rec.astype(np.int32)

    # A null in a column the contract declares non-null (valeur_invalide: the person is
    # quarantined, their events are orphelin): quiet persons, like the duplicates.
    k_null = max(1, round(P.NULL_REQUIRED_SHARE * w.n_target))
    cand = np.flatnonzero(quiet & ~used & (w.p_codebad == 0))
    nul = systematic_pick(rng, cand, rec[cand], k_null)
    used[nul] = True
    w.p_nullcol = np.zeros(n, np.int8)  # 1 id_foyer, 2 code_commune, 3 soumis_droits_devoirs
    w.p_nullcol[nul] = 1 + np.arange(len(nul)) % 3
    # Implausible birth years (read as null, counted under code_inconnu; person kept).
    k_birth = max(1, round(P.BIRTH_YEAR_IMPLAUSIBLE_SHARE * w.n_target))
    cand = np.flatnonzero(regular & ~used & (w.p_codebad == 0))
    bad_birth = systematic_pick(rng, cand, rec[cand], k_birth)
    w.p_birth = w.p_birth.copy()
    w.p_birth[bad_birth] = np.array(P.IMPLAUSIBLE_BIRTH_YEARS)[np.arange(len(bad_birth)) % 2]
    w.p_age_null = w.p_age_null.copy()
    w.p_age_null[bad_birth] = False


def shift_pilot_diplomas(w: World, rng: np.random.Generator, shift: float) -> None:
    """The planted composition difference (``parameters.PILOT_DIPLOME_SHIFT``): a share
    ``shift`` of the pilot's persons with a recorded diploma get PILOT_DIPLOME_SHIFT_TO, drawn
    from ``rng`` (a stream of its own: the other draws of the world are unchanged)."""
    u = rng.random(w.n_persons)
    moved = w.p_pilot & (w.p_dipl >= 0) & (u < shift)
    w.p_dipl = np.where(moved, DIPLOMES.index(P.PILOT_DIPLOME_SHIFT_TO), w.p_dipl).astype(np.int8)


def build_world(
    n_target: int,
    communes: Communes,
    rng: np.random.Generator,
    pilot_diplome_shift: float = 0.0,
    shift_rng: np.random.Generator | None = None,
) -> World:
    w = World(n_target=n_target, communes=communes)
    build_households(w, rng)
    if pilot_diplome_shift > 0:
        if shift_rng is None:
            raise ValueError("a diploma shift needs its own random stream (shift_rng)")
        shift_pilot_diplomas(w, shift_rng, pilot_diplome_shift)
    build_orientations(w, rng)
    build_jobs(w, rng)
    finish_orientations(w, rng)
    build_referents(w, rng)
    build_ids_and_mess(w, rng)
    return w
