"""Every calibration and treatment-effect parameter of the synthetic sample, in one place.

The generator (``sample_data.generate``) reads nothing else: change a value here and the
sample changes accordingly. Each block says which published figure (or which modelling
choice) it reproduces. Sources (tag in brackets after each value):

- [PRESS] Dossier de presse « Lancement de l'accompagnement rénové des bénéficiaires du RSA
  dans l'Aisne », 13 June 2023 (``shared/seed/``): 15 907 RSA households in Aisne on
  30 April 2023, 3 054 beneficiaries in the Laonnois, launch on 11 May 2023, joint diagnostic
  within 15 days, 3 modalities, 60 % professional orientation, 15-20 h of activities a week,
  one contact a week and one meeting a month, 20 extra professionals, limited caseloads.
- [OARSA] DREES, enquête OARSA 2023, as quoted in ``shared/spec/product.md``: mean orientation
  delay of 79 days for 2023 entrants, 86 % of the stock subject to rights and duties oriented.
- [PILOT] First pilot-wide results quoted in ``shared/spec/product.md``: 42 % in employment
  within 6 months of orientation, 16 % in durable employment.
- [TARGET] Calibration targets of the project (usual practice outside the pilot: mean delay
  80-95 days, 50-60 % of the under-6-months stock oriented, ~40 % professional, 25-30 % in
  employment within 6 months, ~10 % durable; yearly turnover 25-30 %; ~97 % subject to rights
  and duties; caseloads ~30-50 renewed persons per FTE in the pilot, 100+ elsewhere).
- [MODEL] A modelling choice of this generator (orders of magnitude of national RSA
  statistics, no specific published figure), chosen to be plausible.

Every [PRESS] / [OARSA] / [PILOT] / [TARGET] figure is checked on the generated files by
``tests/test_generator.py``.

Dates are ``datetime.date``; durations are days; shares are fractions.
"""

from __future__ import annotations

import datetime as dt

# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------
PILOT = "Laonnois"  # [PRESS] pilot territoire (name as in communes.csv)
LAUNCH = dt.date(2023, 5, 11)  # [PRESS] launch date L
OBSERVATION_START = dt.date(2022, 1, 1)  # [MODEL] events are observed from this date
RSA_START = dt.date(2009, 6, 1)  # RSA replaced the RMI on 1 June 2009: oldest opening date
# Stock spells that would be older than the RSA: RMI_CONVERSION_SHARE of them open exactly on
# RSA_START (RMI conversions), the others uniformly until RMI_SPREAD_END [MODEL].
RMI_CONVERSION_SHARE = 0.4
RMI_SPREAD_END = dt.date(2013, 12, 31)
FIRST_SNAPSHOT = dt.date(2023, 1, 31)  # month-end snapshots from ...
LAST_SNAPSHOT = dt.date(2024, 12, 31)  # ... to (the end of the experiment)
# Events are simulated up to LAST_SNAPSHOT + HORIZON_DAYS, so that the last snapshot can hold
# rows recorded in advance (planned meetings and activities: the `date_future` rule).
HORIZON_DAYS = 60
REFERENCE_DATE = dt.date(2023, 4, 30)  # [PRESS] date of the household counts

# --------------------------------------------------------------------------------------------
# Size and stock (calibration of the household counts of the press file)
# --------------------------------------------------------------------------------------------
# Number of beneficiaires rows of the last snapshot at département scale. Calibrated (see
# tests/test_generator.py) so that the valid households with open rights on 2023-04-30 are
# TARGET_FOYERS_AISNE (all of Aisne) and TARGET_FOYERS_PILOT (Laonnois). Any other size scales
# every count proportionally.
DEFAULT_BENEFICIAIRES = 34_130
TARGET_FOYERS_AISNE = 15_907  # [PRESS] « 15 907 foyers bénéficiaires du RSA » on 30/04/2023
TARGET_FOYERS_PILOT = 3_054  # [PRESS] « 3 054 bénéficiaires du RSA » in the Laonnois

# Households: share of couples (two beneficiaires rows sharing id_foyer): about 20 %
# of RSA households are couples (14 % with children, 6 % without), 30 % single parents,
# 50 % single without child [MODEL].
COUPLE_SHARE = 0.20
COUPLE_WITH_CHILDREN = 0.70  # among couples
SINGLE_WITH_CHILDREN = 0.375  # among single-adult households
# Sex: single parents are mostly women, single adults without child mostly men. [MODEL]
SINGLE_PARENT_FEMALE = 0.88
SINGLE_NO_CHILD_FEMALE = 0.42
# Age in 2023 (bands [low, high] inclusive, weights). Mostly 25-64; under-25s only as
# parents (the RSA is not open to childless under-25s). [MODEL]
AGE_BANDS = (
    (18, 24, 0.06),
    (25, 29, 0.16),
    (30, 39, 0.28),
    (40, 49, 0.22),
    (50, 59, 0.19),
    (60, 64, 0.07),
    (65, 66, 0.02),
)
# Diploma (the only person covariate of the employment model; drawn independently of
# time, and of territory unless PILOT_DIPLOME_SHIFT is on, so the planted
# difference-in-differences is exact). [MODEL]
DIPLOME_SHARES = {"aucun": 0.33, "cap_bep": 0.36, "bac": 0.20, "superieur": 0.11}
DIPLOME_NULL = 0.06  # diploma not recorded
# Planted COMPOSITION difference (off by default: 0.0). A share PILOT_DIPLOME_SHIFT of the pilot's
# persons with a recorded diploma get PILOT_DIPLOME_SHIFT_TO instead (drawn from a random
# stream of their own, so every other draw is unchanged), whatever their dates: the pilot's
# diploma distribution becomes (1 - s) * DIPLOME_SHARES + s * [aucun]. Through the employment
# model below this lowers the pilot's expected 6-month rate by about
# s * (1 - DIPLOME_NULL) * (sum_x DIPLOME_SHARES[x] * JOB6_DIPLOME[x] - JOB6_DIPLOME["aucun"])
# = 0.0565 s (0.0278 s for the durable rate), in both DiD windows alike: the planted DiD
# (PLANTED_DID) is unchanged, the raw pilot-vs-rest gaps are not. It exists to test the
# comparisons adjusted for composition (metrics.adjust); `generate(pilot_diplome_shift=...)`,
# CLI `--decalage-diplome-pilote`. [MODEL]
PILOT_DIPLOME_SHIFT = 0.0
PILOT_DIPLOME_SHIFT_TO = "aucun"
SEXE_NULL = 0.004
ANNEE_NAISSANCE_NULL = 0.003
SITUATION_NULL = 0.01
# Subject to rights and duties (soumis aux droits et devoirs): about 97 % [TARGET].
SOUMIS_DROITS_DEVOIRS = 0.97

# Spell durations (natural exits, before job-induced exits): a mixture of short spells and a
# long-tenure core, both exponential. With the job-induced exits below, the yearly turnover of
# the stock is about 28 % [TARGET: 25-30 %].
SHORT_SPELL_SHARE = 0.42  # among entrants
SHORT_SPELL_MEAN_DAYS = 240
LONG_SPELL_MEAN_DAYS = 3_800
MIN_SPELL_DAYS = 31  # a right lasts at least one month
# Entries: new households per day, per household of the stock on OBSERVATION_START.
# Chosen so that the stock stays roughly stationary over 2022-2024 [MODEL].
ENTRY_RATE_PER_STOCK_DAY = 0.00080
# Reasons of the natural exits (motif_fin_droits); job-induced exits are `reprise_emploi`.
MOTIF_NATURAL = {
    "reprise_emploi": 0.18,
    "hausse_ressources": 0.32,
    "demenagement": 0.13,
    "radiation": 0.15,
    "autre": 0.22,
}

# --------------------------------------------------------------------------------------------
# Geography: households spread over the 797 communes in proportion to population, with higher
# rates in towns (Saint-Quentin, Laon, Soissons, Chauny, Tergnier, Château-Thierry, Hirson,
# Villers-Cotterêts...) [MODEL]. Multipliers of the population by population band:
# --------------------------------------------------------------------------------------------
RATE_BY_POPULATION = ((20_000, 2.6), (8_000, 2.2), (4_000, 1.6), (2_000, 1.25), (0, 0.8))
# A territory-level factor then makes the Laonnois share of households equal to
# TARGET_FOYERS_PILOT / TARGET_FOYERS_AISNE (the other territoires keep their relative weights),
# times PILOT_SHARE_ADJUST, calibrated for the pilot's slightly higher pre-launch job exits.
PILOT_SHARE_ADJUST = 1.0025

# --------------------------------------------------------------------------------------------
# Recording lags (days between an event and its record in the information system)
# --------------------------------------------------------------------------------------------
LAG_ON_TIME = (0, 10)  # most records: 0-10 days after the event
LAG_LATE_SHARE = 0.05  # ~5 % recorded 1-3 months late
LAG_LATE = (30, 92)
# End of rights: most ends are known within 15 days, some filled in months later, a few are
# recorded in advance (date_fin_droits after the snapshot: read as still open).
END_LAG_ON_TIME = (0, 15)
END_LAG_LATE_SHARE = 0.12
END_LAG_LATE = (30, 120)
END_IN_ADVANCE_SHARE = 0.03
END_IN_ADVANCE = (1, 20)

# --------------------------------------------------------------------------------------------
# Orientation as usual: outside the pilot throughout, and in the pilot before the launch
# [OARSA, TARGET]: naive mean delay ~80-95 days for oriented entrants, a little over half of
# the under-6-months stock oriented, a few never oriented, ~40 % professional.
# --------------------------------------------------------------------------------------------
NEVER_ORIENTED = 0.02
# Delay opening -> orientation: a mixture of two lognormals (quick / slow) [MODEL, fitted to
# the two OARSA figures above, which a single lognormal cannot reproduce together].
DELAY_QUICK_SHARE = 0.73
DELAY_QUICK_MEDIAN_DAYS = 28.0
DELAY_QUICK_SIGMA = 0.4
DELAY_SLOW_MEDIAN_DAYS = 420.0
DELAY_SLOW_SIGMA = 0.2
DIAGNOSTIC_NULL = 0.45  # no diagnostic date recorded (entrants since 2022)
DIAGNOSTIC_NULL_OLD = 0.65  # for orientations before OBSERVATION_START
DIAGNOSTIC_POSITION = (0.35, 1.0)  # diagnostic at O + u * (Or - O), u uniform in this range
CONTRACT_NULL = 0.30  # no CER / PPAE signed
CONTRACT_MEAN_DAYS = 35.0  # exponential delay orientation -> contract
REORIENTATION_SHARE = 0.12  # a second (usual) orientation row, 120-900 days later
REORIENTATION_DAYS = (120, 900)
REFERENT_NULL = 0.04  # id_referent not recorded
REFERENT_HISTORY_START = dt.date(2021, 1, 1)  # referents of older orientations are unknown

# Modalities: probability of `professionnel` by diploma (mean ~40 % as usual), the rest split
# socio_professionnel / social. [TARGET]
PRO_BY_DIPLOME = {"aucun": 0.28, "cap_bep": 0.40, "bac": 0.50, "superieur": 0.58, None: 0.40}
SOCIO_PRO_SHARE_OF_REST = 0.55
# Organisme by modality (young people under 26 go to the mission locale for the
# professional and socio-professional modalities).
ORGANISME_BY_MODALITE = {
    "professionnel": {"france_travail": 0.72, "departement": 0.22, "autre": 0.06},
    "socio_professionnel": {"departement": 0.58, "france_travail": 0.38, "autre": 0.04},
    "social": {"departement": 0.90, "autre": 0.10},
}
MISSION_LOCALE_UNDER_26 = 0.60

# --------------------------------------------------------------------------------------------
# The renewed accompaniment (pilot, from LAUNCH): planted large effects on the first steps.
# --------------------------------------------------------------------------------------------
# Joint diagnostic: within 15 days of opening for RENEWED_DIAGNOSTIC_15J of new entrants
# [PRESS target: all within 15 days], otherwise 16 days + exponential(RENEWED_DIAG_LATE_MEAN).
RENEWED_DIAGNOSTIC_15J = 0.90
RENEWED_DIAG_LATE_MEAN = 15.0
# Orientation decision after the diagnostic: uniform in RENEWED_ORIENT_GAP for most, longer for
# RENEWED_ORIENT_GAP_LONG_SHARE. Median delay opening -> orientation about 23 days.
RENEWED_ORIENT_GAP = (4, 22)
RENEWED_ORIENT_GAP_LONG_SHARE = 0.12
RENEWED_ORIENT_GAP_LONG = (27, 90)
RENEWED_NEVER_ORIENTED = 0.02
RENEWED_CONTRACT_NULL = 0.05
RENEWED_CONTRACT_DAYS = (0, 14)
RENEWED_REFERENT_NULL = 0.01
# Planted effects on the first steps for pilot entrants after the launch (expected values of
# the DiD of the indicators; approximate, because exits before orientation and the backlog of
# entrants just before the launch move them by a few points):
EXPECTED_DID_DIAGNOSTIC_15J = 0.70  # part_diagnostic_15j: ~0.85 pilot-post vs ~0.15
EXPECTED_DID_ORIENTES_30J = 0.28  # part_orientes_30j: ~0.69 pilot-post vs ~0.41
# Modalities of renewed orientations: 60 % professional [PRESS], +0.20 on every diploma.
RENEWED_PRO_UPLIFT = 0.20
RENEWED_SOCIO_PRO_SHARE_OF_REST = 0.625  # 25 % socio-pro / 15 % social overall
# The stock present at the launch is brought in progressively: an extra renewed orientation
# row at LAUNCH + exponential(STOCK_RENEWAL_MEAN_DAYS) for those already oriented; those not
# yet oriented (backlog) at LAUNCH + exponential(BACKLOG_MEAN_DAYS). About 76 % of the pilot
# stock present on 2024-05-31 has a renewed orientation [MODEL, consistent with the PRESS
# ambition of 100 % by the end of 2024].
STOCK_RENEWAL_MEAN_DAYS = 275.0
BACKLOG_MEAN_DAYS = 45.0

# --------------------------------------------------------------------------------------------
# Intensity: activities and contacts
# --------------------------------------------------------------------------------------------
# Renewed accompaniment [PRESS: 15 to 20 h a week]: each week after the renewed orientation is
# "full" (15-20 h, sometimes up to 24 h, over 2-4 activity types), "light" (3-12 h, 1-2 types)
# or empty. Holiday weeks (August, Christmas) are lighter.
RENEWED_WEEK_FULL = 0.80
RENEWED_WEEK_LIGHT = 0.13  # the rest is empty
HOLIDAY_WEEK_FULL = 0.35
HOLIDAY_WEEK_LIGHT = 0.35
FULL_HOURS = (15.0, 20.0)
FULL_HOURS_LONG_SHARE = 0.10
FULL_HOURS_LONG = (20.5, 24.0)
LIGHT_HOURS = (3.0, 12.0)
# Activity types of renewed weeks [PRESS list], weights by modality.
RENEWED_TYPE_WEIGHTS = {
    "professionnel": {
        "formation": 3,
        "savoirs_de_base": 1,
        "atelier_cv": 3,
        "rencontre_employeur": 3,
        "confiance_en_soi": 1.5,
        "immersion": 2.5,
        "freins_peripheriques": 1,
        "emploi": 0.5,
        "autre": 0.5,
    },
    "socio_professionnel": {
        "formation": 2,
        "savoirs_de_base": 2,
        "atelier_cv": 2,
        "rencontre_employeur": 1.5,
        "confiance_en_soi": 2.5,
        "immersion": 1.5,
        "freins_peripheriques": 2.5,
        "emploi": 0.3,
        "autre": 0.7,
    },
    "social": {
        "formation": 1,
        "savoirs_de_base": 3,
        "atelier_cv": 1,
        "rencontre_employeur": 0.5,
        "confiance_en_soi": 3,
        "immersion": 0.5,
        "freins_peripheriques": 4,
        "emploi": 0.2,
        "autre": 1,
    },
}
# Usual accompaniment: sparse weeks of a few hours, and a few full-time training blocks.
SPARSE_WEEK_SHARE = 0.07
SPARSE_HOURS = (2.0, 7.0)
SPARSE_TYPE_WEIGHTS = {
    "formation": 2,
    "savoirs_de_base": 1,
    "atelier_cv": 2,
    "rencontre_employeur": 0.5,
    "confiance_en_soi": 1,
    "immersion": 0.5,
    "freins_peripheriques": 2,
    "emploi": 0.3,
    "autre": 3,
}
TRAINING_BLOCK_SHARE = 0.05  # per oriented person
TRAINING_BLOCK_WEEKS = (6, 16)
TRAINING_BLOCK_HOURS = (20.0, 30.0)

# Contacts. Renewed [PRESS: at least one contact a week, one meeting a month]: a contact in a
# week with RENEWED_WEEK_CONTACT (a second one with RENEWED_SECOND_CONTACT), a rendez_vous in
# a month with RENEWED_MONTH_RDV.
RENEWED_WEEK_CONTACT = 0.86
RENEWED_SECOND_CONTACT = 0.25
RENEWED_WEEKLY_TYPES = {
    "telephone": 0.45,
    "message": 0.25,
    "visio": 0.10,
    "atelier_collectif": 0.20,
}
RENEWED_MONTH_RDV = 0.92
# Usual: a Poisson process of one contact every SPARSE_CONTACT_MEAN_DAYS, 55 % rendez_vous
# (one every ~75 days) [TARGET: a contact every 1-2 months, a meeting every 2-3 months].
SPARSE_CONTACT_MEAN_DAYS = 42.0
SPARSE_CONTACT_TYPES = {
    "rendez_vous": 0.55,
    "telephone": 0.25,
    "message": 0.12,
    "visio": 0.05,
    "atelier_collectif": 0.03,
}
CONTACT_REFERENT_NULL = 0.05

# --------------------------------------------------------------------------------------------
# Employment and the PLANTED treatment effect
# --------------------------------------------------------------------------------------------
# For a person whose first orientation is Or, in territory group g (pilot or rest), with
# diploma x:
#   P(job start in [Or, Or + 183])     = JOB6_BASE + JOB6_DIPLOME[x] + JOB6_TREND * 1[Or >= L]
#                                       + JOB6_PILOT_LEVEL * 1[pilot]
#                                       + PLANTED_DID["taux_emploi_6m"] * 1[pilot and Or >= L]
#   P(durable job start in that window) = same with the DURABLE6_* constants and
#                                         PLANTED_DID["taux_emploi_durable_6m"].
# The probability depends on nothing else (not on the spell, exits or later events), the
# diploma is drawn independently of territory and time, and the common trend is a step at L
# (constant within each DiD window), so the expected difference-in-differences of the
# indicators (pre window [L-365, L-1], post window [L, L+364]) equals PLANTED_DID exactly.
PLANTED_DID = {"taux_emploi_6m": 0.12, "taux_emploi_durable_6m": 0.05}
JOB6_BASE = 0.255  # rest of the département before L [TARGET: 25-30 % within 6 months]
JOB6_TREND = 0.015  # common labour-market trend after L
JOB6_PILOT_LEVEL = 0.03  # « dynamisme économique » of the Laon employment area [PRESS]
JOB6_DIPLOME = {"aucun": -0.06, "cap_bep": 0.0, "bac": 0.05, "superieur": 0.09, None: 0.0}
DURABLE6_BASE = 0.095  # ~10 % durable within 6 months outside the pilot [TARGET]
DURABLE6_TREND = 0.005
DURABLE6_PILOT_LEVEL = 0.01
DURABLE6_DIPLOME = {"aucun": -0.03, "cap_bep": 0.0, "bac": 0.02, "superieur": 0.05, None: 0.0}
# => pilot post: 0.255 + 0.015 + 0.03 + 0.12 = 0.42 [PILOT: 42 %]; durable 0.16 [PILOT: 16 %].
# Job start in the window: Or + floor(184 * Beta(a, b)) (earlier rather than later).
JOB6_TIMING_BETA = (1.3, 2.0)
SECOND_JOB_SHARE = 0.15  # a second, short job 30-200 days after the first
SECOND_JOB_DAYS = (30, 200)
# After Or + 183: job starts as a Poisson process while in the RSA (per day).
LATE_JOB_RATE = 0.018 / 30.4
LATE_JOB_RATE_RENEWED = 0.032 / 30.4
LATE_JOB_DURABLE_SHARE = 0.35
# Contract types [MODEL].
DURABLE_TYPES = {"cdi": 0.45, "cdd_6_mois_plus": 0.45, "creation_entreprise": 0.10}
OTHER_TYPES = {
    "cdd_moins_6_mois": 0.35,
    "interim": 0.30,
    "iae": 0.15,
    "contrat_aide": 0.10,
    "alternance": 0.10,
}
# Contract length (date_fin - date_debut) in days; None: open-ended (date_fin null).
CONTRACT_LENGTH = {
    "cdi": None,
    "creation_entreprise": None,
    "cdd_6_mois_plus": (183, 540),
    "cdd_moins_6_mois": (7, 180),
    "interim": (5, 90),
    "iae": (120, 720),
    "contrat_aide": (180, 365),
    "alternance": (365, 730),
}
CDI_END_SHARE = 0.12  # a CDI that ends (resignation, trial period) 20-400 days later
WEEKLY_HOURS = {
    "cdi": (24, 35),
    "cdd_6_mois_plus": (20, 35),
    "creation_entreprise": (20, 45),
    "cdd_moins_6_mois": (15, 35),
    "interim": (28, 35),
    "iae": (20, 26),
    "contrat_aide": (20, 26),
    "alternance": (35, 35),
}
WEEKLY_HOURS_NULL = 0.05
END_DATE_LAG_LATE_SHARE = 0.20  # end of contract recorded 1-4 months late
END_DATE_LAG_LATE = (30, 120)
# Exits to employment: a job start ends the household's right (motif reprise_emploi) with this
# probability, 20-100 days after the start.
EXIT_AFTER_DURABLE = 0.55
EXIT_AFTER_OTHER = 0.22
EXIT_AFTER_DAYS = (20, 100)

# --------------------------------------------------------------------------------------------
# Referents (accompanying professionals)
# --------------------------------------------------------------------------------------------
# Staff sized on the oriented stock of REFERENCE_DATE: persons per FTE. Outside the pilot the
# usual caseload is > 100 [TARGET]. The Laonnois base staff is sized so that, with the 20
# extra professionals, about 40 renewed persons per FTE remain one year after the launch
# [PRESS: « un nombre de suivis limité par professionnel »; TARGET: 30-50]. Many referents are
# part-time on the RSA (ETP_VALUES) [MODEL].
CASELOAD_USUAL = 130.0
CASELOAD_PILOT_BASE = 65.0
EXTRA_PROFESSIONALS = 20  # [PRESS] « 20 postes supplémentaires »
EXTRA_ORGANISMES = {"departement": 9, "france_travail": 9, "mission_locale": 2}  # [PRESS]
EXTRA_ARRIVAL = (dt.date(2023, 5, 15), dt.date(2023, 12, 15))
ETP_VALUES = {1.0: 0.40, 0.8: 0.22, 0.5: 0.28, 0.3: 0.10}
ARRIVAL_RANGE = (dt.date(2006, 1, 1), dt.date(2021, 12, 31))
ARRIVAL_NULL = 0.10
REFERENT_TURNOVER_PER_YEAR = 0.10  # departures over 2022-2024, replaced 0-75 days later
EXTRA_TURNOVER_PER_YEAR = 0.03
REPLACEMENT_GAP_DAYS = (0, 75)

# --------------------------------------------------------------------------------------------
# Realistic mess (shares of rows; every rule of the contract stays <= 0.5 % of its table)
# --------------------------------------------------------------------------------------------
DUPLICATE_SHARE = 0.0012  # persons with a second row (both rows quarantined)
FIN_AVANT_OUVERTURE_SHARE = 0.0008  # date_fin_droits typed before date_ouverture_droits
FUTURE_SHARE = 0.0010  # rows recorded before their date (date_future), per snapshot
FUTURE_WINDOW_DAYS = 60  # how far ahead such rows are dated
WITHDRAWN_SHARE = 0.0010  # persons deleted in a later snapshot (with their events)
ORPHAN_SHARE = 0.0006  # event rows whose id_beneficiaire is unknown
ORIENTATION_AVANT_OUVERTURE_SHARE = 0.0020
INVALID_SHARE = 0.0020  # valeur_invalide rows of every event table
# One referent row with an etp outside (0, 1] only when the table has this many rows from the
# first snapshot on (so that one row is <= 0.5 %): true at the default size, not for small N.
REFERENT_INVALID_MIN_ROWS = 200
NULL_REQUIRED_SHARE = 0.0006  # persons with a null id_foyer, code_commune or rights flag
BIRTH_YEAR_IMPLAUSIBLE_SHARE = 0.0005  # birth years read as null (code_inconnu)
IMPLAUSIBLE_BIRTH_YEARS = (1890, 2015)  # older than 100 or younger than 16 in 2023-2024
DOUBLON_SHARE = 0.0010  # activites rows entered twice (same person, week and type)
UNKNOWN_COMMUNE_SHARE = 0.003  # code_commune outside communes.csv (kept, « Non renseigné »)
CODE_INCONNU_SHARE = 0.002  # descriptive code outside its list (read as null)
REVISED_ORIENTATION_SHARE = 0.005  # orientation date or modality corrected later
UNKNOWN_COMMUNE_CODES = ("02999", "02000", "59350", "60057", "51454", "99999")
INVALID_CODES = {
    "modalite": ("PROFESSIONNEL", "Social", "pro", "socio-professionnel"),
    "organisme_referent": ("pole_emploi", "CD02", "France Travail"),
    "type_activite": ("Formation", "atelier cv", "stage", "ATELIER_CV"),
    "type_contact": ("RDV", "Rendez-vous", "courrier", "SMS"),
    "type_contrat": ("CDI", "cdd", "stage", "CDD+6"),
    "organisme": ("pole_emploi", "CD02"),
    "sexe": ("F", "H", "2"),
    "situation_familiale": ("celibataire", "marie", "isole"),
    "niveau_diplome": ("bac_plus_2", "CAP", "brevet"),
}
INVALID_HOURS = (0.0, 85.0, 150.0, 99.5)
INVALID_ETP = (0.0, 1.5)

# --------------------------------------------------------------------------------------------
# Performance
# --------------------------------------------------------------------------------------------
# Activities and contacts are generated and written by chunks of persons (row groups):
# ~2.3 GB peak memory at the national scale (2.1 million beneficiaries).
CHUNK_PERSONS = 150_000
