"""Who may see what (product.md, « Access and privacy »).

- Roles ``direction``, ``prefecture``, ``evaluateur`` from ``[acces.roles]`` of the
  configuration: an entry is an address, or a whole domain when it starts with ``@``.
- ``oidc`` mode: Streamlit's ``st.login`` / ``st.user`` with the provider of
  ``.streamlit/secrets.toml``; nobody sees anything but the login page until logged in, and a
  logged-in address that maps to no role sees a refusal.
- ``demo`` mode: no login, a role selector (starting on the least privileged role) and a
  banner, and only on a data directory that carries the generator's marker of synthetic data
  (any other directory gets a refusal page and nothing else).
- A login whose provider says ``email_verified: false`` gets no role.
- Pages are registered in the navigation only for the roles allowed to see them, and every page
  checks the role again on the server before drawing anything (a typed URL changes nothing).
- Aggregates are suppressed below the threshold for ``direction`` and ``prefecture``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import polars as pl
import streamlit as st

from config import ROLES, Config, normalise_address
from dashboard import fmt
from metrics import perturbation
from metrics.disclosure import Protection, Relation, group_relations
from metrics.disclosure import suppress as _suppress
from queries import schema

log = logging.getLogger(__name__)

ROLE_LABELS = {
    "direction": "Direction (Département)",
    "prefecture": "Préfecture (services de l'État)",
    "evaluateur": "Évaluateur",
}
RAW_ROLES = frozenset({"evaluateur"})  # roles that see raw figures and row-level exports
ROLE_KEY = "_rsa_role"
DEMO_ROLE_KEY = "demo_role"
DEMO_DEFAULT = ROLES[0]  # the demo starts on the least privileged role (direction)


def role_for(email: str | None, cfg: Config) -> str | None:
    """The role of an address: its normalised form (:func:`config.normalise_address`) must
    equal an entry, or its domain (after the only « @ ») equal a domain entry (``@…``, no
    sub-domains). An exact address wins over a domain entry; between roles matching
    equally, the least privileged (direction, prefecture, evaluateur in that order). None
    when nothing matches or the address is malformed."""
    address = normalise_address(email)
    if address is None:
        return None
    domain = "@" + address.split("@", 1)[1]
    for wanted in (address, domain):
        for role in ROLES:
            if wanted in cfg.roles.get(role, ()):
                return role
    return None


def email_verified(claims: Mapping[str, Any]) -> bool:
    """False when the provider says the address is not verified (``email_verified`` false,
    as a boolean or as text); providers that do not send the claim are trusted on
    ``email`` alone (README, « Production »)."""
    value = claims.get("email_verified", True)
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "")
    return bool(value)


def current_role() -> str | None:
    """The role resolved by app.py for this run (None: nothing may be shown)."""
    return st.session_state.get(ROLE_KEY)


def sees_raw(role: str | None) -> bool:
    return role in RAW_ROLES


def refuse_demo() -> None:
    """The only page demo mode draws on a data directory without the generator's marker."""
    st.title("Mode démonstration refusé")
    st.error(
        "Le mode démonstration (sans authentification, rôle choisi librement) ne sert que les "
        "données synthétiques produites par le générateur de l'application. Le répertoire de "
        "données configuré ne porte pas leur marqueur (« donnees_synthetiques.json ») : il "
        "peut contenir des données réelles, qui ne sont donc pas affichées.",
        icon=":material/lock:",
    )
    st.markdown(
        "**Pour consulter des données réelles**, l'accès doit être authentifié :\n\n"
        "1. déclarer le fournisseur OpenID Connect (ProConnect, Keycloak, Azure AD…) dans "
        "`.streamlit/secrets.toml` (modèle : `.streamlit/secrets.toml.example`) ;\n"
        '2. passer `mode = "oidc"` dans la section `[acces]` de `config/evaluation.toml` ;\n'
        "3. associer les adresses ou domaines autorisés aux rôles dans `[acces.roles]`.\n\n"
        "**Pour une démonstration**, générer les données synthétiques (`make sample`) et "
        "pointer le répertoire de données vers elles."
    )


def resolve(cfg: Config, synthetic: bool) -> str | None:
    """Run by app.py first: authenticate (oidc) or pick the demo role; returns the role, or
    None after drawing the login page or a refusal (the caller then stops). ``synthetic``:
    the data directory carries the generator's marker (demo mode refuses any other)."""
    st.session_state.pop(ROLE_KEY, None)
    if cfg.access_mode == "demo":
        if not synthetic:
            log.error(
                "demo mode refused: data directory %s carries no synthetic-data marker (%s)",
                cfg.data_dir,
                schema.SYNTHETIC_MARKER,
            )
            refuse_demo()
            return None
        if st.session_state.get(DEMO_ROLE_KEY) not in ROLES:
            st.session_state[DEMO_ROLE_KEY] = DEMO_DEFAULT
        role = st.sidebar.selectbox(
            "Rôle (démonstration)",
            ROLES,
            key=DEMO_ROLE_KEY,
            format_func=ROLE_LABELS.get,
            help="Mode démonstration : pas d'authentification, le rôle se choisit ici pour "
            "voir ce que chaque utilisateur verrait.",
        )
        st.sidebar.warning(
            "Mode **démonstration** : sans authentification, rôle choisi librement, sur les "
            "données synthétiques seulement.",
            icon=":material/lock_open:",
        )
    else:
        user = st.user
        if not user.is_logged_in:
            st.title("Tableau de bord d'évaluation — RSA rénové dans l'Aisne")
            st.info("Connectez-vous pour accéder au tableau de bord.")
            st.button(
                "Se connecter",
                on_click=st.login,
                args=(cfg.access_provider,) if cfg.access_provider else (),
                type="primary",
            )
            return None
        claims = user.to_dict()
        email = claims.get("email")
        shown = fmt.plain(email) if email else "(inconnue)"
        if not email_verified(claims):
            log.warning("access refused: provider says %r is not verified", email)
            st.title("Accès refusé")
            st.error(
                f"Le fournisseur d'identité indique que l'adresse {shown} n'est pas vérifiée : "
                "aucun accès ne peut lui être accordé. Faites vérifier l'adresse auprès du "
                "fournisseur, puis reconnectez-vous."
            )
            st.button("Se déconnecter", on_click=st.logout)
            return None
        role = role_for(email if isinstance(email, str) else None, cfg)
        if role is None:
            log.warning("access refused: %r maps to no role", email)
            st.title("Accès refusé")
            st.error(
                f"L'adresse {shown} n'a accès à aucun rôle de ce tableau de bord. Demandez "
                "l'ouverture d'un accès à la direction de l'insertion."
            )
            st.button("Se déconnecter", on_click=st.logout)
            return None
        st.sidebar.caption(f"Connecté : {shown} — {ROLE_LABELS[role]}")
        st.sidebar.button("Se déconnecter", on_click=st.logout)
    st.session_state[ROLE_KEY] = role
    return role


def role_text() -> str:
    """Who is looking, in French, for the top of every page."""
    role = current_role()
    label = ROLE_LABELS.get(role or "", "aucun rôle")
    from dashboard import data

    suffix = " (démonstration)" if data.config().access_mode == "demo" else ""
    return f"Rôle : **{label}**{suffix}"


def user_label() -> str:
    """Who is using the app, for the audit log: the logged-in address, or the demo role."""
    from dashboard import data

    if data.config().access_mode == "oidc" and st.user.is_logged_in:
        return str(st.user.get("email") or "inconnu")
    return f"démonstration ({current_role()})"


def allowed(page_roles: tuple[str, ...], role: str | None) -> bool:
    return role is not None and role in page_roles


def require(page_file: str) -> str:
    """Server-side check at the top of every page: stop unless the role may see it."""
    from dashboard.pages import BY_FILE

    role = current_role()
    spec = BY_FILE.get(page_file)
    if spec is None or not allowed(spec.roles, role):
        log.warning("page %s refused to role %s", page_file, role)
        st.error("Cette page n'est pas accessible avec votre rôle.")
        st.stop()
    return role  # type: ignore[return-value]


@lru_cache(maxsize=8)
def _relations(territoire_of: tuple[tuple[str, str], ...], pilot: str) -> list[Relation]:
    return group_relations(dict(territoire_of), pilot, schema.RESTE, schema.ENSEMBLE)


def relations() -> list[Relation]:
    """Additive relations between the comparison groups of the current snapshot."""
    from dashboard import data, state

    view = state.current()
    if view is None:
        return []
    communes = data.snapshot(view.data_dir, view.date).communes
    pairs = communes.select("nom_epci", "territoire").unique()
    mapping = {t: t for t in communes["territoire"].unique().to_list()}
    mapping.update(dict(zip(pairs["nom_epci"], pairs["territoire"], strict=True)))
    return _relations(tuple(sorted(mapping.items())), data.config().pilot)


def suppress(frame: pl.DataFrame, spec: Protection) -> pl.DataFrame:
    """Disclosure control of an aggregate frame for the current role."""
    role = current_role()
    if sees_raw(role):
        return perturbation.drop_keys(frame)
    from dashboard import data

    noisy = perturbation.perturb(frame, spec)
    return _suppress(noisy, spec, data.config().suppression_threshold, relations())
