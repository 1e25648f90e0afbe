"""Ad-hoc: `jfr print --stack-depth 64 --events jdk.ThreadPark,jdk.ThreadSleep,jdk.JavaMonitorEnter FILE` on stdin;
for the reconcile threads (pool-4-thread-*) and the phases name:t0:t1 (epoch s) given as arguments, sums the seconds
they were parked/asleep/blocked, by the innermost dev.deadletter frame and the first frame that names what was waited
for (HTTP response, rate limiter, lock)."""
import collections, os, re, sys
from datetime import datetime, timezone
DAY = os.environ.get("JFR_DAY", "2026-11-28")
phases = [(p.split(":")[0], float(p.split(":")[1]), float(p.split(":")[2])) for p in sys.argv[1:]]
res = {n: collections.Counter() for n, _, _ in phases}
ev = None; start = None; dur = 0.0; stack = []; thread = ""
def ts(s):
    h, mi, se = re.match(r"(\d+):(\d+):(\d+(?:\.\d+)?)", s).groups()
    y, mo, d = DAY.split("-")
    return datetime(int(y), int(mo), int(d), int(h), int(mi), tzinfo=timezone.utc).timestamp() + float(se)
def finish():
    if ev is None or start is None or not thread.startswith("pool-4-thread"): return
    ours = next((f for f in stack if f.startswith("dev.deadletter")), "(no dev.deadletter frame)")
    what = "rate limiter" if any("RateLimitInterceptor" in f for f in stack) else \
        "HTTP response" if any(("CompletableFuture" in f or "HttpClient" in f or "http." in f) for f in stack) else ev
    for n, a, b in phases:
        if a <= start < b:
            res[n][(what, ours)] += dur
for line in sys.stdin:
    st = line.strip()
    if re.match(r"^jdk\.\w+ \{", st):
        finish(); ev = st.split()[0]; start = None; dur = 0.0; stack = []; thread = ""
    elif st.startswith("startTime = "):
        start = ts(st[len("startTime = "):])
    elif st.startswith("duration = "):
        m = re.match(r"([\d.]+) (ms|s|us|ns|min)", st[len("duration = "):])
        if m: dur = float(m.group(1)) * {"ms": 1e-3, "s": 1, "us": 1e-6, "ns": 1e-9, "min": 60}[m.group(2)]
    elif st.startswith("eventThread = "):
        thread = st.split('"')[1] if '"' in st else ""
    elif re.match(r"^[\w$.<>]+\(", st):
        stack.append(st.split("(")[0])
finish()
for n, a, b in phases:
    tot = sum(res[n].values())
    print(f"{n}: {b - a:.0f} s window, reconcile threads waiting {tot:.0f} s (= {tot / (b - a):.1f} of 10 threads on average)")
    for (what, ours), v in res[n].most_common(8):
        print(f"  {v:8.1f} s  {what:14s} {ours}")
