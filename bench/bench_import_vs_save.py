"""An admin's large import against walkers' saves, on SQLite.

    .venv/bin/python bench/bench_import_vs_save.py [--n 50000] [--every 0.1] [--format geojson]

In a fresh SQLite database (a temporary file; the busy wait is the app's, 30 s), one process
imports a file of ``--n`` observations with ``geo.io.import_file`` (what ``python -m geo
import`` and the admin page do) while another process, a participant of an open walk, saves
one pin every ``--every`` seconds through ``Store.add_observation`` (what the pin form does).

Prints the import's time (reading and checking the file, then the write), how long the
importer held the write lock (from the first row written to the commit, seen by a third
connection that tries ``BEGIN IMMEDIATE`` every 10 ms), and for the saves that overlapped the
import: how many, how many failed, and the median, 95th percentile and largest time one save
took (each its own transaction, so its wait for the lock is most of it).  Figures, not
thresholds.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.model import SYSTEM, ObservationDraft
from geo.store import Store, Unavailable, open_store

CODE = "BENCH1"
ANDERSBERG = (12.895, 56.657)


def write_file(path: Path, n: int, fmt: str) -> Path:
    """``n`` valid observations spread over Andersberg, as GeoJSON or CSV."""
    def lonlat(i: int) -> tuple[float, float]:
        return ANDERSBERG[0] + (i % 200) * 0.00005, ANDERSBERG[1] + (i // 200) * 0.00002

    if fmt == "csv":
        lines = ["uuid,category,description,observed_at,feeling,lat,lon"]
        for i in range(n):
            lon, lat = lonlat(i)
            lines.append(f"{uuid.UUID(int=i + 1)},belysning,Lampa {i} är trasig,"
                         f"2026-11-20T18:30:00+01:00,{1 + i % 5},{lat:.7f},{lon:.7f}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": list(lonlat(i))},
                 "properties": {"uuid": str(uuid.UUID(int=i + 1)), "category": "belysning",
                                "feeling": 1 + i % 5, "description": f"Lampa {i} är trasig",
                                "observed_at": "2026-11-20T18:30:00+01:00"}} for i in range(n)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def saver(url: str, every: float, stop_file: Path, out_file: Path) -> None:
    """The walker: join, then one pin every ``every`` seconds until ``stop_file`` exists;
    writes [[start, seconds, ok], ...] (wall-clock start) to ``out_file``."""
    store = Store(url)
    me = store.join_walk(CODE, "Bänk", "boende")
    out_file.with_suffix(".ready").touch()
    saves: list[list[float | bool]] = []
    i = 0
    while not stop_file.exists():
        draft = ObservationDraft(category="belysning", lon=ANDERSBERG[0] + (i % 50) * 1e-5,
                                 lat=ANDERSBERG[1] - 0.001, feeling=3, description=f"Pin {i}",
                                 observed_at=None, walk_id=me.walk_id, uuid=str(uuid.uuid4()))
        start, t = time.time(), time.perf_counter()
        try:
            store.add_observation(draft, me)
            ok = True
        except Unavailable:
            ok = False
        saves.append([start, time.perf_counter() - t, ok])
        i += 1
        time.sleep(every)
    store.dispose()
    out_file.write_text(json.dumps(saves))


def lock_watch(db: Path, stop_file: Path, out_file: Path) -> None:
    """A third process: every 10 ms, whether ``BEGIN IMMEDIATE`` finds the write lock taken;
    writes [[moment, taken], ...] (a process of its own, so that the importer's Python work
    cannot delay the probes)."""
    seen: list[tuple[float, bool]] = []
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    while not stop_file.exists():
        now = time.time()
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            seen.append((now, False))
        except sqlite3.OperationalError:
            seen.append((now, True))
        time.sleep(0.01)
    probe.close()
    out_file.write_text(json.dumps(seen))


def longest_hold(seen: list[tuple[float, bool]]) -> tuple[float, float]:
    """The longest stretch (first, last moment) the probes found the lock taken with no
    probe between them finding it free (a probe delayed by a busy machine shortens nothing;
    a walker's save holds the lock for a few milliseconds only)."""
    best, start = (0.0, 0.0), None
    for moment, taken in seen:
        if not taken:
            start = None
            continue
        start = moment if start is None else start
        if moment - start >= best[1] - best[0]:
            best = (start, moment)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--every", type=float, default=0.1)
    parser.add_argument("--format", choices=("geojson", "csv"), default="geojson")
    parser.add_argument("--saver", nargs=4, metavar=("URL", "EVERY", "STOP", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--watch", nargs=3, metavar=("DB", "STOP", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.saver:
        url, every, stop, out = args.saver
        saver(url, float(every), Path(stop), Path(out))
        return
    if args.watch:
        lock_watch(*(Path(a) for a in args.watch))
        return

    from geo.io import import_file

    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp_:
        tmp = Path(tmp_)
        db = tmp / "bench.db"
        url = f"sqlite:///{db}"
        store = open_store(url, migrate="always")
        store.add_walk(SYSTEM, slug="bench-walk", district_id="andersberg", title="Bänkvandring",
                       starts_at=time_now(), status="open", join_code=CODE)
        source = write_file(tmp / f"import.{args.format}", args.n, args.format)
        size_mb = source.stat().st_size / 1e6
        stop_file, out_file = tmp / "stop", tmp / "saves.json"
        proc = subprocess.Popen([sys.executable, __file__, "--saver", url, str(args.every),
                                 str(stop_file), str(out_file)], cwd=ROOT)
        while not out_file.with_suffix(".ready").exists():
            if proc.poll() is not None:
                raise SystemExit("the saver failed to start")
            time.sleep(0.05)
        time.sleep(1.0)  # a few saves before the import: the baseline

        held_file = tmp / "held.json"
        watcher = subprocess.Popen([sys.executable, __file__, "--watch", str(db), str(stop_file),
                                    str(held_file)], cwd=ROOT)
        time.sleep(0.5)
        began = time.time()
        t = time.perf_counter()
        result = import_file(store, source, SYSTEM)
        took = time.perf_counter() - t
        ended = time.time()
        time.sleep(1.0)
        stop_file.touch()
        proc.wait(timeout=120)
        watcher.wait(timeout=120)
        saves = json.loads(out_file.read_text())
        seen = json.loads(held_file.read_text())
        store.dispose()

    during = [s for s in saves if s[0] + s[1] >= began and s[0] <= ended]
    waits = sorted(s[1] for s in during)
    before = sorted(s[1] for s in saves if s[0] + s[1] < began)
    failed = sum(1 for s in during if not s[2])
    lock = longest_hold([(m, taken) for m, taken in seen if began <= m <= ended + 0.5])
    print(f"rows: {args.n:,} ({args.format}), added {result.added:,}, file {size_mb:.1f} MB")
    print(f"import: {took:.2f} s in all; the write lock held for {lock[1] - lock[0]:.2f} s at most in"
          f" one stretch ({lock[0] - began:.1f}–{lock[1] - began:.1f} s after the start)")
    if before:
        print(f"saves before the import: {len(before)}, median {statistics.median(before) * 1000:.0f} ms")
    if waits:
        p95 = waits[min(len(waits) - 1, int(0.95 * len(waits)))]
        print(f"saves during the import: {len(waits)}, failed {failed}, median "
              f"{statistics.median(waits) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {waits[-1]:.2f} s")
        slow = sorted((s for s in during if s[1] > 0.5), key=lambda s: s[0])
        print("saves over 0.5 s (start after the import's start, seconds): "
              + (", ".join(f"{s[0] - began:.1f}+{s[1]:.2f}" for s in slow) or "none"))


def time_now():
    from datetime import UTC, datetime
    return datetime.now(UTC)


if __name__ == "__main__":
    os.environ.setdefault("TRYGG_LANG", "en")
    main()
