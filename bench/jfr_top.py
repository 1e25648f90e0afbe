#!/usr/bin/env python3
"""Reads `jfr print --stack-depth 64 --events jdk.ExecutionSample,jdk.ThreadSleep` on stdin and prints:
the hottest top frames (CPU), the hottest frames of our own code (dev.deadletter, inclusive), and where threads
slept (jdk.ThreadSleep, >= 10 ms with the profile settings), summed by the first interesting frame: the
operator's client-side rate limiter (RateLimitInterceptor) shows up there."""
import collections
import re
import sys

top, ours, pkgs = collections.Counter(), collections.Counter(), collections.Counter()
sleep_by, sleep_threads = collections.Counter(), collections.Counter()
samples = sleeps = 0
event = stack = None
duration = 0.0
thread = ""


def finish():
    global samples, sleeps
    if event == "jdk.ExecutionSample" and stack:
        samples += 1
        top[stack[0]] += 1
        pkgs[".".join(stack[0].split(".")[:3])] += 1
        for f in dict.fromkeys(stack):
            if f.startswith("dev.deadletter"):
                ours[f] += 1
    elif event == "jdk.ThreadSleep" and stack is not None:
        sleeps += 1
        where = next((f for f in stack if f.startswith("dev.deadletter")), None) or next(
            (f for f in stack if not f.startswith(("java.", "jdk.", "sun."))), stack[0] if stack else "?")
        sleep_by[where] += duration
        sleep_threads[re.sub(r"[-\d]+$", "", thread)] += duration


for line in sys.stdin:
    line = line.strip()
    m = re.match(r"^(jdk\.\w+) \{$", line)
    if m:
        finish()
        event, stack, duration, thread = m.group(1), [], 0.0, ""
        continue
    m = re.match(r"^duration = ([\d.]+) (ms|s|us|ns)", line)
    if m:
        duration = float(m.group(1)) * {"ms": 1e-3, "s": 1, "us": 1e-6, "ns": 1e-9}[m.group(2)]
        continue
    m = re.match(r'^(?:eventThread|sampledThread) = "([^"]*)"', line)
    if m:
        thread = m.group(1)
        continue
    if stack is not None and re.match(r"^[\w$.<>]+\(.*\)\s+line:", line):
        stack.append(line.split("(")[0])
finish()

print(f"{samples} execution samples")
print("\nhottest top frames:")
for f, c in top.most_common(20):
    print(f"{c:6d} {100 * c / max(samples, 1):5.1f}%  {f}")
print("\ntop frames by package:")
for f, c in pkgs.most_common(12):
    print(f"{c:6d} {100 * c / max(samples, 1):5.1f}%  {f}")
print("\ndev.deadletter frames on the stack (inclusive):")
for f, c in ours.most_common(15):
    print(f"{c:6d} {100 * c / max(samples, 1):5.1f}%  {f}")
print(f"\n{sleeps} Thread.sleep calls >= the threshold; seconds slept, by first frame of interest:")
for f, d in sleep_by.most_common(10):
    print(f"{d:9.1f} s  {f}")
print("\nseconds slept, by thread (numbers stripped):")
for f, d in sleep_threads.most_common(10):
    print(f"{d:9.1f} s  {f}")
