#!/usr/bin/env python3
"""Heap, start time and CPU per attempt against the number of tasks (issue 17, goal 3), from one bench run made with
`bench/run.sh --throughput-k A,B,... --startup-each-batch`: its summary.json has a footprint (heap after a full
GC) and a start (process start to /readyz 200) after each batch, the tasks of earlier batches still present.

    bench/.venv/bin/python bench/scale_plot.py bench/results/RUN docs/scale.png [--to 20000] [--active RUN,RUN]

Sizes the run did not reach are extrapolated with a straight line fitted to the measured points, drawn dashed
and labelled as such; the figures it prints say which are which. --active adds the runs made with
`bench/run.sh --active-k K` as a second measured series: K tasks whose one attempt is still running (1 Job and 1
running pod each, which the operator does not cache), their heap after a full GC and ready time before the other
scenarios added tasks."""
import json
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def fit(xs, ys):
    """The least-squares line through the points (at least two sizes)."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return my - slope * mx, slope


def by_size(pairs):
    """The median of each size's figures (a size can be measured more than once), sizes without tasks left out."""
    out = {}
    for tasks, value in pairs:
        if tasks and value is not None:
            out.setdefault(tasks, []).append(value)
    return sorted((k, statistics.median(v)) for k, v in out.items())


def main():
    run, out = sys.argv[1], sys.argv[2]
    to = int(sys.argv[sys.argv.index("--to") + 1]) if "--to" in sys.argv else 20000
    d = json.load(open(f"{run}/summary.json"))
    heap = by_size((f["tasks"], f["heap_used_mib"]) for f in d["footprint"])
    # Starts watching the run's list of namespaces (the all-namespaces starts are another mode).
    ready = by_size((s["tasks"], s.get("ready_s")) for s in d["startup"] if not s.get("mode"))
    cpu, total = [], 0
    for t in d["throughput"]:
        total += t["k"]
        if t.get("attempts"):
            cpu.append((total, 1000 * t["cpu_s"] / t["attempts"]))
    # CPU per attempt is not a straight line in the task count (the first batch carries the JIT's warm-up):
    # measured points only.
    series = [("heap after a full GC (MiB)", heap, 512, True), ("ready after a restart (s)", ready, 15, True),
              ("operator CPU per attempt (ms), the batch that brought it there", cpu, 10, False)]
    active_runs = [r for r in sys.argv[sys.argv.index("--active") + 1].split(",")] if "--active" in sys.argv else []
    active = {0: [], 1: []}
    for r in active_runs:
        a = json.load(open(f"{r}/summary.json"))
        k = a["active"]["k"]
        active[0] += by_size((f["tasks"], f["heap_used_mib"]) for f in a["footprint"] if f["tasks"] == k)
        active[1] += by_size((s["tasks"], s.get("ready_s")) for s in a["startup"] if not s.get("mode") and s["tasks"] == k)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for i, (ax, (title, pts, goal, extrapolate)) in enumerate(zip(axes, series)):
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        ax.plot(xs, ys, "o-", label="measured")
        if active.get(i):
            act = sorted(active[i])
            ax.plot([p[0] for p in act], [p[1] for p in act], "s-", color="green",
                    label="measured, active tasks (1 Job, 1 running pod each)")
            for x, y in act:
                print(f"{title}: {x} active tasks: {y:.1f} (measured)")
        for x, y in pts:
            print(f"{title}: {x} tasks: {y:.1f} (measured)")
        if extrapolate and len(pts) >= 2:
            a, b = fit(xs, ys)
            ext = [x for x in (1000, 5000, 10000, 20000) if x > max(xs) and x <= to]
            if ext:
                ax.plot([xs[-1]] + ext, [ys[-1]] + [a + b * x for x in ext], "o--", color="grey",
                        label="extrapolated (straight line)")
                for x in ext:
                    print(f"{title}: {x} tasks: {a + b * x:.1f} (extrapolated)")
        ax.axhline(goal, color="red", linestyle=":", label=f"goal {goal}")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("tasks (blue: each with its 2 attempt Jobs and 2 pods)")
        ax.set_xlim(0, to * 1.05)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8)
    fig.suptitle(f"deadletter-operator against task count ({run.rstrip('/').split('/')[-1]})", fontsize=11)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


if __name__ == "__main__":
    main()
