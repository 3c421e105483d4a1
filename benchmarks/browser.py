"""The times as a user sees them: the app served by ``streamlit run server.py`` over a data
set, driven by Debian's headless Chromium through Playwright (``python -m benchmarks.run``
runs it; alone: ``python -m benchmarks.run --browser-only``).

For each run, a fresh server (``tests.browser_support.start_server``: the snapshot cache on
disk with the default view's kept tables — a restarted server —, nothing in memory but what
its warm-up loads at start, the first visitor arriving once that is done and its time
recorded, ``warmed_s``; one
more run first with the kept tables removed — a new extract's first visitor, every table
computed —; whether that cache is fresh is checked and recorded; the bench's one
secret of the record keys, ``BENCH_SECRET``, kept from run to run as a production server
keeps its own) and a fresh Chromium (viewport 1440×1000, locale fr-FR):

- first visitor: ``page.goto(base + "/")`` of a new session, the demo's starting role
  (direction), until the page is done (below); whether « Calcul en cours… » was shown;
- next visitor: the same in a new browser context (empty browser cache, server warm),
  once the first visitor's tab has been left idle for ``SETTLE_MS`` (its background work
  done, as on that visitor's own machine);
- the first visitor chooses the evaluator role (every page): the home page run again (in a
  server's first session that first change can be lost: counted, and chosen again);
- first tour: a click on each other page's link in the sidebar, in menu order (each page's
  tables computed for the first time); second tour: every page again (revisit);
- a territory filter change on « Vue d'ensemble » and « Comparaison territoriale » (a
  territory chosen in the sidebar's multiselect, not chosen before), each removed afterwards;
- the server's peak memory (VmHWM, with its child processes) after the tours, and at the end.

A measure runs from its start (navigation start for a page opened by URL, the
``pointerup`` of the click otherwise, both timed in the page) to the moment the page is
done: the script state back to ``notRunning`` after a run seen since the start, the page's
title in its ``h1``, no Streamlit skeleton or spinner left, every Plotly chart drawn (each
``stPlotlyChart`` holds a ``.js-plotly-plot`` holding its ``.main-svg``), « Calcul en cours… »
(``#rsa-running``) empty. Recorded with it, to see where the time goes:

- ``to_run_s`` / ``run_s`` / ``draw_s``: until the script state leaves ``notRunning``
  (``rerunRequested`` or ``running``), until it is back, then until done;
- ``server_s``: from the first websocket frame the browser sends to the last it receives
  (Chrome DevTools Protocol time stamps of the network thread, not delayed by a busy page);
- ``server_cpu_s``, ``browser_cpu_s`` (Chromium's processes; ``renderer_cpu_s``,
  ``gpu_cpu_s``, ``chromium_cpu_s`` apart) and ``driver_cpu_s`` (Playwright's): CPU seconds;
- ``busy_s``: the page's main thread in long tasks (> 50 ms);
- ``ws_bytes`` (Playwright's ``framereceived`` payloads, uncompressed: Streamlit's websocket
  compression is off by default) and ``http_bytes`` (resource timing's transfer sizes);
- ``errors``: Streamlit exceptions or error alerts on the page once done (should be 0).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dashboard.pages import PAGES
from tests.browser_support import DRAWN

# the secret of the record keys of every server and AppTest run of the bench (outside the
# data sets, made at first use), as one production server keeps its own
BENCH_SECRET = Path(__file__).resolve().parent / "data" / "cle_enregistrements.bin"

HOME = PAGES[0].title
ROLE_LABEL = "Évaluateur"
# the filter changes: (page, territory), a territory not chosen before in the session
FILTER_CHANGES = (("Vue d'ensemble", "Thiérache"), ("Comparaison territoriale", "Chaunois"))
VIEWPORT = {"width": 1440, "height": 1000}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
POLL_MS = 20  # the page checks whether it is done every POLL_MS
SETTLE_MS = 4000  # a first visitor's tab left to itself before the next visitor arrives
CLICK_MS = 80  # between a click's press and release, as a hand does (react-aria acts on release)
ROLE_BOX = "Rôle (démonstration)"
EVALUATOR_ONLY = next(p.title for p in PAGES if p.roles == ("evaluateur",))

# Run in every document before the app's own scripts: the page-side clock of a measure.
INIT_SCRIPT = """
(() => {
  if (window.__bench) return;
  performance.setResourceTimingBufferSize(100000);
  const RUNNING = ["running", "rerunRequested"];
  const b = window.__bench = {};
  const reset = (t0) => {
    b.t0 = t0; b.runningAt = null; b.finishedAt = null; b.doneAt = null; b.progress = false;
  };
  reset(0);  // a document: its measure starts at navigation start
  b.arm = () => { reset(null); b.armedAt = performance.now(); };
  // a click's release: when links and react-aria's lists act
  document.addEventListener("pointerup", () => {
    if (b.t0 === null) b.t0 = performance.now();
  }, true);
  const seen = (state) => {
    if (b.t0 === null) return;
    const now = performance.now();
    if (RUNNING.includes(state)) {
      if (b.runningAt === null) b.runningAt = now;
      b.finishedAt = null;
    } else if (state === "notRunning" && b.runningAt !== null && b.finishedAt === null) {
      b.finishedAt = now;
    }
  };
  new MutationObserver((records) => {
    for (const r of records) {
      // a run over within one task still leaves its « running » as the old value
      if (r.oldValue) seen(r.oldValue);
      seen(r.target.getAttribute("data-test-script-state"));
    }
  }).observe(document, {
    subtree: true, attributes: true, attributeOldValue: true,
    attributeFilter: ["data-test-script-state"],
  });
  // the main thread's long tasks (> 50 ms): the browser busy rather than waiting
  b.tasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) b.tasks.push([e.startTime, e.duration]);
  }).observe({type: "longtask", buffered: true});
  setInterval(() => {
    const badge = document.getElementById("rsa-running");
    if (b.t0 !== null && badge && badge.textContent.trim()) b.progress = true;
  }, 50);
})();
"""

# The page is done (see the module's docstring); records the time it first is.
DONE = (
    """
(title) => {
  const b = window.__bench;
  if (!b || b.t0 === null || b.finishedAt === null) return false;
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  if (!h1 || h1.textContent.trim() !== title) return false;
  const drawn = """
    + DRAWN
    + """;
  if (!drawn()) return false;
  for (const p of document.querySelectorAll(".js-plotly-plot")) {
    if (!p.querySelector(".main-svg")) return false;
  }
  if (b.doneAt === null) b.doneAt = performance.now();
  return true;
}
"""
)

# What the page recorded for the measure just done.
READ = """
() => {
  const b = window.__bench;
  let http = 0;
  for (const e of performance.getEntriesByType("resource")) {
    if (e.startTime >= b.t0 && e.startTime <= b.doneAt) http += e.transferSize || 0;
  }
  if (b.t0 === 0) {
    for (const e of performance.getEntriesByType("navigation")) http += e.transferSize || 0;
  }
  let busy = 0;
  for (const [start, duration] of b.tasks) {
    busy += Math.max(0, Math.min(start + duration, b.doneAt) - Math.max(start, b.t0));
  }
  const errors = [...document.querySelectorAll(
    '[data-testid="stException"], [data-testid="stAlertContentError"]'
  )].map((e) => (e.closest('[data-testid="stAlert"]') || e).innerText.slice(0, 300));
  return {
    t0: b.t0, busy: busy, errors: errors,
    runningAt: b.runningAt, finishedAt: b.finishedAt, doneAt: b.doneAt,
    progress: b.progress, http: http,
    charts: document.querySelectorAll(".js-plotly-plot").length,
  };
}
"""


class Tab:
    """One browser page with its websocket byte count."""

    def __init__(self, context, timeout_s: float, cpu: Cpu) -> None:  # type: ignore[no-untyped-def]
        self.cpu = cpu
        self.page = context.new_page()
        self.page.set_default_timeout(timeout_s * 1000)
        self.timeout_ms = timeout_s * 1000
        self.ws_bytes = 0
        self.ws_frames = 0
        self.page.on("websocket", self._websocket)
        # the websocket frames' network times (the browser's network thread, not delayed by
        # a busy page): from the request a click sends to the server's last answer
        self.frames: list[tuple[str, float]] = []
        cdp = context.new_cdp_session(self.page)
        cdp.on("Network.webSocketFrameSent", lambda e: self.frames.append(("sent", e["timestamp"])))
        cdp.on(
            "Network.webSocketFrameReceived",
            lambda e: self.frames.append(("received", e["timestamp"])),
        )
        cdp.send("Network.enable")

    def _websocket(self, ws) -> None:  # type: ignore[no-untyped-def]
        ws.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        self.ws_bytes += len(payload.encode() if isinstance(payload, str) else payload)
        self.ws_frames += 1

    def _holds(self, predicate: str, timeout_ms: float) -> bool:
        try:
            self.page.wait_for_function(predicate, polling=POLL_MS, timeout=timeout_ms)
        except PlaywrightTimeout:
            return False
        return True

    def _settle(self) -> None:
        """After an action that did not take: let any run it started end."""
        self.page.wait_for_timeout(1000)
        self.page.wait_for_selector(
            '[data-testid="stApp"][data-test-script-state="notRunning"]',
            state="attached",
            timeout=self.timeout_ms,
        )

    def measure(self, action, title: str, label: str, took: str | None = None) -> dict:  # type: ignore[no-untyped-def]
        """Run ``action`` (which arms the page clock; a new document arms it by itself) and
        wait until the page is done. ``took``: a predicate that says the action took effect
        (a widget's new value), else the action is tried again (react-aria's lists now and
        then miss an option's click), at most three times."""
        for _ in range(3):
            ws0, frames0, cdp0 = self.ws_bytes, self.ws_frames, len(self.frames)
            cpu0 = self.cpu.sample()
            wall0 = time.perf_counter()
            action()
            if took is None or self._holds(took, 3000):
                break
            print(f"[bench]   {label}: the click did not take, again", flush=True)
            self._settle()
        else:
            raise RuntimeError(f"{label}: the action never took effect")
        self.page.wait_for_function(DONE, arg=title, polling=POLL_MS, timeout=self.timeout_ms)
        wall = time.perf_counter() - wall0
        cpu1 = self.cpu.sample()
        self.page.wait_for_timeout(150)  # frames already received reach their handlers
        r = self.page.evaluate(READ)
        t0 = r["t0"]
        frames = self.frames[cdp0:]
        sent = [t for kind, t in frames if kind == "sent"]
        received = [t for kind, t in frames if kind == "received"]
        # from the first request to the last answer: the server's run, plus the local network
        server = max(received) - min(sent) if sent and received else None
        out = {
            "s": (r["doneAt"] - t0) / 1000,
            "to_run_s": (r["runningAt"] - t0) / 1000,
            "run_s": (r["finishedAt"] - r["runningAt"]) / 1000,
            "draw_s": (r["doneAt"] - r["finishedAt"]) / 1000,
            "server_s": server,
            "busy_s": r["busy"] / 1000,
            # CPU seconds during the measure, by process (Chromium: all its processes)
            "server_cpu_s": cpu1["server"] - cpu0["server"],
            "browser_cpu_s": sum(cpu1[k] - cpu0[k] for k in ("renderer", "gpu", "chromium")),
            **{f"{k}_cpu_s": cpu1[k] - cpu0[k] for k in Cpu.KINDS[1:]},
            "ws_bytes": self.ws_bytes - ws0,
            "ws_frames": self.ws_frames - frames0,
            "http_bytes": r["http"],
            "charts": r["charts"],
            "progress": bool(r["progress"]),
            "errors": len(r["errors"]),
            "wall_s": wall,
        }
        if r["errors"]:  # the page drew an error: its time is not the page's
            print(f"[bench]   {label}: ERROR on the page: {r['errors'][0]}", flush=True)
        print(
            f"[bench]   {label}: {out['s']:.2f} s (until run {out['to_run_s']:.2f}, run "
            f"{out['run_s']:.2f}, drawing {out['draw_s']:.2f}; server {server or 0:.2f}, "
            f"browser busy {out['busy_s']:.2f}; CPU server {out['server_cpu_s']:.2f}, Chromium "
            f"{out['browser_cpu_s']:.2f} (renderer {out['renderer_cpu_s']:.2f}, gpu "
            f"{out['gpu_cpu_s']:.2f}), driver {out['driver_cpu_s']:.2f}; "
            f"ws {out['ws_bytes'] / 1e6:.2f} MB, "
            f"http {out['http_bytes'] / 1e6:.2f} MB, {out['charts']} charts"
            f"{', « Calcul en cours… »' if out['progress'] else ''})",
            flush=True,
        )
        return out

    def goto(self, url: str, label: str) -> dict[str, Any]:
        return self.measure(
            lambda: self.page.goto(url, wait_until="commit", timeout=self.timeout_ms),
            HOME,
            label,
        )

    def _armed_click(self, locator) -> None:  # type: ignore[no-untyped-def]
        self.page.evaluate("() => window.__bench.arm()")
        locator.click(delay=CLICK_MS)

    def nav(self, title: str, label: str) -> dict[str, Any]:
        """A click on a page's link in the sidebar's menu."""
        link = self.page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True)
        return self.measure(lambda: self._armed_click(link), title, label)

    def _pick(self, box, option) -> None:  # type: ignore[no-untyped-def]
        """Open a select box or multiselect (untimed), then click an option (armed)."""
        for _ in range(3):
            box.click(delay=CLICK_MS)
            try:
                option.wait_for(state="visible", timeout=3000)
                break
            except PlaywrightTimeout:
                self.page.keyboard.press("Escape")
        self._armed_click(option)

    def choose_role(self, label: str) -> dict[str, Any]:
        """The demo's role select box: ``label`` chosen; the home page runs again. In a
        server's first session the first change can be lost (the run keeps the old role;
        likely the widget's identity changing while Streamlit leaves its legacy « pages/ »
        mode): counted, and tried again."""
        box = self.page.locator('[data-testid="stSidebar"]').get_by_role(
            "combobox", name=ROLE_BOX, exact=True
        )
        option = self.page.get_by_role("option", name=label, exact=True)
        took = (
            f"() => document.querySelector('input[aria-label={json.dumps(ROLE_BOX)}]')"
            f"?.value === {json.dumps(label)}"
        )
        only = self.page.locator('[data-testid="stSidebarNav"]').get_by_text(
            EVALUATOR_ONLY, exact=True
        )
        for lost in range(3):
            out = self.measure(lambda: self._pick(box, option), HOME, "evaluator role", took)
            if only.count():
                return {**out, "lost": lost}
            print("[bench]   the role change was lost (the run kept the old role), again")
        raise RuntimeError("the evaluator role could not be chosen")

    def _territory_tag(self, name: str) -> str:
        return (
            '() => !!document.querySelector(\'[data-testid="stSidebar"] '
            f"[data-tag][aria-label={json.dumps(name)}]')"
        )

    def choose_territory(self, title: str, name: str) -> dict[str, Any]:
        """The sidebar's territory multiselect: ``name`` added (then the list closed)."""
        box = self.page.locator('[data-testid="stSidebar"]').get_by_role(
            "combobox", name="Territoire", exact=True
        )
        option = self.page.get_by_role("option", name=name, exact=True)
        out = self.measure(
            lambda: self._pick(box, option), title, f"filter {name}", self._territory_tag(name)
        )
        self.page.keyboard.press("Escape")
        return out

    def clear_territory(self, title: str, name: str) -> None:
        """``name`` removed from the territory filter (untimed)."""
        remove = self.page.locator(f'[data-testid="stSidebar"] button[aria-label="Retirer {name}"]')
        self.measure(
            lambda: self._armed_click(remove),
            title,
            f"filter {name} removed",
            f"() => !({self._territory_tag(name)})()",
        )


def _tree(pid: int) -> list[int]:
    """A process and its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def peak_memory_gb(pid: int) -> float:
    """VmHWM of a process and its descendants, summed (GB)."""
    total_kb = 0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb * 1024 / 1e9


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of live processes (children already waited for included)."""
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / CLOCK_TICKS


def _kind(pid: int) -> str:
    """« renderer », « gpu », « chromium » (its other processes) or « driver » (Playwright's)."""
    try:  # Chromium rewrites its children's command lines: one string, spaces inside
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return "driver"
    if b"chrom" not in cmd.split(b" ", 1)[0]:
        return "driver"
    if b"--type=renderer" in cmd:
        return "renderer"
    if b"--type=gpu-process" in cmd:
        return "gpu"
    return "chromium"


class Cpu:
    """CPU seconds of the server (its process tree) and of the browser side (this process's
    other descendants: Chromium's processes by kind, and Playwright's driver)."""

    KINDS = ("server", "renderer", "gpu", "chromium", "driver")

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def sample(self) -> dict[str, float]:
        server = set(_tree(self.server_pid))
        out = {"server": _cpu_s(sorted(server))}
        by_kind: dict[str, list[int]] = {}
        for p in _tree(os.getpid()):
            if p not in server and p != os.getpid():
                by_kind.setdefault(_kind(p), []).append(p)
        for kind in self.KINDS[1:]:
            out[kind] = _cpu_s(by_kind.get(kind, []))
        return out


def cache_fresh(data_dir: Path) -> bool:
    """Whether every snapshot cache on disk matches its snapshot and the data-layer code (a
    stale one is rebuilt by the first page: a first read, not a cached load)."""
    import datetime as dt

    from queries.snapshots import fingerprint

    folders = sorted((data_dir / "cache").glob("snapshot_date=*"))
    for folder in folders:
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            date = dt.date.fromisoformat(folder.name.split("=", 1)[1])
            if manifest.get("fingerprint") != fingerprint(str(data_dir), date):
                return False
        except (OSError, ValueError):
            return False
    return bool(folders)


def drop_kept_tables(data_dir: Path) -> int:
    """Remove the default view's tables kept with the snapshot caches
    (``Snapshot.kept_table``): the next server computes them, as the first visitor after a
    new extract does. Returns how many were removed."""
    from queries.snapshots import KEPT_DIR

    removed = 0
    for folder in (data_dir / "cache").glob(f"snapshot_date=*/{KEPT_DIR}"):
        removed += sum(1 for _ in folder.iterdir())
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def kept_tables(data_dir: Path) -> int:
    from queries.snapshots import KEPT_DIR

    return sum(1 for _ in (data_dir / "cache").glob(f"snapshot_date=*/{KEPT_DIR}/*"))


def one_run(api, data_dir: Path, timeout_s: float, kept: bool = True) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One fresh server and its measures; ``kept=False``: the default view's kept tables
    removed first (a new extract's first visitor: every table computed)."""
    from tests.browser_support import (
        CHROMIUM,
        CHROMIUM_ARGS,
        start_server,
        stop_server,
        wait_warmed,
    )

    if not kept:
        drop_kept_tables(data_dir)
    tables = kept_tables(data_dir)
    fresh = cache_fresh(data_dir)
    if not fresh:
        print(
            "[bench]   the snapshot cache on disk is missing or stale: the first page reads "
            "the snapshot in full (and writes the cache)",
            flush=True,
        )
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        # the bench's one secret file, kept from run to run as a production server keeps
        # its own: the record keys are those stored with the snapshot, not hashed anew
        log_path = Path(tmp) / "streamlit.log"
        started = time.perf_counter()
        proc, base = start_server(data_dir, log_path, BENCH_SECRET)
        # the server's warm-up (server.py) done before the first visitor, as after a restart
        # that nobody watched; how long it took is recorded
        wait_warmed(proc, log_path, timeout_s)
        warmed_s = time.perf_counter() - started
        print(f"[bench]   server started and warmed up in {warmed_s:.1f} s", flush=True)
        browser = api.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=60_000
        )
        try:
            contexts = []
            cpu = Cpu(proc.pid)

            def new_tab() -> Tab:
                context = browser.new_context(viewport=VIEWPORT, locale="fr-FR")
                context.add_init_script(INIT_SCRIPT)
                contexts.append(context)
                return Tab(context, timeout_s, cpu)

            user = new_tab()
            res: dict[str, Any] = {
                "cache_fresh": fresh,
                "tables_kept": tables,
                "warmed_s": warmed_s,
            }
            res["first_visitor"] = user.goto(base + "/", "first visitor")
            # the next visitor arrives once the first one's tab is idle (its loading ahead of
            # the chart code done, dashboard.frontend), as it would be on that visitor's own
            # machine: on these two cores it would otherwise draw the next visitor's page
            user.page.wait_for_timeout(SETTLE_MS)
            res["next_visitor"] = new_tab().goto(base + "/", "next visitor")
            res["role_change"] = user.choose_role(ROLE_LABEL)
            others = [p.title for p in PAGES if p.title != HOME]
            res["switch_first"] = {t: user.nav(t, f"first visit · {t}") for t in others}
            res["switch_revisit"] = {t: user.nav(t, f"revisit · {t}") for t in [HOME, *others]}
            res["peak_gb_pages"] = peak_memory_gb(proc.pid)
            res["filters"] = {}
            for title, name in FILTER_CHANGES:
                if user.page.locator('[data-testid="stMain"] h1').first.inner_text() != title:
                    user.nav(title, f"to {title}")
                res["filters"][title] = {"territory": name, **user.choose_territory(title, name)}
                user.clear_territory(title, name)
            res["peak_gb"] = peak_memory_gb(proc.pid)
            print(f"[bench]   server peak memory: {res['peak_gb']:.2f} GB", flush=True)
            for context in contexts:
                context.close()
            return res
        finally:
            browser.close()
            stop_server(proc)


SUMMED = ("errors", "lost")  # counts over the runs, not medians


def _median(measures: list[dict[str, Any]]) -> dict[str, Any]:
    """Field by field: medians of numbers, « every run » for booleans, the text kept."""
    out: dict[str, Any] = {}
    for key, value in measures[0].items():
        values = [m[key] for m in measures]
        if key in SUMMED:
            out[key] = sum(values)
        elif isinstance(value, bool):
            out[key] = all(values)
            out[f"{key}_runs"] = sum(values)
        elif all(v is None or isinstance(v, int | float) for v in values):
            numbers = [v for v in values if v is not None]
            out[key] = statistics.median(numbers) if numbers else None
        else:
            out[key] = value
    return out


def bench_browser(data_dir: Path, runs: int, timeout_s: float = 120) -> dict[str, Any]:
    """``runs`` fresh servers (medians of each measure); see the module's docstring."""
    from playwright.sync_api import sync_playwright

    all_runs = []
    with sync_playwright() as api:
        print(f"[bench] {data_dir.name} · browser run, kept tables removed…", flush=True)
        computed = one_run(api, data_dir, timeout_s, kept=False)
        for i in range(runs):
            print(f"[bench] {data_dir.name} · browser run {i + 1}/{runs}…", flush=True)
            all_runs.append(one_run(api, data_dir, timeout_s))
        print(f"[bench] {data_dir.name} · the frontend's floor…", flush=True)
        floor = frontend_floor(api, runs, timeout_s)
    out: dict[str, Any] = {"runs": runs, "frontend_floor": floor}
    # the first visitor of a new extract (one run: every table computed by that server)
    out["computed"] = {
        key: _median([computed[key]]) for key in ("first_visitor", "next_visitor")
    } | {
        "switch_first": {t: _median([m]) for t, m in computed["switch_first"].items()},
        "peak_gb_pages": computed["peak_gb_pages"],
    }
    out["tables_kept"] = min(r["tables_kept"] for r in all_runs)
    for key in ("first_visitor", "next_visitor", "role_change"):
        out[key] = _median([r[key] for r in all_runs])
    for key in ("switch_first", "switch_revisit", "filters"):
        out[key] = {t: _median([r[key][t] for r in all_runs]) for t in all_runs[0][key]}
    out["warmed_s"] = statistics.median(r["warmed_s"] for r in all_runs)
    out["cache_stale_runs"] = sum(not r["cache_fresh"] for r in all_runs)
    out["peak_gb_pages"] = max(r["peak_gb_pages"] for r in all_runs)
    out["peak_gb"] = max(r["peak_gb"] for r in all_runs)
    out["all_runs"] = all_runs
    return out


# --------------------------------------------------------------------------- the frontend's floor
# What Streamlit's frontend costs on this machine before any of the app's content: the first
# page of a new browser context on a minimal app (a title and a line), then on the same with
# one two-bar Plotly chart (Plotly's module evaluated and a chart drawn), served by
# ``streamlit run`` with the app's own .streamlit/config.toml. The app's first page is read
# against it.
FLOOR_PAGES = {
    "minimal": "",
    "one_chart": (
        "import plotly.graph_objects as go\n"
        "st.plotly_chart(go.Figure(go.Bar(x=['a', 'b'], y=[1, 2])), key='floor')\n"
    ),
}


def frontend_floor(api, runs: int, timeout_s: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Median first page of ``runs`` new browser contexts (after one unmeasured) on each
    minimal app of :data:`FLOOR_PAGES`, in seconds."""
    from tests.browser_support import (
        CHROMIUM,
        CHROMIUM_ARGS,
        PROJECT_ROOT,
        start_server,
        stop_server,
    )

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        root = Path(tmp)
        shutil.copytree(PROJECT_ROOT / ".streamlit", root / ".streamlit")
        browser = api.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=60_000
        )
        try:
            for name, extra in FLOOR_PAGES.items():
                script = root / f"{name}.py"
                script.write_text(
                    f"import streamlit as st\nst.title({HOME!r})\n"
                    "st.write('Page minimale.')\n" + extra,
                    encoding="utf-8",
                )
                proc, base = start_server(root, root / f"{name}.log", script=script)
                try:
                    times = []
                    for i in range(runs + 1):
                        context = browser.new_context(viewport=VIEWPORT, locale="fr-FR")
                        context.add_init_script(INIT_SCRIPT)
                        tab = Tab(context, timeout_s, Cpu(proc.pid))
                        measure = tab.goto(base + "/", f"frontend floor · {name} · visitor {i}")
                        context.close()
                        if i:  # the first one warms the server's own first run
                            times.append(measure["s"])
                    out[name] = statistics.median(times)
                finally:
                    stop_server(proc)
        finally:
            browser.close()
    return out


def write_json(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
