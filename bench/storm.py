#!/usr/bin/env python3
"""Retry-storm benchmark driver (bench/storm.sh); standard library only, reuses bench/bench.py's client.

  storm.py run  --kubeconfig K --kubectl KC --jar J --out DIR [--tasks 300] [--outage 120] [--budget FILE] ...
  storm.py plot RESULTS_DIR PNG        (needs matplotlib: bench/.venv)
  storm.py circuits CASE_DIR           recompute summary.json's circuits from the case's saved files

`run` creates the namespace `storm` (deleting one left by an earlier run), applies the RetryBudget of --budget
there if given, starts the operator jar watching only that namespace, creates N DeadLetterTasks labelled
`dependency: db` whose pods fail until start + OUTAGE seconds (the KWOK annotation sim.deadletter.dev/fail-until),
and waits until every task has Succeeded or DeadLettered, or --timeout. Then it reads every Job create in the
namespace from the API server's audit log (hack/cluster/audit-policy.yaml records Job creates at Metadata level,
objectRef.name included, with microsecond stageTimestamps) and writes into --out:

  creates.csv        one row per Job create request: t (s since the tasks were created), name, task, attempt
                     (the `<task>-<n>` suffix), code (201 created, 409 already exists, ...), retry (attempt > 1)
  per_minute.csv     per minute since the tasks were created: first attempts, retries, 409s
  sliding.csv        every 5 s: first attempts and retries created in the preceding 60 s
  timeline.csv       every --poll s: task phases, condition reasons of BackingOff tasks, load average
  budget-*.json      the RetryBudget (spec and status) at the start, every poll (jsonl) and at the end
  events-retrybudget.json  the budget's Events (circuit transitions), kept before the namespace goes
  summary.json       totals: attempts, retries, peak retries per minute (binned and sliding), duplicates,
                     dead-lettered tasks, durations, CPU per process, attempts per task; with a budget also
                     budget_check (each retry's 60 s window against the allowance) and circuits (open spells)
  operator-1.log, gc-1.log, metrics-end.txt
"""
import argparse
import csv
import glob
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (Kube, Operator, CpuSampler, create_all, write_csv, parse_ts)

NS = "storm"
RUN_LABEL = bench.RUN_LABEL
ATTEMPT_LABEL = "deadletter.dev/attempt"
BUDGET_PATH = f"/apis/deadletter.dev/v1alpha1/namespaces/{NS}/retrybudgets"


def log(msg):
    print(f"storm: {datetime.now().strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def task_manifest(name, run_id, fail_until, a):
    return {
        "apiVersion": "deadletter.dev/v1alpha1", "kind": "DeadLetterTask",
        "metadata": {"name": name, "namespace": NS, "labels": {RUN_LABEL: run_id, "dependency": "db"}},
        "spec": {
            "retryPolicy": {"maxAttempts": a.max_attempts,
                            "backoff": {"initialDelay": a.initial_delay, "multiplier": 2, "maxDelay": a.max_delay,
                                        "jitter": a.jitter}},
            "jobTemplate": {"spec": {"template": {
                "metadata": {"annotations": {"sim.deadletter.dev/fail-until": str(fail_until),
                                             "sim.deadletter.dev/duration": a.duration}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox:1.36"}]}}}},
        },
    }


def delete_namespace(kube, timeout=600):
    try:
        kube.request("DELETE", f"/api/v1/namespaces/{NS}", ok=(200, 202))
    except RuntimeError as e:
        if " 404 " in str(e):
            return
        raise
    log(f"deleting namespace {NS} left by an earlier run")
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            kube.get(f"/api/v1/namespaces/{NS}")
        except RuntimeError as e:
            if " 404 " in str(e):
                return
            raise
        time.sleep(2)
    raise RuntimeError(f"namespace {NS} still terminating after {timeout}s")


def read_audit_creates(cluster_dir, t_from):
    """Every Job create request in NS since t_from (unix s), from logs/audit*.log (rotated files too)."""
    out = []
    for path in sorted(glob.glob(os.path.join(cluster_dir, "logs", "audit*.log"))):
        with open(path) as f:
            for line in f:
                if '"create"' not in line or '"jobs"' not in line or f'"{NS}"' not in line:
                    continue
                e = json.loads(line)
                ref = e.get("objectRef") or {}
                if e.get("verb") != "create" or ref.get("resource") != "jobs" or ref.get("namespace") != NS \
                        or e.get("stage") != "ResponseComplete":
                    continue
                t = bench.parse_ts(e["stageTimestamp"])
                if t < t_from:
                    continue
                out.append({"t_abs": t, "name": ref.get("name", ""),
                            "code": (e.get("responseStatus") or {}).get("code"),
                            "user": (e.get("user") or {}).get("username", "")})
    return sorted(out, key=lambda r: r["t_abs"])


def split_name(name):
    task, _, n = name.rpartition("-")
    return (task, int(n)) if n.isdigit() else (name, None)


def status_reasons(task):
    """'Type:Reason' of the task's True conditions (what a BackingOff task says about why it waits)."""
    return sorted(f"{c.get('type')}:{c.get('reason')}" for c in (task.get("status") or {}).get("conditions") or []
                  if c.get("status") == "True")


def run(a):
    kube = bench.Kube(a.kubeconfig, a.kubectl)
    os.makedirs(a.out, exist_ok=True)
    run_id = "storm" + datetime.now().strftime("%H%M%S")
    summary = {"run_id": run_id, "tasks": a.tasks, "outage_s": a.outage, "budget_file": a.budget or None,
               "case": a.case, "started": datetime.now(timezone.utc).isoformat(),
               "task_policy": {"maxAttempts": a.max_attempts, "initialDelay": a.initial_delay, "multiplier": 2,
                               "maxDelay": a.max_delay, "jitter": a.jitter, "pod_duration": a.duration}}
    delete_namespace(kube)
    kube.request("POST", "/api/v1/namespaces",
                 {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS, "labels": {RUN_LABEL: run_id}}})
    budget_rows = []
    if a.budget:
        subprocess.run([a.kubectl, "--kubeconfig", a.kubeconfig, "apply", "-n", NS, "-f", a.budget], check=True)
        budget_rows = kube.list(BUDGET_PATH)
        with open(os.path.join(a.out, "budget-start.json"), "w") as f:
            json.dump(budget_rows, f, indent=1)
        summary["budgets"] = [b.get("spec") for b in budget_rows]

    op_env = list(a.operator_env or [])
    if a.budget:
        # bench.Operator runs a shard (TASK_LABEL_SELECTOR = the run label), and a shard writes no RetryBudget
        # status and no circuit Events (OperatorFactory.reportsBudgets). The namespace is the run's own, so
        # the selector filters nothing here: unset it to see the budget's counts and circuits.
        op_env.insert(0, "TASK_LABEL_SELECTOR=")
    summary["operator_env"] = op_env
    op_args = SimpleNamespace(xmx=a.xmx, http_port=a.http_port, kubeconfig=a.kubeconfig, run_id=run_id, jar=a.jar,
                              operator_env=op_env)
    op = bench.Operator(op_args, [NS], a.out)
    sampler = None
    stop = threading.Event()
    try:
        summary["operator_ready_s"] = op.start()
        sampler = bench.CpuSampler(a.cluster_dir, op, period=5.0).start()
        t0 = time.time()
        fail_until = int(t0) + a.outage
        summary.update({"t0": t0, "fail_until": fail_until})
        names = [f"db-{i:04d}" for i in range(1, a.tasks + 1)]
        c0, c1 = bench.create_all(kube, f"/apis/deadletter.dev/v1alpha1/namespaces/{NS}/deadlettertasks",
                                  [task_manifest(n, run_id, fail_until, a) for n in names])
        summary["tasks_created_s"] = c1 - c0
        log(f"{a.tasks} tasks created in {c1 - c0:.1f}s; pods fail until "
            f"{datetime.fromtimestamp(fail_until).strftime('%H:%M:%S')} (+{a.outage}s)")

        timeline, ended, last_log = [], None, 0
        budget_log = open(os.path.join(a.out, "budget-timeline.jsonl"), "w") if a.budget else None
        while time.time() - t0 < a.timeout:
            now = time.time()
            tasks = kube.list(f"/apis/deadletter.dev/v1alpha1/namespaces/{NS}/deadlettertasks")
            phases = Counter((t.get("status") or {}).get("phase") or "None" for t in tasks)
            waiting = Counter(r for t in tasks if (t.get("status") or {}).get("phase") == "BackingOff"
                              for r in status_reasons(t))
            with open("/proc/loadavg") as f:
                load1 = float(f.read().split()[0])
            row = {"t": round(now - t0, 1), "load1": load1,
                   **{f"phase_{p}": phases.get(p, 0) for p in
                      ("Pending", "Running", "BackingOff", "Succeeded", "DeadLettered", "None")},
                   "backingoff_reasons": ";".join(f"{k}={v}" for k, v in sorted(waiting.items()))}
            timeline.append(row)
            if a.budget:
                try:
                    budget_log.write(json.dumps({"t": row["t"], "status": [b.get("status") for b in
                                                                          kube.list(BUDGET_PATH)]}) + "\n")
                    budget_log.flush()
                except RuntimeError as e:
                    log(f"budget status: {e}")
            if now - last_log >= 30:
                log(f"t+{row['t']:.0f}s load {load1}: " + ", ".join(f"{k} {v}" for k, v in sorted(phases.items()))
                    + (f"; BackingOff because {row['backingoff_reasons']}" if a.budget else ""))
                last_log = now
            if phases.get("Succeeded", 0) + phases.get("DeadLettered", 0) >= a.tasks:
                ended = now
                break
            if not op.alive():
                log("the operator exited")
                break
            time.sleep(a.poll)
        if budget_log:
            budget_log.close()
        summary["converged"] = ended is not None
        summary["end_s"] = (ended or time.time()) - t0
        time.sleep(3)  # the last creates of a terminal pass reach the audit log
        final = kube.list(f"/apis/deadletter.dev/v1alpha1/namespaces/{NS}/deadlettertasks")
        jobs = kube.list(f"/apis/batch/v1/namespaces/{NS}/jobs")
        if a.budget:
            with open(os.path.join(a.out, "budget-end.json"), "w") as f:
                json.dump(kube.list(BUDGET_PATH), f, indent=1)
        # The Events go with the namespace: keep the budget's (circuit transitions) and count the rest.
        events = kube.list(f"/apis/events.k8s.io/v1/namespaces/{NS}/events")
        budget_events = sorted((e for e in events if (e.get("regarding") or {}).get("kind") == "RetryBudget"),
                               key=lambda e: e.get("eventTime") or e["metadata"]["creationTimestamp"])
        with open(os.path.join(a.out, "events-retrybudget.json"), "w") as f:
            json.dump(budget_events, f, indent=1)
        summary["events_by_kind_reason"] = dict(sorted(Counter(
            f"{(e.get('regarding') or {}).get('kind')}/{e.get('reason')}" for e in events).items()))
        try:
            with open(os.path.join(a.out, "metrics-end.txt"), "w") as f:
                f.write(op.metrics())
        except OSError:
            pass
    finally:
        stop.set()
        if sampler:
            sampler.stop()
        op.stop()

    # ---- analysis
    phases = Counter((t.get("status") or {}).get("phase") for t in final)
    attempts = {t["metadata"]["name"]: (t.get("status") or {}).get("attempts") or 0 for t in final}
    dead = [{"task": t["metadata"]["name"], "deadLetter": (t.get("status") or {}).get("deadLetter")}
            for t in final if (t.get("status") or {}).get("phase") == "DeadLettered"]
    audit = read_audit_creates(a.cluster_dir, t0 - 5) if a.cluster_dir else []
    source = "audit"
    if not audit:  # no readable audit log: the Jobs still there (older failed ones are deleted by historyLimits)
        source = "job-creationTimestamp (incomplete: historyLimits deletes older failed Jobs)"
        audit = [{"t_abs": bench.parse_ts(j["metadata"]["creationTimestamp"]), "name": j["metadata"]["name"],
                  "code": 201, "user": ""} for j in jobs]
    rows = []
    for r in audit:
        task, n = split_name(r["name"])
        rows.append({"t": round(r["t_abs"] - t0, 6), "name": r["name"], "task": task, "attempt": n,
                     "code": r["code"], "retry": int(n is not None and n > 1), "user": r["user"]})
    bench.write_csv(os.path.join(a.out, "creates.csv"), rows)
    created = [r for r in rows if r["code"] == 201]
    by_name = Counter(r["name"] for r in created)
    dups = {k: v for k, v in by_name.items() if v > 1}
    # The label on the Jobs still there must agree with the name's suffix.
    label_mismatch = [j["metadata"]["name"] for j in jobs
                      if str(split_name(j["metadata"]["name"])[1]) != (j["metadata"].get("labels") or {}).get(ATTEMPT_LABEL)]
    end_min = int(summary["end_s"] // 60) + 1
    per_min = []
    for m in range(end_min):
        sel = [r for r in rows if m * 60 <= r["t"] < (m + 1) * 60]
        per_min.append({"minute": m, "first_attempts": sum(1 for r in sel if r["code"] == 201 and r["attempt"] == 1),
                        "retries": sum(1 for r in sel if r["code"] == 201 and r["retry"]),
                        "conflicts_409": sum(1 for r in sel if r["code"] == 409),
                        "other_errors": sum(1 for r in sel if r["code"] not in (201, 409))})
    bench.write_csv(os.path.join(a.out, "per_minute.csv"), per_min)
    ret_t = [r["t"] for r in created if r["retry"]]
    first_t = [r["t"] for r in created if r["attempt"] == 1]
    sliding = []
    for k in range(0, int(summary["end_s"]) + 10, 5):
        sliding.append({"t": k, "retries_last_60s": sum(1 for x in ret_t if k - 60 < x <= k),
                        "first_attempts_last_60s": sum(1 for x in first_t if k - 60 < x <= k)})
    bench.write_csv(os.path.join(a.out, "sliding.csv"), sliding)
    # Exact sliding maximum: the window ending at each retry.
    peak_sliding = max((sum(1 for y in ret_t if x - 60 < y <= x) for x in ret_t), default=0)
    bench.write_csv(os.path.join(a.out, "timeline.csv"), timeline)
    if a.budget:
        summary["budget_check"] = [allowance_check(b, ret_t, first_t) for b in summary.get("budgets") or []]
        summary["circuits"] = circuit_intervals(a.out, t0, summary["end_s"], seconds(
            ((summary.get("budgets") or [{}])[0].get("circuitBreaker") or {}).get("openFor") or "30s"))
    succeeded_at = [x for x in (bench.parse_ts(next((c.get("lastTransitionTime") for c in
                                                     (t.get("status") or {}).get("conditions") or []
                                                     if c.get("type") == "Ready" and c.get("status") == "True"), None))
                                for t in final) if x]
    cpu = sampler.window() if sampler else None
    summary.update({
        "finished": datetime.now(timezone.utc).isoformat(),
        "create_source": source,
        "final_phases": dict(phases),
        "dead_lettered": len(dead), "dead_letters": dead,
        "job_create_requests": len(rows),
        "jobs_created": len(created), "first_attempts": len(first_t), "retries": len(ret_t),
        "duplicate_creates": sum(v - 1 for v in dups.values()), "duplicate_names": dups,
        "create_conflicts_409": sum(1 for r in rows if r["code"] == 409),
        "create_other_errors": dict(Counter(r["code"] for r in rows if r["code"] not in (201, 409))),
        "attempt_label_mismatches": label_mismatch,
        "status_attempts_total": sum(attempts.values()),
        "attempts_per_task": {"min": min(attempts.values(), default=0), "max": max(attempts.values(), default=0),
                              "mean": sum(attempts.values()) / len(attempts) if attempts else 0,
                              "histogram": dict(sorted(Counter(attempts.values()).items()))},
        "peak_retries_per_minute_binned": max((m["retries"] for m in per_min), default=0),
        "peak_retries_per_minute_sliding": peak_sliding,
        "peak_first_attempts_per_minute_binned": max((m["first_attempts"] for m in per_min), default=0),
        "retries_during_outage": sum(1 for x in ret_t if x < fail_until - t0),
        "retries_after_outage": sum(1 for x in ret_t if x >= fail_until - t0),
        "last_success_s": max(succeeded_at) - t0 if succeeded_at else None,
        "all_succeeded_after_outage_end_s": (max(succeeded_at) - fail_until) if succeeded_at and
        phases.get("Succeeded", 0) == a.tasks else None,
        "load1_max": max((r["load1"] for r in timeline), default=None),
        "cpu": cpu,
    })
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1, default=str)
    log(f"{phases.get('Succeeded', 0)}/{a.tasks} succeeded, {len(dead)} dead-lettered in {summary['end_s']:.0f}s; "
        f"{len(created)} attempt Jobs ({len(first_t)} first, {len(ret_t)} retries), peak retries/min "
        f"{summary['peak_retries_per_minute_binned']} (binned), {peak_sliding} (sliding 60 s); "
        f"duplicates {summary['duplicate_creates']}, 409s {summary['create_conflicts_409']}; source {source}")
    for c in summary.get("budget_check") or []:
        log(f"budget: peak {c['peak_retries_in_window']} retries in {c['window_s']:.0f} s, allowance there "
            f"{c['allowed_at_peak']}; {c['retries_whose_window_exceeds_allowance']} windows over the allowance")
    for key, c in (summary.get("circuits") or {}).items():
        if key != "events":
            log(f"circuit {key}: opened {c['times_opened']} times at t+{c['first_opened_s']}s, open {c['open_s']} s, "
                f"half-open {c['half_open_s']} s, closed at t+{c['closed_at_s']}s")
    if not a.keep:
        try:
            kube.request("DELETE", f"/api/v1/namespaces/{NS}", ok=(200, 202))
        except RuntimeError as e:
            log(f"namespace delete: {e}")
    return 0 if summary["converged"] and not dead and not dups else 1


def allowance_check(spec, ret_t, first_t):
    """Every retry's window from the audit log, against the budget's allowance over the same window.

    The window ending at each retry create x is (x - window, x]; the allowance there is
    max(ceil(minRetriesPerMinute x window / 1m), floor(percent % of the first attempts created in it)), as
    EffectiveBudget.allowedRetries computes it. (The engine counts from the Jobs' creationTimestamps, whole
    seconds, over window + 1 s, so it is stricter than this view by up to a second of retries.)"""
    import math
    w = seconds(spec.get("window") or "1m")
    floor = math.ceil((spec.get("minRetriesPerMinute") if spec.get("minRetriesPerMinute") is not None else 10)
                      * w / 60)
    pct = spec.get("percent") if spec.get("percent") is not None else 20
    worst = {"count": 0, "allowed": 0, "t": None}
    over = 0
    excess = None
    for x in ret_t:
        count = sum(1 for y in ret_t if x - w < y <= x)
        allowed = max(floor, pct * sum(1 for y in first_t if x - w < y <= x) // 100)
        if count > allowed:
            over += 1
        if excess is None or count - allowed > excess:
            excess = count - allowed
        if count > worst["count"]:
            worst = {"count": count, "allowed": allowed, "t": round(x, 3)}
    return {"window_s": w, "peak_retries_in_window": worst["count"], "allowed_at_peak": worst["allowed"],
            "peak_window_ends_s": worst["t"], "max_excess_over_allowance": excess,
            "retries_whose_window_exceeds_allowance": over}


def circuit_intervals(out, t0, end_s, open_for_s):
    """Open and half-open spells of each circuit, in s since the tasks were created.

    The transitions are taken from the circuits' own timestamps: an Open circuit's since and until (it turns
    HalfOpen at until), a HalfOpen or Closed circuit's since, as the budget's status recorded them at every poll
    (budget-timeline.jsonl, budget-end.json), and the until in each CircuitOpened Event's note (an Open spell
    shorter than a poll). Not the Events' own times: the budget controller records them when it next reports,
    which lagged the transitions by up to tens of seconds on this loaded machine ('events' keeps them)."""
    import re
    statuses = []
    tl = os.path.join(out, "budget-timeline.jsonl")
    if os.path.exists(tl):
        with open(tl) as f:
            statuses += [b for line in f for b in json.loads(line)["status"] if b]
    end = os.path.join(out, "budget-end.json")
    if os.path.exists(end):
        with open(end) as f:
            statuses += [b.get("status") for b in json.load(f) if b.get("status")]
    evp = os.path.join(out, "events-retrybudget.json")
    events = []
    if os.path.exists(evp):
        with open(evp) as f:
            events = json.load(f)
    if not statuses and not events:
        return None
    rel = lambda ts: round(bench.parse_ts(ts) - t0, 3)  # noqa: E731
    trans = set()  # (key, t, state)
    for st in statuses:
        for c in st.get("circuits") or []:
            if c.get("since"):
                trans.add((c["key"], rel(c["since"]), c["state"]))
            if c["state"] == "Open" and c.get("until"):
                trans.add((c["key"], rel(c["until"]), "HalfOpen"))
    ev_rows = []
    for e in events:
        t = rel(e.get("eventTime") or e["metadata"]["creationTimestamp"])
        note = e.get("note") or ""
        ev_rows.append({"t": t, "reason": e.get("reason"), "note": note})
        m = re.match(r"circuit (\S+) opened until (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)", note)
        if e.get("reason") == "CircuitOpened" and m:
            until = rel(m.group(2))
            trans.add((m.group(1), round(until - open_for_s, 3), "Open"))
            trans.add((m.group(1), until, "HalfOpen"))
    result = {"events": ev_rows}
    for key in sorted({k for k, _, _ in trans}):
        seq = []
        for _, t, state in sorted(x for x in trans if x[0] == key):
            if not seq or seq[-1]["state"] != state:
                seq.append({"t": t, "state": state})
        spells = []
        for a_, b_ in zip(seq, seq[1:] + [None]):
            if a_["state"] != "Closed":
                spells.append({"state": a_["state"], "from_s": a_["t"], "to_s": b_ and b_["t"],
                               "length_s": b_ and round(b_["t"] - a_["t"], 3)})
        done = [x for x in spells if x["length_s"] is not None]
        result[key] = {
            "transitions": seq, "spells": spells,
            "open_s": round(sum(x["length_s"] for x in done if x["state"] == "Open"), 3),
            "half_open_s": round(sum(x["length_s"] for x in done if x["state"] == "HalfOpen"), 3),
            "times_opened": sum(1 for x in seq if x["state"] == "Open"),
            "first_opened_s": next((x["t"] for x in seq if x["state"] == "Open"), None),
            "closed_at_s": seq[-1]["t"] if seq and seq[-1]["state"] == "Closed" else None}
    return result


def recompute_circuits(case_dir):
    path = os.path.join(case_dir, "summary.json")
    with open(path) as f:
        s = json.load(f)
    s["circuits"] = circuit_intervals(case_dir, s["t0"], s["end_s"], seconds(
        ((s.get("budgets") or [{}])[0].get("circuitBreaker") or {}).get("openFor") or "30s"))
    with open(path, "w") as f:
        json.dump(s, f, indent=1, default=str)
    print(json.dumps({k: v for k, v in s["circuits"].items() if k != "events"}, indent=1))


def seconds(d):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    total, num = 0.0, ""
    i = 0
    while i < len(d):
        if d[i].isdigit() or d[i] == ".":
            num += d[i]
            i += 1
            continue
        u = "ms" if d[i:i + 2] == "ms" else d[i]
        total += float(num) * units[u]
        num, i = "", i + len(u)
    return total


def plot(a):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = []
    for d in sorted(glob.glob(os.path.join(a.results, "*", "summary.json"))):
        with open(d) as f:
            s = json.load(f)
        with open(os.path.join(os.path.dirname(d), "sliding.csv")) as f:
            sl = list(csv.DictReader(f))
        with open(os.path.join(os.path.dirname(d), "per_minute.csv")) as f:
            pm = list(csv.DictReader(f))
        with open(os.path.join(os.path.dirname(d), "creates.csv")) as f:
            s["_first_t"] = [float(r["t"]) for r in csv.DictReader(f) if r["code"] == "201" and r["attempt"] == "1"]
        env = os.path.join(os.path.dirname(d), "environment.txt")
        s["_operator"] = ""
        if os.path.exists(env):
            with open(env) as f:
                s["_operator"] = next((line.split(": ", 1)[1].split(",")[0].split()[0] for line in f
                                       if line.startswith("operator: ")), "")
        cases.append((s, sl, pm))
    if not cases:
        sys.exit(f"no */summary.json under {a.results}")
    cases.sort(key=lambda c: (bool(c[0].get("budget_file")), c[0].get("case") or ""))  # without a budget first
    n_budget = sum(1 for c in cases if c[0].get("budget_file"))
    def first_t(s):
        return s["_first_t"]

    fig, ax = plt.subplots(figsize=(10, 4.2))
    width = 1 / len(cases)
    for i, (s, sl, pm) in enumerate(cases):
        label = ("without budget" if not s.get("budget_file") else
                 "with budget" + (f", operator {s['_operator'] or s.get('case')}" if n_budget > 1 else ""))
        color = f"C{i}"
        spells = [sp for k, c in (s.get("circuits") or {}).items() if k != "events"
                  for sp in c["spells"] if sp["state"] == "Open"]
        for k, sp in enumerate(spells):  # when the circuit held every retry
            ax.axvspan(sp["from_s"] / 60, (sp["to_s"] if sp["to_s"] is not None else s["end_s"]) / 60,
                       color=color, alpha=0.18, lw=0, hatch="//", label=f"{label}: circuit open" if k == 0 else None)
        ax.plot([int(r["t"]) / 60 for r in sl], [int(r["retries_last_60s"]) for r in sl], "-", color=color,
                label=f"{label}: retries in the last 60 s")
        ax.bar([int(r["minute"]) + i * width for r in pm], [int(r["retries"]) for r in pm], width=width,
               align="edge", color=color, alpha=0.25, label=f"{label}: retries per minute (bins)")
        for b in s.get("budgets") or []:  # the allowance as the planned RetryBudget defines it
            w = seconds((b or {}).get("window") or "1m")
            xs = [int(r["t"]) for r in sl]
            first = [sum(1 for x in first_t(s) if t - w < x <= t) for t in xs]
            allow = [max((b.get("minRetriesPerMinute") or 0) * w / 60, (b.get("percent") or 0) / 100 * f)
                     for f in first]
            if w == 60:  # the plotted count is per 60 s
                ax.plot([x / 60 for x in xs], allow, "--", color=color, lw=1, label=f"{label}: budget allowance")
        ax.axvline(s["outage_s"] / 60, color=color, ls=":", lw=1)
    s0 = cases[0][0]
    ax.text(s0["outage_s"] / 60, ax.get_ylim()[1] * 0.95, " outage ends", fontsize=8, va="top")
    ax.set_xlabel("minutes since the tasks were created")
    ax.set_ylabel("retries (attempt Jobs with attempt > 1)")
    ax.set_title(f"{s0['tasks']} tasks, dependency down for the first {s0['outage_s']} s "
                 f"(backoff {s0['task_policy']['initialDelay']}..{s0['task_policy']['maxDelay']})", fontsize=9)
    ax.grid(alpha=.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    fig.savefig(a.png, dpi=90, bbox_inches="tight")  # the legend beside the axes included
    log(f"wrote {a.png} from {len(cases)} case(s)")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--kubeconfig", required=True)
    r.add_argument("--kubectl", default="kubectl")
    r.add_argument("--jar", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--cluster-dir", default="", help="hack/cluster.sh's dir: logs/audit.log and pids/")
    r.add_argument("--case", default="", help="the name of this case in the plot")
    r.add_argument("--tasks", type=int, default=300)
    r.add_argument("--outage", type=int, default=120, help="seconds from the creation of the tasks")
    r.add_argument("--budget", default="", help="a RetryBudget YAML, applied in the namespace before the tasks")
    r.add_argument("--timeout", type=int, default=3600)
    r.add_argument("--poll", type=float, default=10.0)
    r.add_argument("--max-attempts", type=int, default=50)
    r.add_argument("--initial-delay", default="5s")
    r.add_argument("--max-delay", default="30s")
    r.add_argument("--jitter", type=float, default=0.5)
    r.add_argument("--duration", default="1s", help="simulated run time of each pod")
    r.add_argument("--http-port", type=int, default=18083)
    r.add_argument("--xmx", default="256m")
    r.add_argument("--operator-env", action="append", help="KEY=VALUE for the operator process")
    r.add_argument("--keep", action="store_true", help="leave the namespace and its tasks")
    ci = sub.add_parser("circuits", help="recompute summary.json's circuits of a case from its saved files")
    ci.add_argument("case_dir")
    pl = sub.add_parser("plot")
    pl.add_argument("results")
    pl.add_argument("png")
    a = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(run(a) if a.cmd == "run" else plot(a) if a.cmd == "plot" else recompute_circuits(a.case_dir))


if __name__ == "__main__":
    main()
