"""Foundation benchmark: store writes and reads, demo load, and the first map page's build.

    .venv/bin/python bench/bench_foundation.py [--sizes 1000 10000]

Prints, for each size N: time to save N observations in one transaction and one by one
(first 500), time to read one district's observations, and the district map's build time and
HTML size. Runs on a temporary SQLite file; nothing is kept. Figures, not thresholds.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo import catalog, demo, districts
from geo.crs import to_metric, to_wgs84
from geo.model import SYSTEM, ObservationDraft
from geo.plannermap import planner_map
from geo.store import Store, open_store


def drafts(n: int, seed: int = 1) -> list[ObservationDraft]:
    rng = random.Random(seed)
    cats = [c.id for c in catalog.load().categories]
    cx, cy = to_metric(*districts.load().get("andersberg").centre)
    t0 = datetime(2019, 10, 15, 17, 0, tzinfo=UTC)
    out = []
    for i in range(n):
        lon, lat = to_wgs84(cx + rng.gauss(0, 180), cy + rng.gauss(0, 250))
        out.append(ObservationDraft(category=rng.choice(cats), lon=lon, lat=lat,
                                    feeling=rng.randint(1, 5), description=f"Iakttagelse {i}",
                                    observed_at=t0 + timedelta(minutes=i)))
    return out


def fresh(tmp: Path, name: str) -> Store:
    return open_store(f"sqlite:///{tmp / name}", migrate="always")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    sizes = ap.parse_args().sizes
    cat = catalog.load()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        s = fresh(tmp, "demo.db")
        t = time.perf_counter()
        counts = demo.load(s)
        print(f"demo load: {counts} in {time.perf_counter() - t:.2f} s")
        print(f"{'N':>7} {'batch save':>11} {'one-by-one':>12} {'read district':>14} "
              f"{'map build':>10} {'map HTML':>10}")
        for n in sizes:
            s = fresh(tmp, f"b{n}.db")
            batch = drafts(n)
            t = time.perf_counter()
            s.add_observations(batch, SYSTEM)
            t_batch = time.perf_counter() - t
            singles = drafts(min(n, 500), seed=2)
            t = time.perf_counter()
            for d in singles:
                s.add_observation(d, SYSTEM)
            t_single = (time.perf_counter() - t) / len(singles) * 1000
            t = time.perf_counter()
            obs = s.observations(district_ids=s.districts().family("andersberg"))
            t_read = time.perf_counter() - t
            t = time.perf_counter()
            m = planner_map(s.districts(), "andersberg", observations=obs, measures=[], walks=[],
                            categories=list(cat.categories), measure_types=list(cat.measure_types),
                            lang="sv")
            html = m.get_root().render()
            t_map = time.perf_counter() - t
            print(f"{n:>7} {t_batch:>9.2f} s {t_single:>8.1f} ms/st {t_read:>12.3f} s "
                  f"{t_map:>8.2f} s {len(html) / 1024:>7.0f} KiB")
            s.dispose()


if __name__ == "__main__":
    main()
