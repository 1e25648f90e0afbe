"""Ad-hoc: reads `jfr print --stack-depth 64 --events jdk.ThreadSleep,jdk.ExecutionSample FILE` on stdin and sums, per
phase [t0,t1) given as epoch seconds on the command line (name:t0:t1 ...), the seconds slept in
RateLimitInterceptor.before and the execution samples (all, and with a dev.deadletter frame)."""
import re, sys
from datetime import datetime, timezone
phases = [(p.split(":")[0], float(p.split(":")[1]), float(p.split(":")[2])) for p in sys.argv[1:]]
res = {n: {"sleep_s": 0.0, "sleeps": 0, "samples": 0, "ours": 0, "threads": set()} for n, _, _ in phases}
ev = None; start = None; dur = 0.0; stack = []; thread = ""
def finish():
    if ev is None or start is None: return
    for n, a, b in phases:
        if a <= start < b:
            r = res[n]
            if ev == "jdk.ThreadSleep" and any("RateLimitInterceptor.before" in f for f in stack):
                r["sleep_s"] += dur; r["sleeps"] += 1; r["threads"].add(thread)
            elif ev == "jdk.ExecutionSample":
                r["samples"] += 1
                if any(f.startswith("dev.deadletter") for f in stack): r["ours"] += 1
import os
DAY = os.environ.get("JFR_DAY", "2026-11-28")  # `jfr print` shows the time of day only (here: UTC)


def ts(s):
    m = re.match(r"(\d+):(\d+):(\d+(?:\.\d+)?)", s)
    h, mi, se = m.groups()
    y, mo, d = DAY.split("-")
    return datetime(int(y), int(mo), int(d), int(h), int(mi), tzinfo=timezone.utc).timestamp() + float(se)
for line in sys.stdin:
    st = line.strip()
    if re.match(r"^jdk\.\w+ \{", st):
        finish(); ev = st.split()[0]; start = None; dur = 0.0; stack = []; thread = ""
    elif st.startswith("startTime = "):
        start = ts(st[len("startTime = "):])
    elif st.startswith("duration = "):
        v = st[len("duration = "):]
        m = re.match(r"([\d.]+) (ms|s|us|ns|min)", v)
        if m: dur = float(m.group(1)) * {"ms": 1e-3, "s": 1, "us": 1e-6, "ns": 1e-9, "min": 60}[m.group(2)]
    elif st.startswith("eventThread = ") or st.startswith("sampledThread = "):
        thread = re.sub(r"\d+", "", st.split("=", 1)[1].strip().split('"')[1] if '"' in st else st)
    elif re.match(r"^[\w$.<>]+\(.*line:", st) or re.match(r"^[\w$.<>]+\(", st):
        stack.append(st.split("(")[0])
finish()
for n, a, b in phases:
    r = res[n]
    print(f"{n}: {b - a:.0f} s window; slept in RateLimitInterceptor.before {r['sleep_s']:.1f} s ({r['sleeps']} sleeps >= 10 ms, "
          f"= {r['sleep_s'] / (b - a):.2f} threads asleep on average); execution samples {r['samples']} "
          f"({r['ours']} with a dev.deadletter frame)")
