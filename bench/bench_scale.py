"""Scale benchmark: 100,000 observations in each backend.

    .venv/bin/python bench/bench_scale.py [--n 100000] [--backend sqlite postgresql]
                                          [--postgres-url URL] [--repeat 3]

For each backend, in a fresh database (a temporary SQLite file; a database ``trygg_bench`` on
the local test server that ``scripts/postgres.sh`` starts, or on --postgres-url), prints:

- insert throughput through ``Store.add_observations`` in batches of 5,000 (what an import
  does: validation, uuid check, placement in a district, the history row), rows per second;
- one pin saved at a time, as walkers do (mean of 200 saves, each its own transaction);
- one district's observations for the planner map: the store read plus the map's compact
  rows (``geo.plannermap.compact_rows``), best of --repeat;
- the same district's bounding box (``observations(bbox=…)``) and "within 50 m" of a spot
  (``observations_near``), where PostGIS uses its GiST indexes;
- the hot-spot analysis (DBSCAN, 35 m / 3 pins, ``geo.hotspots.hot_spots``) on that
  district's observations, best of --repeat;
- the database's size.

The points are the hot-spot benchmark's synthetic walks (clustered around 40 places in
Andersberg and Vallås, 30 % spread evenly), seeded. Figures, not thresholds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_hotspots import synthetic
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from geo import catalog
from geo.hotspots import hot_spots
from geo.model import SYSTEM, ObservationDraft
from geo.plannermap import compact_rows
from geo.store import Store, normal_url, open_store

BATCH = 5000
SINGLES = 200
DISTRICT = "andersberg"


def drafts(n: int) -> list[ObservationDraft]:
    return [ObservationDraft(category=o.category, lon=o.lon, lat=o.lat, feeling=o.feeling,
                             description=f"Iakttagelse {o.id}", observed_at=o.observed_at,
                             uuid=str(uuid.UUID(int=o.id)), is_demo=True)
            for o in synthetic(n)]


def best_of(repeat: int, fn):
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def fresh_store(backend: str, tmp: Path, pg_url: str | None) -> tuple[Store, callable]:
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"

        def cleanup():
            return None
    else:
        admin = create_engine(normal_url(pg_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS trygg_bench WITH (FORCE)'))
            conn.execute(text('CREATE DATABASE trygg_bench'))
        url = make_url(normal_url(pg_url)).set(database="trygg_bench").render_as_string(False)

        def cleanup():
            with admin.connect() as conn:
                conn.execute(text('DROP DATABASE IF EXISTS trygg_bench WITH (FORCE)'))
            admin.dispose()
    store = open_store(url, migrate="always")
    return store, cleanup


def size_of(store: Store, tmp: Path) -> float:
    if store.postgis:
        with store.engine.connect() as conn:
            return conn.execute(text("SELECT pg_database_size(current_database())")).scalar() / 1e6
    return sum(p.stat().st_size for p in tmp.glob("bench.db*")) / 1e6


def run(backend: str, n: int, repeat: int, pg_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store, cleanup = fresh_store(backend, tmp, pg_url)
        try:
            data = drafts(n)
            t = time.perf_counter()
            for start in range(0, n, BATCH):
                store.add_observations(data[start:start + BATCH], SYSTEM)
            t_insert = time.perf_counter() - t
            walk = store.add_walk(SYSTEM, slug="bench", district_id=DISTRICT, title="Bench",  # today's walk:
                                  starts_at=datetime.now(UTC), status="open", join_code="BENCHX")  # pins now
            walker = store.join_walk("BENCHX", "Kim")
            singles = [ObservationDraft(category=d.category, lon=d.lon, lat=d.lat, feeling=d.feeling,
                                        description="En nål", walk_id=walk.id, uuid=str(uuid.uuid4()))
                       for d in drafts(SINGLES)]
            t = time.perf_counter()
            for d in singles:
                store.add_observations([d], walker)
            t_single = (time.perf_counter() - t) / SINGLES
            family = store.districts().family(DISTRICT)
            cats = list(catalog.load().categories)
            t_fetch, obs = best_of(repeat, lambda: compact_rows(
                store.observations(district_ids=family), cats))
            box = store.districts().geometry(DISTRICT).bounds
            t_bbox, in_box = best_of(repeat, lambda: store.observations(bbox=box))
            centre = store.districts().get(DISTRICT).centre
            t_near, near = best_of(repeat, lambda: store.observations_near(*centre, 50))
            district_obs = store.observations(district_ids=family)
            t_hot, spots = best_of(repeat, lambda: hot_spots(district_obs))
            return {"backend": backend, "n": store.counts()["observation"], "insert_s": t_insert,
                    "rate": n / t_insert, "single_ms": t_single * 1000, "district": len(obs),
                    "fetch_s": t_fetch, "bbox": len(in_box), "bbox_s": t_bbox, "near": len(near),
                    "near_ms": t_near * 1000, "hot_s": t_hot, "spots": len(spots),
                    "size_mb": size_of(store, tmp)}
        finally:
            store.dispose()
            cleanup()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--backend", nargs="+", default=["sqlite", "postgresql"],
                    choices=["sqlite", "postgresql"])
    ap.add_argument("--postgres-url", default=os.environ.get("TEST_POSTGRES_URL"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pg_url = args.postgres_url
    if "postgresql" in args.backend and not pg_url:
        pg_url = subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "start"], check=True,
                                capture_output=True, text=True).stdout.strip().splitlines()[-1]
    hot_spots(synthetic(10, seed=0))  # warm-up: the one-off scikit-learn import
    rows = [run(b, args.n, args.repeat, pg_url) for b in args.backend]
    print(f"| Backend | Stored | Insert (batches of {BATCH:,}) | One pin | "
          f"District for the map | Bounding box | Within 50 m | Hot spots | Size |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['n']:,} | {r['insert_s']:.1f} s ({r['rate']:,.0f} rows/s) | "
              f"{r['single_ms']:.1f} ms | {r['district']:,} pins in {r['fetch_s']:.2f} s | "
              f"{r['bbox']:,} in {r['bbox_s']:.2f} s | {r['near']} in {r['near_ms']:.1f} ms | "
              f"{r['spots']} in {r['hot_s']:.2f} s | {r['size_mb']:.0f} MB |")


if __name__ == "__main__":
    main()
