"""Shared set-up for the benchmarks: a PostgreSQL database with 100,000 demo agents, and
the raw-database baseline every figure is divided by."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DATABASE", "hod_bench")
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
os.environ.setdefault("DATABASE_URL", f"{SERVER}/{BENCH_DB}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hod.settings")
os.environ.setdefault("HOD_PLAN_YEAR", "2027")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", (BENCH_DB,)).fetchone():
            conn.execute(f'create database "{BENCH_DB}"')


def setup(agents: int = 100_000) -> None:
    """Migrate and load `agents` demo agents once; later runs reuse them."""
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from agents import demo
    from agents.models import Agent
    from eligibility.services import plan_year_at

    call_command("migrate", verbosity=0)
    from django.db import connection

    have = Agent.objects.count()
    if have < agents:
        started = time.perf_counter()
        Agent.objects.all().delete()
        demo.build(agents, seed=7, plan_year=plan_year_at(timezone.now()), now=timezone.now())
        print(f"loaded {agents:,} agents in {time.perf_counter() - started:.1f} s")
    # As autovacuum would in production: statistics, and the visibility map that lets the
    # routing query read the coverage index without visiting the table.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def reset_referrals() -> None:
    """Start from no referrals, offers, events or messages, and nobody paused after a miss
    (an earlier run's expiries pause thousands of agents)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notifications_attempt, notifications_message, referrals_event, referrals_contactattempt, "
            "referrals_offer, referrals_referral"
        )
        cursor.execute("UPDATE agents_agent SET paused_at = NULL WHERE paused_at IS NOT NULL")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process on this machine so far (Linux: /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_insert_baseline(n: int = 2000) -> float:
    """Median seconds for one single-row INSERT + COMMIT, on its own connection."""
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        conn.execute("create table if not exists bench_raw (id bigserial primary key, at timestamptz, note text)")
        conn.commit()
        samples = []
        for _ in range(n):
            started = time.perf_counter()
            conn.execute("insert into bench_raw (at, note) values (now(), 'x')")
            conn.commit()
            samples.append(time.perf_counter() - started)
        conn.execute("drop table bench_raw")
        conn.commit()
    return statistics.median(samples)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(name: str, samples: list[float], baseline: float, target_ms: float | None = None) -> dict[str, object]:
    p50, p99 = percentile(samples, 50) * 1000, percentile(samples, 99) * 1000
    line = (
        f"{name}: n={len(samples):,} p50={p50:.2f} ms p99={p99:.2f} ms "
        f"(= {p50 / (baseline * 1000):.1f}× / {p99 / (baseline * 1000):.1f}× "
        f"a raw INSERT+COMMIT of {baseline * 1000:.3f} ms)"
    )
    if target_ms is not None:
        line += f" target p99 ≤ {target_ms:g} ms: {'MET' if p99 <= target_ms else 'NOT MET'}"
    print(line)
    return {"name": name, "n": len(samples), "p50_ms": p50, "p99_ms": p99, "baseline_ms": baseline * 1000}
