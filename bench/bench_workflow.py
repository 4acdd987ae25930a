"""Workflow benchmark: what a planner waits for when a measure moves its observations.

    .venv/bin/python bench/bench_workflow.py [--links 1 20 200 1000] [--backend sqlite postgresql]
                                             [--postgres-url URL]

For each backend and each number of linked observations (a lamp for one pin, a hot spot of 20,
an area of 200, a whole district of 1,000), in a fresh database, prints the time of:

- triage: marking that many pins assessed in one transaction (``set_observation_statuses``);
- planning: a new measure linked to them (``add_measure``: every pin → measure planned);
- each status step of the measure (decided, in progress, done), every pin following it in the
  same transaction with its history entry (``set_measure_status`` → ``_follow_measures``).

Each figure is one run on a fresh database: a planner does each of these once. Figures, not
thresholds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scale import drafts, fresh_store

from geo.model import Actor, MeasureDraft, Role

PLANNER = Actor(role=Role.PLANNER, name="Bänk", user_id=1)
STEPS = ("decided", "in_progress", "done")


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def run(backend: str, links: int, pg_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        store, cleanup = fresh_store(backend, Path(tmp), pg_url)
        try:
            ids = store.add_observations(drafts(links), PLANNER).ids
            out = {"backend": backend, "links": links,
                   "triage": timed(lambda: store.set_observation_statuses(ids, "assessed", PLANNER))}
            made = {}
            out["plan"] = timed(lambda: made.setdefault("id", store.add_measure(MeasureDraft(
                type="belysning_ny", title="Ny belysning", responsible="kommun",
                geometry={"type": "Point", "coordinates": [12.9012, 56.6606]}, observation_ids=tuple(ids)),
                PLANNER)))
            for step in STEPS:
                out[step] = timed(lambda step=step: store.set_measure_status(made["id"], step, PLANNER))
            assert {o.status for o in store.observations(ids=ids)} == {"resolved"}
            return out
        finally:
            store.dispose()
            cleanup()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--links", type=int, nargs="+", default=[1, 20, 200, 1000])
    ap.add_argument("--backend", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    ap.add_argument("--postgres-url", default=os.environ.get("TEST_POSTGRES_URL"))
    args = ap.parse_args()
    pg_url = args.postgres_url
    if "postgresql" in args.backend and not pg_url:
        pg_url = subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "start"], check=True,
                                capture_output=True, text=True).stdout.strip().splitlines()[-1]
    print("| Backend | Linked pins | Triage (assessed) | Measure planned | Decided | In progress | Done |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for backend in args.backend:
        for n in args.links:
            r = run(backend, n, pg_url)
            print(f"| {backend} | {n:,} | " + " | ".join(
                f"{r[k] * 1000:.0f} ms" for k in ("triage", "plan", *STEPS)) + " |", flush=True)


if __name__ == "__main__":
    main()
