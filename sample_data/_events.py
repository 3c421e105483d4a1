"""Phase 2 of the generator: weekly activities and contacts (by chunk of persons), and the
row-level mess of every event table (quarantine rules of the data contract)."""

from __future__ import annotations

import numpy as np

from queries import schema
from sample_data import parameters as P
from sample_data._population import (
    FIRST_S,
    NULL_DATE,
    SNAP_DAYS,
    W0,
    H,
    World,
    holder_at,
)
from sample_data._util import (
    NO_DATE,
    choice,
    expand,
    monday,
    record_lag,
    systematic_pick,
    uniform_int,
)

TYPES_A = schema.TYPE_ACTIVITE
TYPES_C = schema.TYPE_CONTACT
RDV = TYPES_C.index("rendez_vous")
KEY_BASE = -(2**15)  # day offset used in sort keys (1880-ish): keeps keys positive
COMBOS = 512


def _half_hours(rng, lo_hi, n) -> np.ndarray:
    lo, hi = lo_hi
    return lo + 0.5 * rng.integers(0, round((hi - lo) * 2) + 1, n)


def combo_table(rng) -> np.ndarray:
    """Random sets of distinct activity types: [modalite, k, combo, slot] -> type (-1 pad)."""
    out = np.full((3, 5, COMBOS, 4), -1, np.int8)
    for m, name in enumerate(schema.MODALITE):
        wts = np.array([P.RENEWED_TYPE_WEIGHTS[name][t] for t in TYPES_A], float)
        keys = -np.log(rng.random((COMBOS, len(TYPES_A)))) / wts
        order = np.argsort(keys, axis=1)
        for k in range(1, 5):
            out[m, k, :, :k] = order[:, :k]
    return out


def _weeks(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First Monday strictly after a, and the number of Mondays w with a < w < b."""
    ok = (a < NO_DATE) & (b > a)
    aa = np.where(ok, a, 0).astype(np.int64)
    bb = np.where(ok, b, 1).astype(np.int64)
    m0 = monday(aa) + 7
    m1 = monday(bb - 1)
    nw = np.where(ok, np.maximum(0, (m1 - m0) // 7 + 1), 0)
    return m0, nw


def _holiday(days: np.ndarray) -> np.ndarray:
    d64 = days.astype("datetime64[D]")
    month = d64.astype("datetime64[M]")
    dom = (d64 - month.astype("datetime64[D]")).astype(np.int64) + 1
    mon = month.astype(np.int64) % 12 + 1
    return ((mon == 8) & (dom <= 24)) | ((mon == 12) & (dom >= 20))


def _weekday_back(days: np.ndarray) -> np.ndarray:
    """Move Saturdays and Sundays back to the Friday."""
    dow = (days + 3) % 7  # 0 Monday .. 6 Sunday
    return days - np.maximum(0, dow - 4)


def chunk_events(w: World, persons: np.ndarray, rng: np.random.Generator, combos) -> dict:
    """Activities and contacts of a chunk of persons (sorted by id rank)."""
    n = len(persons)
    Or = w.p_Or[persons].astype(np.int64)
    R = w.p_R[persons].astype(np.int64)
    F = w.f_F[w.p_foyer[persons]].astype(np.int64)
    end = np.minimum(F, H + 1)
    prec = w.f_rec[w.p_foyer[persons]].astype(np.int64)
    oriented = Or < NO_DATE

    # ---- activities --------------------------------------------------------------------
    # Usual accompaniment (from the first orientation to the renewed one, or the end).
    sa = np.where(oriented, np.maximum(Or, W0 - 1), NO_DATE)
    sb = np.minimum(R, end)
    m0, nw = _weeks(sa, sb)
    cnt = rng.binomial(nw, P.SPARSE_WEEK_SHARE)
    own, _ = expand(cnt)
    sp_p = own
    sp_w = m0[own] + 7 * (rng.random(len(own)) * nw[own]).astype(np.int64)
    sp_t = np.array([TYPES_A.index(k) for k in P.SPARSE_TYPE_WEIGHTS], np.int8)[
        choice(rng, P.SPARSE_TYPE_WEIGHTS, len(own))
    ]
    sp_h = _half_hours(rng, P.SPARSE_HOURS, len(own))
    # Full-time training blocks.
    blk = (nw >= 8) & (rng.random(n) < P.TRAINING_BLOCK_SHARE)
    blen = np.where(blk, np.minimum(uniform_int(rng, P.TRAINING_BLOCK_WEEKS, n), nw), 0)
    bstart = m0 + 7 * (rng.random(n) * (nw - blen + 1)).astype(np.int64)
    own, off = expand(blen)
    bl_p, bl_w = own, bstart[own] + 7 * off
    bl_t = np.full(len(own), TYPES_A.index("formation"), np.int8)
    bl_h = _half_hours(rng, P.TRAINING_BLOCK_HOURS, len(own))

    # Renewed accompaniment: every week from the renewed orientation on.
    r0, rnw = _weeks(R, end)
    pw_p, off = expand(rnw)
    pw_w = r0[pw_p] + 7 * off
    hol = _holiday(pw_w)
    u = rng.random(len(pw_p))
    p_full = np.where(hol, P.HOLIDAY_WEEK_FULL, P.RENEWED_WEEK_FULL)
    p_light = np.where(hol, P.HOLIDAY_WEEK_LIGHT, P.RENEWED_WEEK_LIGHT)
    full = u < p_full
    light = ~full & (u < p_full + p_light)
    hours = np.zeros(len(pw_p))
    long_ = full & (rng.random(len(pw_p)) < P.FULL_HOURS_LONG_SHARE)
    hours[full] = _half_hours(rng, P.FULL_HOURS, int(full.sum()))
    hours[long_] = _half_hours(rng, P.FULL_HOURS_LONG, int(long_.sum()))
    hours[light] = _half_hours(rng, P.LIGHT_HOURS, int(light.sum()))
    k = np.where(full, 2 + rng.binomial(2, 0.5, len(pw_p)), 0)
    k = np.where(light, 1 + (rng.random(len(pw_p)) < 0.4), k)
    mod = w.p_Rmod[persons][pw_p]
    types = combos[mod, k, rng.integers(0, COMBOS, len(pw_p))]  # (npw, 4)
    slot = np.arange(4)[None, :] < k[:, None]
    rw_pw, rw_slot = np.nonzero(slot)  # grouped by person-week, slots in order
    rw_t = types[rw_pw, rw_slot]
    wt = rng.uniform(0.5, 1.5, len(rw_pw))
    starts = np.cumsum(k) - k
    nz = k > 0
    tot = np.zeros(len(k))
    tot[nz] = np.add.reduceat(wt, starts[nz])
    frac = wt / tot[rw_pw]
    h = np.round(hours[rw_pw] * frac * 2) / 2
    last = rw_slot == k[rw_pw] - 1
    s_other = np.zeros(len(k))
    s_other[nz] = np.add.reduceat(np.where(last, 0.0, h), starts[nz])
    h[last] = hours[rw_pw[last]] - s_other[rw_pw[last]]
    h = np.maximum(h, 0.5)
    rw_p, rw_w = pw_p[rw_pw], pw_w[rw_pw]

    a_p = np.concatenate((sp_p, bl_p, rw_p))
    a_w = np.concatenate((sp_w, bl_w, rw_w))
    a_t = np.concatenate((sp_t, bl_t, rw_t)).astype(np.int64)
    a_h = np.concatenate((sp_h, bl_h, h))
    key = (a_p.astype(np.int64) << 24) | ((a_w - KEY_BASE) << 4) | a_t
    _, first = np.unique(key, return_index=True)  # sorted by person, week, type
    a_p, a_w, a_t, a_h = a_p[first], a_w[first], a_t[first], a_h[first]
    a_rec = np.maximum(a_w + 6 + record_lag(rng, len(a_p)), prec[a_p])
    act = {
        "p": persons[a_p].astype(np.int64),
        "date": a_w.astype(np.int32),
        "type": a_t.astype(np.int16),
        "hours": a_h,
        "rec": a_rec.astype(np.int32),
    }

    # ---- contacts ------------------------------------------------------------------------
    in_chunk = np.zeros(w.n_persons, bool)
    in_chunk[persons] = True
    local = np.full(w.n_persons, -1, np.int64)
    local[persons] = np.arange(n)
    o = w.o
    dg = in_chunk[o["p"]] & (o["diag"] != NULL_DATE) & (o["diag"] >= W0)
    dg_p = local[o["p"][dg]]
    dg_d = o["diag"][dg].astype(np.int64)
    keep = dg_d < end[dg_p]
    dg_p, dg_d = dg_p[keep], dg_d[keep]
    # usual: Poisson process from the first orientation
    ca = np.where(oriented, np.maximum(Or, W0), NO_DATE)
    cb = np.minimum(R, end)
    span = np.where(oriented & (cb > ca), cb - ca, 0)
    cnt = rng.poisson(span / P.SPARSE_CONTACT_MEAN_DAYS)
    own, _ = expand(cnt)
    us_p = own
    us_d = _weekday_back(ca[own] + (rng.random(len(own)) * span[own]).astype(np.int64))
    us_d = np.maximum(us_d, ca[own])
    us_t = np.array([TYPES_C.index(k) for k in P.SPARSE_CONTACT_TYPES], np.int8)[
        choice(rng, P.SPARSE_CONTACT_TYPES, len(own))
    ]
    # renewed: weekly contacts
    has = rng.random(len(pw_p)) < P.RENEWED_WEEK_CONTACT
    nwk = has * (1 + (rng.random(len(pw_p)) < P.RENEWED_SECOND_CONTACT))
    own, _ = expand(nwk)
    wk_p = pw_p[own]
    wk_d = pw_w[own] + rng.integers(0, 5, len(own))
    ok = wk_d < end[wk_p]
    wk_p, wk_d = wk_p[ok], wk_d[ok]
    wk_t = np.array([TYPES_C.index(k) for k in P.RENEWED_WEEKLY_TYPES], np.int8)[
        choice(rng, P.RENEWED_WEEKLY_TYPES, len(wk_p))
    ]
    # renewed: a meeting every month
    ren = R < NO_DATE
    mfirst = np.where(ren, R, 0).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    mlast = (
        np.where(ren, np.maximum(end - 1, R), 0)
        .astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype(np.int64)
    )
    nm = np.where(ren & (end > R), mlast - mfirst + 1, 0)
    own, off = expand(nm)
    mi = mfirst[own] + off
    m1 = mi.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    m2 = (mi + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - 1
    lo = np.maximum(m1, R[own] + 1)
    hi = np.minimum(m2, end[own] - 1)
    ok = (lo <= hi) & (rng.random(len(own)) < P.RENEWED_MONTH_RDV)
    md_p = own[ok]
    md_d = lo[ok] + (rng.random(int(ok.sum())) * (hi[ok] - lo[ok] + 1)).astype(np.int64)
    md_d = np.maximum(_weekday_back(md_d), lo[ok])

    c_p = np.concatenate((dg_p, us_p, wk_p, md_p))
    c_d = np.concatenate((dg_d, us_d, wk_d, md_d))
    c_t = np.concatenate(
        (np.full(len(dg_p), RDV, np.int8), us_t, wk_t, np.full(len(md_p), RDV, np.int8))
    ).astype(np.int64)
    # one row per person, day and type (sorted by person, date, type)
    _, first = np.unique((c_p << 24) | ((c_d - KEY_BASE) << 4) | c_t, return_index=True)
    c_p, c_d, c_t = c_p[first], c_d[first], c_t[first]
    gp = persons[c_p].astype(np.int64)
    # referent: the position of the latest orientation row, its holder on the contact date
    okey = o["p"].astype(np.int64) * (1 << 32) + (o["date"].astype(np.int64) - KEY_BASE)
    ckey = gp * (1 << 32) + (c_d - KEY_BASE)
    ri = np.searchsorted(okey, ckey, side="right") - 1
    valid = (ri >= 0) & (o["p"][np.maximum(ri, 0)] == gp)
    position = np.where(valid, o["pos"][np.maximum(ri, 0)], -1)
    ref = holder_at(w, position, c_d)
    ref[rng.random(len(ref)) < P.CONTACT_REFERENT_NULL] = -1
    c_rec = np.maximum(c_d + record_lag(rng, len(c_p)), prec[c_p])
    con = {
        "p": gp,
        "date": c_d.astype(np.int32),
        "type": c_t.astype(np.int16),
        "ref": ref,
        "rec": c_rec.astype(np.int32),
    }
    return {"activites": act, "contacts": con}


# ---------------------------------------------------------------------------------------------
# Row-level mess of event tables
# ---------------------------------------------------------------------------------------------
def _early_spread(rng, cand: np.ndarray, rec: np.ndarray, k: int) -> np.ndarray:
    """Systematic pick along rec, with at least one row known at the first snapshot."""
    pick = systematic_pick(rng, cand, rec[cand], k)
    early = cand[rec[cand] <= FIRST_S]
    if len(pick) and len(early) and not (rec[pick] <= FIRST_S).any():
        pick[0] = rng.choice(early)
    return pick


def event_mess(w: World, t: dict, table: str, rng: np.random.Generator) -> dict:
    """Add the quarantine-rule mess to one event table (arrays of one chunk or the whole).

    - valeur_invalide: INVALID_SHARE of the rows get a code outside its list, hours outside
      (0, 80] or a `semaine` that is not a Monday (rows of regular persons, spread over time);
    - orientation_avant_ouverture (orientations): rows dated before the opening of rights;
    - orphelin: ORPHAN_SHARE of rows copied under unknown ids (on top of the events of the
      quarantined persons);
    - date_future: for every snapshot, FUTURE_SHARE of its rows are rows dated within the
      next FUTURE_WINDOW_DAYS but recorded in advance (planned meetings, activities...);
    - doublon (activites): DOUBLON_SHARE of the valid rows entered a second time (same
      person, week and type, other hours).
    Flags and alternative values are added as arrays; the writer applies them.
    """
    n = len(t["p"])
    p = t["p"]
    rec = t["rec"].astype(np.int64)
    regular = (
        ~w.p_dup[p]
        & (w.p_finerr[p] == NO_DATE)
        & (w.p_wd[p] == NO_DATE)
        & ~w.f_future[w.p_foyer[p]]
        & (w.p_nullcol[p] == 0)
    )
    taken = np.zeros(n, bool)
    if table == "orientations":
        taken |= t.get("rev", np.zeros(n, bool))
        k = max(1, round(P.ORIENTATION_AVANT_OUVERTURE_SHARE * n))
        cand = np.flatnonzero(regular & ~taken)
        av = _early_spread(rng, cand, rec, k)
        taken[av] = True
        opening = w.f_O[w.p_foyer[p[av]]].astype(np.int64)
        t["date"] = t["date"].copy()
        t["date"][av] = opening - rng.integers(1, 91, len(av))
        t["diag"] = t["diag"].copy()
        t["diag"][av] = NULL_DATE
    # valeur_invalide
    k = max(1, round(P.INVALID_SHARE * n))
    cand = np.flatnonzero(regular & ~taken)
    inv = _early_spread(rng, cand, rec, k)
    taken[inv] = True
    ni = len(inv)
    codes = P.INVALID_CODES
    if table == "orientations":
        which = rng.random(ni) < 0.6
        t["mod"] = t["mod"].astype(np.int16)
        t["org"] = t["org"].astype(np.int16)
        t["mod"][inv[which]] = 3 + rng.integers(0, len(codes["modalite"]), int(which.sum()))
        t["org"][inv[~which]] = 4 + rng.integers(
            0, len(codes["organisme_referent"]), int((~which).sum())
        )
    elif table == "activites":
        v = rng.integers(0, 3, ni)
        t["hours"][inv[v == 0]] = rng.choice(P.INVALID_HOURS, int((v == 0).sum()))
        t["date"][inv[v == 1]] += rng.integers(1, 5, int((v == 1).sum())).astype(np.int32)
        t["type"][inv[v == 2]] = len(TYPES_A) + rng.integers(
            0, len(codes["type_activite"]), int((v == 2).sum())
        )
    elif table == "contacts":
        t["type"][inv] = len(TYPES_C) + rng.integers(0, len(codes["type_contact"]), ni)
    elif table == "emplois":
        t["type"] = t["type"].astype(np.int16)
        t["type"][inv] = len(schema.TYPE_CONTRAT) + rng.integers(0, len(codes["type_contrat"]), ni)
    # orphelin: copies under unknown ids (negative p: -1 - index in w.ghost_ids)
    k = max(1, round(P.ORPHAN_SHARE * n))
    cand = np.flatnonzero(~taken)
    gh = _early_spread(rng, cand, rec, k)
    # date_future: rows recorded in advance, for every snapshot
    pre = np.zeros(n, bool)
    prec_p = w.f_rec[w.p_foyer[p]].astype(np.int64)
    date = t["date"].astype(np.int64)
    for s in SNAP_DAYS:
        vis = int((rec <= s).sum())
        k = max(1, round(P.FUTURE_SHARE * vis))
        c = np.flatnonzero(
            (date > s)
            & (date <= s + P.FUTURE_WINDOW_DAYS)
            & (rec > s)
            & (prec_p <= s - 10)
            & ~taken
            & ~pre
            & regular
        )
        if len(c) == 0:
            continue
        c = rng.choice(c, min(k, len(c)), replace=False)
        rec[c] = np.maximum(s - rng.integers(0, 6, len(c)), prec_p[c])
        pre[c] = True
    t["rec"] = rec.astype(np.int32)
    if table == "activites":  # doublon: a valid row entered a second time, other hours
        k = max(1, round(P.DOUBLON_SHARE * n))
        twice = _early_spread(rng, np.flatnonzero(regular & ~taken & ~pre), rec, k)
        copies = {key: arr[twice] for key, arr in t.items()}
        copies["hours"] = rng.integers(1, 9, len(twice)).astype(t["hours"].dtype)
        for key in t:
            t[key] = np.concatenate((t[key], copies[key]))
    if len(gh):
        ghost = -1 - rng.integers(0, len(w.ghost_ids), len(gh))
        for key, arr in list(t.items()):
            t[key] = np.concatenate((arr, ghost if key == "p" else arr[gh]))
    return t


def sort_key(w: World, t: dict) -> np.ndarray:
    """Order of rows by id (persons and ghost ids interleaved) then date."""
    p = t["p"]
    ghost = p < 0
    rank = np.where(
        ghost,
        np.searchsorted(w.sorted_ids, w.ghost_ids[np.where(ghost, -1 - p, 0)]),
        w.p_rank[np.where(ghost, 0, p)],
    )
    return np.lexsort((t["date"], rank))
