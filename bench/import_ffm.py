"""Import a 1,000,000-row FFM Registration Completion List into PostgreSQL (issue #3).

Target: ≥ 20,000 rows/s and peak memory ≤ 300 MB. The file is generated here
(`make_file`), then imported three times by the real command, each in its own process
whose peak resident memory is read from the kernel: a first load (every row new), the
same file again (nothing changes) and a file where 1% of the rows changed.

    python bench/import_ffm.py [ROWS]
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["BENCH_DATABASE"] = os.environ.get("BENCH_IMPORT_DATABASE", "hod_bench_import")

import common  # noqa: E402

HEADER = (
    "NPN,Applicable Plan Year,Individual Registration Completion Date,Individual Marketplace End Date,"
    "Shop Registration Completion Date,Shop End Date,NPN Valid (Current Plan Year Only)\n"
)


def make_file(path: Path, rows: int, *, seed: int, changed: float = 0.0) -> None:
    """A list shaped like the real one: 8-digit NPNs, most with an Individual completion
    date in the months before open enrollment, some with SHOP dates or an end date."""
    rng = random.Random(seed)
    change = random.Random(seed + 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        for i in range(rows):
            month, day = rng.randint(6, 10), rng.randint(1, 28)
            if changed and change.random() < changed:
                day = day % 28 + 1
            completed = f"{month:02d}/{day:02d}/2026"
            ended = "12/31/2027" if rng.random() < 0.02 else ""
            shop = completed if rng.random() < 0.1 else ""
            out.write(f"{10_000_000 + i},2027,{completed},{ended},{shop},,-\n")


def run(path: Path) -> tuple[float, float, str]:
    """Seconds and peak MB of `manage.py import_ffm FILE` in its own process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, str(common.ROOT / "manage.py"), "import_ffm", str(path)],
        capture_output=True, text=True, check=True, env=os.environ,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    changes = ", ".join(
        line for line in done.stdout.splitlines() if line.split(":")[0] in {"added", "changed", "removed"}
    )
    return seconds, max(peak_kb, before) / 1024, changes


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    common.ensure_database()
    subprocess.run([sys.executable, str(common.ROOT / "manage.py"), "migrate", "-v0"], check=True, env=os.environ)  # noqa: S603
    subprocess.run(  # noqa: S603 - start from an empty list
        [sys.executable, str(common.ROOT / "manage.py"), "shell", "-c",
         "from eligibility.models import FfmRegistration; FfmRegistration.objects.all().delete()"],
        check=True, env=os.environ,
    )  # fmt: skip
    baseline = common.raw_insert_baseline()
    with tempfile.TemporaryDirectory() as tmp:
        first, changed = Path(tmp, "ffm.csv"), Path(tmp, "ffm_changed.csv")
        started = time.perf_counter()
        make_file(first, rows, seed=1)
        make_file(changed, rows, seed=1, changed=0.01)
        print(f"generated 2 files of {rows:,} rows ({first.stat().st_size / 1e6:.0f} MB each) "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        print(f"raw INSERT+COMMIT baseline: {baseline * 1000:.2f} ms")
        print(f"{'load':<22}{'seconds':>9}{'rows/s':>10}{'peak MB':>9}  changes")
        for label, path in [("first load", first), ("same file again", first), ("1% of rows changed", changed)]:
            seconds, peak, changes = run(path)
            print(f"{label:<22}{seconds:>9.1f}{rows / seconds:>10,.0f}{peak:>9.0f}  {changes}")


if __name__ == "__main__":
    main()
