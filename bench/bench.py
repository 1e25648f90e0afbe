#!/usr/bin/env python3
"""Benchmark driver for deadletter-operator (issue 7). Called by bench/run.sh; stdlib only.

Talks to the API server directly (client certificate or token from KUBECONFIG, via `kubectl config view`),
runs the operator jar as a child process, watches Jobs and pods to timestamp events at millisecond
resolution, and writes raw data (CSV/JSON) into the results directory. bench/report.py turns that into
docs/benchmarks.md and the plots.
"""
import argparse
import base64
import csv
import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

TASK_LABEL = "deadletter.dev/task"
RUN_LABEL = "bench.deadletter.dev/run"
CLUSTER_PROCS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(f"bench: {datetime.now().strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def parse_ts(s):
    return None if not s else datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


class Kube:
    """A minimal API client: one persistent HTTPS connection per thread, JSON in and out."""

    def __init__(self, kubeconfig, kubectl):
        env = dict(os.environ, KUBECONFIG=kubeconfig)
        cfg = json.loads(subprocess.check_output([kubectl, "config", "view", "--raw", "--minify", "-o", "json"], env=env))
        cluster = cfg["clusters"][0]["cluster"]
        user = cfg["users"][0]["user"]
        url = urllib.parse.urlparse(cluster["server"])
        self.host, self.port = url.hostname, url.port or 443
        self.tmp = tempfile.mkdtemp(prefix="bench-kube-")
        self.ctx = ssl.create_default_context()
        if "certificate-authority-data" in cluster:
            ca = self._write("ca.crt", base64.b64decode(cluster["certificate-authority-data"]))
            self.ctx.load_verify_locations(ca)
        elif "certificate-authority" in cluster:
            self.ctx.load_verify_locations(cluster["certificate-authority"])
        if cluster.get("insecure-skip-tls-verify"):
            self.ctx.check_hostname = False
            self.ctx.verify_mode = ssl.CERT_NONE
        self.headers = {}
        if "client-certificate-data" in user:
            self.ctx.load_cert_chain(self._write("c.crt", base64.b64decode(user["client-certificate-data"])),
                                     self._write("c.key", base64.b64decode(user["client-key-data"])))
        elif "client-certificate" in user:
            self.ctx.load_cert_chain(user["client-certificate"], user["client-key"])
        if "token" in user:
            self.headers["Authorization"] = "Bearer " + user["token"]
        self.local = threading.local()

    def _write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o600)
        return path

    def _conn(self, fresh=False):
        if fresh or getattr(self.local, "conn", None) is None:
            self.local.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=60)
        return self.local.conn

    def request(self, method, path, body=None, ctype="application/json", raw=False, ok=(200, 201, 202)):
        data = None if body is None else (body if isinstance(body, (bytes, str)) else json.dumps(body))
        for attempt in range(3):
            conn = self._conn(fresh=attempt > 0)
            try:
                headers = dict(self.headers, Accept="application/json, */*")
                if data is not None:
                    headers["Content-Type"] = ctype
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                text = resp.read()
            except (http.client.HTTPException, OSError):
                if attempt == 2:
                    raise
                continue
            if resp.status == 429 and attempt < 2:
                time.sleep(1)
                continue
            if resp.status not in ok:
                raise RuntimeError(f"{method} {path}: {resp.status} {text[:300]!r}")
            return text.decode() if raw else (json.loads(text) if text else None)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def list(self, path):
        return self.get(path)["items"]

    def watch(self, path, on_event, stop):
        """Calls on_event(receive_time, event) for every watch event until stop is set (in a thread)."""

        def run():
            rv = None
            while not stop.is_set():
                sep = "&" if "?" in path else "?"
                q = f"{path}{sep}watch=1&timeoutSeconds=600" + (f"&resourceVersion={rv}" if rv else "")
                # No socket timeout: a read that times out mid-chunk leaves http.client unusable; the server
                # ends the watch after timeoutSeconds and the thread is a daemon.
                conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx)
                try:
                    conn.request("GET", q, headers=dict(self.headers))
                    resp = conn.getresponse()
                    if resp.status != 200:
                        rv = None
                        time.sleep(0.5)
                        continue
                    while not stop.is_set():
                        line = resp.readline()
                        if not line:
                            break
                        t = time.time()
                        ev = json.loads(line)
                        if ev.get("type") == "ERROR":
                            rv = None
                            break
                        rv = ev["object"]["metadata"].get("resourceVersion", rv)
                        on_event(t, ev)
                except (http.client.HTTPException, OSError, ValueError):
                    time.sleep(0.2)
                finally:
                    conn.close()

        th = threading.Thread(target=run, daemon=True)
        th.start()
        return th


def condition(obj, type_):
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == type_ and c.get("status") == "True":
            return c
    return None


class Recorder:
    """First receive times of interesting transitions of Jobs and pods, keyed by namespace/name."""

    def __init__(self):
        self.lock = threading.Lock()
        self.jobs = {}  # ns/name -> {added, failed, complete, task, attempt}
        self.pods = {}  # ns/name -> {added, failed, succeeded, job, index_failures}

    def on_job(self, t, ev):
        o = ev["object"]
        m = o["metadata"]
        key = m["namespace"] + "/" + m["name"]
        with self.lock:
            r = self.jobs.setdefault(key, {"added": t, "task": (m.get("labels") or {}).get(TASK_LABEL),
                                           "attempt": (m.get("labels") or {}).get("deadletter.dev/attempt")})
            if condition(o, "Failed") and "failed" not in r:
                r["failed"] = t
            if condition(o, "Complete") and "complete" not in r:
                r["complete"] = t

    def on_pod(self, t, ev):
        o = ev["object"]
        m = o["metadata"]
        key = m["namespace"] + "/" + m["name"]
        with self.lock:
            r = self.pods.setdefault(key, {"added": t, "job": (m.get("labels") or {}).get("job-name"),
                                           "index_failures": (m.get("annotations") or {}).get(
                                               "batch.kubernetes.io/job-index-failure-count", "0")})
            phase = (o.get("status") or {}).get("phase")
            if phase == "Failed" and "failed" not in r:
                r["failed"] = t
            if phase == "Succeeded" and "succeeded" not in r:
                r["succeeded"] = t


# ---------------------------------------------------------------- CPU accounting

def proc_cpu_seconds(pid):
    """utime + stime of a process (all its threads), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, ValueError, IndexError):
        return None


def machine_cpu_seconds():
    """(busy, total) CPU seconds of all cores since boot, from the first line of /proc/stat (idle and iowait are
    not busy; guest time is already in user)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / CLK_TCK, sum(v) / CLK_TCK


class CpuSampler:
    """Samples, every `period` s in a thread, the cumulative CPU seconds of each process of the private cluster
    (pid files in CLUSTER_DIR/pids), of the operator, of this harness and the machine's busy/total seconds.
    A process's CPU in a window is the difference of two samples; the operator, started inside the window,
    counts from 0."""

    def __init__(self, cluster_dir, op, period=2.0, probes=None):
        self.probes = probes or {}  # name -> Popen of a bench/WatchFloor.java process
        self.pids = {}
        for name in CLUSTER_PROCS if cluster_dir else ():
            try:
                with open(os.path.join(cluster_dir, "pids", f"{name}.pid")) as f:
                    self.pids[name] = int(f.read().strip())
            except (OSError, ValueError):
                pass
        self.op, self.period, self.rows = op, period, []
        self.done = threading.Event()

    def sample(self):
        busy, total = machine_cpu_seconds()
        t = os.times()
        row = {"t": time.time(), "machine_busy_s": busy, "machine_total_s": total}
        for name, pid in self.pids.items():
            row[name] = proc_cpu_seconds(pid)
        proc = self.op.proc
        row["operator"] = proc_cpu_seconds(proc.pid) if proc is not None and proc.poll() is None else None
        row["harness"] = t.user + t.system  # this process (its watch threads and polls), not its children
        for name, p in self.probes.items():
            row[name] = proc_cpu_seconds(p.pid) if p.poll() is None else None
        self.rows.append(row)

    def start(self):
        self.sample()

        def run():
            while not self.done.wait(self.period):
                self.sample()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.done.set()
        self.thread.join()
        self.sample()
        return self

    def window(self):
        """CPU seconds per process between the first and the last sample, and the machine's share."""
        a, b = self.rows[0], self.rows[-1]
        procs = {}
        for name in list(self.pids) + ["operator", "harness"] + list(self.probes):
            x0, x1 = a.get(name), b.get(name)
            if name == "operator" and x0 is None:
                x0 = 0.0  # (re)started inside the window
            procs[name] = None if x0 is None or x1 is None else x1 - x0
        busy = b["machine_busy_s"] - a["machine_busy_s"]
        total = b["machine_total_s"] - a["machine_total_s"]
        return {"wall_s": b["t"] - a["t"], "ncpu": os.cpu_count(), "machine_busy_s": busy,
                "machine_busy_share": busy / total if total else None, "procs": procs,
                "pids": self.pids, "samples": len(self.rows),
                "note": "from just before the operator's start to the batch's convergence"}


# ---------------------------------------------------------------- operator process

class Operator:
    def __init__(self, args, namespaces, out):
        self.args, self.namespaces, self.out = args, namespaces, out
        self.jar = args.jar  # the startup comparison swaps in --baseline-jar
        self.proc = None
        self.starts = 0

    def start(self, jfr=False, extra_env=None):
        self.starts += 1
        self.jfr = jfr
        n = self.starts
        # ExitOnOutOfMemoryError as in the chart: a JVM out of heap ends, and the harness sees it (alive()).
        cmd = ["java", f"-Xmx{self.args.xmx}", "-XX:+ExitOnOutOfMemoryError",
               f"-Xlog:gc*:file={self.out}/gc-{n}.log:time,uptimemillis"]
        if jfr:
            cmd.append(f"-XX:StartFlightRecording=filename={self.out}/operator-{n}.jfr,settings=profile,dumponexit=true")
        cmd += ["-jar", self.jar]
        env = dict(os.environ, WATCH_NAMESPACES=",".join(self.namespaces), HTTP_PORT=str(self.args.http_port),
                   KUBECONFIG=self.args.kubeconfig, TASK_LABEL_SELECTOR=f"{RUN_LABEL}={self.args.run_id}")
        self.extra_env = extra_env if extra_env is not None else getattr(self, "extra_env", [])
        for kv in (self.args.operator_env or []) + self.extra_env:
            k, v = kv.split("=", 1)
            env[k] = v
        logf = open(f"{self.out}/operator-{n}.log", "w")
        t0 = time.time()
        self.proc = subprocess.Popen(cmd, env=env, stdout=logf, stderr=subprocess.STDOUT)
        ready = self.wait_ready(t0)
        log(f"operator #{n} pid {self.proc.pid} ready in {ready:.2f}s")
        return ready

    def wait_ready(self, t0, timeout=120):
        while time.time() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"operator exited with {self.proc.returncode}; see {self.out}/operator-{self.starts}.log")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.args.http_port, timeout=1)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    return time.time() - t0
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("operator not ready in time")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def metrics(self):
        c = http.client.HTTPConnection("127.0.0.1", self.args.http_port, timeout=10)
        c.request("GET", "/metrics")
        return c.getresponse().read().decode()

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def footprint(self):
        subprocess.run(["jcmd", str(self.proc.pid), "GC.run"], capture_output=True, timeout=60)
        time.sleep(1)
        info = subprocess.run(["jcmd", str(self.proc.pid), "GC.heap_info"], capture_output=True, text=True,
                              timeout=60).stdout
        m = re.search(r"total (\d+)K, used (\d+)K", info)
        with open(f"/proc/{self.proc.pid}/status") as f:
            rss = int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))
        return {"heap_used_mib": int(m.group(2)) / 1024 if m else None,
                "heap_committed_mib": int(m.group(1)) / 1024 if m else None,
                "rss_mib": rss / 1024, "heap_info": info.strip()}

    def kill9(self):
        if self.jfr:  # a SIGKILLed JVM writes no recording: save what it has first
            subprocess.run(["jcmd", str(self.proc.pid), "JFR.dump", f"filename={self.out}/operator-{self.starts}.jfr"],
                           capture_output=True, timeout=60)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def histogram(text, name):
    """{le: count} of a Prometheus histogram, plus count and sum."""
    buckets, count, total = {}, 0.0, 0.0
    for line in text.splitlines():
        if line.startswith(name + "_bucket{"):
            le = re.search(r'le="([^"]+)"', line).group(1)
            buckets[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
        elif line.startswith(name + "_count"):
            count = float(line.rsplit(" ", 1)[1])
        elif line.startswith(name + "_sum"):
            total = float(line.rsplit(" ", 1)[1])
    return {"buckets": sorted(buckets.items()), "count": count, "sum": total}


def hist_diff(a, b):
    da = dict(a["buckets"])
    return {"buckets": [(le, c - da.get(le, 0)) for le, c in b["buckets"]], "count": b["count"] - a["count"],
            "sum": b["sum"] - a["sum"]}


def apiserver_requests(kube):
    out = {}
    for line in kube.get("/metrics", raw=True).splitlines():
        if line.startswith("apiserver_request_total{"):
            lab = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
            key = (lab.get("verb"), lab.get("group", ""), lab.get("resource"), lab.get("subresource", ""),
                   lab.get("code"))
            out[key] = out.get(key, 0) + float(line.rsplit(" ", 1)[1])
    return out


# ---------------------------------------------------------------- workloads

def task_manifest(ns, name, run_id, delay, duration, exit_codes="1,0", max_attempts=3):
    return {
        "apiVersion": "deadletter.dev/v1alpha1", "kind": "DeadLetterTask",
        "metadata": {"name": name, "namespace": ns, "labels": {RUN_LABEL: run_id}},
        "spec": {
            "retryPolicy": {"maxAttempts": max_attempts,
                            "backoff": {"initialDelay": delay, "multiplier": 2, "maxDelay": "10m", "jitter": 0}},
            "jobTemplate": {"spec": {"template": {
                "metadata": {"annotations": {"sim.deadletter.dev/exit-codes": exit_codes,
                                             "sim.deadletter.dev/duration": duration}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox:1.36"}]}}}},
        },
    }


def baseline_job(ns, name, duration):
    """The Job controller doing the same retry: one index, one retry, its own 10 s backoff."""
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"completionMode": "Indexed", "completions": 1, "parallelism": 1, "backoffLimitPerIndex": 1,
                 "template": {
                     "metadata": {"annotations": {"sim.deadletter.dev/exit-codes": "1,0",
                                                  "sim.deadletter.dev/duration": duration}},
                     "spec": {"restartPolicy": "Never",
                              "containers": [{"name": "main", "image": "busybox:1.36"}]}}},
    }


def create_all(kube, path, objs, threads=4):
    def one(o):
        kube.request("POST", path, o)
    t0 = time.time()
    with ThreadPoolExecutor(threads) as ex:
        list(ex.map(one, objs))
    return t0, time.time()


def ensure_namespace(kube, ns, run_id):
    try:
        kube.request("POST", "/api/v1/namespaces",
                     {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {RUN_LABEL: run_id}}})
    except RuntimeError as e:
        if " 409 " not in str(e):
            raise


def wait_tasks(kube, ns, n, timeout, want=("Succeeded",), interval=1.0, alive=None):
    t0 = time.time()
    while time.time() - t0 < timeout:
        tasks = kube.list(f"/apis/deadletter.dev/v1alpha1/namespaces/{ns}/deadlettertasks")
        done = sum(1 for t in tasks if (t.get("status") or {}).get("phase") in want)
        if done >= n:
            return tasks, time.time()
        if alive is not None and not alive():
            log(f"the operator exited: {done}/{n} tasks of {ns} in {want}")
            return tasks, None
        time.sleep(interval)
    log(f"timeout: {done}/{n} tasks of {ns} in {want}")
    return tasks, None


def wait_jobs_complete(kube, ns, n, timeout, interval=1.0):
    t0 = time.time()
    while time.time() - t0 < timeout:
        jobs = kube.list(f"/apis/batch/v1/namespaces/{ns}/jobs")
        if sum(1 for j in jobs if condition(j, "Complete") or condition(j, "Failed")) >= n:
            return jobs
        time.sleep(interval)
    return kube.list(f"/apis/batch/v1/namespaces/{ns}/jobs")


def read_audit(path, namespaces):
    """Server-side (microsecond) times of Job creates, from the local cluster's audit log, if readable."""
    out = {}
    if not path or not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            if '"create"' not in line or '"jobs"' not in line:
                continue
            e = json.loads(line)
            ref = e.get("objectRef") or {}
            if e.get("verb") == "create" and ref.get("resource") == "jobs" and ref.get("namespace") in namespaces \
                    and (e.get("responseStatus") or {}).get("code") == 201:
                out[ref["namespace"] + "/" + ref["name"]] = parse_ts(e["stageTimestamp"])
    return out


def delay_seconds(d):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)", d)
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60}[m.group(2)]


def operator_samples(tasks, jobs, rec, audit, delay, ns):
    """One row per retry of a task: API (second) view, watcher (ms) view, audit (µs) view."""
    jobs_by_name = {j["metadata"]["name"]: j for j in jobs}
    rows = []
    for t in tasks:
        st = t.get("status") or {}
        hist = sorted(st.get("history") or [], key=lambda r: r["attempt"])
        for prev, nxt in zip(hist, hist[1:]):
            if prev.get("outcome") != "Failed":
                continue
            due = parse_ts(prev["finishTime"]) + delay  # jitter 0: exactly what the operator scheduled
            start = parse_ts(nxt["startTime"])
            pj = rec.jobs.get(f"{ns}/{prev['job']}", {})
            nj = rec.jobs.get(f"{ns}/{nxt['job']}", {})
            job = jobs_by_name.get(nxt["job"])
            rows.append({
                "controller": "operator", "task": t["metadata"]["name"], "attempt": nxt["attempt"],
                "delay_s": delay, "failed_api": prev["finishTime"], "next_created_api": nxt["startTime"],
                "api_gap_s": start - parse_ts(prev["finishTime"]) - delay,
                "early_api": int(start < due),
                "failed_seen": pj.get("failed"), "next_seen": nj.get("added"),
                "seen_gap_s": (nj["added"] - pj["failed"] - delay) if "failed" in pj and "added" in nj else None,
                "next_created_audit": audit.get(f"{ns}/{nxt['job']}"),
                "audit_lateness_s": (audit[f"{ns}/{nxt['job']}"] - due) if f"{ns}/{nxt['job']}" in audit else None,
                "next_job_ctime": job["metadata"]["creationTimestamp"] if job else None,
            })
    return rows


def baseline_samples(pods, rec, ns, backoff=10.0):
    by_job = {}
    for p in pods:
        by_job.setdefault(p["metadata"]["labels"].get("job-name"), []).append(p)
    rows = []
    for job, ps in by_job.items():
        ps.sort(key=lambda p: int((p["metadata"].get("annotations") or {}).get(
            "batch.kubernetes.io/job-index-failure-count", "0")))
        for prev, nxt in zip(ps, ps[1:]):
            if prev["status"].get("phase") != "Failed":
                continue
            fin = None
            for cs in prev["status"].get("containerStatuses") or []:
                fin = (cs.get("state") or {}).get("terminated", {}).get("finishedAt") or fin
            pr = rec.pods.get(f"{ns}/{prev['metadata']['name']}", {})
            nr = rec.pods.get(f"{ns}/{nxt['metadata']['name']}", {})
            rows.append({
                "controller": "job-controller", "task": job, "attempt": 2, "delay_s": backoff,
                "failed_api": fin, "next_created_api": nxt["metadata"]["creationTimestamp"],
                "api_gap_s": parse_ts(nxt["metadata"]["creationTimestamp"]) - parse_ts(fin) - backoff,
                "early_api": int(parse_ts(nxt["metadata"]["creationTimestamp"]) < parse_ts(fin) + backoff),
                "failed_seen": pr.get("failed"), "next_seen": nr.get("added"),
                "seen_gap_s": (nr["added"] - pr["failed"] - backoff) if "failed" in pr and "added" in nr else None,
                "next_created_audit": None, "audit_lateness_s": None,
                "next_job_ctime": nxt["metadata"]["creationTimestamp"],
            })
    return rows


def write_csv(path, rows):
    if not rows:
        open(path, "w").close()
        return
    keys = list(rows[0].keys())
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)


class Bench:
    def __init__(self, args):
        self.args = args
        self.kube = Kube(args.kubeconfig, args.kubectl)
        self.out = args.out
        os.makedirs(self.out, exist_ok=True)
        self.summary = {"run_id": args.run_id, "started": datetime.now(timezone.utc).isoformat(),
                        "latency": [], "throughput": [], "footprint": [], "startup": [], "restart": []}
        self.rec = Recorder()
        self.stop = threading.Event()
        self.namespaces = []

    def ns(self, name):
        ns = f"bench-{self.args.run_id}-{name}"
        self.namespaces.append(ns)
        return ns

    def save(self):
        with open(f"{self.out}/summary.json", "w") as f:
            json.dump(self.summary, f, indent=1, default=str)

    def finish(self, op):
        """Stops the watches and the operator, and records when the run ended."""
        self.stop.set()
        op.stop()
        self.summary["finished"] = datetime.now(timezone.utc).isoformat()
        self.save()

    def watch_ns(self, ns, pods=False):
        if pods:
            self.kube.watch(f"/api/v1/namespaces/{ns}/pods", self.rec.on_pod, self.stop)
        else:
            self.kube.watch(f"/apis/batch/v1/namespaces/{ns}/jobs?labelSelector={TASK_LABEL}", self.rec.on_job,
                            self.stop)

    # -- scenario 1 and 4
    def latency(self, op, n, delay, label, restart=False, baseline=True, timeout=900):
        ns, bns = f"bench-{self.args.run_id}-{label}", f"bench-{self.args.run_id}-{label}-base"
        log(f"latency: {n} tasks, initialDelay {delay}{', kill -9 mid-run' if restart else ''}"
            f"{', beside ' + str(n) + ' Indexed Jobs' if baseline else ''}")
        ensure_namespace(self.kube, bns, self.args.run_id)
        self.watch_ns(ns)
        if baseline:
            self.watch_ns(bns, pods=True)
        time.sleep(1)
        m0 = op.metrics()
        tasks = [task_manifest(ns, f"t{i}", self.args.run_id, delay, self.args.duration) for i in range(n)]
        jobs = [baseline_job(bns, f"j{i}", self.args.duration) for i in range(n)] if baseline else []
        t0 = time.time()
        bt = threading.Thread(target=create_all, args=(self.kube, f"/apis/batch/v1/namespaces/{bns}/jobs", jobs))
        bt.start()
        create_all(self.kube, f"/apis/deadletter.dev/v1alpha1/namespaces/{ns}/deadlettertasks", tasks)
        bt.join()
        restart_info = None
        if restart:
            # Kill once about half of the first attempts have failed: those tasks are backing off.
            while sum(1 for k, r in list(self.rec.jobs.items()) if k.startswith(ns + "/") and "failed" in r) < n // 2:
                time.sleep(0.05)
            t_kill = time.time()
            op.kill9()
            time.sleep(self.args.restart_pause)
            ready = op.start()
            restart_info = {"label": label, "killed_at": t_kill, "ready_at": time.time(), "ready_s": ready,
                            "down_s": time.time() - t_kill}
            self.summary["restart"].append(restart_info)
            m0 = None  # counters restarted with the process
        final, t_done = wait_tasks(self.kube, ns, n, timeout)
        base_pods = []
        if baseline:
            wait_jobs_complete(self.kube, bns, n, timeout)
            base_pods = self.kube.list(f"/api/v1/namespaces/{bns}/pods")
        m1 = op.metrics()
        op_jobs = self.kube.list(f"/apis/batch/v1/namespaces/{ns}/jobs")
        audit = read_audit(self.args.audit_log, {ns})
        d = delay_seconds(delay)
        rows = operator_samples(final, op_jobs, self.rec, audit, d, ns) + baseline_samples(base_pods, self.rec, bns)
        write_csv(f"{self.out}/{label}.csv", rows)
        hists = {}
        for name in ("deadletter_attempt_start_lateness_seconds", "deadletter_retry_latency_seconds"):
            h1 = histogram(m1, name)
            hists[name] = hist_diff(histogram(m0, name), h1) if m0 else h1
        ok = sum(1 for t in final if (t.get("status") or {}).get("phase") == "Succeeded")
        res = {"label": label, "n": n, "delay": delay, "restart": restart_info, "succeeded": ok,
               "converged_s": (t_done - t0) if t_done else None, "samples": len([r for r in rows if r["controller"] == "operator"]),
               "early_api": sum(r["early_api"] for r in rows if r["controller"] == "operator"),
               "early_audit": sum(1 for r in rows if r["controller"] == "operator" and r["audit_lateness_s"] is not None
                                  and r["audit_lateness_s"] < 0),
               "metrics": hists}
        self.summary["latency"].append(res)
        self.save()
        log(f"latency {label}: {ok}/{n} succeeded, early starts (API view) {res['early_api']}, audit {res['early_audit']}")
        return res

    # -- scenario 2 and 3
    def throughput(self, op, k, label, timeout=None, extra_env=None):
        timeout = timeout or max(1800, k)  # ~4 attempts/s with the Job controller at its default 20 QPS
        ns = f"bench-{self.args.run_id}-{label}"
        log(f"throughput: {k} tasks at once, 2 attempts each")
        self.watch_ns(ns)
        # "At once" as the operator sees it: the tasks are created while it is stopped (the harness alone
        # creates only ~10 tasks/s on this machine), then it starts and finds K tasks due.
        op.stop()
        probes = self.start_probes(ns)
        tasks = [task_manifest(ns, f"t{i}", self.args.run_id, "0s", self.args.duration) for i in range(k)]
        tc0, tc1 = create_all(self.kube, f"/apis/deadletter.dev/v1alpha1/namespaces/{ns}/deadlettertasks", tasks, 8)
        api0 = apiserver_requests(self.kube)
        sampler = CpuSampler(self.args.cluster_dir, op, probes=probes).start()
        t0 = time.time()
        ready = op.start(jfr=self.args.jfr)
        cpu0 = op.cpu_seconds()
        t_created = tc1 - tc0
        # A LIST of all K tasks each second costs the API server (and this harness) CPU that is then counted
        # in the batch: poll large batches less often (at most 5 s: converged_s is that much coarser).
        final, t_done = wait_tasks(self.kube, ns, k, timeout, interval=min(5.0, max(1.0, k / 500)), alive=op.alive)
        sampler.stop()
        probe_counts = self.stop_probes(probes)
        write_csv(f"{self.out}/{label}-cpu.csv", sampler.rows)
        time.sleep(2)  # let trailing status writes and events land before the second scrape
        exited = not op.alive()
        cpu1 = cpu0 if exited else op.cpu_seconds()
        api1 = apiserver_requests(self.kube)
        with self.rec.lock:
            added = {key: r["added"] for key, r in self.rec.jobs.items() if key.startswith(ns + "/")}
        audit = read_audit(self.args.audit_log, {ns})
        source = audit if len(audit) >= len(added) else added
        write_csv(f"{self.out}/{label}-jobs.csv",
                  sorted(({"job": key.split("/", 1)[1], "created": c} for key, c in source.items()),
                         key=lambda r: r["created"]))
        created = sorted(source.values())
        diff = [{"verb": key[0], "group": key[1], "resource": key[2], "subresource": key[3], "code": key[4],
                 "count": api1[key] - api0.get(key, 0)} for key in sorted(api1) if api1[key] - api0.get(key, 0) > 0]
        write_csv(f"{self.out}/{label}-apiserver-requests.csv", diff)
        ev = self.kube.list(f"/apis/events.k8s.io/v1/namespaces/{ns}/events")
        op_events = sum(1 for e in ev if (e.get("reportingController") or "").startswith("deadletter"))
        attempts = sum(1 for t in final for _ in range((t.get("status") or {}).get("attempts", 0)))
        ready_times = [parse_ts(condition(t, "Ready")["lastTransitionTime"]) for t in final if condition(t, "Ready")]
        res = {"label": label, "k": k, "attempts": attempts, "jobs_created": len(created),
               "create_tasks_s": t_created, "ready_s": ready, "first_job": created[0] - t0 if created else None,
               "last_job": created[-1] - t0 if created else None,
               "jobs_per_s": (len(created) - 1) / (created[-1] - created[0]) if len(created) > 1 else None,
               "converged_s": (t_done - t0) if t_done else None,
               "converged_api_s": (max(ready_times) - int(t0)) if ready_times else None,
               "succeeded": sum(1 for t in final if (t.get("status") or {}).get("phase") == "Succeeded"),
               "cpu_s": cpu1 - cpu0, "cpu_note": "from /readyz 200 to convergence + 2 s", "operator_events": op_events, "events_in_ns": len(ev),
               "cpu_window": sampler.window(), "operator_exited": exited,
               "api_429": sum(r["count"] for r in diff if r["code"] == "429"),
               "clock_source": "audit" if source is audit else "watch", "probes": probe_counts}
        self.summary["throughput"].append(res)
        self.save()
        log(f"throughput {label}: {res['jobs_per_s'] and round(res['jobs_per_s'], 1)} Jobs/s, converged in "
            f"{res['converged_s'] and round(res['converged_s'], 1)} s, {res['cpu_s']:.1f} CPU s")
        return res

    def start_probes(self, ns):
        """One bench/WatchFloor.java per --probes mode, watching what the operator watches in ns, before the batch's
        tasks exist; their CPU is sampled beside the operator's (columns probe-MODE)."""
        probes = {}
        for mode in [m for m in (self.args.probes or "").split(",") if m]:
            cmd = ["java", f"-Xmx{self.args.xmx}", "-cp", self.args.jar,
                   os.path.join(os.path.dirname(os.path.abspath(__file__)), "WatchFloor.java"),
                   mode, ns, f"{RUN_LABEL}={self.args.run_id}"]
            p = subprocess.Popen(cmd, env=dict(os.environ, KUBECONFIG=self.args.kubeconfig), stdout=subprocess.PIPE,
                                 stderr=open(f"{self.out}/probe-{mode}.log", "a"), text=True)
            line = p.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"probe {mode} did not start ({line!r}); see {self.out}/probe-{mode}.log")
            probes[f"probe-{mode}"] = p
        if probes:
            log(f"probes watching {ns}: {', '.join(probes)}")
        return probes

    def stop_probes(self, probes):
        counts = {}
        for name, p in probes.items():
            p.send_signal(signal.SIGTERM)
            out, _ = p.communicate(timeout=30)
            m = re.search(r"events (\d+) bytes (\d+)", out or "")
            counts[name] = {"events": int(m.group(1)), "bytes": int(m.group(2))} if m else None
        return counts

    def job_throughput(self, op, k, label):
        """Kubernetes' Job controller alone (issue 17, goal 5): K Indexed Jobs created at once, each retrying once
        as the operator's tasks do (its first pod fails, the second succeeds), with the operator stopped. The pods
        it finishes per second bound the operator's attempts per second on the same cluster, since each attempt
        is a Job the Job controller has to run."""
        ns = f"bench-{self.args.run_id}-{label}"
        ensure_namespace(self.kube, ns, self.args.run_id)
        log(f"job throughput: {k} Jobs at once, the Job controller alone")
        op.stop()
        jobs = [baseline_job(ns, f"j{i}", self.args.duration) for i in range(k)]
        sampler = CpuSampler(self.args.cluster_dir, op).start()
        t0, t1 = create_all(self.kube, f"/apis/batch/v1/namespaces/{ns}/jobs", jobs, 8)
        final = wait_jobs_complete(self.kube, ns, k, max(1800, k), interval=min(5.0, max(1.0, k / 500)))
        t_done = time.time()
        sampler.stop()
        write_csv(f"{self.out}/{label}-cpu.csv", sampler.rows)
        done = sorted(parse_ts(condition(j, "Complete")["lastTransitionTime"]) for j in final
                      if condition(j, "Complete"))
        pods = sum((j.get("status") or {}).get("failed", 0) + (j.get("status") or {}).get("succeeded", 0)
                   for j in final)
        # One row per finished Job, at its (second-precision) completion: steady_cpu.py reads it like the attempt
        # Jobs of a throughput batch, so its figures are per Job of 2 pods here.
        write_csv(f"{self.out}/{label}-jobs.csv",
                  [{"job": j["metadata"]["name"], "created": parse_ts(condition(j, "Complete")["lastTransitionTime"])}
                   for j in final if condition(j, "Complete")])
        lo, hi = int(0.25 * (len(done) - 1)), int(0.90 * (len(done) - 1))
        steady = (hi - lo) / (done[hi] - done[lo]) if len(done) > 1 and done[hi] > done[lo] else None
        res = {"label": label, "k": k, "complete": len(done), "pods": pods, "create_jobs_s": t1 - t0,
               "finished_s": t_done - t0, "last_complete_s": done[-1] - t0 if done else None,
               "jobs_per_s_steady": steady, "pods_per_s_steady": steady * pods / len(done) if steady else None,
               "cpu_window": sampler.window()}
        self.summary.setdefault("job_throughput", []).append(res)
        self.save()
        log(f"job throughput {label}: {len(done)}/{k} complete, {pods} pods, steady "
            f"{steady and round(steady, 2)} Jobs/s ({res['pods_per_s_steady'] and round(res['pods_per_s_steady'], 2)}"
            f" pods/s)")
        return res

    # -- goal 3 of issue 17: the scenarios above beside K tasks that stay active
    def active_start(self, op, k, duration):
        """K tasks whose one attempt runs for `duration` (longer than the run): the operator holds each task and its
        running Job (their pods are not cached until they fail) while the other scenarios run beside them."""
        ns = f"bench-{self.args.run_id}-active-{k}"
        log(f"active: {k} tasks whose attempt runs for {duration}")
        tasks = [task_manifest(ns, f"a{i}", self.args.run_id, "0s", duration, "0", max_attempts=1) for i in range(k)]
        t0, t1 = create_all(self.kube, f"/apis/deadletter.dev/v1alpha1/namespaces/{ns}/deadlettertasks", tasks, 8)
        _, t_running = wait_tasks(self.kube, ns, k, max(1800, k), want=("Running",), interval=5.0, alive=op.alive)
        if t_running is None:
            raise RuntimeError(f"the {k} active tasks of {ns} did not all reach Running")
        while True:  # and their pods run: a Job whose pod cannot be scheduled is not what this measures
            pods = self.kube.list(f"/api/v1/namespaces/{ns}/pods?labelSelector={TASK_LABEL}"
                                  f"&fieldSelector=status.phase%3DRunning")
            if len(pods) >= k:
                break
            if time.time() - t0 > max(1800, k):
                raise RuntimeError(f"only {len(pods)} of the {k} active pods of {ns} run; enough kwok nodes?")
            time.sleep(5)
        t_running = time.time()
        self.summary["active"] = {"k": k, "duration": duration, "namespace": ns, "created_s": t1 - t0,
                                  "running_s": t_running - t0, "load_before_scenarios": wait_quiet()}
        self.save()
        log(f"active: {k} tasks and their pods running {t_running - t0:.0f}s after the first create")

    def active_check(self):
        """After the scenarios (a kill -9 among them): each active task still has its one attempt, Running, and the
        audit log holds exactly one create per task: nothing lost, nothing started twice."""
        a = self.summary["active"]
        ns = a["namespace"]
        tasks = self.kube.list(f"/apis/deadletter.dev/v1alpha1/namespaces/{ns}/deadlettertasks")
        jobs = self.kube.list(f"/apis/batch/v1/namespaces/{ns}/jobs?labelSelector={TASK_LABEL}")
        phases, attempts = {}, {}
        for t in tasks:
            st = t.get("status") or {}
            phases[st.get("phase")] = phases.get(st.get("phase"), 0) + 1
            attempts[st.get("attempts")] = attempts.get(st.get("attempts"), 0) + 1
        creates = 0
        if self.args.audit_log and os.path.exists(self.args.audit_log):
            with open(self.args.audit_log) as f:
                for line in f:
                    if '"create"' in line and '"jobs"' in line and ns in line:
                        e = json.loads(line)
                        ref = e.get("objectRef") or {}
                        if e.get("verb") == "create" and ref.get("resource") == "jobs" \
                                and ref.get("namespace") == ns and (e.get("responseStatus") or {}).get("code") == 201:
                            creates += 1
        a.update({"tasks": len(tasks), "jobs": len(jobs), "phases": phases,
                  "attempts": {str(k): v for k, v in attempts.items()}, "job_creates_audit": creates or None})
        self.save()
        log(f"active after the scenarios: {len(tasks)} tasks {phases}, attempts {attempts}, {len(jobs)} Jobs, "
            f"{creates} Job creates in the audit log")

    def footprint(self, op, tasks_total):
        fp = op.footprint()
        hist = subprocess.run(["jcmd", str(op.proc.pid), "GC.class_histogram"], capture_output=True, text=True,
                              timeout=120).stdout
        with open(f"{self.out}/class-histogram-{len(self.summary['footprint']) + 1}.txt", "w") as f:
            f.write("\n".join(hist.splitlines()[:40]) + "\n")
        jobs = pods = tasks_total = 0
        for ns in self.namespaces:
            tasks_total += len(self.kube.list(f"/apis/deadletter.dev/v1alpha1/namespaces/{ns}/deadlettertasks"))
            jobs += len(self.kube.list(f"/apis/batch/v1/namespaces/{ns}/jobs?labelSelector={TASK_LABEL}"))
            pods += len(self.kube.list(f"/api/v1/namespaces/{ns}/pods?labelSelector={TASK_LABEL}"))
        fp.update({"tasks": tasks_total, "jobs": jobs, "pods": pods})
        self.summary["footprint"].append(fp)
        self.save()
        log(f"footprint at {tasks_total} tasks/{jobs} Jobs/{pods} pods: heap {fp['heap_used_mib']:.1f} MiB after GC, "
            f"RSS {fp['rss_mib']:.0f} MiB")
        return fp

    def startup(self, op, repeats, then_jfr=False):
        """Process start to /readyz 200, with the tasks (and their Jobs and pods) existing; no JFR."""
        tasks_total = sum(len(self.kube.list(f"/apis/deadletter.dev/v1alpha1/namespaces/{ns}/deadlettertasks"))
                          for ns in self.namespaces)
        for i in range(repeats):
            op.stop()
            t0 = time.time()
            try:
                ready, err = op.start(), None
                settled = settle(op, tasks_total, t0)
            except RuntimeError as e:  # e.g. out of heap while listing: recorded, the run goes on
                ready, settled, err = None, None, str(e)
                log(f"startup at {tasks_total} tasks failed: {e}")
            self.summary["startup"].append({"tasks": tasks_total, "ready_s": ready, "all_reconciled_s": settled,
                                            "repeat": i + 1, **({"error": err} if err else {})})
            self.save()
        if then_jfr:
            op.stop()
            op.start(jfr=True)

    def startup_all_namespaces(self, op, repeats):
        """The same, watching all namespaces (3 informers) instead of a list (3 informers per namespace)."""
        tasks_total = sum(len(self.kube.list(f"/apis/deadletter.dev/v1alpha1/namespaces/{ns}/deadlettertasks"))
                          for ns in self.namespaces)
        listed, op.namespaces = op.namespaces, []
        try:
            for i in range(repeats):
                op.stop()
                t0 = time.time()
                try:
                    ready, err = op.start(), None
                    settled = settle(op, tasks_total, t0)
                except RuntimeError as e:
                    ready, settled, err = None, None, str(e)
                    log(f"startup (all namespaces) at {tasks_total} tasks failed: {e}")
                self.summary["startup"].append({"tasks": tasks_total, "ready_s": ready, "all_reconciled_s": settled,
                                                "repeat": i + 1, "mode": "all namespaces",
                                                **({"error": err} if err else {})})
                self.save()
        finally:
            op.stop()
            op.namespaces = listed


def smoke(args):
    """~10 tasks, all must converge with 0 early starts; prints `bench: N passed, N failed` last."""
    b = Bench(args)
    ns = b.ns("smoke")
    ensure_namespace(b.kube, ns, args.run_id)
    op = Operator(args, [ns], args.out)
    passed = failed = 0
    try:
        op.start()
        b.watch_ns(ns)
        tasks = [task_manifest(ns, f"t{i}", args.run_id, "1s", "300ms") for i in range(args.smoke_tasks)]
        create_all(b.kube, f"/apis/deadletter.dev/v1alpha1/namespaces/{ns}/deadlettertasks", tasks)
        final, _ = wait_tasks(b.kube, ns, len(tasks), 60)
        rows = operator_samples(final, b.kube.list(f"/apis/batch/v1/namespaces/{ns}/jobs"), b.rec,
                                read_audit(args.audit_log, {ns}), 1.0, ns)
        for t in final:
            name = t["metadata"]["name"]
            st = t.get("status") or {}
            mine = [r for r in rows if r["task"] == name]
            problems = []
            if st.get("phase") != "Succeeded":
                problems.append(f"phase {st.get('phase')}")
            if st.get("attempts") != 2 or len(mine) != 1:
                problems.append(f"{st.get('attempts')} attempts, {len(mine)} retries recorded")
            if any(r["early_api"] or (r["audit_lateness_s"] is not None and r["audit_lateness_s"] < 0) for r in mine):
                problems.append("attempt started before its nextAttemptAt")
            if problems:
                failed += 1
                print(f"bench: FAIL {ns}/{name}: {'; '.join(problems)}")
            else:
                passed += 1
        failed += len(tasks) - len(final)
        write_csv(f"{args.out}/smoke.csv", rows)
    except Exception as e:  # noqa: BLE001 - any error fails the smoke run
        print(f"bench: FAIL {e}")
        failed += 1
    finally:
        b.stop.set()
        op.stop()
        if not args.keep:
            try:
                b.kube.request("DELETE", f"/api/v1/namespaces/{ns}")
            except Exception:  # noqa: BLE001
                pass
    print(f"bench: {passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


def startup_only(args):
    """Adds the all-namespaces startup measurement to an existing results directory (same cluster, same run)."""
    b = Bench(args)
    b.summary = json.load(open(f"{args.out}/summary.json"))
    b.namespaces = [n["metadata"]["name"] for n in b.kube.list(f"/api/v1/namespaces?labelSelector={RUN_LABEL}%3D{args.run_id}")
                    if not n["metadata"]["name"].endswith("-base")]
    op = Operator(args, b.namespaces, args.out)
    op.starts = len([p for p in os.listdir(args.out) if re.fullmatch(r"operator-\d+\.log", p)])  # new log names
    b.summary["namespaces"] = b.namespaces
    b.startup_all_namespaces(op, args.startup_repeats)
    b.startup(op, args.startup_repeats)
    op.stop()
    b.save()
    return 0


def latency_plan(args):
    """(N, delay, repeat) of every latency run asked for; repeats are cheap for small N only: N above
    --repeat-max-n runs once."""
    lat = [int(x) for x in args.latency_n.split(",") if x]
    delays = [d for d in args.delays.split(",") if d]
    return [(n, d, r) for r in range(1, args.repeats + 1) for n in lat for d in delays
            if r == 1 or n <= args.repeat_max_n]


def gc_peaks(path):
    """(largest heap after a collection, largest heap before one) in MiB, from a -Xlog:gc log."""
    after = before = None
    if os.path.exists(path):
        for m in re.finditer(r"(\d+)M->(\d+)M\(\d+M\)", open(path).read()):
            before, after = max(before or 0, int(m.group(1))), max(after or 0, int(m.group(2)))
    return after, before


def reconciles(op):
    """Successful reconciles so far, from JOSDK's Micrometer counters on /metrics."""
    total = 0.0
    for line in op.metrics().splitlines():
        if line.startswith("operator_sdk_reconciliations_success_total"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def task_reconciles(op):
    """Successful reconciles of tasks so far (the capture controller's of Jobs left out)."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in op.metrics().splitlines()
               if line.startswith("operator_sdk_reconciliations_success_total") and 'kind="DeadLetterTask"' in line)


def settle(op, tasks, t0, timeout=300):
    """Seconds from t0 (the process start) until the operator has reconciled each of its tasks once after a
    start, as many reconciles as tasks; None if not within the timeout. Ready (/readyz) comes before that: the
    informers have synced, the first pass over every task is still to come."""
    while time.time() - t0 < timeout:
        if task_reconciles(op) >= tasks:
            return time.time() - t0
        time.sleep(0.2)
    return None


def wait_quiet(limit=1.2, timeout=900):
    """Waits until the machine's 1-minute load average is at most `limit` (other work on these 2 cores would
    be measured too); returns the load average it starts with."""
    t0 = time.time()
    while os.getloadavg()[0] > limit and time.time() - t0 < timeout:
        time.sleep(5)
    return os.getloadavg()[0]


def startup_ab(args):
    """Starts with K existing tasks (each with its Jobs and pods), alternating --baseline-jar and this jar on the
    same objects: ready time, time until every task was reconciled once, heap peaks from the GC log, and heap
    after a full GC once settled. Then the latency runs asked for, with this jar and the K tasks present."""
    b = Bench(args)
    plan_lat = latency_plan(args)
    for n, d, r in plan_lat:
        b.ns(f"lat-{n}-{d}-r{r}")
    k, attempts = args.startup_k, args.startup_attempts
    st_ns = b.ns(f"st-{k}x{attempts}")
    for ns in b.namespaces:
        ensure_namespace(b.kube, ns, args.run_id)
    op = Operator(args, b.namespaces, args.out)
    b.summary["config"] = vars(args)
    b.summary["namespaces"] = b.namespaces
    b.summary["startup_ab"] = []
    try:
        exit_codes = ",".join(["1"] * (attempts - 1) + ["0"])
        tasks = [task_manifest(st_ns, f"t{i}", args.run_id, "0s", args.duration, exit_codes) for i in range(k)]
        create_all(b.kube, f"/apis/deadletter.dev/v1alpha1/namespaces/{st_ns}/deadlettertasks", tasks, 8)
        op.start()
        _, done = wait_tasks(b.kube, st_ns, k, max(3600, 2 * k), interval=5.0, alive=op.alive)
        if done is None:
            raise RuntimeError(f"the {k} tasks of {st_ns} did not all succeed")
        time.sleep(5)
        fp = b.footprint(op, k)
        for r in range(1, args.startup_repeats + 1):
            order = [("baseline", args.baseline_jar), ("this", args.jar)]
            for label, jar in (order if r % 2 else order[::-1]):  # alternate which jar starts first
                op.stop()
                op.jar = jar
                row = {"jar": label, "repeat": r, "tasks": fp["tasks"], "jobs": fp["jobs"], "pods": fp["pods"],
                       "loadavg_at_start": wait_quiet()}
                t0 = time.time()
                try:
                    row["ready_s"] = op.start()
                    while reconciles(op) < k and time.time() - t0 < 300:
                        time.sleep(0.2)
                    row["all_reconciled_s"] = time.time() - t0 if reconciles(op) >= k else None
                    row.update(op.footprint())
                except RuntimeError as e:  # e.g. out of heap while listing: recorded, the run goes on
                    row["error"] = str(e)
                    log(f"start of the {label} jar with {k} tasks failed: {e}")
                row["gc_max_after_mib"], row["gc_max_before_mib"] = gc_peaks(f"{args.out}/gc-{op.starts}.log")
                row["log"] = f"operator-{op.starts}.log"
                b.summary["startup_ab"].append(row)
                b.save()
                log(f"start {label} #{r}: ready {row.get('ready_s')}, all reconciled {row.get('all_reconciled_s')}, "
                    f"heap after GC {row.get('heap_used_mib')}, GC peaks {row['gc_max_after_mib']}/{row['gc_max_before_mib']} MiB")
        # Then the latency runs, with this jar and the K tasks still present.
        op.stop()
        op.jar = args.jar
        if plan_lat:
            op.start(jfr=args.jfr)
        for n, d, r in plan_lat:
            res = b.latency(op, n, d, f"lat-{n}-{d}-r{r}")
            res["repeat"] = r
            b.save()
    finally:
        b.finish(op)
    return 0


def full(args):
    b = Bench(args)
    tp = [int(x) for x in args.throughput_k.split(",") if x]
    plan_lat = latency_plan(args)
    for n, d, r in plan_lat:
        b.ns(f"lat-{n}-{d}-r{r}")
    if args.restart_n:
        b.ns(f"lat-{args.restart_n}-{args.restart_delay}-restart")
    if args.active_k:
        b.ns(f"active-{args.active_k}")
    for i, k in enumerate(tp):
        b.ns(f"tp{i + 1}-{k}")
    if args.variant_env and args.variant_k:
        b.ns(f"tp{len(tp) + 1}-{args.variant_k}-" + "-".join(
            kv.split("=")[0].lower().replace("kube_client_", "") + kv.split("=")[1] for kv in args.variant_env))
    for ns in b.namespaces:
        ensure_namespace(b.kube, ns, args.run_id)
    op = Operator(args, b.namespaces, args.out)
    b.summary["config"] = vars(args)
    b.summary["namespaces"] = b.namespaces
    try:
        op.start(jfr=args.jfr)
        if args.active_k:
            b.active_start(op, args.active_k, args.active_duration)
        b.footprint(op, 0)
        b.startup(op, args.startup_repeats, then_jfr=args.jfr)
        for n, d, r in plan_lat:
            res = b.latency(op, n, d, f"lat-{n}-{d}-r{r}")
            res["repeat"] = r
            b.save()
        if args.restart_n:
            b.latency(op, args.restart_n, args.restart_delay, f"lat-{args.restart_n}-{args.restart_delay}-restart",
                      restart=True, baseline=False)
        if args.active_k:
            b.active_check()
        total = 0
        for i, k in enumerate(tp):
            res = b.throughput(op, k, f"tp{i + 1}-{k}")
            total += k
            if res["operator_exited"]:
                log(f"the operator exited during {res['label']} (see its log); no further batches")
                break
            time.sleep(5)
            b.footprint(op, total)
            if args.startup_each_batch:
                b.startup(op, args.startup_repeats)
        for i, k in enumerate(args.job_throughput_k):
            b.job_throughput(op, k, f"jobs{i + 1}-{k}")
        b.startup(op, args.startup_repeats)
        b.startup_all_namespaces(op, args.startup_repeats)
        op.start(jfr=args.jfr)
        b.footprint(op, total)
        if args.variant_env and args.variant_k:
            # The same batch again with other operator settings (e.g. a higher client QPS), to test a cause.
            op.extra_env = args.variant_env
            label = f"tp{len(tp) + 1}-{args.variant_k}-" + "-".join(
                kv.split("=")[0].lower().replace("kube_client_", "") + kv.split("=")[1] for kv in args.variant_env)
            res = b.throughput(op, args.variant_k, label)
            res["operator_env"] = args.variant_env
            total += args.variant_k
            time.sleep(5)
            b.footprint(op, total)
    finally:
        b.finish(op)
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kubeconfig", required=True)
    p.add_argument("--kubectl", default="kubectl")
    p.add_argument("--jar", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--run-id", default=datetime.now().strftime("%H%M%S"))
    p.add_argument("--audit-log", default="")
    p.add_argument("--cluster-dir", default="", help="hack/cluster.sh's dir of the cluster (pids/*.pid): CPU per process")
    p.add_argument("--http-port", type=int, default=18081)
    p.add_argument("--xmx", default="256m")
    p.add_argument("--duration", default="500ms", help="simulated run time of each pod")
    p.add_argument("--operator-env", action="append", help="KEY=VALUE for the operator process")
    p.add_argument("--job-throughput-k", type=lambda v: [int(x) for x in v.split(",") if x], default=[],
                   help="after the throughput batches: batches of K plain Jobs, the Job controller alone (goal 5)")
    p.add_argument("--startup-each-batch", action="store_true",
                   help="restart the operator after each throughput batch too: ready time against task count")
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--smoke-tasks", type=int, default=10)
    p.add_argument("--keep", action="store_true")
    p.add_argument("--latency-n", default="1,100,300")
    p.add_argument("--delays", default="0s,1s")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--repeat-max-n", type=int, default=100)
    p.add_argument("--restart-n", type=int, default=100)
    p.add_argument("--restart-delay", default="3s")
    p.add_argument("--restart-pause", type=float, default=1.0)
    p.add_argument("--throughput-k", default="500,500")
    p.add_argument("--startup-repeats", type=int, default=3)
    p.add_argument("--probes", default="",
                   help="raw,generic,typed,typed-nojobspec: bench/WatchFloor.java processes beside each throughput batch")
    p.add_argument("--active-k", type=int, default=0,
                   help="K tasks whose attempt stays running beside the latency and restart scenarios (issue 17 goal 3)")
    p.add_argument("--active-duration", default="3h", help="how long the attempts of --active-k run")
    p.add_argument("--jfr", action="store_true")
    p.add_argument("--variant-env", action="append", help="KEY=VALUE: one more throughput batch with this setting")
    p.add_argument("--variant-k", type=int, default=0)
    p.add_argument("--startup-only", action="store_true", help="only the startup measurements, into --out")
    p.add_argument("--startup-k", type=int, default=0, help="start comparison with K existing tasks (startup_ab)")
    p.add_argument("--startup-attempts", type=int, default=1, help="attempt Jobs per task for --startup-k")
    p.add_argument("--baseline-jar", help="the jar --startup-k compares this one with")
    args = p.parse_args()
    # SIGTERM (e.g. from a CI timeout) runs the finally blocks, which stop the operator child.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.run_id = re.sub(r"[^a-z0-9-]", "", args.run_id.lower())
    sys.exit(smoke(args) if args.smoke else startup_only(args) if args.startup_only
             else startup_ab(args) if args.startup_k else full(args))


if __name__ == "__main__":
    main()
