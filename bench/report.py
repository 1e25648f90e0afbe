#!/usr/bin/env python3
"""Regenerates docs/benchmarks.md and docs/bench-*.png from one results directory of bench/run.sh.

Usage: report.py bench/results/<date> docs/ [--after bench/results/<other>]
Every number in the page is computed here from the raw files of that directory; the discussion is
bench/notes.md, included verbatim. With --after, the headline goals of a second (later) results directory are
computed with the same functions and added as a before/after section; the main tables stay those of the first.
"""
import csv
import glob
import json
import math
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

res_dir, docs = sys.argv[1], sys.argv[2]
after_dir = sys.argv[sys.argv.index("--after") + 1] if "--after" in sys.argv else None
rel = os.path.relpath(res_dir, os.path.join(docs, ".."))
S = json.load(open(os.path.join(res_dir, "summary.json")))
ENV = open(os.path.join(res_dir, "environment.txt")).read().strip()
ENVD = dict(line.split(": ", 1) for line in ENV.splitlines())


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
            tp_runs.append(dict(t, _dir=vdir, operator_env=V["config"].get("operator_env") or [],
                                label=os.path.basename(vdir) + "/" + t["label"]))
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
    return ({**t, "peak": peak, "first_rate": first_rate, "second_rate": second_rate, "job_posts": job_posts, "status": status, "job_deletes": job_deletes,
                     "events": ev, "writes_pa": (job_posts + status + job_deletes) / a,
                     "writes_ev_pa": (job_posts + status + job_deletes + ev) / a, "gets_pa": (gets + task_gets) / a,
                     "cpu_pa": t["cpu_s"] / a, "created": created})


tp_table = [tp_row(t) for t in tp_runs]

# ------------------------------------------------------------------ scenario 3: footprint
fp = S["footprint"]
startup = {}  # tasks -> ready times, watching the listed namespaces
startup_all = {}  # tasks -> ready times, watching all namespaces
for s in S["startup"]:
    (startup_all if s.get("mode") == "all namespaces" else startup).setdefault(s["tasks"], []).append(s["ready_s"])
n_ns = len([n for n in S["config"].get("namespaces", [])]) or None
largest = max(fp, key=lambda f: f["tasks"]) if fp else None
gc_logs = sorted(glob.glob(os.path.join(res_dir, "gc-*.log")))
gc_max_after = None
for g in gc_logs:  # largest heap occupancy after any GC, from the GC logs: "Pause ... 120M->80M(256M)"
    for line in open(g):
        if "Pause" in line and "->" in line:
            try:
                after = line.split("->")[1].split("M")[0]
                gc_max_after = max(gc_max_after or 0, float(after))
            except ValueError:
                pass

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
best_tp = max([t for t in tp_table if not t.get("operator_env")] or tp_table, key=lambda t: t["k"]) if tp_table else None
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
  + (" (before/after: " + os.path.relpath(after_dir, os.path.join(docs, "..")) + ", bench/notes-after.md)" if after_dir else "")
  + "; edit bench/notes.md or the script, not this file. -->")
w("")
w(f"Produced by `bench/run.sh` (command as run: `{ENVD.get('command', '')}`) on {ENVD.get('date', '')}: "
  f"{ENVD.get('machine', '')}; {ENVD.get('java', '')}; Kubernetes {ENVD.get('kubernetes', '')} (local control "
  f"plane of `hack/cluster.sh`, 2 KWOK nodes, a private instance on its own ports); operator "
  f"{ENVD.get('operator', '')}, run as `java -Xmx{S['config']['xmx']} -jar` with default settings "
  f"(`RECONCILE_THREADS` 10, `KUBE_CLIENT_QPS`/`BURST` 20/40){' and ' + ', '.join(S['config']['operator_env']) if S['config'].get('operator_env') else ''}. "
  f"Raw data: [`{rel}/`](../{rel}/). The machine's 2 cores were shared with another engineer's test runs: "
  "treat single numbers as noisy, prefer the ratios measured side by side in the same run.")
w("")
w("## Headline")
w("")
w("| goal | target | measured | |")
w("|---|---|---|---|")
if big:
    w(f"| overhead beyond the delay, p50 | ≤ 100 ms | {ms(big['op_seen'][0])} ms at N={big['n']}, delay {big['delay']} "
      f"({ms(big0['op_seen'][0])} ms at delay 0s) | {verdict(max(big['op_seen'][0], big0['op_seen'][0]) <= 0.1)} |")
    w(f"| overhead beyond the delay, p99 | ≤ 1 s | {ms(big['op_seen'][2])} ms at N={big['n']}, delay {big['delay']} "
      f"({ms(big0['op_seen'][2])} ms at delay 0s) | {verdict(max(big['op_seen'][2], big0['op_seen'][2]) <= 1)} |")
    w(f"| Job controller's gap beyond ITS backoff (same run), p50 | (peer) | {ms(big['jc_seen'][0])} ms at N={big['n']} | "
      f"ratio {s1(big['jc_seen'][0] / big['op_seen'][0] if big['op_seen'][0] and big['jc_seen'][0] else None)}× |")
if tp_table:
    w(f"| API writes per attempt (Job create + status + Job deletes) | ≤ 3 | {s1(worst_writes, 2)} "
      f"({s1(worst_writes_ev, 2)} with the operator's Events) | {verdict(worst_writes <= 3)} (events: {verdict(worst_writes_ev <= 3)}) |")
    w(f"| attempt Jobs created per second | ≥ 20 | {s1(best_tp['jobs_per_s'])} sustained, {s1(best_tp['peak'])} best 10 s, "
      f"{s1(best_tp['first_rate'])} for the {best_tp['k']} first attempts (no pod in the way)"
      + "".join(f"; {s1(t['first_rate'])} first attempts/s with {', '.join(t['operator_env'])}" for t in tp_table if t.get('operator_env'))
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
    extra = (f"; linear fit {fit[0] * 1024:.0f} KiB per task with its 2 Jobs and 2 pods, so ≈ {fit[1] + 5000 * fit[0]:.0f} MiB "
             f"at 5000 tasks (not run)") if fit else ""
    w(f"| heap after GC at the largest size | ≤ 256 MiB | {s1(largest['heap_used_mib'])} MiB at {largest['tasks']} tasks + "
      f"{largest['jobs']} Jobs + {largest['pods']} pods (-Xmx{S['config']['xmx']}, max after any GC in the GC logs: "
      f"{s1(gc_max_after, 0)} MiB){extra} | {verdict(largest['heap_used_mib'] <= 256)} at {largest['tasks']} tasks"
      f"{'; **missed** at 5000 by extrapolation' if fit and fit[1] + 5000 * fit[0] > 256 else ''} |")
    big_all = max(startup_all) if startup_all else None
    ready_all = med(startup_all[big_all]) if big_all is not None else None
    w(f"| ready after start with many tasks | ≤ 10 s | {s1(ready_big)} s with {largest['tasks']} tasks in "
      f"{len(S.get('namespaces', [])) or 'the'} listed namespaces (median of {len(startup.get(largest['tasks'], []))}); "
      f"{s1(ready_all) + ' s' if ready_all is not None else ('did not start: OutOfMemoryError at -Xmx' + S['config']['xmx'] + ' (' + ', '.join(oom_logs) + ')' if oom_logs else '–')} "
      f"watching all namespaces; {s1(med(startup.get(0, [])))} s with 0 tasks | "
      f"{verdict(ready_big is not None and ready_big <= 10)} (all namespaces: {verdict(ready_all is not None and ready_all <= 10)}) |")
w(f"| attempts started before nextAttemptAt | 0 | {sum(a['early_api'] for a in acc)} of {sum(a['retries'] for a in acc)} "
  f"retries (API view); {sum(a['early_audit'] for a in acc)} (audit-log view) | {verdict(sum(a['early_api'] + a['early_audit'] for a in acc) == 0)} |")
w(f"| attempts later than scheduled by > 2 s | (report) | {sum(a['over2'] for a in acc)} of {sum(a['retries'] for a in acc)} "
  f"against the schedule; {sum(a['ovh_over2'] for a in acc)} counting from when the failure became visible "
  f"(all runs incl. the kill -9 one) | |")
w("")
w("What was run, and what was not: " + ", ".join(
    [f"latency N = {', '.join(str(n) for n in sorted({line['n'] for line in lat_table}))} × initialDelay "
     f"{', '.join(sorted({line['delay'] for line in lat_table}))} (runs per N: "
     f"{', '.join(str(line['n']) + ': ' + str(line['repeats']) for line in lat_table if line['delay'] == lat_table[0]['delay'])})"] +
    [f"throughput batches of {', '.join(str(t['k']) + (' (' + ', '.join(t['operator_env']) + ')' if t.get('operator_env') else '') for t in tp_table)} tasks",
     f"footprint with every task of the run still present (up to {largest['tasks'] if largest else 0})"]) +
  ". The issue's N = 1000 latency run, the 5000-task throughput and the 5000/10000-task footprint were not run: "
  "on this shared 2-core machine they would take far longer than the time box (see the throughput figures "
  "for the rate that bounds them); the harness takes them as parameters (`--latency-n 1000 --throughput-k 5000`).")
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
w("| N | delay | retries | operator overhead p50 / p90 / p99 / max | operator sched p50 / p99 / max | operator API p50 / max (s) | "
  "Job controller overhead p50 / p90 / p99 / max | Job ctl API p50 / max (s) | ratio p50 (JC/op) | metric lateness p50/p99 (n) | "
  "metric retry latency − delay p50/p99 | Failed condition seen − its timestamp p50 / p99 (ms) |")
w("|---|---|---|---|---|---|---|---|---|---|---|---|")
for line in lat_table:
    d = float(line["delay"].rstrip("s"))
    o, a, api, j, japi = line["op_seen"], line["op_audit"], line["op_api"], line["jc_seen"], line["jc_api"]
    ratio = j[0] / o[0] if o[0] and j[0] and o[0] > 0 else None
    mr = [None if v is None else v - d for v in line["m_retry"]]
    w(f"| {line['n']} | {line['delay']} | {line['op_seen_n']} | {' / '.join(ms(v) for v in o)} | "
      f"{ms(a[0])} / {ms(a[2])} / {ms(a[3])} | {s1(api[0], 0)} / {s1(api[3], 0)} | "
      f"{' / '.join(ms(v) for v in j)} | {s1(japi[0], 0)} / {s1(japi[3], 0)} | {s1(ratio)} | "
      f"{ms(line['m_late'][0])} / {ms(line['m_late'][1])} ({line['m_late_n']:.0f}) | {ms(mr[0])} / {ms(mr[1])} | "
      f"{ms(line['op_vis'][0])} / {ms(line['op_vis'][2])} |")
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
  "`reportingController` (the API server's event counter also holds the scheduler's and Job controller's).")
w("")
w("| batch | tasks | attempts | tasks created in | Jobs/s sustained | best 10 s | first attempts Jobs/s | converged after | Job POST | status writes | "
  "Job DELETE | operator Events | writes/attempt | + Events | GETs/attempt | 429s | CPU s | CPU ms/attempt | ready after start (s) |")
w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for t in tp_table:
    w(f"| {t['label']}{' (' + ', '.join(t['operator_env']) + ')' if t.get('operator_env') else ''} | {t['k']} | {t['attempts']} | {s1(t['create_tasks_s'])} s | {s1(t['jobs_per_s'])} | {s1(t['peak'])} | "
      f"{s1(t['first_rate'])} | {s1(t['converged_s'])} s | {t['job_posts']:.0f} | {t['status']:.0f} | {t['job_deletes']:.0f} | {t['events']} | "
      f"{s1(t['writes_pa'], 2)} | {s1(t['writes_ev_pa'], 2)} | {s1(t['gets_pa'], 2)} | {t['api_429']:.0f} | "
      f"{s1(t['cpu_s'])} | {s1(t['cpu_pa'] * 1000, 0)} | {s1(t.get('ready_s'), 2)} |")
w("")
w("![attempt Jobs created over time](bench-throughput.png)")
w("")
w("Full request diffs: `" + rel + "/tp*-apiserver-requests.csv`.")
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
for tasks, st in sorted(startup.items()):
    w(f"| {tasks} | listed | {s1(med(st), 2)} ({', '.join(s1(x, 2) for x in st)}) |")
for tasks, st in sorted(startup_all.items()):
    w(f"| {tasks} | all | {s1(med(st), 2)} ({', '.join(s1(x, 2) for x in st)}) |")
for log_name in oom_logs:
    w(f"| {largest['tasks'] if largest else '?'} | all | **OutOfMemoryError** during start: `{rel}/{log_name}` |")
for t in tp_table:
    if t.get("ready_s") is not None:
        w(f"| {t['k']} due at once{' (own namespace only)' if t.get('operator_env') else ' (+ earlier)'} | listed | "
          f"{s1(t['ready_s'], 2)} (batch {t['label']}) |")
w("")
w(f"GC logs: `{rel}/gc-*.log` (largest occupancy after any collection: {s1(gc_max_after, 0)} MiB).")
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
if after_dir:
    w("bench/run.sh --results NAME --compare <date> ...   # a later run into bench/results/NAME/, shown above as")
    w("                                  # before/after of the headline; --report NAME --compare <date> redoes the page")
w("```")
w("")
w("`bench/run.sh` builds the jar from a copy of the working tree into `bench/.build/` (never touching `target/`), "
  "starts a private local cluster (`hack/cluster.sh` with its own directory `~/.cache/deadletter-operator/bench-cluster` "
  "and ports 17443, 24790, 21257, 21259, 21247, so it runs beside the test cluster) unless one is already up there, "
  "runs the operator jar as a separate process (`-Xmx256m`, GC log, JFR with `--jfr`) with `WATCH_NAMESPACES` set "
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


if after_dir:
    B, A = headline(res_dir), headline(after_dir)
    rel_a = os.path.relpath(after_dir, os.path.join(docs, ".."))
    common = sorted(set(B["lat"]) & set(A["lat"]), key=lambda k: (k[1], k[0]))
    ks = sorted({t["k"] for t in A["tp"]} & {t["k"] for t in B["tp"] if not t.get("operator_env")})
    sec = []
    v = sec.append
    v("## After 511eae7 (events and watches exempt from the rate limit, 50/100 QPS, indexed reads)")
    v("")
    v(f"The same harness and definitions, run again on {A['env'].get('date', '')} with operator "
      f"{A['env'].get('operator', '')} at its new defaults (`KUBE_CLIENT_QPS`/`BURST` 50/100; Events and watch "
      f"requests no longer take tokens; each pass reads its task's Jobs and pods through an informer index), at "
      f"reduced size to fit a time box (command: `{A['env'].get('command', '')}`; no JFR). Raw data: "
      f"[`{rel_a}/`](../{rel_a}/). Same machine: {A['env'].get('machine', '')}, again shared with another "
      "engineer's test runs, so single figures are noisy. 'Before' is the run above; each row compares the same "
      "metric computed the same way, and says where the sizes differ.")
    v("")
    v(f"| goal | target | before ({B['env'].get('date', '')[:10]}, {B['env'].get('operator', '').split()[0]}, 20/40 QPS) | "
      f"after ({A['env'].get('operator', '').split()[0]}, 50/100 QPS) | |")
    v("|---|---|---|---|---|")
    for k in common:
        b, a_ = B["lat"][k], A["lat"][k]
        v(f"| overhead beyond the delay, p50, N={k[0]} delay {k[1]} | ≤ 100 ms | {ms(b['op_seen'][0])} ms | "
          f"{ms(a_['op_seen'][0])} ms | {verdict(a_['op_seen'][0] <= 0.1)} |")
        v(f"| overhead beyond the delay, p99, N={k[0]} delay {k[1]} | ≤ 1 s | {ms(b['op_seen'][2])} ms | "
          f"{ms(a_['op_seen'][2])} ms | {verdict(a_['op_seen'][2] <= 1)} |")
        v(f"| overhead max, N={k[0]} delay {k[1]} | (report) | {ms(b['op_seen'][3])} ms | {ms(a_['op_seen'][3])} ms | |")
        v(f"| Job controller's gap beyond its backoff, p50, same run, N={k[0]} | (peer) | {ms(b['jc_seen'][0])} ms | "
          f"{ms(a_['jc_seen'][0])} ms | |")
        v(f"| `Failed` condition seen − its timestamp, p99, N={k[0]} delay {k[1]} | (context) | {ms(b['op_vis'][2])} ms | "
          f"{ms(a_['op_vis'][2])} ms | |")
    for k in ks:
        bt = [t for t in B["tp"] if t["k"] == k and not t.get("operator_env")]
        at = [t for t in A["tp"] if t["k"] == k]
        b0, a0 = bt[0], at[0]  # the first batch of that size in each run: same position (after the latency runs)
        v(f"| attempt Jobs created per second, sustained ({k} tasks due at once, batch {b0['label']}) | ≥ 20 | "
          f"{s1(b0['jobs_per_s'])} | {s1(a0['jobs_per_s'])} | {verdict(a0['jobs_per_s'] >= 20)} |")
        v(f"| … best 10 s | ≥ 20 | {s1(b0['peak'])} | {s1(a0['peak'])} | |")
        v(f"| … the {k} first attempts (no pod in the way) | ≥ 20 | {s1(b0['first_rate'])} | {s1(a0['first_rate'])} | "
          f"{verdict(a0['first_rate'] is not None and a0['first_rate'] >= 20)} |")
        v(f"| … the {k} second attempts (each waits for the Job controller's `Failed` on the first) | (report) | "
          f"{s1(b0['second_rate'])} | {s1(a0['second_rate'])} | |")
        v(f"| … batch converged after (from process start) | (report) | {s1(b0['converged_s'])} s | {s1(a0['converged_s'])} s | |")
        v(f"| API writes per attempt (Job create + status + Job deletes) | ≤ 3 | {s1(b0['writes_pa'], 2)} | "
          f"{s1(a0['writes_pa'], 2)} | {verdict(a0['writes_pa'] <= 3)} |")
        v(f"| … with the operator's Events | ≤ 3 | {s1(b0['writes_ev_pa'], 2)} | {s1(a0['writes_ev_pa'], 2)} | "
          f"{verdict(a0['writes_ev_pa'] <= 3)} |")
        v(f"| … 429s from the API server | (report) | {b0['api_429']:.0f} | {a0['api_429']:.0f} | |")
        v(f"| … operator CPU per attempt | (report) | {s1(b0['cpu_pa'] * 1000, 0)} ms | {s1(a0['cpu_pa'] * 1000, 0)} ms | |")
        earlier = [sum(r["n"] for r in H["S"]["latency"]) for H in (B, A)]
        v(f"| ready after start with this batch due (+ the run's earlier latency tasks) | ≤ 10 s | {s1(b0.get('ready_s'), 2)} s "
          f"(+ {earlier[0]} in {B['namespaces']} namespaces) | {s1(a0.get('ready_s'), 2)} s (+ {earlier[1]} in {A['namespaces']} namespaces) | {verdict(a0.get('ready_s') is not None and a0['ready_s'] <= 10)} |")

    def ready_cell(H, tasks, table):
        xs = table.get(tasks, [])
        return (f"{s1(med(xs), 2)} s with {tasks} tasks in {H['namespaces']} listed namespaces (median of {len(xs)})"
                if xs else "–")

    v(f"| ready after start, 0 tasks | ≤ 10 s | {ready_cell(B, 0, B['startup'])} | {ready_cell(A, 0, A['startup'])} | "
      f"{verdict(med(A['startup'].get(0, [])) is not None and med(A['startup'][0]) <= 10)} |")
    bl, al = B["largest"], A["largest"]
    if bl and al:
        ra = med(A["startup"].get(al["tasks"], []))
        v(f"| ready after start, largest size of the run | ≤ 10 s | {ready_cell(B, bl['tasks'], B['startup'])} | "
          f"{ready_cell(A, al['tasks'], A['startup'])} | {verdict(ra is not None and ra <= 10)}"
          f"{' (sizes differ: not like for like)' if (bl['tasks'], B['namespaces']) != (al['tasks'], A['namespaces']) else ''} |")

        def all_cell(H, lgst):
            xs = H["startup_all"].get(lgst["tasks"], [])
            if xs:
                return f"{s1(med(xs), 2)} s with {lgst['tasks']} tasks (median of {len(xs)})"
            return f"OutOfMemoryError at -Xmx{H['S']['config']['xmx']} ({', '.join(H['ooms'])})" if H["ooms"] else "–"

        xa = A["startup_all"].get(al["tasks"], [])
        v(f"| ready after start watching all namespaces | ≤ 10 s | {all_cell(B, bl)} | {all_cell(A, al)} | "
          f"{verdict(bool(xa) and med(xa) <= 10)} |")
        v(f"| heap after GC at the largest size | ≤ 256 MiB | {s1(bl['heap_used_mib'])} MiB at {bl['tasks']} tasks | "
          f"{s1(al['heap_used_mib'])} MiB at {al['tasks']} tasks | {verdict(al['heap_used_mib'] <= 256)} at {al['tasks']} tasks |")
        fb, fa = heap_fit(B["S"]["footprint"]), heap_fit(A["S"]["footprint"])
        if fb and fa:
            v(f"| … heap per task (linear fit) and extrapolated to 5000 tasks | ≤ 256 MiB | {fb[0] * 1024:.0f} KiB, "
              f"≈ {fb[1] + 5000 * fb[0]:.0f} MiB | {fa[0] * 1024:.0f} KiB, ≈ {fa[1] + 5000 * fa[0]:.0f} MiB | "
              f"{verdict(fa[1] + 5000 * fa[0] <= 256)} at 5000 by extrapolation |")
    v(f"| attempts started before nextAttemptAt (API / audit view) | 0 | {sum(x['early_api'] for x in B['acc'])} / "
      f"{sum(x['early_audit'] for x in B['acc'])} of {sum(x['retries'] for x in B['acc'])} | "
      f"{sum(x['early_api'] for x in A['acc'])} / {sum(x['early_audit'] for x in A['acc'])} of "
      f"{sum(x['retries'] for x in A['acc'])} | {verdict(sum(x['early_api'] + x['early_audit'] for x in A['acc']) == 0)} |")
    v("")
    an = os.path.join(os.path.dirname(__file__), "notes-after.md")
    if os.path.exists(an):
        v(open(an).read().strip())
        v("")
    # The section goes after the headline of the original run, before its detailed tables.
    at_i = out.index("## 1. Reaction latency, beside the Job controller")
    out[at_i:at_i] = sec

notes = os.path.join(os.path.dirname(__file__), "notes.md")
if os.path.exists(notes):
    w(open(notes).read().strip())
    w("")
open(os.path.join(docs, "benchmarks.md"), "w").write("\n".join(out))
print(f"report: wrote {docs}/benchmarks.md and plots from {res_dir}")
