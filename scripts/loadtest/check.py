#!/usr/bin/env python3
"""Compare the database after a load test with what the Locust users recorded as done (scripts/loadtest/run.py).

Checks (each must hold; the exit code is 1 otherwise):
- every proposal a user started exists, and no proposal exists that no user started (none lost, none extra);
- every proposal a user saw submitted is submitted, with exactly one 'ajukan' decision; no proposal is
  submitted that no user saw submitted;
- every approval a user saw accepted is in `decisions` exactly once, and the table has no other approvals
  made during the load (no lost, no duplicated decision); no (proposal, level) pair is approved twice;
- no request answered 5xx (Locust's view and gunicorn's access log), every login succeeded.
Prints p50/p95 per request name as the users saw it (every response time Locust reported) and per route as
the app took it (gunicorn's access log), and writes everything to --output as JSON.
"""
import argparse
import csv
import json
import math
import re
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

ACCESS_5XX_RE = re.compile(r'" (5\d\d) \d+ ')
# gunicorn.conf.py's access_log_format: '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
ID_RE = re.compile(r"/\d+")
ACCESS_RE = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d{3}) \S+ (\d+)ms')


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else 0.0


def client_times(record: dict, seconds: float) -> list[dict]:
    """Per request name, as the Locust users saw it (queueing in gunicorn's backlog included)."""
    rows = []
    for name, times in sorted(record["times_ms"].items()):
        rows.append({"name": name, "requests": len(times), "p50_ms": percentile(times, 50),
                     "p95_ms": percentile(times, 95), "max_ms": max(times),
                     "rps": round(len(times) / seconds, 2) if seconds else None})
    every = [t for times in record["times_ms"].values() for t in times]
    rows.append({"name": "ALL", "requests": len(every), "p50_ms": percentile(every, 50),
                 "p95_ms": percentile(every, 95), "max_ms": max(every, default=0),
                 "rps": round(len(every) / seconds, 2) if seconds else None})
    return rows


def server_times(log: Path) -> list[dict]:
    """Per route (ids folded to [id]), the time the app itself took (gunicorn's %(M)s), from the access log."""
    by_route: dict[str, list[int]] = {}
    if log.exists():
        for line in log.read_text(errors="replace").splitlines():
            match = ACCESS_RE.search(line)
            if match:
                method, path, _status, ms = match.groups()
                route = method + " " + ID_RE.sub("/[id]", path)
                by_route.setdefault(route, []).append(int(ms))
    return [{"route": route, "requests": len(times), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}
            for route, times in sorted(by_route.items())]


def load_failures(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as source:
        return [{"method": r["Method"], "name": r["Name"], "error": r["Error"][:300], "count": int(r["Occurrences"])}
                for r in csv.DictReader(source)]


def check(url: str, work: Path) -> dict:
    record = json.loads((work / "record.json").read_text())
    base = json.loads((work / "baseline.json").read_text())
    engine = create_engine(url)
    with engine.connect() as conn:
        new_proposals = dict(conn.execute(text("SELECT id, status FROM proposals WHERE id > :b"),
                                          {"b": base["max_proposal_id"]}).all())
        ajukan = Counter(conn.scalars(text("SELECT proposal_id FROM decisions WHERE action = 'ajukan' AND id > :b"),
                                      {"b": base["max_decision_id"]}))
        approvals = Counter((pid, role) for pid, role in conn.execute(text(
            "SELECT proposal_id, role FROM decisions WHERE action = 'setujui' AND id > :b"),
            {"b": base["max_decision_id"]}))
    engine.dispose()

    started = [s["id"] for s in record["started"]]
    submitted = [s["id"] for s in record["submitted"]]
    approved = Counter((a["id"], a["role"]) for a in record["approved"])
    submitted_in_db = {pid for pid, status in new_proposals.items() if status != "draf"}
    problems = {
        "started_twice": sorted(pid for pid, n in Counter(started).items() if n > 1),
        "started_but_missing": sorted(set(started) - set(new_proposals)),
        "in_database_but_never_started": sorted(set(new_proposals) - set(started)),
        "submitted_but_not_submitted_in_database": sorted(set(submitted) - submitted_in_db),
        "submitted_without_exactly_one_ajukan": sorted(pid for pid in submitted if ajukan[pid] != 1),
        "submitted_in_database_but_not_seen": sorted(submitted_in_db - set(submitted)),
        "approved_but_missing": sorted(f"{pid}/{role}" for (pid, role) in approved if approvals[(pid, role)] == 0),
        "approved_more_than_once_in_database": sorted(f"{p}/{r}" for (p, r), n in approvals.items() if n > 1),
        "approved_twice_in_record": sorted(f"{p}/{r}" for (p, r), n in approved.items() if n > 1),
        "approvals_in_database_not_seen": sorted(f"{p}/{r}" for (p, r) in approvals if (p, r) not in approved),
        "status_5xx_seen_by_users": record["status_5xx"],
        "login_failed": record["login_failed"],
    }
    log = work / "gunicorn.log"
    lines_5xx = [line.strip() for line in log.read_text(errors="replace").splitlines()
                 if ACCESS_5XX_RE.search(line)] if log.exists() else []
    problems["status_5xx_in_access_log"] = lines_5xx[:20]
    ok = not any(problems.values())
    totals = {"logins": record["logins"], "proposals_started": len(started), "proposals_submitted": len(submitted),
              "submit_refused": len(record["submit_refused"]), "approvals": sum(approved.values()),
              "approvals_by_level": dict(Counter(a["role"] for a in record["approved"])),
              "approval_conflicts_told_who_was_first": len(record["approve_conflict"]),
              "approvals_refused": len(record["approve_refused"]), "verification_notes": len(record["noted"])}
    return {"ok": ok, "totals": totals, "problems": problems, "submit_refused": record["submit_refused"][:20],
            "approve_refused": record["approve_refused"][:20]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    result = check(args.database_url, args.work)
    record = json.loads((args.work / "record.json").read_text())
    seconds = record.get("stopped_at", 0) - record.get("started_at", 0)
    result["load"] = {"users": record.get("users"), "seconds": round(seconds, 1)}
    result["requests"] = client_times(record, seconds)
    result["server"] = server_times(args.work / "gunicorn.log")
    result["failures"] = load_failures(args.work / "locust")
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    server = {row["route"]: row for row in result["server"]}

    print(f"{'request (client side)':56} {'n':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'req/s':>6}")
    for row in result["requests"]:
        print(f"{row['name'][:56]:56} {row['requests']:5} {row['p50_ms']:7.0f} {row['p95_ms']:7.0f} "
              f"{row['max_ms']:7.0f} {row['rps'] or 0:6.2f}")
    print(f"\n{'route (app time, gunicorn access log)':56} {'n':>5} {'p50 ms':>7} {'p95 ms':>7}")
    for route, row in server.items():
        print(f"{route[:56]:56} {row['requests']:5} {row['p50_ms']:7.0f} {row['p95_ms']:7.0f}")
    for failure in result["failures"]:
        print(f"  failure x{failure['count']}: {failure['method']} {failure['name']}: {failure['error']}")
    print("totals:", json.dumps(result["totals"]))
    for name, value in result["problems"].items():
        if value:
            print(f"PROBLEM {name}: {json.dumps(value)[:500]}")
    print("check:", "OK (nothing lost, nothing duplicated, no 5xx)" if result["ok"] else "FAILED")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(f"written to {args.output}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
