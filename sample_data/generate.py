"""Generator of realistic synthetic snapshots in the data-contract layout.

    python -m sample_data.generate --out DIR [--beneficiaires N] [--seed N] [--snapshots all|last]
                                   [--decalage-diplome-pilote S]

writes ``DIR/referentiels/communes.{csv,geojson}`` (copied from this package) and
``DIR/snapshots/snapshot_date=YYYY-MM-DD/*.parquet`` (month-end snapshots from 2023-01-31 to
2024-12-31, or only the last one). Every calibration and treatment-effect parameter is in
``sample_data/parameters.py``; the model is described there.

How it works, in two phases (both vectorised with numpy, deterministic given the seed):

1. ``_population``: households and persons (stock on 2022-01-01 plus entrants), orientations
   (usual practice, renewed accompaniment in the pilot), jobs (with the planted effect),
   exits, referents, and the person-level mess; all in memory.
2. ``_events``: weekly activities and contacts, generated and written by chunks of persons
   (pyarrow ParquetWriter row groups), so the national scale fits in memory.

Each row carries the date it was recorded; a snapshot S holds the rows recorded by S (late
records appear in later snapshots), with the values known at S (end dates recorded late are
null before, corrected orientations show their old value before the correction), minus the
persons withdrawn before S.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from queries import schema
from sample_data import parameters as P
from sample_data._events import chunk_events, combo_table, event_mess, sort_key
from sample_data._population import (
    NULL_DATE,
    SNAP_DAYS,
    World,
    build_world,
    load_communes,
)
from sample_data._util import NO_DATE, ids_to_arrow, to_date, uniform_int

PACKAGE_DIR = Path(__file__).resolve().parent
REFERENTIALS = PACKAGE_DIR / schema.REFERENTIALS_DIR
_ARROW = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
}
TABLE_ORDER = ("beneficiaires", "orientations", "activites", "contacts", "emplois", "referents")


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a contract table (names, order and types of ``schema.TABLES``)."""
    return pa.schema(
        # every field OPTIONAL, as most writers declare them: « non-null » is a validation
        # rule of the contract (valeur_invalide), and the mess plants a few nulls
        [pa.field(c.name, _ARROW[c.type], nullable=True) for c in schema.TABLES[table]]
    )


def _codes(valid: tuple[str, ...], invalid_key: str | None = None) -> pa.Array:
    extra = P.INVALID_CODES[invalid_key] if invalid_key else ()
    return pa.array(list(valid) + list(extra), pa.string())


def _take_codes(dictionary: pa.Array, idx: np.ndarray, null: np.ndarray | None = None):
    return dictionary.take(pa.array(idx.astype(np.int32), mask=null))


def _dates(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=null)


class _Writer:
    """Writes the tables of every snapshot; chunked tables go through ParquetWriter."""

    def __init__(self, out: Path, snap_days: list[int]) -> None:
        self.out = out
        self.snap_days = snap_days
        self.writers: dict[tuple[int, str], pq.ParquetWriter] = {}
        self.rows: dict[tuple[int, str], int] = {}

    def folder(self, s: int) -> Path:
        f = self.out / schema.SNAPSHOT_DIR / f"{schema.SNAPSHOT_PREFIX}{to_date(s).isoformat()}"
        f.mkdir(parents=True, exist_ok=True)
        return f

    def write(self, s: int, table: str, columns: dict[str, pa.Array]) -> None:
        sch = arrow_schema(table)
        tbl = pa.Table.from_arrays([columns[f.name] for f in sch], schema=sch)
        key = (s, table)
        if key not in self.writers:
            path = self.folder(s) / f"{table}.parquet"
            self.writers[key] = pq.ParquetWriter(
                path, sch, compression="zstd", write_statistics=True
            )
            self.rows[key] = 0
        self.writers[key].write_table(tbl, row_group_size=1 << 20)
        self.rows[key] += tbl.num_rows

    def close(self) -> None:
        for wr in self.writers.values():
            wr.close()


# ---------------------------------------------------------------------------------------------
# Tables of one snapshot
# ---------------------------------------------------------------------------------------------
def _visible(w: World, p: np.ndarray, s: int) -> np.ndarray:
    ghost = p < 0
    return ghost | (w.p_wd[np.where(ghost, 0, p)] > s)


def _id_column(w: World, p: np.ndarray) -> pa.Array:
    ghost = p < 0
    vals = np.where(ghost, w.ghost_ids[np.where(ghost, -1 - p, 0)], w.p_id[np.where(ghost, 0, p)])
    return ids_to_arrow(vals.astype(np.uint64), 12)


def _beneficiaires(w: World, s: int) -> dict[str, pa.Array]:
    rec = w.f_rec[w.p_foyer]
    idx = np.flatnonzero((rec <= s) & (w.p_wd > s))
    dup = idx[w.p_dup[idx]]
    rows = np.concatenate((idx, dup))
    is_dup = np.concatenate((np.zeros(len(idx), bool), np.ones(len(dup), bool)))
    order = np.lexsort((is_dup, w.p_rank[rows]))
    rows, is_dup = rows[order], is_dup[order]
    f = w.p_foyer[rows]
    codebad = w.p_codebad[rows]
    bad_val = w.p_codebad_val[rows]

    def described(values, null, col, valid, which):
        idx_ = np.where(codebad == which, len(valid) + bad_val, np.maximum(values, 0))
        nul = null & (codebad != which)
        return _take_codes(_codes(valid, col), idx_, nul)

    sexe = described(w.p_sexe[rows], w.p_sexe_null[rows], "sexe", schema.SEXE, 1)
    sit = described(
        w.f_sit[f], w.f_sit_null[f], "situation_familiale", schema.SITUATION_FAMILIALE, 2
    )
    dipl = described(w.p_dipl[rows], w.p_dipl[rows] < 0, "niveau_diplome", schema.NIVEAU_DIPLOME, 3)
    code = w.f_code[f]
    code = np.where(is_dup, w.p_dup_commune[rows], code)
    communes = pa.array(w.communes.codes + list(P.UNKNOWN_COMMUNE_CODES), pa.string())
    code_idx = np.where(code >= 0, code, len(w.communes.codes) + (-1 - code))
    finerr = w.p_finerr[rows]
    fin = np.where(finerr != NO_DATE, finerr, w.f_F[f])
    fin_known = (finerr != NO_DATE) | (w.f_Frec[f] <= s)
    motif = w.f_motif[f]
    foyers = ids_to_arrow(w.f_id[f], 12)
    return {
        "id_beneficiaire": _id_column(w, rows.astype(np.int64)),
        "id_foyer": pc.if_else(
            pa.array(w.p_nullcol[rows] == 1), pa.scalar(None, pa.string()), foyers
        ),
        "sexe": sexe,
        "annee_naissance": pa.array(w.p_birth[rows], pa.int32(), mask=w.p_age_null[rows]),
        "situation_familiale": sit,
        "niveau_diplome": dipl,
        "code_commune": _take_codes(communes, code_idx, w.p_nullcol[rows] == 2),
        "date_ouverture_droits": _dates(w.f_O[f]),
        "date_fin_droits": _dates(np.where(fin_known, fin, 0), ~fin_known),
        "motif_fin_droits": _take_codes(_codes(schema.MOTIF_FIN_DROITS), motif, ~fin_known),
        "soumis_droits_devoirs": pa.array(w.p_sdd[rows], pa.bool_(), mask=w.p_nullcol[rows] == 3),
    }


def _referent_ids(w: World, ref: np.ndarray) -> pa.Array:
    ids = ids_to_arrow(w.r["id"][np.maximum(ref, 0)], 10)
    return pc.if_else(pa.array(ref < 0), pa.scalar(None, pa.string()), ids)


def _orientations(w: World, t: dict, s: int) -> dict[str, pa.Array]:
    m = (t["rec"] <= s) & _visible(w, t["p"], s)
    idx = np.flatnonzero(m)
    before_rev = t["rev"][idx] & (s < t["rev_date"][idx])
    date = np.where(before_rev, t["old_date"][idx], t["date"][idx])
    mod = np.where(before_rev, t["old_mod"][idx], t["mod"][idx])
    diag = t["diag"][idx]
    contract = t["contract"][idx]
    c_null = (contract == NULL_DATE) | (contract > s)
    return {
        "id_beneficiaire": _id_column(w, t["p"][idx]),
        "date_diagnostic": _dates(np.where(diag == NULL_DATE, 0, diag), diag == NULL_DATE),
        "date_orientation": _dates(date),
        "modalite": _take_codes(_codes(schema.MODALITE, "modalite"), mod),
        "organisme_referent": _take_codes(
            _codes(schema.ORGANISME, "organisme_referent"), t["org"][idx]
        ),
        "id_referent": _referent_ids(w, t["ref"][idx]),
        "date_contrat": _dates(np.where(c_null, 0, contract), c_null),
        "accompagnement_renove": pa.array(t["renewed"][idx], pa.bool_()),
    }


def _emplois(w: World, t: dict, s: int) -> dict[str, pa.Array]:
    idx = np.flatnonzero((t["rec"] <= s) & _visible(w, t["p"], s))
    fin_null = t["fin_rec"][idx] > s
    hours = t["hours"][idx]
    return {
        "id_beneficiaire": _id_column(w, t["p"][idx]),
        "date_debut": _dates(t["date"][idx]),
        "date_fin": _dates(np.where(fin_null, 0, t["fin"][idx]), fin_null),
        "type_contrat": _take_codes(_codes(schema.TYPE_CONTRAT, "type_contrat"), t["type"][idx]),
        "heures_hebdo": pa.array(hours, pa.float64(), mask=np.isnan(hours)),
    }


def _activites(w: World, t: dict, s: int) -> dict[str, pa.Array]:
    idx = np.flatnonzero((t["rec"] <= s) & _visible(w, t["p"], s))
    return {
        "id_beneficiaire": _id_column(w, t["p"][idx]),
        "semaine": _dates(t["date"][idx]),
        "type_activite": _take_codes(_codes(schema.TYPE_ACTIVITE, "type_activite"), t["type"][idx]),
        "heures": pa.array(t["hours"][idx], pa.float64()),
    }


def _contacts(w: World, t: dict, s: int) -> dict[str, pa.Array]:
    idx = np.flatnonzero((t["rec"] <= s) & _visible(w, t["p"], s))
    return {
        "id_beneficiaire": _id_column(w, t["p"][idx]),
        "date_contact": _dates(t["date"][idx]),
        "type_contact": _take_codes(_codes(schema.TYPE_CONTACT, "type_contact"), t["type"][idx]),
        "id_referent": _referent_ids(w, t["ref"][idx]),
    }


def _referents(w: World, s: int) -> dict[str, pa.Array]:
    r = w.r
    idx = np.flatnonzero(r["arr"] <= s)  # NULL_DATE (unknown arrival) compares as early
    etp = r["etp_written"][idx]
    arr = r["arr"][idx]
    dep = r["dep"][idx]
    dep_null = dep > s
    return {
        "id_referent": ids_to_arrow(r["id"][idx], 10),
        "organisme": _take_codes(_codes(schema.ORGANISME, "organisme"), r["org"][idx]),
        "territoire": _take_codes(pa.array(w.communes.territoires, pa.string()), r["terr"][idx]),
        "etp": pa.array(etp, pa.float64()),
        "date_arrivee": _dates(np.where(arr == NULL_DATE, 0, arr), arr == NULL_DATE),
        "date_depart": _dates(np.where(dep_null, 0, dep), dep_null),
    }


# ---------------------------------------------------------------------------------------------
# Orientation and job tables with their mess
# ---------------------------------------------------------------------------------------------
def _orientation_table(w: World, rng: np.random.Generator) -> dict:
    o = w.o
    n = len(o["p"])
    t = {
        "p": o["p"].astype(np.int64),
        "date": o["date"].copy(),
        "diag": o["diag"].copy(),
        "mod": o["mod"].astype(np.int16),
        "org": o["org"].astype(np.int16),
        "contract": o["contract"].copy(),
        "renewed": o["renewed"].copy(),
        "ref": o["ref"].copy(),
        "rec": o["rec"].copy(),
    }
    # Corrections between snapshots: the old value is shown until the revision date (rows
    # recorded from a few months before the first snapshot, revised 15-200 days later).
    rec = t["rec"].astype(np.int64)
    cand = np.flatnonzero((rec >= SNAP_DAYS[0] - 150) & (rec <= SNAP_DAYS[-2]))
    k = max(1, round(P.REVISED_ORIENTATION_SHARE * n))
    rev = rng.choice(cand, min(k, len(cand)), replace=False)
    rev_date = np.full(n, NO_DATE, np.int64)
    rev_date[rev] = np.minimum(rec[rev] + uniform_int(rng, (15, 200), len(rev)), SNAP_DAYS[-1])
    old_date = t["date"].astype(np.int64).copy()
    old_mod = t["mod"].copy()
    shift_date = rng.random(len(rev)) < 0.5
    rd = rev[shift_date]
    opening = w.f_O[w.p_foyer[t["p"][rd]]].astype(np.int64)
    shift = rng.integers(1, 16, len(rd)) * rng.choice([-1, 1], len(rd))
    old_date[rd] = np.clip(old_date[rd] + shift, opening, rec[rd])
    rm = rev[~shift_date]
    old_mod[rm] = (old_mod[rm] + rng.integers(1, 3, len(rm))) % 3
    t["rev_date"] = rev_date
    t["old_date"] = old_date.astype(np.int32)
    t["old_mod"] = old_mod
    t["rev"] = rev_date < NO_DATE
    t = event_mess(w, t, "orientations", rng)
    order = sort_key(w, t)
    return {k: v[order] for k, v in t.items()}


def _job_table(w: World, rng: np.random.Generator) -> dict:
    e = w.e
    t = {k: v.copy() for k, v in e.items()}
    t["p"] = t["p"].astype(np.int64)
    t = event_mess(w, t, "emplois", rng)
    order = sort_key(w, t)
    return {k: v[order] for k, v in t.items()}


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------
def generate(
    out: Path | str,
    beneficiaires: int | None = None,
    seed: int = 20230511,
    snapshots: str = "all",
    pilot_diplome_shift: float | None = None,
) -> dict:
    """Generate the synthetic snapshots into ``out``; return a small summary.

    ``beneficiaires``: rows of ``beneficiaires`` in the last snapshot (default: the
    département-scale value of ``parameters.DEFAULT_BENEFICIAIRES``). ``snapshots``: "all"
    (24 month-ends 2023-01-31 .. 2024-12-31) or "last" (2024-12-31 only). Existing
    ``snapshot_date=*`` folders of ``out/snapshots`` are replaced. ``pilot_diplome_shift``
    (default ``parameters.PILOT_DIPLOME_SHIFT``, 0: off) plants a composition difference: that
    share of the pilot's recorded diplomas become « aucun » (see parameters.py); at 0 the
    output is the same, byte for byte, as without it.
    """
    t0 = time.perf_counter()
    if snapshots not in ("all", "last"):
        raise ValueError(f"snapshots must be 'all' or 'last', got {snapshots!r}")
    n = P.DEFAULT_BENEFICIAIRES if beneficiaires is None else int(beneficiaires)
    if n < 100:
        raise ValueError(f"beneficiaires must be at least 100, got {n}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    shift = P.PILOT_DIPLOME_SHIFT if pilot_diplome_shift is None else float(pilot_diplome_shift)
    if not 0.0 <= shift <= 1.0:
        raise ValueError(f"pilot_diplome_shift must be in [0, 1], got {shift}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _copy_referentials(out)
    snap_root = out / schema.SNAPSHOT_DIR
    if snap_root.is_dir():
        for d in snap_root.iterdir():
            if d.is_dir() and re.fullmatch(r"snapshot_date=\d{4}-\d{2}-\d{2}", d.name):
                shutil.rmtree(d)

    seeds = np.random.SeedSequence(seed)
    s_world, s_tables, s_chunks = seeds.spawn(3)
    communes = load_communes(REFERENTIALS / schema.COMMUNES_CSV)
    # the shift draws from a 4th child stream, spawned only when on (the first three are the
    # same either way)
    shift_rng = np.random.default_rng(seeds.spawn(1)[0]) if shift > 0 else None
    w = build_world(n, communes, np.random.default_rng(s_world), shift, shift_rng)
    rng_t = np.random.default_rng(s_tables)
    orient = _orientation_table(w, rng_t)
    jobs = _job_table(w, rng_t)
    combos = combo_table(rng_t)

    snap_days = [int(s) for s in SNAP_DAYS] if snapshots == "all" else [int(SNAP_DAYS[-1])]
    writer = _Writer(out, snap_days)
    try:
        for s in snap_days:
            writer.write(s, "beneficiaires", _beneficiaires(w, s))
            writer.write(s, "orientations", _orientations(w, orient, s))
            writer.write(s, "emplois", _emplois(w, jobs, s))
            writer.write(s, "referents", _referents(w, s))
        order = np.argsort(w.p_rank)  # persons in id order
        chunk = P.CHUNK_PERSONS
        n_chunks = max(1, -(-len(order) // chunk))
        chunk_seeds = s_chunks.spawn(n_chunks)
        for c in range(n_chunks):
            persons = order[c * chunk : (c + 1) * chunk]
            rng_c = np.random.default_rng(chunk_seeds[c])
            ev = chunk_events(w, persons, rng_c, combos)
            for table, build in (("activites", _activites), ("contacts", _contacts)):
                t = event_mess(w, ev[table], table, rng_c)
                order_t = sort_key(w, t)
                t = {k: v[order_t] for k, v in t.items()}
                for s in snap_days:
                    writer.write(s, table, build(w, t, s))
            del ev
    finally:
        writer.close()

    last = snap_days[-1]
    write_marker(
        out,
        graine=seed,
        beneficiaires_demandes=n,
        snapshots=snapshots,
        snapshots_ecrits=[to_date(s).isoformat() for s in snap_days],
        **({"decalage_diplome_pilote": shift} if shift > 0 else {}),
    )
    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {
        "seconds": round(time.perf_counter() - t0, 2),
        "bytes": total,
        "rows": {t: writer.rows[(last, t)] for t in TABLE_ORDER},
        "snapshots": len(snap_days),
        "last_snapshot": to_date(last).isoformat(),
    }


def write_marker(out: Path, **generated: object) -> Path:
    """The marker of synthetic data at the root of ``out``, saying what was generated (demo
    mode serves only a directory that carries it; the app's « données synthétiques » banner
    comes from it)."""
    marker = {
        "generateur": schema.SYNTHETIC_GENERATOR,
        "description": "Données synthétiques générées (aucune personne réelle).",
        **generated,
        "genere_le": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    path = out / schema.SYNTHETIC_MARKER
    path.write_text(json.dumps(marker, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _copy_referentials(out: Path) -> None:
    dst_dir = out / schema.REFERENTIALS_DIR
    dst_dir.mkdir(parents=True, exist_ok=True)
    for name in (schema.COMMUNES_CSV, schema.COMMUNES_GEOJSON):
        src, dst = REFERENTIALS / name, dst_dir / name
        if dst.exists() and dst.resolve() == src.resolve():
            continue
        shutil.copyfile(src, dst)


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {text} » n'est pas un nombre entier") from None
    if value < 100:
        raise argparse.ArgumentTypeError(f"au moins 100 bénéficiaires (reçu {value})")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {text} » n'est pas un nombre entier") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"la graine doit être positive ou nulle (reçu {value})")
    return value


def _share(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {text} » n'est pas un nombre") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"une part entre 0 et 1 (reçu {text})")
    return value


def _fr_int(x: int) -> str:
    return f"{x:,}".replace(",", "\u202f")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sample_data.generate",
        description="Génère des snapshots synthétiques (contrat de données RSA Aisne).",
    )
    parser.add_argument("--out", required=True, type=Path, help="dossier de sortie")
    parser.add_argument(
        "--beneficiaires",
        type=_positive_int,
        default=None,
        help=f"lignes de beneficiaires du dernier snapshot (défaut {P.DEFAULT_BENEFICIAIRES})",
    )
    parser.add_argument("--seed", type=_seed, default=20230511, help="graine aléatoire")
    parser.add_argument(
        "--snapshots",
        choices=("all", "last"),
        default="all",
        help="tous les snapshots mensuels (all) ou seulement le dernier (last)",
    )
    parser.add_argument(
        "--decalage-diplome-pilote",
        type=_share,
        default=None,
        metavar="PART",
        help=(
            "différence de composition plantée : part des diplômes renseignés du pilote "
            f"remplacés par « aucun » (défaut {P.PILOT_DIPLOME_SHIFT}, désactivée)"
        ),
    )
    args = parser.parse_args(argv)
    summary = generate(
        args.out, args.beneficiaires, args.seed, args.snapshots, args.decalage_diplome_pilote
    )
    size = f"{summary['bytes'] / 1e6:.1f}".replace(".", ",")
    secs = f"{summary['seconds']:.1f}".replace(".", ",")
    print(
        f"Données synthétiques écrites dans {args.out} : {summary['snapshots']} snapshot(s), "
        f"{size} Mo en {secs} s."
    )
    print(f"Dernier snapshot ({dt.date.fromisoformat(summary['last_snapshot']):%d/%m/%Y}) :")
    for table, rows in summary["rows"].items():
        print(f"  {table:<14} {_fr_int(rows):>12} lignes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
