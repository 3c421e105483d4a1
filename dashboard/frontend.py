"""The French browser side: what Streamlit's and Plotly's frontends would say in English.

Streamlit 1.67 has no language setting: its ``index.html`` declares ``<html lang="en">`` and its
frontend bundle carries fixed English labels (« Skip to main content », « App pages », « Open »,
« Select all », « Show/hide columns », « Help for … », the date fields' « dd », « mm »,
« yyyy » and « day, … », the status widget's « Running... », the « Page not found » dialog…),
none reachable through a widget argument or a configuration option. :func:`inject`, called
once per run by app.py, adds a small inline script (``st.html`` with
``unsafe_allow_javascript``: it runs in the page itself, not in an iframe, and needs nothing
from the network) that sets ``lang="fr"`` and rewrites those fixed texts and accessible
names, then keeps doing it for everything Streamlit draws later (a ``MutationObserver``).
Installed once per browser tab; reruns find it already there.

Plotly's own texts (toolbar, box-plot hover labels, month names) are made French by the
chart configuration instead (:data:`PLOTLY_LOCALES`, used by ``display.chart``).

:data:`ENGLISH_STRINGS` lists the English strings that must not reach a user: the browser
tests look for each of them in the text, ``aria-label``, ``title``, ``placeholder`` and
``data-title`` of every page.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import streamlit as st

# English strings of Streamlit's and Plotly's frontends that must not reach a user (page text
# or accessible names); each is translated below. Chosen so that none is part of a French
# text of the app (the tests match substrings).
ENGLISH_STRINGS: tuple[str, ...] = (
    "Skip to main content",
    "App pages",
    "Sidebar",
    "Collapse sidebar",
    "Expand sidebar",
    "Link to heading",
    "Help for ",
    "Help",
    "Choose an option",
    "Choose options",
    "Select all",
    "Clear all",
    "Clear value",
    "Open",
    "No results",
    "Show/hide columns",
    "Search",
    "Fullscreen",
    "Choose date",
    "Clear date",
    "Selected Date",
    "Selected Range",
    "dd / mm / yyyy",
    "yyyy",
    "day, ",
    "month, ",
    "year, ",
    " start date",
    " end date",
    "Vega visualization",
    "Toggle attribution",
    " icon",
    "Running...",
    "Page not found",
    "Download plot",
    "Autoscale",
    "Reset axes",
    "Reset view",
    "Zoom",
    "Produced with Plotly",
)

# Whole texts or attribute values (compared without surrounding spaces) and their French.
TEXTS: dict[str, str] = {
    # page frame, sidebar and navigation
    "Skip to main content": "Aller au contenu principal",
    "App pages": "Pages de l'application",
    "Sidebar": "Barre latérale",
    "Collapse sidebar": "Replier la barre latérale",
    "Expand sidebar": "Déplier la barre latérale",
    "View less": "Voir moins",
    "Main menu": "Menu principal",
    "Link to heading": "Lien vers ce titre",
    "Help": "Aide",
    "Close": "Fermer",
    # status widget and connection
    "Running...": "Calcul en cours…",
    "Stop": "Arrêter",
    "Stopping...": "Arrêt en cours…",
    "Connecting": "Connexion…",
    "Connecting to Streamlit server": "Connexion au serveur…",
    "Unable to connect to Streamlit server": "Impossible de joindre le serveur",
    "Connection error": "Erreur de connexion",
    "Please wait...": "Veuillez patienter…",
    # « Page not found » dialog (app.py normally avoids it, see layout.resolve_page)
    "Page not found": "Page introuvable",
    "The page that you have requested does not seem to exist. Running the app's main page.": (
        "La page demandée n'existe pas : affichage de la page d'accueil."
    ),
    # select boxes and multiselects
    "Choose an option": "Choisir une option",
    "Choose options": "Choisir des options",
    "Open": "Ouvrir la liste",
    "Select all": "Tout sélectionner",
    "Clear all": "Tout effacer",
    "Clear value": "Effacer",
    "Selected values": "Valeurs choisies",
    "No results": "Aucun résultat",
    "No options": "Aucune option",
    # dates
    "Choose date": "Choisir une date",
    "Choose date range": "Choisir une période",
    "Clear date": "Effacer la date",
    "Clear dates": "Effacer les dates",
    "Quick select a date range": "Choisir une période prédéfinie",
    "Date range": "Période",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.": (
        "Flèches pour changer de jour, Entrée pour choisir, Échap pour fermer."
    ),
    "Previous": "Précédent",
    "Next": "Suivant",
    "Previous month": "Mois précédent",
    "Next month": "Mois suivant",
    "Empty": "Vide",
    "yyyy": "aaaa",
    "dd": "jj",
    # tables (element toolbar, column menu, search)
    "Show/hide columns": "Afficher ou masquer des colonnes",
    "Search": "Rechercher",
    "Type to search": "Rechercher…",
    "Close Search": "Fermer la recherche",
    "Next Result": "Résultat suivant",
    "Previous Result": "Résultat précédent",
    "Fullscreen": "Plein écran",
    "Close fullscreen": "Quitter le plein écran",
    "Loading": "Chargement",
    "Download as CSV": "Télécharger en CSV",
    "Dataframe column menu": "Menu de la colonne",
    "Sort ascending": "Tri croissant",
    "Sort descending": "Tri décroissant",
    "Autosize": "Largeur automatique",
    "Pin column": "Épingler la colonne",
    "Unpin column": "Détacher la colonne",
    "Hide column": "Masquer la colonne",
    "Copy column name": "Copier le nom de la colonne",
    "Clear selection": "Effacer la sélection",
    "No data": "Aucune donnée",
    # Vega charts (none drawn today: the sparklines are images) and maps (MapLibre)
    "Vega visualization": "Mini-graphique d'évolution",
    "visualization": "visualisation",
    "Map": "Carte",
    "Toggle attribution": "Afficher ou masquer les sources de la carte",
}

# Composed labels: (JavaScript regular expression, replacement, translate month names).
PATTERNS: tuple[tuple[str, str, bool], ...] = (
    (r"^Help for (.+)$", "Aide : $1", False),
    (r"^Remove (.+)$", "Retirer $1", False),
    (r"^Choose date range, (.+)$", "Choisir une période, $1", False),
    (r"^Choose date, (.+)$", "Choisir une date, $1", False),
    (r"^day, ", "jour, ", False),
    (r"^month, ", "mois, ", False),
    (r"^year, ", "année, ", False),
    (r"^(.+) start date$", "$1 : date de début", False),
    (r"^(.+) end date$", "$1 : date de fin", False),
    (r"^(\d+) – ([A-Z][a-z]+)$", "$1 – $2", True),
    (r"^Selected Date: ([A-Z][a-z]+) (\d+), (\d{4})$", "Date choisie : $2 $1 $3", True),
    (
        r"^Selected Range: ([A-Z][a-z]+) (\d+), (\d{4}) to ([A-Z][a-z]+) (\d+), (\d{4})$",
        "Période choisie : du $2 $1 $3 au $5 $4 $6",
        True,
    ),
    (r"^View (\d+) more$", "Voir $1 de plus", False),
    (r"^(\d+) more$", "$1 de plus", False),
    (
        r"^You have requested page /(.*), but no corresponding file was found in the app's "
        r"pages/ directory\. Running the app's main page\.$",
        "La page « $1 » n'existe pas : affichage de la page d'accueil.",
        False,
    ),
)

MONTHS: dict[str, str] = {
    "January": "janvier",
    "February": "février",
    "March": "mars",
    "April": "avril",
    "May": "mai",
    "June": "juin",
    "July": "juillet",
    "August": "août",
    "September": "septembre",
    "October": "octobre",
    "November": "novembre",
    "December": "décembre",
}

# The attributes whose values are read by screen readers or shown as tooltips / placeholders.
ATTRIBUTES: tuple[str, ...] = (
    "aria-label",
    "aria-roledescription",
    "aria-valuetext",
    "title",
    "placeholder",
    "data-title",
    "alt",
)

# Plotly's French locale (the dictionary of plotly.js's lib/locales/fr.js for the strings this
# app can show, and the French date names), given to every chart in its configuration: the
# Python package ships no plotly.js locale file and Streamlit's bundle registers none.
PLOTLY_LOCALES: dict[str, dict] = {
    "fr": {
        "dictionary": {
            "Download plot as a PNG": "Télécharger le graphique en PNG",
            "Download plot": "Télécharger le graphique",
            "Taking snapshot - this may take a few seconds": (
                "Création de l'image, quelques secondes…"
            ),
            "Snapshot succeeded": "Image créée",
            "Sorry, there was a problem downloading your snapshot!": (
                "L'image du graphique n'a pas pu être créée."
            ),
            "Autoscale": "Échelle automatique",
            "Reset axes": "Réinitialiser les axes",
            "Reset view": "Réinitialiser la vue",
            "Zoom in": "Zoom avant",
            "Zoom out": "Zoom arrière",
            "Pan": "Déplacer",
            "Box Select": "Sélection rectangulaire",
            "Lasso Select": "Sélection au lasso",
            "Double-click to zoom back out": "Double-cliquer pour revenir à la vue d'ensemble",
            "Double-click on legend to isolate one trace": (
                "Double-cliquer sur la légende pour isoler une série"
            ),
            "trace": "série",
            "max:": "max. :",
            "min:": "min. :",
            "mean:": "moyenne :",
            "mean ± σ:": "moyenne ± σ :",
            "median:": "médiane :",
            "q1:": "q1 :",
            "q3:": "q3 :",
            "lower fence:": "moustache inférieure :",
            "upper fence:": "moustache supérieure :",
            "lat:": "lat. :",
            "lon:": "lon. :",
        },
        "format": {
            "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
            "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
            "months": list(MONTHS.values()),
            "shortMonths": [
                "janv.",
                "févr.",
                "mars",
                "avr.",
                "mai",
                "juin",
                "juil.",
                "août",
                "sept.",
                "oct.",
                "nov.",
                "déc.",
            ],
            "date": "%d/%m/%Y",
            "decimal": ",",
            "thousands": "\u202f",
        },
    }
}

# Shown (top right, and read by screen readers) while a run lasts more than half a second.
RUNNING_TEXT = "Calcul en cours…"

# A toolbar of one button: the PNG download, shown on hover or keyboard focus only.
PLOTLY_BUTTONS: list[list[str]] = [["toImage"]]

_CSS = """
/* the element that carries this script takes no room */
[data-testid="stElementContainer"]:has(script[data-rsa-frontend]) { display: none; }
/* phones: the chart toolbar (one button, « Télécharger le graphique en PNG ») would sit over
   the end of a chart's title, which already fills the width; the data downloads under each
   chart remain */
@media (max-width: 640px) {
  .js-plotly-plot .modebar-container { display: none; }
}
/* the active filters stay at the top of the window while the page scrolls (the sticky
   box is the container's layout wrapper, whose parent is the page's whole block) */
[data-testid="stLayoutWrapper"]:has(> .st-key-filtres_actifs) {
  position: sticky; top: 0; z-index: 990; background: #FFFFFF;
  box-shadow: 0 1px 0 #DDDDDD, 0 6px 6px -6px rgba(0, 0, 0, 0.25);
}
.st-key-filtres_actifs { padding: 0.6rem 0 !important; background: #FFFFFF; }
.st-key-filtres_actifs p { margin: 0; font-size: 0.875rem; }
/* « Calcul en cours… » while the server runs the page (Streamlit's own status widget is
   hidden with client.toolbarMode = "minimal"); empty, it takes no room */
#rsa-running {
  position: fixed; top: 0.6rem; right: 1rem; z-index: 999990; padding: 0.3rem 0.8rem;
  border: 1px solid #0063CB; border-radius: 0.5rem; background: #FFFFFF; color: #161616;
  font-size: 0.875rem; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.15);
}
#rsa-running:empty { padding: 0; border: 0; box-shadow: none; }
/* an element whose code is still downloading (Plotly's is 4.7 MB): say so, not only grey */
[data-testid="stSkeleton"] {
  display: flex; align-items: center; justify-content: center; min-height: 2.5rem;
}
[data-testid="stSkeleton"]::after {
  content: "Chargement de l’affichage…"; color: #3a3a3a; font-size: 0.875rem;
}
"""

# The translation of one text (``fr``), with its tables inlined: run by the script, and alone
# by tests/test_frontend.py (with node).
_TRANSLATOR = """
const TEXTS = __TEXTS__;
const PATTERNS = __PATTERNS__.map(([s, r, m]) => [new RegExp(s), r, m]);
const MONTHS = __MONTHS__;
const MONTH_RE = new RegExp("\\\\b(" + Object.keys(MONTHS).join("|") + ")\\\\b", "g");
const has = (key) => Object.prototype.hasOwnProperty.call(TEXTS, key);
const fr = (value) => {
  const bare = value.trim();
  const put = (text) => value.replace(bare, () => text);
  if (has(bare)) return put(TEXTS[bare]);
  // a toolbar button named after its element: « Fullscreen: » then the table's label
  const colon = bare.indexOf(": ");
  if (colon > 0 && has(bare.slice(0, colon))) {
    return put(TEXTS[bare.slice(0, colon)] + " : " + bare.slice(colon + 2));
  }
  let out = bare;
  for (const [re, rep, months] of PATTERNS) {
    if (re.test(out)) {
      out = out.replace(re, rep);
      if (months) out = out.replace(MONTH_RE, (m) => MONTHS[m]);
    }
  }
  return out === bare ? value : put(out);
};
"""

_SCRIPT = """
(() => {
  const doc = document;
  doc.documentElement.lang = "fr";
  if (window.__rsaFrench) return;
  window.__rsaFrench = true;
  // the chart code, loaded (fetched, compiled and run) a second after the tab's first run,
  // when the page is idle: ready when the first chart arrives, without delaying the end of a
  // first page that has none (Vue d'ensemble: its last elements and their code still come
  // in once the run is over); the same URL as Streamlit's own import, so run once
  let preloaded = false;
  const preload = () => {
    if (preloaded) return;
    preloaded = true;
    const load = () => {
      for (const file of __PRELOAD__) import("./static/js/" + file).catch(() => {});
    };
    setTimeout(() => {
      if (window.requestIdleCallback) window.requestIdleCallback(load, {timeout: 3000});
      else load();
    }, 1000);
  };
  const ATTRS = __ATTRS__;
  const RUNNING = __RUNNING__;
  __TRANSLATOR__
  const skipped = (el) => el.tagName === "SCRIPT" || el.tagName === "STYLE"
    || (el.classList && el.classList.contains("main-svg"));
  const fixText = (node) => {
    const v = node.nodeValue;
    if (!v || !v.trim() || v.length > 300) return;
    const f = fr(v);
    if (f !== v) node.nodeValue = f;
  };
  const fixElement = (el) => {
    for (const a of ATTRS) {
      const v = el.getAttribute(a);
      if (v) { const f = fr(v); if (f !== v) el.setAttribute(a, f); }
    }
    // Material icons (« :material/…: » in Markdown, alerts, expanders) are decorative:
    // Streamlit names them « name icon »
    const label = el.getAttribute("aria-label");
    if (label && /^[a-z0-9_]+ icon$/.test(label)) {
      el.removeAttribute("aria-label");
      el.removeAttribute("role");
      el.setAttribute("aria-hidden", "true");
    }
    // a heading's « link to this heading » anchor: reachable by mouse, not one more tab stop
    if (el.tagName === "A" && el.closest("[data-testid=stHeaderActionElements]")) {
      if (el.getAttribute("tabindex") !== "-1") el.setAttribute("tabindex", "-1");
    }
    // a metric's sparkline: one accessible name, not one « x: …; y: … » per point
    if (el.dataset && el.dataset.testid === "stMetricChart") {
      for (const svg of el.querySelectorAll(":scope > svg")) {
        svg.setAttribute("aria-hidden", "true");
      }
    }
  };
  const walk = (root) => {
    if (root.nodeType === 3) { fixText(root); return; }
    if (root.nodeType !== 1 || skipped(root)) return;
    fixElement(root);
    const it = doc.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => (n.nodeType === 1 && skipped(n)
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    for (let n = it.nextNode(); n; n = it.nextNode()) {
      if (n.nodeType === 3) fixText(n); else fixElement(n);
    }
  };
  // a French « running » notice (a polite live region, outside Streamlit's React tree),
  // shown at once during the tab's first run, then when a run lasts more than half a
  // second, as Streamlit's own would be
  const badge = doc.createElement("div");
  badge.id = "rsa-running";
  badge.setAttribute("role", "status");
  badge.setAttribute("aria-live", "polite");
  doc.body.appendChild(badge);
  let timer = null;
  let first = true;  // the tab's first run: a new visitor waits on a page still empty
  const running = () => {
    const app = doc.querySelector("[data-testid=stApp]");
    const state = app ? app.getAttribute("data-test-script-state") : null;
    return state === "running" || state === "rerunRequested";
  };
  const syncBadge = () => {
    if (running()) {
      if (first) {
        if (!badge.textContent) badge.textContent = RUNNING;
      } else if (timer === null && !badge.textContent) {
        timer = setTimeout(() => {
          timer = null;
          if (running()) badge.textContent = RUNNING;
        }, 500);
      }
    } else {
      if (timer !== null) { clearTimeout(timer); timer = null; }
      if (badge.textContent) badge.textContent = "";
      if (first && doc.querySelector("[data-testid=stApp]")) { first = false; preload(); }
    }
  };
  new MutationObserver((records) => {
    if (doc.documentElement.lang !== "fr") doc.documentElement.lang = "fr";
    syncBadge();
    for (const r of records) {
      if (r.type === "childList") r.addedNodes.forEach(walk);
      else if (r.type === "characterData") fixText(r.target);
      else if (r.target.nodeType === 1) fixElement(r.target);
    }
  }).observe(doc.documentElement, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ATTRS.concat(["lang", "data-test-script-state"]),
  });
  walk(doc.body);
})();
"""


def translator() -> str:
    """The JavaScript of ``fr(text)``, the French of one text or attribute value (the same
    text when there is nothing to translate), with its tables inlined."""
    return (
        _TRANSLATOR.replace("__TEXTS__", json.dumps(TEXTS, ensure_ascii=False))
        .replace("__PATTERNS__", json.dumps([list(p) for p in PATTERNS], ensure_ascii=False))
        .replace("__MONTHS__", json.dumps(MONTHS, ensure_ascii=False))
    )


def script() -> str:
    """The script's source. It must never contain « < » followed by a letter, « / » or « ! »:
    ``st.html`` cleans its body with DOMPurify, which silently drops such an element
    (tests/test_frontend.py checks)."""
    return (
        _SCRIPT.replace("__ATTRS__", json.dumps(list(ATTRIBUTES)))
        .replace("__PRELOAD__", json.dumps(preloaded_chunks()))
        .replace("__RUNNING__", json.dumps(RUNNING_TEXT, ensure_ascii=False))
        .replace("  __TRANSLATOR__\n", translator())
    )


@cache
def preloaded_chunks() -> list[str]:
    """The file of Streamlit's Plotly chart code (hashed name, read from the installed
    package; none if it moved): loaded by the script once the tab's first page is drawn, it
    is ready when the first chart arrives instead of being fetched, compiled and run only
    then (about 0.5 s on two cores)."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    return sorted(p.name for p in folder.glob("PlotlyChart.*.js"))


@cache
def html() -> str:
    """The body given to ``st.html``: the style and the script (its element is hidden)."""
    return f"<style>{_CSS}</style><script data-rsa-frontend>{script()}</script>"


def inject() -> None:
    """Make the browser side French (called by app.py at every run, before anything else is
    drawn; the script installs itself once per tab)."""
    st.html(html(), unsafe_allow_javascript=True)
