#!/usr/bin/env python3
"""Regenerates docs/benchmarks.md and docs/bench-*.png from one results directory of bench/run.sh.

Usage: report.py bench/results/<run> docs/ [--before bench/results/<earlier run>]...
Every number in the page is computed here from the raw files of these directories; the discussion is
the notes.md of each results directory, included verbatim. The page opens with bench/headline.md (the latest figure
of each goal, from whichever run measured it last, written by hand). The main tables come from <run>; with --before
(oldest first), the goals of each earlier run are computed with the same functions and put beside those of <run> in
a before/after table, followed by the notes of each later run; the oldest run's notes close the page. A "Retry
storms" section after the headline sums up the cases of the newest bench/results/storm-*/ (bench/storm.sh).
"""
import csv
import glob
import json
import math
import os
import re
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

res_dir, docs = sys.argv[1], sys.argv[2]
before_dirs = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--before"]
followup_dirs = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--followup"]
rel = os.path.relpath(res_dir, os.path.join(docs, ".."))
S = json.load(open(os.path.join(res_dir, "summary.json")))
ENV = open(os.path.join(res_dir, "environment.txt")).read().strip()
ENVD = dict(line.split(": ", 1) for line in ENV.splitlines())
HEADLINE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "headline.md")


def run_notes(d):
    """What was learnt from a run, written after it: <results directory>/notes.md, or None."""
    path = os.path.join(d, "notes.md")
    return open(path).read().strip() if os.path.exists(path) else None


# Runs made before environment.txt recorded the jar's defaults: RECONCILE_THREADS, KUBE_CLIENT_QPS, _BURST.
OLD_DEFAULTS = {"0cb7f85": ("10", "20", "40"), "511eae7": ("10", "50", "100")}


def defaults(envd):
    """(threads, qps, burst) the operator ran with by default, from environment.txt."""
    if "operator defaults" in envd:
        d = dict(kv.split("=", 1) for kv in envd["operator defaults"].split())
        return d.get("RECONCILE_THREADS"), d.get("KUBE_CLIENT_QPS"), d.get("KUBE_CLIENT_BURST")
    return OLD_DEFAULTS.get(envd.get("operator", "?").split()[0], ("?", "?", "?"))


def kcm_note(envd):
    """kube-controller-manager's client limit as recorded, or its defaults (runs before it was recorded)."""
    return envd.get("kube-controller-manager", "client defaults (--kube-api-qps 20, --kube-api-burst 30)")


def rows(path):
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def num(v):
    return None if v in (None, "", "None") else float(v)


def pct(xs, p):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    k = (len(xs) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def ms(v):
    return "–" if v is None else f"{v * 1000:.0f}"


def s1(v, d=1):
    return "–" if v is None else f"{v:.{d}f}"


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def hist_quantile(h, q):
    """Upper bound of the bucket holding quantile q of a (diffed) Prometheus histogram."""
    if not h or h["count"] <= 0:
        return None
    target = q * h["count"]
    for le, c in h["buckets"]:
        if c >= target:
            return le
    return None


PCTS = (50, 90, 99, 100)

# ------------------------------------------------------------------ scenario 1: latency
lat_runs = [r for r in S["latency"] if not r.get("restart")]
groups = {}
for r in lat_runs:
    groups.setdefault((r["n"], r["delay"]), []).append(r)


def iso(s):
    from datetime import datetime
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def overhead(x):
    """Next Job/pod seen minus the moment the controller could first act: the later of the failure being seen
    and the end of the configured delay (counted, as both controllers do, from the second-precision failure time)."""
    if num(x["next_seen"]) is None or num(x["failed_seen"]) is None or not x["failed_api"]:
        return None
    return num(x["next_seen"]) - max(num(x["failed_seen"]), iso(x["failed_api"]) + num(x["delay_s"]))


def lat_rows(label, d=None):
    data = rows(os.path.join(d or res_dir, label + ".csv"))
    for x in data:
        x["overhead_s"] = overhead(x)
        x["visible_lag_s"] = (num(x["failed_seen"]) - iso(x["failed_api"])
                              if num(x["failed_seen"]) is not None and x["failed_api"] else None)
    return data


def per_run(run, controller, field, d=None):
    data = [num(x[field]) for x in lat_rows(run["label"], d) if x["controller"] == controller]
    return [pct(data, p) for p in PCTS], len([d for d in data if d is not None])


def latency_table(groups, d=None):
    lat_table = []
    for (n, delay), runs in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        line = {"n": n, "delay": delay, "repeats": len(runs)}
        for ctl, field, key in (("operator", "overhead_s", "op_seen"), ("operator", "audit_lateness_s", "op_audit"),
                                ("operator", "api_gap_s", "op_api"), ("job-controller", "overhead_s", "jc_seen"),
                                ("job-controller", "api_gap_s", "jc_api"), ("operator", "visible_lag_s", "op_vis")):
            per = [per_run(r, ctl, field, d) for r in runs]
            line[key] = [med([p[0][i] for p in per]) for i in range(len(PCTS))]
            line[key + "_n"] = sum(p[1] for p in per)
        for mname, key in (("deadletter_attempt_start_lateness_seconds", "m_late"),
                           ("deadletter_retry_latency_seconds", "m_retry")):
            hs = [r["metrics"][mname] for r in runs]
            line[key] = [med([hist_quantile(h, q / 100) for h in hs]) for q in (50, 99)]
            line[key + "_n"] = sum(h["count"] for h in hs)
        lat_table.append(line)
    return lat_table


lat_table = latency_table(groups)

# ------------------------------------------------------------------ scenario 4: accuracy
def accuracy(S, d=None):
    acc = []
    for r in S["latency"]:
        data = [x for x in lat_rows(r["label"], d) if x["controller"] == "operator"]
        late = [num(x["audit_lateness_s"]) for x in data]
        ovh = [x["overhead_s"] for x in data if x["overhead_s"] is not None]
        acc.append({"label": r["label"], "n": r["n"], "delay": r["delay"], "restart": r.get("restart"),
                    "retries": len(data), "early_api": sum(int(x["early_api"]) for x in data),
                    "early_audit": sum(1 for v in late if v is not None and v < 0),
                    "over2": sum(1 for v in late if v is not None and v > 2), "ovh_over2": sum(1 for v in ovh if v > 2),
                    "ovh_max": max(ovh) if ovh else None,
                    "p": [pct(late, p) for p in PCTS], "succeeded": r["succeeded"]})
    return acc


acc = accuracy(S)

# ------------------------------------------------------------------ scenario 2: throughput
tp_runs = [dict(t, _dir=res_dir) for t in S["throughput"]]
for vdir in sorted(glob.glob(os.path.join(res_dir, "variant-*"))):  # extra batches with other operator settings
    if os.path.exists(os.path.join(vdir, "summary.json")):
        V = json.load(open(os.path.join(vdir, "summary.json")))
        for t in V["throughput"]:
            venv_ = dict(line.split(": ", 1) for line in open(os.path.join(vdir, "environment.txt")).read().strip().splitlines()) \
                if os.path.exists(os.path.join(vdir, "environment.txt")) else {}
            variant = list(V["config"].get("operator_env") or [])
            if "--kube-api-qps" in venv_.get("kube-controller-manager", ""):
                variant.append("kube-controller-manager " + venv_["kube-controller-manager"].replace("client ", ""))
            if venv_.get("operator") and venv_["operator"].split()[0] != ENVD.get("operator", "").split()[0]:
                variant.append("operator built at " + venv_["operator"])
            tp_runs.append(dict(t, _dir=vdir, operator_env=V["config"].get("operator_env") or [], variant=variant,
                                env=venv_, label=os.path.basename(vdir) + "/" + t["label"]))
oom_logs = sorted(os.path.relpath(p, res_dir) for p in glob.glob(os.path.join(res_dir, "**", "operator-*.log"), recursive=True)
                  if "OutOfMemoryError" in open(p, errors="replace").read())
def tp_row(t):
    jobrows = rows(os.path.join(t["_dir"], t["label"].split("/")[-1] + "-jobs.csv"))
    created = [num(x["created"]) for x in jobrows]
    firsts = sorted(num(x["created"]) for x in jobrows if x.get("job", "").endswith("-1"))
    first_rate = (len(firsts) - 1) / (firsts[-1] - firsts[0]) if len(firsts) > 1 and firsts[-1] > firsts[0] else None
    seconds = sorted(num(x["created"]) for x in jobrows if x.get("job", "").endswith("-2"))
    second_rate = (len(seconds) - 1) / (seconds[-1] - seconds[0]) if len(seconds) > 1 and seconds[-1] > seconds[0] else None
    peak = 0.0
    j = 0
    for i, c in enumerate(created):  # best 10 s window
        while created[j] < c - 10:
            j += 1
        peak = max(peak, (i - j + 1) / 10)
    req = rows(os.path.join(t["_dir"], t["label"].split("/")[-1] + "-apiserver-requests.csv"))

    def count(verbs, resource, sub="", code=None):
        return sum(float(x["count"]) for x in req if x["verb"] in verbs and x["resource"] == resource
                   and x["subresource"] == sub and (code is None or x["code"] == code))

    a = t["attempts"] or 1
    job_posts = count({"POST"}, "jobs")
    job_deletes = count({"DELETE"}, "jobs")
    status = count({"PATCH", "APPLY", "PUT"}, "deadlettertasks", "status")
    gets = count({"GET"}, "jobs")
    task_gets = count({"GET"}, "deadlettertasks") + count({"GET"}, "deadlettertasks", "status")
    ev = t["operator_events"]
    # Core-v1 Event LISTs: the operator's check why a Job has no pod (f630cb8); the harness lists events.k8s.io.
    event_lists = sum(float(x["count"]) for x in req if x["verb"] == "LIST" and x["resource"] == "events" and x["group"] == "")
    return ({**t, "peak": peak, "first_rate": first_rate, "second_rate": second_rate, "job_posts": job_posts, "status": status, "job_deletes": job_deletes,
                     "events": ev, "writes_pa": (job_posts + status + job_deletes) / a,
                     "writes_ev_pa": (job_posts + status + job_deletes + ev) / a, "gets_pa": (gets + task_gets) / a,
                     "event_lists": event_lists, "event_lists_pa": event_lists / a,
                     "cpu_pa": t["cpu_s"] / a, "created": created})


tp_table = [tp_row(t) for t in tp_runs]

CPU_PROCS = ("kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler", "kwok", "operator", "harness")


def cpu_phases(t):
    """CPU seconds by process over the whole batch and over its first-attempt phase (first to last first-attempt
    create), from the samples in <label>-cpu.csv; None for runs made before the harness recorded them."""
    samples = rows(os.path.join(t["_dir"], t["label"].split("/")[-1] + "-cpu.csv"))
    if len(samples) < 2:
        return None
    for x in samples:
        for key in x:
            x[key] = num(x[key])
    jobrows = rows(os.path.join(t["_dir"], t["label"].split("/")[-1] + "-jobs.csv"))
    firsts = sorted(num(x["created"]) for x in jobrows if x.get("job", "").endswith("-1"))

    def window(a, b):
        wall = b["t"] - a["t"]
        total = b["machine_total_s"] - a["machine_total_s"]
        busy = b["machine_busy_s"] - a["machine_busy_s"]
        procs = {}
        for name in CPU_PROCS:
            if name not in a:
                continue
            x0, x1 = a[name], b[name]
            if name == "operator" and x0 is None:
                x0 = 0.0  # started inside the window
            procs[name] = None if x0 is None or x1 is None else x1 - x0
        ncpu = total / wall if wall else None
        return {"wall": wall, "busy": busy, "share": busy / total if total else None, "ncpu": round(ncpu) if ncpu else None,
                "procs": procs, "rest": busy - sum(v for v in procs.values() if v is not None)}

    out = {"batch": window(samples[0], samples[-1])}
    if len(firsts) > 1:
        a = max((x for x in samples if x["t"] <= firsts[0]), key=lambda x: x["t"], default=samples[0])
        b = min((x for x in samples if x["t"] >= firsts[-1]), key=lambda x: x["t"], default=samples[-1])
        if b["t"] > a["t"]:
            out["first"] = window(a, b)
    return out


for t in tp_table:
    t["cpu"] = cpu_phases(t)

# ------------------------------------------------------------------ scenario 3: footprint
fp = S["footprint"]
def start_failures(Sd, d, tasks, all_ns):
    """Logs (relative to d) of measured starts at `tasks` that never got ready, with 'OOM' when the log says so."""
    out_ = []
    for x in Sd["startup"]:
        if x["tasks"] == tasks and (x.get("mode") == "all namespaces") == all_ns and x.get("error"):
            log_ = x["error"].rsplit("see ", 1)[-1].strip()
            p_ = os.path.join(d, os.path.basename(log_))
            oom = os.path.exists(p_) and "OutOfMemoryError" in open(p_, errors="replace").read()
            out_.append((os.path.basename(log_), oom))
    return out_


def failures_text(fails, xmx):
    if not fails:
        return ""
    ooms = [f for f, oom in fails if oom]
    others = [f for f, oom in fails if not oom]
    return "; ".join(x for x in [
        f"OutOfMemoryError at -Xmx{xmx} ({', '.join(ooms)})" if ooms else "",
        f"exited ({', '.join(others)})" if others else ""] if x)


startup = {}  # tasks -> ready times, watching the listed namespaces
startup_all = {}  # tasks -> ready times, watching all namespaces
for s in S["startup"]:
    (startup_all if s.get("mode") == "all namespaces" else startup).setdefault(s["tasks"], []).append(s["ready_s"])
n_ns = len([n for n in S["config"].get("namespaces", [])]) or None
largest = max(fp, key=lambda f: f["tasks"]) if fp else None
gc_logs = sorted(glob.glob(os.path.join(res_dir, "gc-*.log")))
gc_max_after = None  # over the processes that did not run out of heap
gc_max_oom = None  # over those that did (their operator-N.log says OutOfMemoryError)
for g in gc_logs:  # largest heap occupancy after any GC, from the GC logs: "Pause ... 120M->80M(256M)"
    oom_run = os.path.basename(g).replace("gc-", "operator-") in {os.path.basename(x) for x in oom_logs}
    for line in open(g):
        if "Pause" in line and "->" in line:
            try:
                after = float(line.split("->")[1].split("M")[0])
            except ValueError:
                continue
            if oom_run:
                gc_max_oom = max(gc_max_oom or 0, after)
            else:
                gc_max_after = max(gc_max_after or 0, after)
gc_note = f"{s1(gc_max_after, 0)} MiB" + (f"; {s1(gc_max_oom, 0)} MiB in the processes that ran out of heap" if gc_max_oom else "")

# ------------------------------------------------------------------ plots
os.makedirs(docs, exist_ok=True)
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for ax, delay in zip(axes, sorted({r["delay"] for r in lat_runs})):
    for ci, r in enumerate(sorted([r for r in lat_runs if r["delay"] == delay and r.get("repeat", 1) == 1],
                                  key=lambda r: r["n"])):
        data = lat_rows(r["label"])
        for ctl, style in (("operator", "-"), ("job-controller", ":")):
            xs = sorted(x["overhead_s"] for x in data if x["controller"] == ctl and x["overhead_s"] is not None)
            if xs:
                ax.step([x * 1000 for x in xs], [(i + 1) / len(xs) for i in range(len(xs))], style,
                        color=f"C{ci}", marker="o" if len(xs) < 5 else None,
                        label=f"{ctl}, N={r['n']}", where="post")
    ax.set_title(f"operator initialDelay {delay} (Job controller: its 10 s)")
    ax.set_xlabel("overhead (ms): next Job/pod seen − max(failure seen, failure time + delay)", fontsize=8)
    ax.set_ylabel("fraction of retries")
    ax.set_xscale("symlog", linthresh=100)
    ax.grid(alpha=.3)
    ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(os.path.join(docs, "bench-latency.png"), dpi=90)

fig, ax = plt.subplots(figsize=(7, 4))
for a in acc:
    data = [num(x["audit_lateness_s"]) for x in rows(os.path.join(res_dir, a["label"] + ".csv"))
            if x["controller"] == "operator" and num(x["audit_lateness_s"]) is not None]
    if data and ("r1" in a["label"] or a["restart"]):
        xs = sorted(data)
        ax.step(xs, [(i + 1) / len(xs) for i in range(len(xs))], label=a["label"].replace("lat-", "N="), where="post")
ax.axvline(0, color="k", lw=.5)
ax.set_xlabel("Job creation (audit log) minus scheduled time, s")
ax.set_ylabel("fraction of retries")
ax.set_xscale("symlog", linthresh=0.1)
ax.grid(alpha=.3)
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(os.path.join(docs, "bench-lateness.png"), dpi=90)

if fp:
    fig, ax = plt.subplots(figsize=(7, 4))
    pts = sorted({f["tasks"]: f for f in fp}.values(), key=lambda f: f["tasks"])
    ax.plot([f["tasks"] for f in pts], [f["heap_used_mib"] for f in pts], "o-", label="heap used after GC.run")
    ax.plot([f["tasks"] for f in pts], [f["rss_mib"] for f in pts], "s-", label="RSS")
    ax.axhline(256, color="r", ls="--", lw=.8, label="goal / -Xmx: 256 MiB heap")
    ax.set_xlabel("tasks (each with 2 retained Jobs and 2 pods)")
    ax.set_ylabel("MiB")
    ax.grid(alpha=.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(docs, "bench-footprint.png"), dpi=90)

if tp_table:
    fig, ax = plt.subplots(figsize=(7, 4))
    for t in tp_table:
        c = sorted(t["created"])
        if c:
            ax.plot([x - c[0] for x in c], range(1, len(c) + 1), label=f"{t['label']} ({t['k']} tasks)")
    ax.set_xlabel("s since the first attempt Job")
    ax.set_ylabel("attempt Jobs created")
    ax.grid(alpha=.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(docs, "bench-throughput.png"), dpi=90)

# ------------------------------------------------------------------ markdown
big = max(lat_table, key=lambda line: (line["n"], line["delay"] == "1s")) if lat_table else None
big0 = max([line for line in lat_table if line["delay"] == "0s"] or [None], key=lambda line: line["n"] if line else 0)
best_tp = max([t for t in tp_table if not t.get("variant")] or tp_table, key=lambda t: t["k"]) if tp_table else None
worst_writes = max((t["writes_pa"] for t in tp_table), default=None)
worst_writes_ev = max((t["writes_ev_pa"] for t in tp_table), default=None)
ready_big = med(startup.get(largest["tasks"], [])) if largest else None


def verdict(ok):
    return "met" if ok else "**missed**"


out = []
w = out.append
w("# Benchmarks")
w("")
w("<!-- Generated by bench/report.py from " + rel
  + (" (before/after: " + ", ".join(os.path.relpath(d, os.path.join(docs, "..")) for d in before_dirs) + ")" if before_dirs else "")
  + "; edit bench/headline.md, bench/results/*/notes.md or the script, not this file. -->")
w("")
if os.path.exists(HEADLINE):
    w(open(HEADLINE).read().strip())
    w("")


# ------------------------------------------------------------------ retry storms (bench/storm.sh)
def storm_section():
    """'Retry storms': the newest bench/results/storm-*/ with cases, every case side by side (its summary.json);
    the figure is docs/storm-retries.png, which bench/storm.sh draws from the same cases."""
    results = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    dirs = sorted(d for d in glob.glob(os.path.join(results, "storm-*")) if glob.glob(os.path.join(d, "*", "summary.json")))
    if not dirs:
        return []
    d = dirs[-1]
    rel_d = os.path.relpath(d, os.path.join(docs, ".."))
    cases = []
    for f in sorted(glob.glob(os.path.join(d, "*", "summary.json"))):
        c = json.load(open(f))
        c["_dir"] = os.path.basename(os.path.dirname(f))
        env_path = os.path.join(os.path.dirname(f), "environment.txt")
        env = dict(line.split(": ", 1) for line in open(env_path).read().splitlines() if ": " in line) \
            if os.path.exists(env_path) else {}
        c["_operator"] = (env.get("operator") or "?").split(",")[0].split()[0]
        cases.append(c)
    cases.sort(key=lambda c: (bool(c.get("budget_file")), c["_dir"]))  # without first
    c0 = cases[0]
    pol = c0["task_policy"]
    n_budget = sum(1 for c in cases if c.get("budget_file"))
    spec0 = next(((c.get("budgets") or [{}])[0] or {} for c in cases if c.get("budget_file")), {})
    how = ("once without and once with a RetryBudget" if n_budget == 1 else
           f"once without a RetryBudget and {'twice' if n_budget == 2 else f'{n_budget} times'} with the same one "
           "(operators built from different commits)")
    lines = ["## Retry storms", "",
             f"`bench/storm.sh`: {c0['tasks']} tasks labelled `dependency: db` whose pods fail for the first "
             f"{c0['outage_s']} s (KWOK's `sim.deadletter.dev/fail-until`), retry policy maxAttempts "
             f"{pol['maxAttempts']}, backoff {pol['initialDelay']} doubling to {pol['maxDelay']}, jitter {pol['jitter']}; "
             f"{how}, on the same private cluster with the same settings "
             "(kube-controller-manager at its client default of 20 QPS)"
             + (f"; the budget: {spec0.get('percent')} % of first attempts, at least "
                f"{spec0.get('minRetriesPerMinute')} retries a minute, and a circuit breaker" if spec0 else "")
             + ". Attempt Jobs are counted from the API "
             f"server's audit log. Raw data, budget and discussion: [`{rel_d}/`](../{rel_d}/notes.md).", "",
             "![retries per minute, with and without a RetryBudget](storm-retries.png)", "",
             "| case | retries per minute (each minute) | peak retries in any 60 s (allowance) "
             "| attempt Jobs (retries) | all succeeded after the outage ended | dead-lettered | duplicate creates "
             "| circuit: open, half-open (closed at) | hold Events on tasks: BudgetExhausted + CircuitOpen |",
             "|---|---|---|---|---|---|---|---|---|"]
    for c in cases:
        pm = rows(os.path.join(d, c["_dir"], "per_minute.csv"))
        chk = (c.get("budget_check") or [None])[0]
        allow = f" ({chk['allowed_at_peak']})" if chk else ""
        label = ("without budget" if not c.get("budget_file") else f"with budget, `{c['_dir']}`")
        after = c.get("all_succeeded_after_outage_end_s")
        circ = [ci for key, ci in (c.get("circuits") or {}).items() if key != "events"]
        circ_cell = "; ".join(
            f"{s1(ci['open_s'], 0)} s, {s1(ci['half_open_s'], 0)} s (opened {ci['times_opened']} times from "
            f"{s1(ci['first_opened_s'], 0)} s, closed at {s1(ci['closed_at_s'], 0)} s)" for ci in circ) or "–"
        ev = c.get("events_by_kind_reason") or {}
        be, co = ev.get("DeadLetterTask/BudgetExhausted", 0), ev.get("DeadLetterTask/CircuitOpen", 0)
        ev_cell = f"{be + co} ({be} + {co})" if c.get("budget_file") else "–"
        lines.append(
            f"| {label} (operator {c['_operator']}) | {', '.join(r['retries'] for r in pm)} | "
            f"{c['peak_retries_per_minute_sliding']}{allow} | "
            f"{c['jobs_created']} ({c['retries']}) | {s1(after, 0) + ' s' if after is not None else 'not all'} "
            f"({s1(c.get('last_success_s'), 0)} s after the tasks were created) | {c['dead_lettered']} | "
            f"{c['duplicate_creates']} | {circ_cell} | {ev_cell} |")
    for c in cases:
        for chk in c.get("budget_check") or []:
            over = chk["retries_whose_window_exceeds_allowance"]
            lines += ["", f"`{c['_dir']}`: " + (
                f"{over} of the {c['retries']} windows of {chk['window_s']:.0f} s that end at a retry held more "
                f"retries than the allowance (at most {chk['max_excess_over_allowance']} over): the notes say why."
                if over else
                f"no window of {chk['window_s']:.0f} s ending at any of the {c['retries']} retries held more than "
                f"the allowance (most: {chk['peak_retries_in_window']} against {chk['allowed_at_peak']}).")]
    lines += ["", "Times are seconds since the tasks were created; a retry's time is when the API server completed "
              "its Job's create (audit log). While the circuit is open or half-open (probes out) every other retry is "
              "held."] if any(c.get("circuits") for c in cases) else []
    return lines + [""]


for line in storm_section():
    w(line)
w(f"## The main run, {os.path.basename(res_dir.rstrip('/'))}: goals")
w("")
w(f"Produced by `bench/run.sh` (command as run: `{ENVD.get('command', '')}`) on {ENVD.get('date', '')}: "
  f"{ENVD.get('machine', '')}; {ENVD.get('java', '')}; Kubernetes {ENVD.get('kubernetes', '')} (local control "
  f"plane of `hack/cluster.sh`, 2 KWOK nodes, a private instance on its own ports); operator "
  f"{ENVD.get('operator', '')}, run as `java -Xmx{S['config']['xmx']} -jar` with default settings "
  f"(`RECONCILE_THREADS` {defaults(ENVD)[0]}, `KUBE_CLIENT_QPS`/`BURST` {defaults(ENVD)[1]}/{defaults(ENVD)[2]})"
  f"{' and ' + ', '.join(S['config']['operator_env']) if S['config'].get('operator_env') else ''}; "
  f"kube-controller-manager with {kcm_note(ENVD)}. "
  f"Raw data: [`{rel}/`](../{rel}/). The machine's 2 cores were shared with another engineer's test runs: "
  "treat single numbers as noisy, prefer the ratios measured side by side in the same run.")
w("")
w("| goal | target | measured | |")
w("|---|---|---|---|")
if big:
    both = [line for line in (big, big0) if line]
    w(f"| overhead beyond the delay, p50 | ≤ 100 ms | {ms(big['op_seen'][0])} ms at N={big['n']}, delay {big['delay']} "
      + (f"({ms(big0['op_seen'][0])} ms at N={big0['n']}, delay 0s) " if big0 and big0 is not big else "")
      + f"| {verdict(max(x['op_seen'][0] for x in both) <= 0.1)} |")
    w(f"| overhead beyond the delay, p99 | ≤ 1 s | {ms(big['op_seen'][2])} ms at N={big['n']}, delay {big['delay']} "
      + (f"({ms(big0['op_seen'][2])} ms at N={big0['n']}, delay 0s) " if big0 and big0 is not big else "")
      + f"| {verdict(max(x['op_seen'][2] for x in both) <= 1)} |")
    w(f"| Job controller's gap beyond ITS backoff (same run), p50 | (peer) | {ms(big['jc_seen'][0])} ms at N={big['n']} | "
      f"ratio {s1(big['jc_seen'][0] / big['op_seen'][0] if big['op_seen'][0] and big['jc_seen'][0] else None)}× |")
if tp_table:
    w(f"| API writes per attempt (Job create + status + Job deletes) | ≤ 3 | {s1(worst_writes, 2)} "
      f"({s1(worst_writes_ev, 2)} with the operator's Events) | {verdict(worst_writes <= 3)} (events: {verdict(worst_writes_ev <= 3)}) |")
    plain = [t for t in tp_table if not t.get("variant")]
    others = [t for t in plain if t is not best_tp]
    w(f"| attempt Jobs created per second | ≥ 20 | {s1(best_tp['jobs_per_s'])} sustained, {s1(best_tp['peak'])} best 10 s, "
      f"{s1(best_tp['first_rate'])} for the {best_tp['k']} first attempts (no pod in the way) in the largest batch"
      + (" (other batches: " + "; ".join(f"{t['label']} {s1(t['jobs_per_s'])} sustained, {s1(t['first_rate'])} first attempts"
                                          for t in others) + ")" if others else "")
      + "".join(f"; {s1(t['first_rate'])} first attempts/s and {s1(t['jobs_per_s'])} sustained with {', '.join(t['variant'])} "
                f"({t['k']} tasks)" for t in tp_table if t.get('variant'))
      + f" | {verdict(best_tp['jobs_per_s'] >= 20)} |")
def heap_fit(fp):
    """Least squares, heap after GC (MiB) against tasks (each with 2 Jobs and 2 pods): (slope, intercept) or None."""
    pts_fp = [(f["tasks"], f["heap_used_mib"]) for f in fp if f["heap_used_mib"] is not None]
    if len({p[0] for p in pts_fp}) < 2:
        return None
    mx = statistics.mean(p[0] for p in pts_fp)
    my = statistics.mean(p[1] for p in pts_fp)
    slope = sum((x - mx) * (y - my) for x, y in pts_fp) / sum((x - mx) ** 2 for x, _ in pts_fp)
    return slope, my - slope * mx


fit = heap_fit(fp)
if largest:
    at5000 = largest["tasks"] >= 5000
    extra = (f"; linear fit {fit[0] * 1024:.0f} KiB per task with its 2 Jobs and 2 pods"
             + ("" if at5000 else f", so ≈ {fit[1] + 5000 * fit[0]:.0f} MiB at 5000 tasks (not run)")) if fit else ""
    w(f"| heap after GC at the largest size | ≤ 256 MiB | {s1(largest['heap_used_mib'])} MiB at {largest['tasks']} tasks + "
      f"{largest['jobs']} Jobs + {largest['pods']} pods (-Xmx{S['config']['xmx']}, max after any GC in the GC logs: "
      f"{gc_note}){extra} | {verdict(largest['heap_used_mib'] <= 256)} at {largest['tasks']} tasks"
      + ("; **missed** for a restart at that size (OutOfMemoryError while starting)"
         if any(oom for f_, oom in start_failures(S, res_dir, largest["tasks"], False)) else "")
      + f"{'; **missed** at 5000 by extrapolation' if not at5000 and fit and fit[1] + 5000 * fit[0] > 256 else ''}"
      f"{'' if at5000 or (fit and fit[1] + 5000 * fit[0] > 256) else '; not run at 5000'} |")
    big_all = max(startup_all) if startup_all else None
    ready_all = med(startup_all[big_all]) if big_all is not None else None
    fails_l = start_failures(S, res_dir, largest["tasks"], False)
    fails_a = start_failures(S, res_dir, big_all, True) if big_all is not None else []
    n_ok = len([x for x in startup.get(largest["tasks"], []) if x is not None])
    listed_txt = (f"{s1(ready_big)} s with {largest['tasks']} tasks in {len(S.get('namespaces', [])) or 'the'} listed "
                  f"namespaces (median of {n_ok})" if ready_big is not None else
                  f"did not start with {largest['tasks']} tasks in {len(S.get('namespaces', [])) or 'the'} listed namespaces: "
                  + (failures_text(fails_l, S['config']['xmx']) or "–"))
    all_txt = (f"{s1(ready_all)} s" if ready_all is not None else
               "did not start: " + (failures_text(fails_a, S['config']['xmx']) if fails_a else
                                    ('OutOfMemoryError at -Xmx' + S['config']['xmx'] + ' (' + ', '.join(oom_logs) + ')' if oom_logs else '–')))
    due = max((t for t in tp_table if not t.get("variant") and t.get("ready_s") is not None), key=lambda t: t["k"], default=None)
    due_txt = ""
    if due and ready_big is None:
        before_due = sum(t["k"] for t in tp_table[:tp_table.index(due)] if not t.get("variant")) + sum(r["n"] for r in S["latency"])
        due_txt = (f"; {s1(due['ready_s'])} s with {before_due + due['k']} tasks of which {before_due} had their 2 Jobs and "
                   f"2 pods (the start of batch {due['label']})")
    w(f"| ready after start with many tasks | ≤ 10 s | {listed_txt}; {all_txt} watching all namespaces{due_txt}; "
      f"{s1(med(startup.get(0, [])))} s with 0 tasks | "
      f"{verdict(ready_big is not None and ready_big <= 10)} (all namespaces: {verdict(ready_all is not None and ready_all <= 10)}) |")
w(f"| attempts started before nextAttemptAt | 0 | {sum(a['early_api'] for a in acc)} of {sum(a['retries'] for a in acc)} "
  f"retries (API view); {sum(a['early_audit'] for a in acc)} (audit-log view) | {verdict(sum(a['early_api'] + a['early_audit'] for a in acc) == 0)} |")
w(f"| attempts later than scheduled by > 2 s | (report) | {sum(a['over2'] for a in acc)} of {sum(a['retries'] for a in acc)} "
  f"against the schedule; {sum(a['ovh_over2'] for a in acc)} counting from when the failure became visible "
  f"(all runs{' incl. the kill -9 one' if any(a['restart'] for a in acc) else ''}) | |")
w("")
w("What was run, and what was not: " + ", ".join(
    [f"latency N = {', '.join(str(n) for n in sorted({line['n'] for line in lat_table}))} × initialDelay "
     f"{', '.join(sorted({line['delay'] for line in lat_table}))} (runs per N: "
     f"{', '.join(str(line['n']) + ': ' + str(line['repeats']) for line in lat_table if line['delay'] == lat_table[0]['delay'])})"] +
    [f"throughput batches of {', '.join(str(t['k']) + (' (' + ', '.join(t['variant']) + ')' if t.get('variant') else '') for t in tp_table)} tasks",
     f"footprint with every task of the run still present (up to {largest['tasks'] if largest else 0})"]) +
  ". Not run: " + "; ".join(x for x in [
      "the issue's N = 1000 latency run" if max((line["n"] for line in lat_table), default=0) < 1000 else "",
      "a 5000-task batch created at once" if max((t["k"] for t in tp_table), default=0) < 5000 else "",
      "the footprint at 5000 tasks" if not largest or largest["tasks"] < 5000 else "",
      "the footprint at 10000 tasks" if not largest or largest["tasks"] < 10000 else ""] if x) +
  ": on this shared 2-core machine they would take longer than the time box (see the throughput figures for "
  "the rate that bounds them); the harness takes them as parameters (`--latency-n 1000 --throughput-k 5000`).")
w("")
w("## 1. Reaction latency, beside the Job controller")
w("")
w("Each operator task fails its first attempt (simulated exit 1 after "
  f"{S['config']['duration']}) and succeeds its second; `jitter: 0`, so the schedule is exactly the "
  "Failed condition time plus `initialDelay`. In the same run, as many Indexed Jobs (`completions: 1`, "
  "`backoffLimitPerIndex: 1`) whose first pod fails and second succeeds, so the Job controller does the same retry "
  "with its own 10 s backoff. Gaps beyond the configured delay, in ms; percentiles per run, median over repeats:")
w("")
w("- **overhead** (the goal's figure): a watch in the harness timestamps (ms) the event that shows the failure "
  "(Job `Failed` condition; for the Job controller, pod phase `Failed`) and the event of the next Job (pod). "
  "overhead = next seen − max(failure seen, failure time + delay): the time the controller took from the moment it "
  "could first have acted (it cannot act before the failure is visible, and must not before the delay ran out; both "
  "controllers count the delay from the second-precision failure time: the `Failed` condition, resp. the "
  "container's `finishedAt`). Same instrument for both controllers, so the ratio is fair; the watch adds a few ms "
  "to both ends.")
w("- **sched**: the next Job's create in the API server's audit log (µs) minus the operator's own schedule "
  "(`Failed` condition time, second precision, + delay): the lateness against `nextAttemptAt`.")
w("- **API**: `creationTimestamp` of the next Job/pod minus the failure time (Job condition / container "
  "`finishedAt`) minus the delay, all second precision: mostly 0 or 1 s.")
w("- **metric**: the operator's `deadletter_attempt_start_lateness_seconds` and `deadletter_retry_latency_seconds` "
  "(bucket upper bound of p50 / p99). The lateness histogram is only recorded for attempts that went through "
  "`BackingOff` with a `nextAttemptAt` (none at delay 0s: the retry starts in the pass that sees the failure).")
w("")
LATENCY_HEADER = (
    "| N | delay | retries | operator overhead p50 / p90 / p99 / max | operator sched p50 / p99 / max | operator API p50 / max (s) | "
    "Job controller overhead p50 / p90 / p99 / max | Job ctl API p50 / max (s) | ratio p50 (JC/op) | metric lateness p50/p99 (n) | "
    "metric retry latency − delay p50/p99 | Failed condition seen − its timestamp p50 / p99 (ms) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|")


def latency_md(table):
    """The latency table's lines (header included), for this page's run or a follow-up run."""
    lines = list(LATENCY_HEADER)
    for line in table:
        d = float(line["delay"].rstrip("s"))
        o, a, api, j, japi = line["op_seen"], line["op_audit"], line["op_api"], line["jc_seen"], line["jc_api"]
        ratio = j[0] / o[0] if o[0] and j[0] and o[0] > 0 else None
        mr = [None if v is None else v - d for v in line["m_retry"]]
        lines.append(
            f"| {line['n']} | {line['delay']} | {line['op_seen_n']} | {' / '.join(ms(v) for v in o)} | "
            f"{ms(a[0])} / {ms(a[2])} / {ms(a[3])} | {s1(api[0], 0)} / {s1(api[3], 0)} | "
            f"{' / '.join(ms(v) for v in j)} | {s1(japi[0], 0)} / {s1(japi[3], 0)} | {s1(ratio)} | "
            f"{ms(line['m_late'][0])} / {ms(line['m_late'][1])} ({line['m_late_n']:.0f}) | {ms(mr[0])} / {ms(mr[1])} | "
            f"{ms(line['op_vis'][0])} / {ms(line['op_vis'][2])} |")
    return lines


for text in latency_md(lat_table):
    w(text)
w("")
w("![latency CDF](bench-latency.png)")
w("")
w("## 2. Throughput and API cost")
w("")
w("K tasks, each needing 2 attempts (`initialDelay: 0s`), created while the operator is stopped; then the operator "
  "starts and finds all K due at once (the harness itself creates only about 10 tasks/s on this loaded machine, "
  "which would otherwise be what is measured). 'converged after' counts from the operator's process start. Jobs/s = attempt Jobs "
  "created ÷ time from the first to the last create (audit log); best 10 s window beside it; 'first attempts' = the K "
  "first-attempt Jobs ÷ the time between the first and the last of them, which depends on nothing but the operator "
  "(second attempts wait for KWOK and the Job controller). API requests are the "
  "difference of the API server's `apiserver_request_total` before and after, by verb and resource; Job creates "
  "and deletes and `deadlettertasks/status` writes come only from the operator, Events are counted by "
  "`reportingController` (the API server's event counter also holds the scheduler's and Job controller's). "
  "'Event LISTs' are LISTs of core-v1 Events: since f630cb8 the operator lists a Job's `FailedCreate` Events when "
  "the Job has had no pod for 10 s (then every 30 s); nothing else in the private cluster lists them (0 in the "
  "earlier runs; the harness reads `events.k8s.io` once per batch).")
w("")
w("| batch | tasks | attempts | tasks created in | Jobs/s sustained | best 10 s | first attempts Jobs/s | converged after | Job POST | status writes | "
  "Job DELETE | operator Events | writes/attempt | + Events | GETs/attempt | Event LISTs/attempt | 429s | CPU s | CPU ms/attempt | ready after start (s) |")
w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for t in tp_table:
    w(f"| {t['label']}{' (' + ', '.join(t['variant']) + ')' if t.get('variant') else ''} | {t['k']} | {t['attempts']} | {s1(t['create_tasks_s'])} s | {s1(t['jobs_per_s'])} | {s1(t['peak'])} | "
      f"{s1(t['first_rate'])} | {s1(t['converged_s'])} s | {t['job_posts']:.0f} | {t['status']:.0f} | {t['job_deletes']:.0f} | {t['events']} | "
      f"{s1(t['writes_pa'], 2)} | {s1(t['writes_ev_pa'], 2)} | {s1(t['gets_pa'], 2)} | {s1(t['event_lists_pa'], 2)} | {t['api_429']:.0f} | "
      f"{s1(t['cpu_s'])} | {s1(t['cpu_pa'] * 1000, 0)} | {s1(t.get('ready_s'), 2)} |")
w("")
w("![attempt Jobs created over time](bench-throughput.png)")
w("")
w("Full request diffs: `" + rel + "/tp*-apiserver-requests.csv`.")
w("")
cpu_batches = [t for t in tp_table if t.get("cpu")]
if cpu_batches:
    w("### Where the CPU went during each batch")
    w("")
    w("CPU seconds (utime + stime from `/proc/<pid>/stat`) of each process of the private cluster, of the operator "
      "and of the harness (`bench/bench.py`: its watches and its polling LIST of the batch's tasks), sampled every "
      "2 s from just before the operator's start to the batch's convergence; the machine's busy time from "
      "`/proc/stat` over the same window (all cores, idle and iowait excluded). 'share' is CPU seconds ÷ (wall time "
      "× cores), so the rows add up to the machine's busy share; 'rest of the machine' is the busy time no listed "
      "process accounts for: the other engineer's test runs (their Maven/Surefire JVMs and their own local "
      "cluster), the kernel, other short-lived processes. 'first attempts' is the part of the batch between the "
      "first and the last first-attempt Job create (the samples around it). The operator's row includes its own "
      "start (JVM, informers' LISTs) since the window opens just before it. While a batch runs, the harness polls "
      "its tasks every max(1, K/500) s, at most 5 s (a LIST of K tasks each second would itself load the API server), "
      "so 'converged after' is that coarse. Raw samples: `" + rel + "/tp*-cpu.csv`.")
    w("")
    for t in cpu_batches:
        c = t["cpu"]
        b, f = c["batch"], c.get("first")
        w(f"**{t['label']}**{' (' + ', '.join(t['variant']) + ')' if t.get('variant') else ''}: "
          f"{t['k']} tasks, whole batch {s1(b['wall'], 0)} s on {b['ncpu']} cores"
          + (f", first attempts {s1(f['wall'], 0)} s" if f else "") + ".")
        w("")
        w("| process | CPU s (batch) | share of the cores (batch) | CPU s (first attempts) | share (first attempts) |")
        w("|---|---|---|---|---|")

        def share(v, win):
            return "–" if v is None or not win["wall"] or not win["ncpu"] else f"{100 * v / (win['wall'] * win['ncpu']):.0f} %"

        for name in CPU_PROCS:
            if name not in b["procs"]:
                continue
            fv = f["procs"].get(name) if f else None
            w(f"| {name} | {s1(b['procs'][name])} | {share(b['procs'][name], b)} | {s1(fv) if f else '–'} | "
              f"{share(fv, f) if f else '–'} |")
        w(f"| rest of the machine | {s1(b['rest'])} | {share(b['rest'], b)} | {s1(f['rest']) if f else '–'} | "
          f"{share(f['rest'], f) if f else '–'} |")
        w(f"| **whole machine (busy)** | {s1(b['busy'])} | {share(b['busy'], b)} | {s1(f['busy']) if f else '–'} | "
          f"{share(f['busy'], f) if f else '–'} |")
        w("")
w("")
w("## 3. Footprint")
w("")
w("Heap used after `jcmd <pid> GC.run` (`GC.heap_info`), RSS from `/proc/<pid>/status`, with the tasks of the "
  "throughput batches still there (each keeps its failed and its succeeded Job, with their pods: the default "
  "`historyLimits`). Startup: process start to the first 200 from `/readyz`, no JFR.")
w("")
w("| tasks | Jobs | pods | heap after GC (MiB) | heap committed (MiB) | RSS (MiB) |")
w("|---|---|---|---|---|---|")
for f in fp:
    w(f"| {f['tasks']} | {f['jobs']} | {f['pods']} | {s1(f['heap_used_mib'])} | {s1(f['heap_committed_mib'])} | "
      f"{s1(f['rss_mib'], 0)} |")
w("")
w(f"Startup, process start to `/readyz` 200 (median, all runs in brackets). 'listed' is the run's "
  f"`WATCH_NAMESPACES` of {len(S.get('namespaces', [])) or '?'} namespaces (JOSDK opens one informer per namespace "
  "for tasks, attempt Jobs, attempt pods and the capture controller's Jobs); 'all' leaves it unset (one informer each).")
w("")
w("| tasks | watching | ready after start (s) |")
w("|---|---|---|")
covered = set()
for mode, table in (("listed", startup), ("all", startup_all)):
    for tasks, st in sorted(table.items()):
        fails = start_failures(S, res_dir, tasks, mode == "all")
        covered.update(f for f, _ in fails)
        ok_ = [x for x in st if x is not None]
        cell = f"{s1(med(ok_), 2)} ({', '.join(s1(x, 2) for x in ok_)})" if ok_ else ""
        if fails:
            cell += ("; " if cell else "") + f"**did not start** {len(fails)} of {len(st)}: " + failures_text(fails, S["config"]["xmx"])
        w(f"| {tasks} | {mode} | {cell} |")
has_errors = any(x.get("error") for x in S["startup"])
for log_name in oom_logs:
    if os.path.basename(log_name) in covered:
        continue
    if has_errors:  # a start outside the measured ones (e.g. the one for the last footprint)
        w(f"| {largest['tasks'] if largest else '?'} | listed | **OutOfMemoryError** in the start for the last footprint: `{rel}/{log_name}` |")
    else:
        w(f"| {largest['tasks'] if largest else '?'} | all | **OutOfMemoryError** during start: `{rel}/{log_name}` |")
for t in tp_table:
    if t.get("ready_s") is not None:
        w(f"| {t['k']} due at once{' (own namespace only)' if t.get('variant') else ' (+ earlier)'} | listed | "
          f"{s1(t['ready_s'], 2)} (batch {t['label']}) |")
w("")
w(f"GC logs: `{rel}/gc-*.log` (largest occupancy after any collection: {gc_note}).")
w("")
w("![memory against task count](bench-footprint.png)")
w("")
w("## 4. Schedule accuracy")
w("")
w("Sound early-start check: with `jitter: 0` and whole-second delays the scheduled time is "
  "`history[i].finishTime + initialDelay`, a whole second (the `Failed` condition time has second precision and "
  "the operator schedules from it). A Job created at real time c has `creationTimestamp` = ⌊c⌋, and for a whole "
  "second T, ⌊c⌋ ≥ T ⇔ c ≥ T, so comparing `history[i+1].startTime` with that sum is exact, not just a bound. "
  "The audit log's µs create time is checked too. The operator's lateness metric cannot show early starts (it "
  "clamps negatives to 0).")
w("")
w("'> 2 s late' counts creates more than 2 s after the schedule; when the failure itself became visible later "
  "than that (the Job controller writes the `Failed` condition with a time taken before its own rate-limited "
  "status write, see below), the operator could not have been on time, so the last columns count overheads (from "
  "the later of schedule and visibility, as in scenario 1) above 2 s.")
w("")
w("| run | retries | early (API) | early (audit) | lateness p50 / p90 / p99 / max (ms, audit) | > 2 s late | overhead > 2 s | overhead max (ms) | note |")
w("|---|---|---|---|---|---|---|---|---|")
for a in acc:
    note = ""
    if a["restart"]:
        rs = a["restart"]
        note = (f"operator killed (SIGKILL) when half the first attempts had failed, restarted after "
                f"{S['config']['restart_pause']} s, ready {rs['ready_s']:.1f} s later (down {rs['down_s']:.1f} s)")
    w(f"| {a['label']} | {a['retries']} | {a['early_api']} | {a['early_audit']} | {' / '.join(ms(v) for v in a['p'])} | "
      f"{a['over2']} | {a['ovh_over2']} | {ms(a['ovh_max'])} | {note} |")
w("")
w("![lateness against the schedule](bench-lateness.png)")
w("")
w("## How to run")
w("")
w("```sh")
w("bench/run.sh                      # everything above (about 30 min here); raw data in bench/results/<date>/,")
w("                                  # this page and docs/bench-*.png regenerated from it")
w("bench/run.sh --smoke              # CI: ~10 tasks, asserts all converged and 0 early starts, < 90 s")
w("bench/run.sh --report <date>      # only regenerate this page and the plots from bench/results/<date>/")
w("bench/run.sh --latency-n 1,100,1000 --throughput-k 5000 --repeats 3   # the issue's full sizes")
w("bench/run.sh --results NAME --compare A,B ...   # a run into bench/results/NAME/, this page's main tables,")
w("                                  # with earlier runs A, B beside it; --report NAME --compare A,B redoes the page")
w("bench/run.sh --kcm-qps 100 ...    # the private cluster's kube-controller-manager at client QPS 100 (burst 200)")
w("bench/run.sh --startup-k 5000 --baseline-rev REV --latency-n 1,300,1000 --delays 1s --repeats 1 --results NAME")
w("                                  # starts of REV's jar and this tree's, alternately, on the same 5000 finished tasks;")
w("                                  # then the latency runs; --report MAIN --followup NAME adds its section to this page")
w("```")
w("")
w("`bench/run.sh` builds the jar from a copy of the working tree into `bench/.build/` (never touching `target/`), "
  "starts a private local cluster (`hack/cluster.sh` with its own directory `~/.cache/deadletter-operator/bench-cluster` "
  "and ports 17443, 24790, 21257, 21259, 21247, so it runs beside the test cluster) unless one is already up there, "
  "runs the operator jar as a separate process (`-Xmx256m -XX:+ExitOnOutOfMemoryError`, GC log, JFR with `--jfr`) with `WATCH_NAMESPACES` set "
  "to the run's namespaces and `TASK_LABEL_SELECTOR` set to the run's label, and drives it with `bench/bench.py` "
  "(Python standard library only; talks to the API server with the kubeconfig's credentials). "
  "`bench/report.py` (matplotlib, in `bench/.venv`) writes this page; `bench/jfr_top.py` summarises the JFR files. "
  "`--smoke` with `KUBECONFIG` set uses that cluster (it must run KWOK with `hack/cluster/kwok-stages.yaml`); its "
  "tasks carry a run label and its operator only reconciles those, but another operator watching the same "
  "namespaces without a label selector would also act on them. Options: `bench/run.sh --help`.")
w("")


def headline(d):
    """The headline goals of one results directory, with the same functions and definitions as the page's tables."""
    Sd = json.load(open(os.path.join(d, "summary.json")))
    envd = dict(line.split(": ", 1) for line in open(os.path.join(d, "environment.txt")).read().strip().splitlines())
    gr = {}
    for r in Sd["latency"]:
        if not r.get("restart"):
            gr.setdefault((r["n"], r["delay"]), []).append(r)
    lt = {(line["n"], line["delay"]): line for line in latency_table(gr, d)}
    tps = [tp_row(dict(t, _dir=d)) for t in Sd["throughput"]]
    ac = accuracy(Sd, d)
    st, st_all = {}, {}
    for x in Sd["startup"]:
        (st_all if x.get("mode") == "all namespaces" else st).setdefault(x["tasks"], []).append(x["ready_s"])
    fpd = Sd["footprint"]
    lg = max(fpd, key=lambda f: f["tasks"]) if fpd else None
    ooms = sorted(os.path.relpath(p, d) for p in glob.glob(os.path.join(d, "**", "operator-*.log"), recursive=True)
                  if "OutOfMemoryError" in open(p, errors="replace").read())
    return {"dir": d, "env": envd, "S": Sd, "lat": lt, "tp": tps, "acc": ac, "startup": st, "startup_all": st_all,
            "largest": lg, "ooms": ooms, "namespaces": len(Sd.get("namespaces", []))}


if before_dirs:
    RUNS = [headline(d) for d in before_dirs + [res_dir]]

    def title(H):
        d = defaults(H["env"])
        return f"{os.path.basename(H['dir'].rstrip('/'))} ({H['env'].get('operator', '?').split()[0]}, {d[1]}/{d[2]} QPS)"

    def first_batch(H):
        tps = [t for t in H["tp"] if not t.get("variant")]
        return tps[0] if tps else None

    def largest_batch(H):
        tps = [t for t in H["tp"] if not t.get("variant")]
        return max(tps, key=lambda t: t["k"]) if tps else None

    def ready_cell(H, tasks, table):
        xs = [x for x in table.get(tasks, []) if x is not None]
        fails = start_failures(H["S"], H["dir"], tasks, False)
        if xs:
            return f"{s1(med(xs), 2)} s with {tasks} tasks in {H['namespaces']} listed namespaces (median of {len(xs)})"
        return (f"did not start with {tasks} tasks in {H['namespaces']} listed namespaces: "
                + failures_text(fails, H["S"]["config"]["xmx"])) if fails else "–"

    def all_cell(H):
        lg = H["largest"]
        xs = [x for x in H["startup_all"].get(lg["tasks"], []) if x is not None] if lg else []
        if xs:
            return f"{s1(med(xs), 2)} s with {lg['tasks']} tasks (median of {len(xs)})"
        fails = start_failures(H["S"], H["dir"], lg["tasks"], True) if lg else []
        if fails:
            return f"did not start with {lg['tasks']} tasks: " + failures_text(fails, H["S"]["config"]["xmx"])
        return f"OutOfMemoryError at -Xmx{H['S']['config']['xmx']} ({', '.join(H['ooms'])})" if H["ooms"] else "–"

    def fit_cell(H):
        f = heap_fit(H["S"]["footprint"])
        return f"{f[0] * 1024:.0f} KiB, ≈ {f[1] + 5000 * f[0]:.0f} MiB" if f else "–"

    M = RUNS[-1]
    sec = []
    v = sec.append
    v("## Before and after")
    v("")
    v("The same harness and definitions in every run; each column is computed from its own raw directory by the "
      "functions that make the tables of this page. Sizes differ between runs (the commands below), and where they "
      "do the cell names the batch or the size. The last column judges this page's run. All runs on the same "
      "kind of machine, shared with another engineer's test runs, so single figures are noisy.")
    v("")
    for H in RUNS:
        rel_h = os.path.relpath(H["dir"], os.path.join(docs, ".."))
        v(f"- **{title(H)}**: {H['env'].get('date', '')}, operator {H['env'].get('operator', '')}, "
          f"kube-controller-manager {kcm_note(H['env'])}; `{H['env'].get('command', '')}`; raw data [`{rel_h}/`](../{rel_h}/)"
          + (" (this page's main run)" if H is M else "") + ".")
    v("")
    v("| goal | target | " + " | ".join(title(H) for H in RUNS) + " | |")
    v("|---|---|" + "---|" * len(RUNS) + "---|")

    def row(name, target, cell, ok=None):
        cells = []
        for H in RUNS:
            try:
                cells.append(cell(H))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("–")
        judged = ""
        if ok is not None:
            try:
                judged = verdict(ok(M))
            except (KeyError, TypeError, ZeroDivisionError):
                judged = ""
        v(f"| {name} | {target} | " + " | ".join(cells) + f" | {judged} |")

    keys = sorted({k for k in M["lat"] if any(k in H["lat"] for H in RUNS[:-1])}, key=lambda k: (k[1], k[0]))
    for k in keys:
        lat = lambda H, i, f="op_seen": ms(H["lat"][k][f][i]) + " ms" if k in H["lat"] else "–"  # noqa: E731
        row(f"overhead beyond the delay, p50, N={k[0]} delay {k[1]}", "≤ 100 ms", lambda H: lat(H, 0),
            lambda H: H["lat"][k]["op_seen"][0] <= 0.1)
        row(f"overhead beyond the delay, p99, N={k[0]} delay {k[1]}", "≤ 1 s", lambda H: lat(H, 2),
            lambda H: H["lat"][k]["op_seen"][2] <= 1)
        row(f"overhead max, N={k[0]} delay {k[1]}", "(report)", lambda H: lat(H, 3))
        row(f"Job controller's gap beyond its backoff, p50, same run, N={k[0]}", "(peer)", lambda H: lat(H, 0, "jc_seen"))
        row(f"`Failed` condition seen − its timestamp, p99, N={k[0]} delay {k[1]}", "(context)",
            lambda H: lat(H, 2, "op_vis"))
    for which, pick in (("first batch of the run", first_batch), ("largest batch of the run", largest_batch)):
        if which.startswith("largest") and all(pick(H) is first_batch(H) for H in RUNS):
            continue
        b = lambda H, f, d=1, unit="": f"{s1(pick(H)[f], d)}{unit} ({pick(H)['label']})"  # noqa: E731
        row(f"attempt Jobs created per second, sustained, {which}", "≥ 20", lambda H: b(H, "jobs_per_s"),
            lambda H: pick(H)["jobs_per_s"] >= 20)
        row("… best 10 s", "≥ 20", lambda H: b(H, "peak"))
        row("… first attempts (wait for nothing but the operator)", "≥ 20", lambda H: b(H, "first_rate"),
            lambda H: pick(H)["first_rate"] >= 20)
        row("… second attempts (each waits for the Job controller's `Failed` on the first)", "(report)",
            lambda H: b(H, "second_rate"))
        row("… batch converged after (from process start)", "(report)", lambda H: b(H, "converged_s", 1, " s"))
        row("… API writes per attempt (Job create + status + Job deletes)", "≤ 3", lambda H: b(H, "writes_pa", 2),
            lambda H: pick(H)["writes_pa"] <= 3)
        row("… with the operator's Events", "≤ 3", lambda H: b(H, "writes_ev_pa", 2),
            lambda H: pick(H)["writes_ev_pa"] <= 3)
        row("… API reads per attempt (GETs of Jobs and tasks + core Event LISTs)", "≈ 0 (from caches)",
            lambda H: f"{pick(H)['gets_pa']:.2f} + {pick(H)['event_lists_pa']:.2f}",
            lambda H: pick(H)["gets_pa"] + pick(H)["event_lists_pa"] < 0.05)
        row("… 429s from the API server", "(report)", lambda H: f"{pick(H)['api_429']:.0f}")
        row("… operator CPU per attempt", "(report)", lambda H: f"{pick(H)['cpu_pa'] * 1000:.0f} ms ({pick(H)['label']})")
        row("… ready after start with this batch due (+ the run's earlier tasks)", "≤ 10 s",
            lambda H: b(H, "ready_s", 2, " s"), lambda H: pick(H)["ready_s"] <= 10)
    row("ready after start, 0 tasks", "≤ 10 s", lambda H: ready_cell(H, 0, H["startup"]),
        lambda H: med(H["startup"][0]) <= 10)
    row("ready after start, largest size of the run, listed namespaces", "≤ 10 s",
        lambda H: ready_cell(H, H["largest"]["tasks"], H["startup"]),
        lambda H: (med(H["startup"][H["largest"]["tasks"]]) or 1e9) <= 10)
    row("ready after start, largest size of the run, all namespaces", "≤ 10 s", all_cell,
        lambda H: (med(H["startup_all"][H["largest"]["tasks"]]) or 1e9) <= 10)
    row("heap after GC at the largest size (-Xmx256m)", "≤ 256 MiB",
        lambda H: f"{s1(H['largest']['heap_used_mib'])} MiB at {H['largest']['tasks']} tasks",
        lambda H: H["largest"]["heap_used_mib"] <= 256 and H["largest"]["tasks"] >= 5000)
    def restart_ok(H):
        lg = H["largest"]["tasks"]
        fails = [f for f, oom in start_failures(H["S"], H["dir"], lg, False) + start_failures(H["S"], H["dir"], lg, True) if oom]
        return not fails and not H["ooms"]

    row("… every start with the largest size's objects present fits the heap", "(the goal's -Xmx holds)",
        lambda H: "yes" if restart_ok(H) else "no: OutOfMemoryError while starting", restart_ok)
    row("… heap per task (linear fit) and at 5000 tasks by the fit", "≤ 256 MiB", fit_cell,
        lambda H: (lambda f: f[1] + 5000 * f[0] <= 256)(heap_fit(H["S"]["footprint"])))
    row("attempts started before nextAttemptAt (API / audit view)", "0",
        lambda H: f"{sum(x['early_api'] for x in H['acc'])} / {sum(x['early_audit'] for x in H['acc'])} of "
                  f"{sum(x['retries'] for x in H['acc'])}",
        lambda H: sum(x["early_api"] + x["early_audit"] for x in H["acc"]) == 0)
    v("")
    v("The heap row is judged met only when the run reached 5000 tasks (the goal's size).")
    v("")
    for H in reversed(RUNS[1:]):  # newest first
        if run_notes(H["dir"]):
            v(run_notes(H["dir"]))
            v("")
    # The section goes after the headline of this page's run, before its detailed tables.
    at_i = out.index("## 1. Reaction latency, beside the Job controller")
    out[at_i:at_i] = sec

# ------------------------------------------------------------------ follow-up runs (--followup)
def full_gcs(d, operator_log):
    """(full GCs of a full heap, MiB after the harness's own full GC) of one start, from its gc-N.log."""
    gc = os.path.join(d, operator_log.replace("operator-", "gc-"))
    text = open(gc).read() if os.path.exists(gc) else ""
    forced = len(re.findall(r"Pause Full \(G1 Compaction Pause\) \d+M->", text))
    asked = re.findall(r"Pause Full \(Diagnostic Command\) \d+M->(\d+)M", text)
    return forced, (int(asked[-1]) if asked else None)


def followup_section(d):
    """A later, smaller run (bench/run.sh --startup-k): its start comparison and latency runs, with its notes."""
    Sd = json.load(open(os.path.join(d, "summary.json")))
    envd = dict(line.split(": ", 1) for line in open(os.path.join(d, "environment.txt")).read().strip().splitlines())
    name, rel_d = os.path.basename(d.rstrip("/")), os.path.relpath(d, os.path.join(docs, ".."))
    operator = envd.get("operator", "?").split()[0]
    command = envd.get("command", "")
    baseline = command.split("--baseline-rev ", 1)[1].split()[0] if "--baseline-rev " in command else "baseline"
    lines = [f"## Follow-up run {name}", "",
             f"{envd.get('date', '')}, {envd.get('machine', '')}, operator {envd.get('operator', '')}, "
             f"kube-controller-manager {kcm_note(envd)}, `-Xmx{Sd['config']['xmx']}`; "
             f"`{command.replace(' --baseline-jar ' + str(Sd['config'].get('baseline_jar')), '')}`; "
             f"raw data [`{rel_d}/`](../{rel_d}/). Its figures are newer than this page's main run's.", ""]
    ab = Sd.get("startup_ab", [])
    if ab:
        size = ab[0]
        lines += ["### Start with the tasks present, before and after side by side", "",
                  f"{size['tasks']} tasks with {size['jobs']} attempt Jobs and {size['pods']} pods, every one finished. "
                  f"The operator was restarted on them with the jar of {baseline} (before) and of {operator} (after), "
                  "alternately, the same objects each time. 'every task reconciled' is the time from the process start "
                  "until JOSDK's `operator_sdk_reconciliations_success_total` reached the number of tasks. From each "
                  "start's GC log (`gc-N.log`): the largest occupancy after any collection; the full GCs G1 ran "
                  "because the heap was full (`Pause Full (G1 Compaction Pause)`, its last resort before an "
                  "`OutOfMemoryError`); and the heap after the full GC the harness asks for (`jcmd GC.run`, "
                  "`Pause Full (Diagnostic Command)`) once every task was reconciled: the live set.", "",
                  "| jar | starts | did not start | ready after start (s), median (all) | every task reconciled (s), median | "
                  "largest heap after a GC (MiB) | full GCs of a full heap (all starts) | heap after the settled full GC (MiB), median | RSS (MiB), median |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for label, title_ in (("baseline", f"{baseline} (before)"), ("this", f"{operator} (after)")):
            xs = [x for x in ab if x["jar"] == label]
            ok_ = [x for x in xs if not x.get("error")]
            failed = [x for x in xs if x.get("error")]
            ready = [x["ready_s"] for x in ok_]
            fail_cell = (f"{len(failed)}: " + ", ".join(f"`{rel_d}/{x['log']}`" for x in failed)) if failed else "0"
            lines.append(
                f"| {title_} | {len(xs)} | {fail_cell} | "
                f"{(s1(med(ready), 2) + ' (' + ', '.join(s1(r, 2) for r in ready) + ')') if ready else '–'} | "
                f"{s1(med([x.get('all_reconciled_s') for x in ok_]), 1)} | "
                f"{s1(max([x['gc_max_after_mib'] for x in xs if x.get('gc_max_after_mib')] or [None]) if xs else None, 0)} | "
                f"{sum(full_gcs(d, x['log'])[0] for x in xs)} | "
                f"{s1(med([full_gcs(d, x['log'])[1] for x in ok_]), 0)} | {s1(med([x.get('rss_mib') for x in ok_]), 0)} |")
        lines.append("")
    gr = {}
    for r in Sd["latency"]:
        gr.setdefault((r["n"], r["delay"]), []).append(r)
    if gr:
        lines += ["### Reaction latency", "",
                  "Definitions as in section 1 below; the latency runs came after the start comparison, with the "
                  "tasks above still present.", ""]
        lines += latency_md(latency_table(gr, d)) + [""]
        lines += ["| run | retries | early (API) | early (audit) | lateness p50 / p90 / p99 / max (ms, audit) | > 2 s late | overhead > 2 s | overhead max (ms) |",
                  "|---|---|---|---|---|---|---|---|"]
        for a in accuracy(Sd, d):
            lines.append(f"| {a['label']} | {a['retries']} | {a['early_api']} | {a['early_audit']} | "
                         f"{' / '.join(ms(v) for v in a['p'])} | {a['over2']} | {a['ovh_over2']} | {ms(a['ovh_max'])} |")
        lines.append("")
    if run_notes(d):
        lines += [run_notes(d), ""]
    return lines


if followup_dirs:
    fsec = [line for d in followup_dirs for line in followup_section(d)]
    at_i = out.index("## 1. Reaction latency, beside the Job controller")
    out[at_i:at_i] = fsec

# The oldest run's notes (its analysis, to which the later runs' notes answer) close the page.
oldest = (before_dirs or [res_dir])[0]
if run_notes(oldest) and oldest != res_dir:
    w(run_notes(oldest))
    w("")
open(os.path.join(docs, "benchmarks.md"), "w").write("\n".join(out))
print(f"report: wrote {docs}/benchmarks.md and plots from {res_dir}")
