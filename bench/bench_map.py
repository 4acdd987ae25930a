"""Planner-map benchmark: our map against the plain folium approach and geopandas' explore().

    .venv/bin/python bench/bench_map.py [--sizes 1000 10000 50000] [--repeat 3] [--no-browser]

For each size N (synthetic observations, built as ``geo.model.Observation`` dataclasses, no
database) and each approach:

ours
    ``planner_map(...)`` exactly as the planner page calls it, with the hot-spot layer
    (``spots=hot_spots(obs)``, computed once beforehand; its own time is the last column).
plain
    ``folium.Map`` plus one ``folium.Marker`` with a ``folium.Popup`` (the html-escaped
    description) per observation.
explore
    a geopandas ``GeoDataFrame`` with the same columns (category, feeling, status,
    description, observed_at) and ``gdf.explore()`` (folium GeoJson, circle markers, a
    tooltip with every column).

Columns printed:

build s
    Building the map and rendering it to HTML (``m.get_root().render()``). Best of
    --repeat for ours; for plain and explore best of --repeat while one build takes under
    5 s, else a single build. plain and explore are skipped at 50,000 when their 10,000 build
    took more than 20 s (they would take over a minute and the browser several more).
    For plain and explore ``localize(m)`` runs between building and rendering and is not
    timed (ours calls it inside ``planner_map``, so it is timed there).
HTML
    Size of that HTML in bytes (MB = 10^6 bytes), CDN links already rewritten to
    ``/app/static/vendor/...``.
render s
    Headless Debian Chromium (Playwright, the browser tests' launch arguments), every request
    to a host other than 127.0.0.1 blocked (so no tiles are fetched). The HTML and
    ``static/vendor`` are served by a local ``http.server`` (a temporary root where
    ``app/static/vendor`` is a symlink to the repository's ``static/vendor``). Measured
    inside the page, from navigation start (``performance.now()`` is 0 there): at the
    ``load`` event (all scripts, including the map's inline script, have run; all CSS and
    images are in) the page waits for the map object and the points to exist (ours: the
    point layer on the map and its canvas, or its SVG paths; plain: the marker icons;
    explore: the interactive SVG paths), then for two animation frames (Leaflet's canvas
    redraw is itself queued on an animation frame; the second frame starts after the first
    has been painted) and records ``performance.now()``. That figure is the "render" time:
    download + parse + script + layout + first paint with every point on screen. A fresh
    browser context (empty cache) per load; best of --repeat (once for slow loads).
hot spots s
    ``hot_spots(obs)`` alone (DBSCAN 35 m / 3), best of --repeat after a warm-up call.

geopandas' explore() needs matplotlib and mapclassify, which the app does not: without them
the explore rows say "skipped". To get them without changing the virtual environment::

    .venv/bin/pip install --no-deps --target /tmp/benchdeps matplotlib mapclassify networkx \
        contourpy cycler fonttools kiwisolver pyparsing
    PYTHONPATH=/tmp/benchdeps .venv/bin/python bench/bench_map.py

Synthetic data: clustered around 40 places in Andersberg (each a Gaussian spread of 8–25 m,
popularity Dirichlet-distributed), plus 30 % uniform over the district; random categories,
feelings 1–5, statuses and ~60-character Swedish descriptions (some with ``&``, quotes and
``<``). Seeded. Figures, not thresholds; the aims from the issue are printed at the end.
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import importlib.util
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import folium
import geopandas as gpd
from bench_hotspots import clustered_points
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from geo import catalog, crs, districts
from geo.hotspots import hot_spots
from geo.mapassets import localize
from geo.model import Observation, ObservationStatus
from geo.plannermap import planner_map
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, block_outside

DISTRICT = "andersberg"
SKIP_50K_IF_10K_OVER = 20.0  # s: plain/explore at 50,000 would take minutes
SINGLE_RUN_OVER = 5.0  # s: a build or a load slower than this is run once
RENDER_TIMEOUT_MS = 120_000

_WHAT = ["Trasig gatubelysning", "Mörk gångtunnel", "Buskage skymmer sikten", "Klotter på väggen",
         "Krossat glas på marken", "Ödslig parkering", "Otydlig skyltning", "Trygg och upplyst plats",
         "Nedskräpat område", "Smal passage utan utsikt"]
_WHERE = ["vid busshållplatsen", "längs cykelbanan", "bakom skolan", "mellan husen på Gräsvägen",
          "vid lekplatsen", "vid tvättstugan", "nära tunneln mot centrum", "vid garagen"]
_MORE = ["känns otryggt efter mörkrets inbrott", "lampan har varit släckt i veckor",
         "många rör sig här på kvällen", "svårt att se vem som kommer", "\"sämst\" enligt ungdomarna",
         "barn & äldre undviker stället", "< 5 m sikt i kurvan", "behöver ses över snart"]


def synthetic(n: int, seed: int = 1) -> list[Observation]:
    rng = np.random.default_rng(seed)
    area = crs.geometry_to_metric(districts.load().geometry(DISTRICT))
    xy = clustered_points(area, n, rng)[rng.permutation(n)]
    lon, lat = crs.to_wgs84(xy[:, 0], xy[:, 1])
    cats = [c.id for c in catalog.load().categories]
    cat = rng.choice(cats, size=n)
    feeling = rng.integers(1, 6, size=n)
    statuses = list(ObservationStatus)
    status = rng.choice(len(statuses), size=n, p=[.35, .2, .1, .1, .1, .1, .05])
    words = rng.integers(0, [len(_WHAT), len(_WHERE), len(_MORE)], size=(n, 3))
    t0 = datetime(2019, 10, 15, 17, 0, tzinfo=UTC)
    return [Observation(id=i + 1, uuid=f"bench-{i}", walk_id=None, district_id=DISTRICT,
                        activity_id=None, category=str(cat[i]),
                        description=f"{_WHAT[w[0]]} {_WHERE[w[1]]}, {_MORE[w[2]]}",
                        feeling=int(feeling[i]), lon=float(lon[i]), lat=float(lat[i]),
                        observed_at=t0 + timedelta(seconds=17 * i),
                        status=statuses[status[i]].value,
                        status_reason="Inget att åtgärda" if statuses[status[i]] == ObservationStatus.CLOSED else "",
                        reported_by="bench", group="boende", is_demo=False,
                        created_at=t0, updated_at=t0, version=1)
            for i, w in enumerate(words)]


# --- the three approaches: each returns a localized folium.Map; rendering is timed outside ---

def build_ours(obs, spots, ctx) -> folium.Map:
    cat = ctx["catalog"]
    return planner_map(ctx["districts"], DISTRICT, observations=obs, measures=[], walks=[],
                       categories=list(cat.categories), measure_types=list(cat.measure_types),
                       lang="sv", spots=spots)


def build_plain(obs, spots, ctx) -> folium.Map:
    d = ctx["districts"].get(DISTRICT)
    m = folium.Map(location=crs.leaflet(*d.centre), zoom_start=15)
    for o in obs:
        folium.Marker(crs.leaflet(o.lon, o.lat), popup=folium.Popup(html.escape(o.description), max_width=300),
                      ).add_to(m)
    return m


def build_explore(obs, spots, ctx) -> folium.Map:
    gdf = gpd.GeoDataFrame(
        {"category": [o.category for o in obs], "feeling": [o.feeling for o in obs],
         "status": [o.status for o in obs], "description": [o.description for o in obs],
         "observed_at": [o.observed_at for o in obs]},
        geometry=gpd.points_from_xy([o.lon for o in obs], [o.lat for o in obs]), crs="EPSG:4326")
    return gdf.explore()


APPROACHES = {"ours": build_ours, "plain": build_plain, "explore": build_explore}
EXPLORE_MISSING = [m for m in ("matplotlib", "mapclassify") if importlib.util.find_spec(m) is None]
if EXPLORE_MISSING:
    del APPROACHES["explore"]
# JS condition: the points exist in the page (evaluated after the load event)
POINTS_READY = {
    "ours": "(function(){var k=Object.keys(window).find(function(k){return k.indexOf('tk_points_')===0;});"
            "var g=k&&window[k]; return !!(g&&g._map) && (document.querySelector('.leaflet-overlay-pane canvas')"
            "||document.querySelector('path.tk-obs')) ? g.getLayers().length : 0;})()",
    "plain": "document.querySelectorAll('.leaflet-marker-pane .leaflet-marker-icon').length",
    "explore": "document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length",
}
_PROBE = """
(() => {
  const ready = () => { try { return (%s) > 0 && Object.keys(window).some(
      k => k.startsWith('map_') && window.L && window[k] instanceof L.Map); } catch (e) { return false; } };
  const done = () => { window.__tkRendered = performance.now(); };
  const check = () => requestAnimationFrame(() => {
      if (!ready()) { check(); return; }
      requestAnimationFrame(() => requestAnimationFrame(done));
  });
  window.addEventListener('load', check);
})();
"""


def timed_build(name, obs, spots, ctx, repeat) -> tuple[float, str]:
    best, page = float("inf"), ""
    for _ in range(repeat):
        t = time.perf_counter()
        m = APPROACHES[name](obs, spots, ctx)
        built = time.perf_counter() - t
        if name != "ours":
            localize(m)  # not timed: the plain approach would not do it; ours does it inside
        t = time.perf_counter()
        page = m.get_root().render()
        best = min(best, built + time.perf_counter() - t)
        if best > SINGLE_RUN_OVER:
            break
    return best, page


class _Server:
    """A quiet http.server on a free port serving ``root`` in a thread."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class Browser:
    def __init__(self) -> None:
        self.pw = sync_playwright().start()
        self.browser = self.pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                               args=CHROMIUM_ARGS)

    def load(self, url: str, name: str) -> dict:
        """One load in a fresh context: the in-page render time and navigation timings (ms)."""
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        blocked = block_outside(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.add_init_script(_PROBE % POINTS_READY[name])
        try:
            page.goto(url, wait_until="load", timeout=RENDER_TIMEOUT_MS)
            page.wait_for_function("window.__tkRendered !== undefined", timeout=RENDER_TIMEOUT_MS,
                                   polling=200)
        except PlaywrightTimeout:
            context.close()
            raise RuntimeError(f"not rendered within {RENDER_TIMEOUT_MS / 1000:.0f} s "
                               f"(page errors: {errors[:3]})") from None
        try:
            r = page.evaluate("""(expr) => { const n = performance.getEntriesByType('navigation')[0];
                return {rendered: window.__tkRendered, response: n.responseEnd,
                        dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, points: eval(expr)}; }""",
                              POINTS_READY[name])
        finally:
            context.close()
        r["blocked"], r["errors"] = len(blocked), errors
        return r

    def close(self) -> None:
        self.browser.close()
        self.pw.stop()


def best_render(browser: Browser, url: str, name: str, repeat: int) -> dict:
    best = None
    for _ in range(repeat):
        try:
            r = browser.load(url, name)
        except RuntimeError as e:
            return {"failure": str(e)}
        if best is None or r["rendered"] < best["rendered"]:
            best = r
        if r["rendered"] > SINGLE_RUN_OVER * 1000:
            break
    return best


def _size(b: int) -> str:
    return f"{b / 1e6:.2f} MB" if b >= 1e5 else f"{b / 1e3:.0f} kB"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium column")
    args = ap.parse_args()
    ctx = {"districts": districts.load(), "catalog": catalog.load()}
    t = time.perf_counter()
    warm = synthetic(50, seed=0)
    hot_spots(warm)
    for name in APPROACHES:  # warm-up: imports, jinja template compilation
        timed_build(name, warm, hot_spots(warm), ctx, 1)
    print(f"warm-up (imports, templates): {time.perf_counter() - t:.2f} s; "
          f"{os.cpu_count()} CPUs; repeat {args.repeat}")

    rows, notes = [], []
    build_10k: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "app" / "static").mkdir(parents=True)
        (tmp / "app" / "static" / "vendor").symlink_to(ROOT / "static" / "vendor")
        server = _Server(tmp)
        browser = None if args.no_browser else Browser()
        try:
            if browser is not None:  # baseline: the page with its assets and no observations
                empty = tmp / "ours-0.html"
                empty.write_text(build_ours([], [], ctx).get_root().render(), encoding="utf-8")
                POINTS_READY["empty"] = "1"
                base = best_render(browser, f"{server.url}/{empty.name}", "empty", args.repeat)
                if "failure" not in base:
                    notes.append(f"baseline: ours with 0 observations renders in "
                                 f"{base['rendered'] / 1000:.2f} s (load event at "
                                 f"{base['load'] / 1000:.2f} s): the cost of Leaflet, jQuery, "
                                 "Bootstrap and Font Awesome in a fresh browser context")
            for n in args.sizes:
                obs = synthetic(n)
                t_hs, spots = float("inf"), []
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    spots = hot_spots(obs)
                    t_hs = min(t_hs, time.perf_counter() - t)
                for name in APPROACHES:
                    row = {"n": n, "approach": name, "hot": t_hs if name == "ours" else None,
                           "spots": len(spots)}
                    if name != "ours" and n > 10000 and build_10k.get(name, 0) > SKIP_50K_IF_10K_OVER:
                        row["skip"] = f"skipped (>60 s): 10,000 took {build_10k[name]:.0f} s"
                        notes.append(f"{name} at {n:,}: skipped, its 10,000 build took "
                                     f"{build_10k[name]:.1f} s (> {SKIP_50K_IF_10K_OVER:.0f} s), so "
                                     f"{n:,} would take over a minute to build and much longer to load")
                        rows.append(row)
                        print(f"  {n:>6} {name:<8} skipped", flush=True)
                        continue
                    t_build, page = timed_build(name, obs, spots, ctx, args.repeat)
                    if n == 10000:
                        build_10k[name] = t_build
                    assert "https://cdn" not in page and "code.jquery.com" not in page, f"{name}: CDN link left"
                    path = tmp / f"{name}-{n}.html"
                    path.write_text(page, encoding="utf-8")
                    row.update(build=t_build, size=len(page.encode("utf-8")))
                    del page
                    if browser is not None:
                        r = best_render(browser, f"{server.url}/{path.name}", name, args.repeat)
                        if "failure" in r:
                            notes.append(f"{name} at {n:,}: {r['failure']}")
                            row["render_failed"] = f"> {RENDER_TIMEOUT_MS // 1000} (timed out)"
                            r = None
                        row["render"] = r
                        if r and r["errors"]:
                            notes.append(f"{name} at {n:,}: page errors {r['errors'][:3]}")
                        if r and r["points"] != n:
                            notes.append(f"{name} at {n:,}: {r['points']} points drawn, expected {n}")
                    rows.append(row)
                    rr = row.get("render")
                    print(f"  {n:>6} {name:<8} build {t_build:6.2f} s  {_size(row['size']):>9}"
                          + (f"  render {rr['rendered'] / 1000:6.2f} s" if rr else
                             f"  render {row.get('render_failed', '–')}"), flush=True)
                    path.unlink()
        finally:
            if browser is not None:
                browser.close()
            server.close()

    print()
    print("| N | approach | build s | HTML | render in Chromium s | hot spots s |")
    print("|---:|---|---:|---:|---:|---:|")
    for r in rows:
        if "skip" in r:
            print(f"| {r['n']:,} | {r['approach']} | {r['skip']} | – | – | – |")
            continue
        rr = r.get("render")
        render = f"{rr['rendered'] / 1000:.2f}" if rr else r.get("render_failed", "–")
        hot = f"{r['hot']:.3f}" if r["hot"] is not None else "–"
        print(f"| {r['n']:,} | {r['approach']} | {r['build']:.2f} | {_size(r['size'])} | "
              f"{render} | {hot} |")
    if not args.no_browser:
        print()
        print("Where the browser time goes (ms from navigation start; best load):")
        print(f"{'N':>7} {'approach':<8} {'response end':>13} {'DOMContentLoaded':>17} "
              f"{'load end':>9} {'rendered':>9} {'points':>7} {'blocked':>8}")
        for r in rows:
            rr = r.get("render")
            if rr:
                print(f"{r['n']:>7} {r['approach']:<8} {rr['response']:>13.0f} {rr['dcl']:>17.0f} "
                      f"{rr['load']:>9.0f} {rr['rendered']:>9.0f} {rr['points']:>7} {rr['blocked']:>8}")
        print("(blocked: requests to other hosts, i.e. OpenStreetMap tiles, aborted)")
    print("hot spots found: " + ", ".join(f"{r['n']:,}: {r['spots']}" for r in rows
                                          if r["approach"] == "ours"))
    if EXPLORE_MISSING:
        notes.append(f"explore: skipped, geopandas' explore() needs {' and '.join(EXPLORE_MISSING)} "
                     "(see this file's docstring)")
    for note in notes:
        print("note:", note)
    ours = {r["n"]: r for r in rows if r["approach"] == "ours"}
    print()
    print("aims: 10,000 rendered < 2 s, HTML < 1 MB; hot spots for 50,000 < 1 s")
    if 10000 in ours:
        o = ours[10000]
        render = f"{o['render']['rendered'] / 1000:.2f} s" if o.get("render") else "not measured"
        print(f"  ours 10,000: render {render}, HTML {_size(o['size'])}")
    if 50000 in ours:
        print(f"  hot spots 50,000: {ours[50000]['hot']:.3f} s")


if __name__ == "__main__":
    main()
