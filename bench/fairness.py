#!/usr/bin/env python3
"""Fairness between namespaces (issue 17, goal 4); called by bench/fairness.sh. Stdlib only, reuses bench.py.

One operator process (the jar of --jar) watches four namespaces of one run; after a warm-up (2 x --quiet-n tasks
failing once in <run>-warmup, not measured):

  phase "alone":  the quiet namespace <run>-qa, with nothing else running: --quiet-n tasks that fail once
                  (exit codes 1,0; initialDelay 1s, no jitter) and, --first-after seconds later, --quiet-n
                  tasks that succeed at once (their first attempts).
  phase "flood":  the operator is stopped, --flood-n tasks are created in <run>-flood (every attempt exits 1;
                  backoff 1s, multiplier 1, maxAttempts 1000: a retry every second, again and again), the
                  operator starts and finds them all due; --settle seconds later (the flood at its worst) the
                  same quiet workload runs in <run>-qb, beside the flood.

Per quiet task it records (watch receive times, ms, one clock):
  overhead    next attempt Job added - previous Job's Failed condition seen - 1 s backoff (bench.py's seen_gap_s)
  first       the task's create request returned -> its first attempt Job added
and, from the audit log, the flood's Job creates per second. Raw data: alone.csv / flood.csv (retries),
first-alone.csv / first-flood.csv, flood-creates.csv, summary.json, operator-*.log.
"""
import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

API = "/apis/deadletter.dev/v1alpha1/namespaces/{}/deadlettertasks"


def pct(xs, p):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def stats(xs):
    xs = [x for x in xs if x is not None]
    return {"n": len(xs), "p50": pct(xs, 50), "p99": pct(xs, 99), "max": max(xs) if xs else None}


def create_timed(kube, ns, objs, threads=4):
    """POSTs each object; returns name -> time the create request returned."""
    done = {}

    def one(o):
        kube.request("POST", API.format(ns), o)
        done[o["metadata"]["name"]] = time.time()
    with ThreadPoolExecutor(threads) as ex:
        list(ex.map(one, objs))
    return done


class Fairness(bench.Bench):
    def quiet(self, op, ns, label):
        a = self.args
        bench.log(f"{label}: {a.quiet_n} tasks failing once, then {a.quiet_n} first attempts, in {ns}")
        load0 = open("/proc/loadavg").read().split()[:3]
        cpu0 = bench.machine_cpu_seconds(), op.cpu_seconds(), time.time()
        retry = [bench.task_manifest(ns, f"r{i}", a.run_id, "1s", a.duration, "1,0") for i in range(a.quiet_n)]
        first = [bench.task_manifest(ns, f"f{i}", a.run_id, "1s", a.duration, "0") for i in range(a.quiet_n)]
        created = create_timed(self.kube, ns, retry)
        time.sleep(a.first_after)
        created.update(create_timed(self.kube, ns, first))
        final, _ = bench.wait_tasks(self.kube, ns, 2 * a.quiet_n, a.timeout, alive=op.alive)
        jobs = self.kube.list(f"/apis/batch/v1/namespaces/{ns}/jobs")
        audit = bench.read_audit(self.args.audit_log, {ns})
        rows = bench.operator_samples([t for t in final if t["metadata"]["name"].startswith("r")], jobs, self.rec,
                                      audit, 1.0, ns)
        bench.write_csv(f"{self.out}/{label}.csv", rows)
        firsts = []
        with self.rec.lock:
            by_task = {}
            for key, r in self.rec.jobs.items():
                if key.startswith(ns + "/") and r.get("attempt") == "1":
                    by_task[r["task"]] = r["added"]
        for name, t in sorted(created.items()):
            firsts.append({"task": name, "created": t, "job_seen": by_task.get(name),
                           "first_s": (by_task[name] - t) if name in by_task else None})
        bench.write_csv(f"{self.out}/first-{label}.csv", firsts)
        res = {"label": label, "ns": ns,
               "overhead_s": stats([r["seen_gap_s"] for r in rows]),
               "overhead_api_s": stats([r["api_gap_s"] for r in rows]),
               "first_s": stats([f["first_s"] for f in firsts if f["task"].startswith("f")]),
               "first_of_retry_tasks_s": stats([f["first_s"] for f in firsts if f["task"].startswith("r")]),
               "early_api": sum(r["early_api"] for r in rows),
               "loadavg_start": load0, "loadavg_end": open("/proc/loadavg").read().split()[:3],
               "machine_cores_busy": (bench.machine_cpu_seconds()[0] - cpu0[0][0]) / (time.time() - cpu0[2]),
               "operator_cores_busy": (op.cpu_seconds() - cpu0[1]) / (time.time() - cpu0[2]),
               "succeeded": sum(1 for t in final if (t.get("status") or {}).get("phase") == "Succeeded")}
        self.summary["fairness"].append(res)
        self.save()
        o, f = res["overhead_s"], res["first_s"]
        bench.log(f"{label}: overhead p50 {o['p50']} p99 {o['p99']} max {o['max']} (n {o['n']}); "
                  f"first p50 {f['p50']} p99 {f['p99']} max {f['max']}; early {res['early_api']}")
        return res


def flood_rate(audit_path, ns, t0):
    audit = bench.read_audit(audit_path, {ns})
    per_s = {}
    for t in audit.values():
        s = int(t - t0)
        per_s[s] = per_s.get(s, 0) + 1
    return [{"s": s, "creates": per_s[s]} for s in sorted(per_s)]


def run(args):
    b = Fairness(args)
    b.summary["fairness"] = []
    wu, qa, qb, fl = b.ns("warmup"), b.ns("qa"), b.ns("qb"), b.ns("flood")
    for ns in (wu, qa, qb, fl):
        bench.ensure_namespace(b.kube, ns, args.run_id)
    op = bench.Operator(args, b.namespaces, b.out)
    b.watch_ns(qa)
    b.watch_ns(qb)
    try:
        op.start()
        # Warm-up (not measured): the alone phase should not time the JIT's first reconciles.
        bench.log(f"warm-up: {2 * args.quiet_n} tasks in {wu}")
        bench.create_all(b.kube, API.format(wu), [bench.task_manifest(wu, f"w{i}", args.run_id, "1s", args.duration,
                                                                      "1,0") for i in range(2 * args.quiet_n)])
        bench.wait_tasks(b.kube, wu, 2 * args.quiet_n, args.timeout, alive=op.alive)
        time.sleep(2)
        b.quiet(op, qa, "alone")
        op.stop()
        bench.log(f"creating {args.flood_n} flood tasks in {fl} (operator stopped)")
        flood = []
        for i in range(args.flood_n):
            t = bench.task_manifest(fl, f"x{i}", args.run_id, "1s", args.duration, "1", max_attempts=1000)
            t["spec"]["retryPolicy"]["backoff"].update({"multiplier": 1, "maxDelay": "1s"})
            flood.append(t)
        bench.create_all(b.kube, API.format(fl), flood, threads=8)
        t_flood = time.time()
        b.summary["flood"] = {"n": args.flood_n, "operator_started": t_flood}
        op.start()
        m0 = op.metrics()
        time.sleep(args.settle)
        b.quiet(op, qb, "flood")
        t_end = time.time()
        b.summary["flood"]["quiet_done"] = t_end
        m1 = op.metrics()
        with open(f"{b.out}/metrics-flood.txt", "w") as f:
            f.write(m1)
        rate = flood_rate(args.audit_log, fl, t_flood)
        bench.write_csv(f"{b.out}/flood-creates.csv", rate)
        span = [r["creates"] for r in rate if args.settle <= r["s"] < t_end - t_flood]
        b.summary["flood"]["creates_per_s_during_quiet"] = sum(span) / max(1, t_end - t_flood - args.settle)
        b.summary["flood"]["creates_total"] = sum(r["creates"] for r in rate)
        b.summary["flood"]["operator_cpu_s"] = op.cpu_seconds()
        b.save()
    finally:
        b.finish(op)
        if not args.keep:
            for ns in (wu, qa, qb, fl):
                try:
                    b.kube.request("DELETE", f"/api/v1/namespaces/{ns}")
                except RuntimeError as e:
                    bench.log(f"delete {ns}: {e}")
            # The next run should not share the cluster with this one's garbage collection.
            t0 = time.time()
            while time.time() - t0 < 600 and any(
                    n["metadata"]["name"] in (wu, qa, qb, fl) for n in b.kube.list("/api/v1/namespaces")):
                time.sleep(5)
            bench.log(f"namespaces deleted in {time.time() - t0:.0f}s")
    a, f = b.summary["fairness"][0], b.summary["fairness"][-1]
    print(json.dumps({"alone": a, "flood": f, "flood_info": b.summary.get("flood")}, indent=1, default=str))
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kubeconfig", required=True)
    p.add_argument("--kubectl", default="kubectl")
    p.add_argument("--jar", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--run-id", default="f" + datetime.now(timezone.utc).strftime("%H%M%S"))
    p.add_argument("--audit-log", default="")
    p.add_argument("--http-port", type=int, default=18093)
    p.add_argument("--xmx", default="256m")
    p.add_argument("--duration", default="500ms")
    p.add_argument("--operator-env", action="append")
    p.add_argument("--flood-n", type=int, default=1000)
    p.add_argument("--quiet-n", type=int, default=20)
    p.add_argument("--first-after", type=float, default=2.0)
    p.add_argument("--settle", type=float, default=30.0)
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    sys.exit(run(args))


if __name__ == "__main__":
    main()
