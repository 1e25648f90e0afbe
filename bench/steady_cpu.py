#!/usr/bin/env python3
"""CPU per attempt Job at steady state, from a throughput batch's raw data (issue 17, goal 1).

    bench/steady_cpu.py bench/results/RUN [LABEL ...]     e.g. ... 2026-12-02-after tp1-1000

For each batch (`LABEL-cpu.csv`, sampled every ~2 s, and `LABEL-jobs.csv`, one row per attempt Job with the
time the API server created it) it prints each process's CPU ms per attempt over the whole batch and over the
steady window: from the time the 25th percentile Job was created to the 90th percentile one, so the start
(JIT warm-up, the informers' first lists) and the tail are left out. The ratio to kube-controller-manager's
CPU per Job is in the last column."""
import csv
import glob
import os
import sys


def load(run, label):
    with open(f"{run}/{label}-cpu.csv") as f:
        cpu = [r for r in csv.DictReader(f)]
    with open(f"{run}/{label}-jobs.csv") as f:
        jobs = sorted(float(r["created"]) for r in csv.DictReader(f))
    return cpu, jobs


def at(cpu, t, proc):
    """The process's CPU seconds at time t, interpolated between samples (None when not sampled)."""
    rows = [(float(r["t"]), float(r[proc])) for r in cpu if r.get(proc)]
    if not rows or t < rows[0][0] or t > rows[-1][0]:
        return None
    for (t0, c0), (t1, c1) in zip(rows, rows[1:]):
        if t0 <= t <= t1:
            return c0 + (c1 - c0) * (t - t0) / (t1 - t0) if t1 > t0 else c0
    return rows[-1][1]


def per_attempt(cpu, jobs, proc, lo, hi):
    t0, t1 = jobs[int(lo * (len(jobs) - 1))], jobs[int(hi * (len(jobs) - 1))]
    c0, c1 = at(cpu, t0, proc), at(cpu, t1, proc)
    n = int(hi * (len(jobs) - 1)) - int(lo * (len(jobs) - 1))
    return None if c0 is None or c1 is None or n <= 0 else 1000 * (c1 - c0) / n, t1 - t0, n


def main():
    run = sys.argv[1]
    labels = sys.argv[2:] or sorted(os.path.basename(p)[:-8] for p in glob.glob(f"{run}/*-cpu.csv"))
    for label in labels:
        cpu, jobs = load(run, label)
        procs = ["operator", "kube-controller-manager", "kube-apiserver", "etcd", "kwok", "kube-scheduler"] + sorted(
            k for k in cpu[0] if k.startswith("probe-"))
        print(f"{label}: {len(jobs)} attempt Jobs")
        for name, lo, hi in (("whole batch", 0.0, 1.0), ("steady (p25-p90 of creates)", 0.25, 0.90)):
            cells, kcm = [], None
            for p in procs:
                ms, span, n = per_attempt(cpu, jobs, p, lo, hi)
                if p == "kube-controller-manager":
                    kcm = ms
                cells.append(f"{p} {ms:.1f}" if ms is not None else f"{p} -")
            op = per_attempt(cpu, jobs, "operator", lo, hi)[0]
            ratio = f"{op / kcm:.2f}" if op and kcm else "-"
            print(f"  {name}, {n} Jobs in {span:.0f} s ({n / span:.1f}/s): ms CPU per attempt: "
                  + ", ".join(cells) + f"; operator / kube-controller-manager {ratio}")


if __name__ == "__main__":
    main()
