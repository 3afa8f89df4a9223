"""Signing against its target: a signature adds <= 150 ms to printing the CAF.

    .venv/bin/python benchmarks/bench_pdf_sign.py            # one line per figure, about 10 s
    .venv/bin/python benchmarks/bench_pdf_sign.py --profile  # also cProfile one signing
    .venv/bin/python benchmarks/bench_pdf_sign.py --keep DIR # also write the signed PDF into DIR

Figures (each the median of RUNS, after one run of each that is not counted):
1. render only: `pdf_render.render_pdf` of the shipped CAF example (tests/examples/caf-assessment/full.json);
2. render and sign: the same, then `pdf_sign.sign_pdf` with a fresh identity (ECDSA P-256,
   self-signed): PAdES B-B, the stamp on the last page;
3. what signing adds: figure 2 less figure 1 (the target);
4. signing alone, the CAF example already rendered (the same, measured directly);
5. signing alone, the heavy CAF of benchmarks/fixtures.py (a bigger file to parse and hash);
6. verifying the signed example: `pdf_sign.verify_pdf` against the signer's certificate;
7. the first signature in a fresh process: importing pyHanko (it imports aiohttp, for timestamp
   servers we never call), then signing an already rendered PDF, which there also loads reportlab
   and registers the fonts for the stamp (after printing, as in `caf-desktop pdf --sign`, those are
   done already). A subprocess, so nothing is warm.

The identity is made in memory; no store, passphrase or Qt is involved. Loading the identity from
its PKCS#12 file (scrypt, about 0.1 s) is the passphrase's cost, not signing's, and is not counted.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from caf_desktop.formengine import definitions
from caf_desktop.paper.render import render_pdf
from caf_desktop.paper.sign import sign_pdf, verify_pdf
from caf_desktop.trust import identity

import fixtures

RUNS = 15
TARGET_MS = 150.0
PROFILE = "--profile" in sys.argv
KEEP = Path(sys.argv[sys.argv.index("--keep") + 1]) if "--keep" in sys.argv else None


FIRST_SIGNATURE = """
import sys, time
from pathlib import Path
from caf_desktop.trust import identity
signer = identity.create_identity("Alex Worker")
pdf = Path(sys.argv[1]).read_bytes()
started = time.perf_counter()
from caf_desktop.paper.sign import sign_pdf
imported = time.perf_counter()
sign_pdf(pdf, signer)
done = time.perf_counter()
print(repr(imported - started), repr(done - imported))
"""


def median_of(function: Callable[[], Any]) -> tuple[float, Any]:
    result = function()  # not counted: fonts, imports and caches warm up
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - start)
    return fixtures.median_ms(samples), result


def main() -> None:
    fixtures.print_machine()
    caf = definitions.shipped_catalogue().get("caf-assessment")
    example = json.loads(fixtures.FULL_EXAMPLE.read_text(encoding="utf-8"))
    heavy = fixtures.full_document(caf)
    signer = identity.create_identity("Alex Worker", "Fictonwood Council (fictional)")

    rendered_ms, pdf = median_of(lambda: render_pdf(caf, example))
    signed_ms, signed = median_of(lambda: sign_pdf(render_pdf(caf, example), signer))
    added = signed_ms - rendered_ms
    fixtures.report(
        "1 render only (CAF example)",
        f"{rendered_ms:.0f} ms ({len(pdf) / 1024:.0f} KiB)",
        "(no target)",
        True,
    )
    fixtures.report(
        "2 render and sign (CAF example)",
        f"{signed_ms:.0f} ms ({len(signed) / 1024:.0f} KiB)",
        "(no target)",
        True,
    )
    fixtures.report("3 what signing adds", f"{added:.0f} ms", f"<= {TARGET_MS:.0f} ms", added <= TARGET_MS)

    alone_ms, _ = median_of(lambda: sign_pdf(pdf, signer))
    fixtures.report(
        "4 sign only (CAF example)", f"{alone_ms:.0f} ms", f"<= {TARGET_MS:.0f} ms", alone_ms <= TARGET_MS
    )
    heavy_pdf = render_pdf(caf, heavy)
    heavy_ms, _ = median_of(lambda: sign_pdf(heavy_pdf, signer))
    fixtures.report(
        "5 sign only (heavy CAF)",
        f"{heavy_ms:.0f} ms ({len(heavy_pdf) / 1024:.0f} KiB)",
        f"<= {TARGET_MS:.0f} ms",
        heavy_ms <= TARGET_MS,
    )
    verify_ms, reports = median_of(lambda: verify_pdf(signed, [signer.certificate]))
    assert [(r.intact, r.trusted) for r in reports] == [(True, True)], reports
    fixtures.report("6 verify (CAF example, one signature)", f"{verify_ms:.0f} ms", "(no target)", True)

    firsts = []
    with tempfile.TemporaryDirectory() as folder:
        unsigned = Path(folder) / "caf-example.pdf"
        unsigned.write_bytes(pdf)
        for _ in range(3):
            result = subprocess.run(
                [sys.executable, "-c", FIRST_SIGNATURE, str(unsigned)],
                capture_output=True,
                text=True,
                check=True,
            )
            importing, signing = (float(x) for x in result.stdout.split())
            firsts.append((importing, signing))
    importing = statistics.median(f[0] for f in firsts) * 1000
    signing = statistics.median(f[1] for f in firsts) * 1000
    fixtures.report(
        "7 first signature in a fresh process",
        f"{signing:.0f} ms (+{importing:.0f} ms importing pyHanko)",
        "(no target; once per process)",
        True,
    )

    if KEEP is not None:
        KEEP.mkdir(parents=True, exist_ok=True)
        (KEEP / "caf-example-signed.pdf").write_bytes(signed)
    if PROFILE:
        profiler = cProfile.Profile()
        profiler.enable()
        sign_pdf(pdf, signer)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        print(out.getvalue())


if __name__ == "__main__":
    main()
