"""How long `caf-desktop demo` takes to fill a store: 1,000 fictional records (no DESIGN.md target; a
newcomer waits for it, so it is watched here rather than by a timed test).

    .venv/bin/python benchmarks/bench_demo.py              # 1,000 records, three runs
    .venv/bin/python benchmarks/bench_demo.py --records N
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from caf_desktop.demo import generate as demo
from caf_desktop.store.store import Profile, Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    wall, cpu = [], []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            store = Store.create(
                Path(folder) / "home",
                "a passphrase for the bench",
                Profile("Bench", "worker", ""),
                kdf_cost=2**10,
            )
            try:
                started, started_cpu = time.perf_counter(), time.process_time()
                demo.populate(store, args.records, seed=run + 1)
                wall.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            finally:
                store.close()
    print(
        f"demo populate, {args.records} records: median {statistics.median(wall):.2f} s wall, "
        f"{statistics.median(cpu):.2f} s CPU ({args.runs} runs)"
    )


if __name__ == "__main__":
    main()
