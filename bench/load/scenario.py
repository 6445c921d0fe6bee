#!/usr/bin/env python3
# Runs one named live fan-out scenario (docs/PERFORMANCE.md, "Live fan-out"): the server pinned to one core,
# the subscriber processes, the writer and the raw-send floor on the other, a sampler of the server's
# /proc and /metrics, and one table of figures against the targets. Loopback only; every wait is bounded.
import argparse
import http.client
import json
import os
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PER_PROCESS = 19_000  # streams per load process: the open-file limit is 20,000 and cannot be raised
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

STARTED = []  # every process this runner started (stopped by pid at exit, never by name)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def stop_all():
    for p in STARTED:
        if p.poll() is None:
            try:
                p.terminate()
                p.wait(timeout=10)
            except Exception:
                try:
                    p.kill()
                except Exception:
                    pass


class Ctx:
    def __init__(self, args):
        self.build = os.path.abspath(args.build)
        self.keep = args.keep
        self.work = tempfile.mkdtemp(prefix="agentpulse-load-")
        self.quick = args.quick
        ncpu = os.cpu_count() or 1
        pin = ncpu >= 2 and shutil.which("taskset") and not args.no_pin
        self.server_core = 0 if pin else None
        self.client_core = 1 if pin else None
        self.seq = 0

    def bin(self, name):
        return os.path.join(self.build, name)

    def path(self, name):
        self.seq += 1
        return os.path.join(self.work, f"{self.seq:03d}-{name}")

    def pinned(self, core, argv):
        return (["taskset", "-c", str(core)] if core is not None else []) + argv

    def cleanup(self):
        if not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)


def spawn(argv, **kw):
    p = subprocess.Popen(argv, **kw)
    STARTED.append(p)
    return p


def wait_file(path, timeout, what, procs=()):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path):
            return True
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"{what}: process {p.pid} exited with {p.returncode}")
        time.sleep(0.05)
    raise RuntimeError(f"{what}: not ready within {timeout} s")


def touch(path):
    with open(path, "w") as f:
        f.write(str(time.time_ns()))


# ---------------------------------------------------------------- the server and what it runs on


class Server:
    def __init__(self, ctx, store, port=0, watch=None, raw=None):
        self.ctx, self.store, self.port, self.watch, self.raw = ctx, store, port, watch, raw
        self.proc = None
        self.listen_ns = 0

    def start(self, timeout=120):
        c = self.ctx
        if self.raw is not None:
            argv = [c.bin("agentpulse-load"), "raw", "--port", str(self.port)] + self.raw
        else:
            argv = [c.bin("agentpulse"), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                    "--store", self.store, "--log-level", "warn"]
            if self.watch:
                argv += ["--claude-projects", self.watch[0], "--codex-sessions", self.watch[1]]
            else:
                argv += ["--no-watcher"]
        env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(c.work, "xdg"))
        self.err = open(c.path("server.err"), "w")
        self.proc = spawn(c.pinned(c.server_core, argv), stdout=subprocess.PIPE, stderr=self.err, env=env)
        end = time.time() + timeout
        buf = b""
        while time.time() < end:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
                if b"\n" in buf and b"listening on" in buf:
                    line = buf.split(b"\n")[0].decode()
                    self.port = int(line.rsplit(":", 1)[1])
                    self.listen_ns = time.time_ns()
                    return self
            if self.proc.poll() is not None:
                break
        raise RuntimeError(f"server did not start: {buf!r}; see {self.err.name}")

    @property
    def pid(self):
        return self.proc.pid

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_threads_cpu(pid):
    out = {}
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[tid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    except OSError:
        pass
    return out


def proc_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def proc_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def sockstat():
    out = {}
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                parts = line.split()[1:]
                for k, v in zip(parts[::2], parts[1::2]):
                    out[k] = int(v)
    out["mem_bytes"] = out.get("mem", 0) * PAGE
    return out


def netstat():
    """TcpExt counters that explain connection storms (accept-queue overflows, SYN retransmits)."""
    out = {}
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for head, vals in zip(lines[::2], lines[1::2]):
        if head.startswith("TcpExt:"):
            for k, v in zip(head.split()[1:], vals.split()[1:]):
                if k in ("ListenOverflows", "ListenDrops", "TCPSynRetrans", "SyncookiesSent", "TCPAbortOnData"):
                    out[k] = int(v)
    return out


def metrics(port, timeout=3):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", "/metrics")
        body = conn.getresponse().read().decode()
        conn.close()
    except Exception:
        return {}
    out = {}
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            pass
    return out


class Sampler(threading.Thread):
    """Samples the server once a second (CPU, RSS, fds, kernel TCP memory) and its /metrics every
    METRICS_EVERY s: a scrape runs on the poller thread and sums the last 5 minutes of rows (30,000 at
    100 rows/s), so scraping every second would itself load the server's core."""

    METRICS_EVERY = float(os.environ.get("AGENTPULSE_LOAD_METRICS_EVERY", "5"))

    def __init__(self, server, interval=1.0, with_metrics=True):
        super().__init__(daemon=True)
        self.server, self.interval, self.with_metrics = server, interval, with_metrics
        self.samples = []
        self.stop_event = threading.Event()
        self.last_metrics = 0.0

    def snapshot(self, with_metrics=None):
        pid = self.server.pid
        s = {"t": time.time(), "cpu_s": proc_cpu_s(pid), "rss_kb": proc_rss_kb(pid), "fds": proc_fds(pid),
             "tcp": sockstat()}
        if self.with_metrics if with_metrics is None else with_metrics:
            s["metrics"] = metrics(self.server.port)
        return s

    def run(self):
        while not self.stop_event.wait(self.interval):
            try:
                now = time.time()
                scrape = self.with_metrics and now - self.last_metrics >= self.METRICS_EVERY - 0.01
                if scrape:
                    self.last_metrics = now
                self.samples.append(self.snapshot(with_metrics=scrape))
            except OSError:
                return

    def stop(self):
        self.stop_event.set()
        self.join(timeout=5)

    def peak(self, key):
        vals = [s[key] for s in self.samples if key in s]
        return max(vals) if vals else 0

    def metric_max(self, name):
        vals = [s.get("metrics", {}).get(name) for s in self.samples]
        vals = [v for v in vals if v is not None]
        return max(vals) if vals else 0


# ---------------------------------------------------------------- load client processes and the writer


class Clients:
    def __init__(self, ctx, port, n, duration, stall=0, stall_after_ms=2000, rate=2000, reconnect_ms=None,
                 jitter_ms=None):
        self.ctx, self.n = ctx, n
        self.procs, self.ready, self.results = [], [], []
        self.stop_file = ctx.path("clients.stop")
        self.until_file = ctx.path("clients.until")
        nproc = (n + PER_PROCESS - 1) // PER_PROCESS
        for p in range(nproc):
            count = min(PER_PROCESS, n - p * PER_PROCESS)
            ready, out = ctx.path(f"clients{p}.ready"), ctx.path(f"clients{p}.json")
            argv = [ctx.bin("agentpulse-load"), "subscribe", "--port", str(port), "--clients", str(count),
                    "--rate", str(rate / nproc), "--duration", str(duration), "--source-base", f"127.{10 + p}.0.1",
                    "--ready-file", ready, "--stop-file", self.stop_file, "--until-file", self.until_file, "--out", out]
            if p == 0 and stall:
                argv += ["--stall", str(stall), "--stall-after-ms", str(stall_after_ms)]
            if reconnect_ms is not None:
                argv += ["--reconnect-ms", str(reconnect_ms)]
            if jitter_ms is not None:
                argv += ["--jitter-ms", str(jitter_ms)]
            err = open(ctx.path(f"clients{p}.err"), "w")
            self.procs.append(spawn(ctx.pinned(ctx.client_core, argv), stderr=err))
            self.ready.append(ready)
            self.results.append(out)

    def wait_ready(self, timeout=None):
        timeout = timeout or 30 + self.n / 1000
        for r in self.ready:
            wait_file(r, timeout, "subscribers", self.procs)

    def finish(self, until_id=None, drain_s=60, timeout=60):
        """Ends the run: at once, or once every healthy client has usage id `until_id` (at most drain_s)."""
        if until_id is not None:
            t0 = time.time()
            with open(self.until_file + ".tmp", "w") as f:
                f.write(f"{until_id}\n")
            os.rename(self.until_file + ".tmp", self.until_file)
            end = t0 + drain_s
            while time.time() < end and any(p.poll() is None for p in self.procs):
                time.sleep(0.05)
            self.drain_s = time.time() - t0
        touch(self.stop_file)
        for p in self.procs:
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.terminate()
                p.wait(timeout=10)
        merged = self.ctx.path("clients-merged.json")
        subprocess.run([self.ctx.bin("agentpulse-load"), "merge", "--out", merged] + self.results, check=True)
        with open(merged) as f:
            return json.load(f)


def writer(ctx, store, rate, duration, burst=1, background=False, mode="store", file=None):
    out = ctx.path("writer.json")
    argv = [ctx.bin("agentpulse-load-writer"), mode, "--rate", str(rate), "--duration", str(duration),
            "--burst", str(burst), "--out", out]
    argv += ["--store", store] if mode == "store" else ["--file", file]
    p = spawn(ctx.pinned(ctx.client_core, argv), stderr=open(ctx.path("writer.err"), "w"))
    if background:
        return p, out
    p.wait(timeout=duration + 120)
    if p.returncode != 0:
        raise RuntimeError(f"writer failed ({p.returncode})")
    with open(out) as f:
        return json.load(f)


def writer_result(proc_out, timeout):
    p, out = proc_out
    p.wait(timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"writer failed ({p.returncode})")
    with open(out) as f:
        return json.load(f)


def new_store(ctx, rows=1):
    store = ctx.path("store.db")
    subprocess.run([ctx.bin("agentpulse-load-writer"), "init", "--store", store, "--rows", str(rows)], check=True,
                   stdout=subprocess.DEVNULL)
    return store


def capture_frame(port, path, timeout=3.0):
    """One real `event` frame with a load@ stamp, read from the server's replay ring (the raw floor's bytes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(b"GET /api/live/stream?since=u0.t0.r0.g0 HTTP/1.1\r\nHost: x\r\n\r\n")
    data, end = b"", time.time() + timeout
    frame = None
    while time.time() < end and frame is None:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
        for part in data.split(b"\n\n"):
            if part.startswith(b"event: event\n") and b"load@" in part:
                frame = part + b"\n\n"
    s.close()
    if frame is None:
        return None
    with open(path, "wb") as f:
        f.write(frame)
    return path


def template(ctx):
    """The raw floor's frame: one real stamped `event` frame captured from a short server run (cached)."""
    if getattr(ctx, "template", None) is None:
        store = new_store(ctx)
        srv = Server(ctx, store).start()
        try:
            writer(ctx, store, 10, 0.5)
            ctx.template = capture_frame(srv.port, ctx.path("frame.txt"))
        finally:
            srv.stop()
    return ctx.template


def stream_ok(m, w):
    """Every healthy client saw every row the writer committed, once, in order."""
    return (m["gaps"] == 0 and m["dups"] == 0 and m["resyncs"] == 0 and m["clients_without_events"] == 0
            and m["min_first"] == m["max_first"] == w["first_id"] and m["min_last"] == m["max_last"] == w["last_id"]
            and m["min_count"] == m["max_count"] == w["rows"])


def streaming_run(ctx, n, rate, duration, burst=1, stall=0, stall_after_ms=2000, sample=True, ss_probe=None):
    """Server + N subscribers + writer at `rate` commits/s for `duration` s. Returns the figures of one run."""
    store = new_store(ctx)
    srv = Server(ctx, store).start()
    samp = Sampler(srv)
    samp.start()
    try:
        cl = Clients(ctx, srv.port, n + stall, duration + 120 + n / 1000, stall=stall, stall_after_ms=stall_after_ms)
        cl.wait_ready()
        time.sleep(1.0)
        base = samp.snapshot()
        threads0 = proc_threads_cpu(srv.pid)
        wp = writer(ctx, store, rate, duration, burst, background=True)
        probe = None
        if ss_probe:
            probe = ss_probe(srv)
        w = writer_result(wp, duration + 120)
        after = samp.snapshot()
        threads1 = proc_threads_cpu(srv.pid)
        m = cl.finish(until_id=w["last_id"], drain_s=60)
        end = samp.snapshot()
    finally:
        samp.stop()
        srv.stop()
    cpu = after["cpu_s"] - base["cpu_s"]
    wall = after["t"] - base["t"]
    r = {
        "clients": n, "rate": rate, "burst": burst, "duration_s": duration,
        "ok": stream_ok(m, w), "gaps": m["gaps"], "dups": m["dups"], "resyncs": m["resyncs"],
        "unexpected_disconnects": m["disconnects"],  # stalled clients' drops are counted apart
        "reconnects": m["reconnects"], "rows": w["rows"], "events": m["events"],
        "p50_ms": m["latency_p50_ms"], "p90_ms": m["latency_p90_ms"], "p99_ms": m["latency_p99_ms"],
        "p999_ms": m["latency_p999_ms"], "max_ms": m["latency_max_ms"], "mean_ms": m["latency_mean_ms"],
        "last_client_p50_ms": m["row_last_p50_ms"], "last_client_p99_ms": m["row_last_p99_ms"],
        "deliveries": m["deliveries"], "deliveries_per_s": m["deliveries_per_s"],
        "bytes_per_delivery": m["bytes_per_delivery"],
        "server_cpu_pct": 100.0 * cpu / wall if wall > 0 else 0,
        "server_cpu_per_delivery_us": 1e6 * cpu / m["deliveries"] if m["deliveries"] else 0,
        # The io thread is the process's first thread (tid = pid); the rest are the poller and helpers.
        "server_io_thread_cpu_pct": 100.0 * (threads1.get(str(srv.pid), 0) - threads0.get(str(srv.pid), 0)) / wall
        if wall > 0 else 0,
        "server_other_threads_cpu_pct": 100.0 * sum(v - threads0.get(k, 0) for k, v in threads1.items()
                                                    if k != str(srv.pid)) / wall if wall > 0 else 0,
        "server_rss_mb": samp.peak("rss_kb") / 1024,
        "server_fds": base["fds"],
        "tcp_mem_mb": max((s["tcp"]["mem_bytes"] for s in samp.samples), default=0) / 2**20,
        "client_cpu_pct": 100.0 * m["client_cpu_s"] / m["client_wall_s"] if m["client_wall_s"] else 0,
        "commit_p99_us": w.get("commit_p99_us", 0),
        "poll_duration_max_ms": 1000 * end.get("metrics", {}).get("agentpulse_poll_duration_max_seconds", 0),
        # Poll lag: a row's commit-time `ts` (ms) to the poll that published it; the gauge holds the last
        # poll's newest row, scraped every Sampler.METRICS_EVERY s, so this is the worst scraped value.
        "poll_lag_max_ms": 1000 * samp.metric_max("agentpulse_poll_row_lag_seconds"),
        "server_fds_peak": samp.peak("fds"),
        "server_subscribers": samp.metric_max("agentpulse_subscribers"),
        "batches": end.get("metrics", {}).get("agentpulse_batches_published_total", 0),
        "async_writes": end.get("metrics", {}).get("agentpulse_stream_async_writes_total", 0),
        "direct_writes": end.get("metrics", {}).get("agentpulse_stream_direct_writes_total", 0),
        "gathered_writes": end.get("metrics", {}).get("agentpulse_stream_gathered_writes_total", 0),
        "passes": end.get("metrics", {}).get("agentpulse_fanout_passes_total", 0),
        "server_resyncs": end.get("metrics", {}).get("agentpulse_stream_resyncs_total", 0),
        "server_stalled_drops": end.get("metrics", {}).get("agentpulse_stream_stalled_drops_total", 0),
        "stalled": m["stalled"], "stalled_dropped": m["stalled_dropped"],
        "stall_drop_s_max": m["stall_drop_ms_max"] / 1000, "stall_drop_s_min": m["stall_drop_ms_min"] / 1000,
        "client": m, "writer": w,
    }
    if probe is not None:
        r.update(probe.result())
    return r


# ---------------------------------------------------------------- scenarios
# Each returns (runs, rows): rows = [(label, key, target text, check(value) -> bool or None, aggregate)].


def sc_smoke(ctx, args):
    r = streaming_run(ctx, 1000, 100, 20)
    rows = [("1,000 clients x 100 rows/s x 20 s: every id once, in order", "ok", "yes", lambda v: bool(v), "all"),
            ("gaps / duplicates / resyncs", "gaps", "0", lambda v: v == 0, "max"),
            ("unexpected disconnects", "unexpected_disconnects", "0", lambda v: v == 0, "max"),
            ("p99 commit to receipt, ms (not checked)", "p99_ms", "-", None, "median")]
    return [r], rows


def sc_single(ctx, args):
    dur = 10 if ctx.quick else 30
    runs = [with_floor(ctx, streaming_run(ctx, 1, 50, dur), 1, 50, dur) for _ in range(args.runs)]
    return runs, latency_rows(10) + correctness_rows() + floor_rows()[:2]


def with_floor(ctx, run, n, rate, dur):
    """Adds the raw coalesced floor's latency for the same streams and rows, measured right after the run."""
    rc = raw_run(ctx, n, rate, dur, True, template(ctx))
    run.update({"floor_p50_ms": rc["p50_ms"], "floor_p99_ms": rc["p99_ms"], "floor_ok": rc["ok"],
                "p99_vs_floor": run["p99_ms"] / max(1e-3, rc["p99_ms"]),
                "floor_cpu_per_delivery_us": rc["sender_cpu_per_delivery_us"],
                "cpu_vs_floor": run["server_cpu_per_delivery_us"] / max(1e-9, rc["sender_cpu_per_delivery_us"])})
    return run


def floor_rows():
    return [("raw floor (coalesced, same streams and rows) p50, ms", "floor_p50_ms", "-", None, "median"),
            ("raw floor p99, ms", "floor_p99_ms", "-", None, "median"),
            ("server p99 / floor p99", "p99_vs_floor", "-", None, "median"),
            ("server CPU per delivery / floor's", "cpu_vs_floor", "-", None, "median")]


def sc_c1k(ctx, args):
    dur = 10 if ctx.quick else 30
    runs = [with_floor(ctx, streaming_run(ctx, 1000, 100, dur), 1000, 100, dur) for _ in range(args.runs)]
    return runs, latency_rows(25) + correctness_rows() + cost_rows() + server_rows() + floor_rows()


def sc_c10k(ctx, args):
    dur = args.duration or (30 if ctx.quick else 600)
    runs = [with_floor(ctx, streaming_run(ctx, 10_000, 100, dur), 10_000, 100, min(dur, 60)) for _ in range(args.runs)]
    rows = latency_rows(150) + correctness_rows() + [
        ("unexpected disconnects", "unexpected_disconnects", "0", lambda v: v == 0, "max")] + cost_rows() + server_rows() + \
        floor_rows()
    return runs, rows


def latency_rows(p99_target):
    return [("p50 commit to receipt, ms", "p50_ms", "-", None, "median"),
            ("p90, ms", "p90_ms", "-", None, "median"),
            ("p99, ms", "p99_ms", f"<= {p99_target}", lambda v: v <= p99_target, "median"),
            ("p99.9, ms", "p999_ms", "-", None, "median"),
            ("max, ms", "max_ms", "-", None, "median"),
            ("p99 of each row's last client, ms", "last_client_p99_ms", "-", None, "median")]


def correctness_rows():
    return [("every client saw every id once, in order", "ok", "yes", lambda v: bool(v), "all"),
            ("gaps (rows missed)", "gaps", "0", lambda v: v == 0, "max"),
            ("duplicates", "dups", "0", lambda v: v == 0, "max"),
            ("resyncs", "resyncs", "0", lambda v: v == 0, "max")]


def server_rows():
    """What the server saw: sockets, kernel TCP memory, frames it dropped (resyncs, stalled drops), poll lag."""
    return [("server open fds (peak; one per stream + ~20)", "server_fds_peak", "-", None, "median"),
            ("kernel TCP memory, whole machine (peak), MB", "tcp_mem_mb", "-", None, "median"),
            ("server resyncs sent (frames skipped for a client)", "server_resyncs", "0", lambda v: v == 0, "max"),
            ("server stalled-client drops", "server_stalled_drops", "0", lambda v: v == 0, "max"),
            ("poll lag (row ts to its poll), worst sampled, ms", "poll_lag_max_ms", "-", None, "median"),
            ("longest poll, ms", "poll_duration_max_ms", "-", None, "median"),
            ("reconnects", "reconnects", "0", lambda v: v == 0, "max")]


def cost_rows():
    return [("deliveries/s", "deliveries_per_s", "-", None, "median"),
            ("server CPU, % of one core", "server_cpu_pct", "-", None, "median"),
            ("server CPU per delivery, us", "server_cpu_per_delivery_us", "-", None, "median"),
            ("  io thread (fan-out), % of one core", "server_io_thread_cpu_pct", "-", None, "median"),
            ("  poller and other threads, % of one core", "server_other_threads_cpu_pct", "-", None, "median"),
            ("server RSS, MB", "server_rss_mb", "-", None, "median"),
            ("load client CPU, % of its core", "client_cpu_pct", "-", None, "median")]


def raw_run(ctx, n, rate, duration, coalesce, template):
    """The raw floor: agentpulse-load raw on the server's core, the same N streams, the same frames."""
    start, stop, out = ctx.path("raw.start"), ctx.path("raw.stop"), ctx.path("raw.json")
    raw_args = ["--clients", str(n), "--rate", str(rate), "--duration", str(duration), "--start-file", start,
                "--stop-file", stop, "--out", out] + (["--coalesce"] if coalesce else [])
    if template:
        raw_args += ["--template", template]
    srv = Server(ctx, None, raw=raw_args).start()
    try:
        cl = Clients(ctx, srv.port, n, duration + 200 + n / 1000)
        cl.wait_ready()
        time.sleep(1.0)
        touch(start)
        wait_file(out, duration + 200, "raw sender", [srv.proc])
        with open(out) as f:
            rows_sent = json.load(f)["rows"]
        m = cl.finish(until_id=rows_sent, drain_s=60)
        touch(stop)
    finally:
        srv.stop()
    with open(out) as f:
        raw = json.load(f)
    return {
        "clients": n, "rate": rate, "coalesce": coalesce,
        "ok": m["gaps"] == 0 and m["dups"] == 0 and m["min_count"] == m["max_count"] == raw["rows"],
        "rows": raw["rows"], "rows_planned": raw["rows_planned"],
        "deliveries": m["deliveries"], "deliveries_per_s": m["deliveries_per_s"],
        "sender_cpu_s": raw["cpu_s"], "sender_cpu_per_delivery_us": 1e6 * raw["cpu_s"] / max(1, m["deliveries"]),
        "deliveries_per_cpu_s": m["deliveries"] / raw["cpu_s"] if raw["cpu_s"] > 0 else 0,
        "sends": raw["sends"], "p50_ms": m["latency_p50_ms"], "p99_ms": m["latency_p99_ms"],
        "max_ms": m["latency_max_ms"], "bytes_per_delivery": m["bytes_per_delivery"],
        "client_cpu_pct": 100.0 * m["client_cpu_s"] / m["client_wall_s"] if m["client_wall_s"] else 0,
        "client": m, "raw": raw,
    }


def sc_fanout(ctx, args):
    n = args.clients or 10_000
    rate = args.rate or 100
    dur = 10 if ctx.quick else 20
    runs = []
    for _ in range(args.runs):
        s = streaming_run(ctx, n, rate, dur)
        tmpl = template(ctx)  # the raw floor sends the server's own bytes
        raw1 = raw_run(ctx, n, rate, dur, False, tmpl)
        rawc = raw_run(ctx, n, rate, dur, True, tmpl)
        server_eff = 1e6 / max(1e-9, s["server_cpu_per_delivery_us"])
        runs.append({
            "ok": s["ok"] and raw1["ok"] and rawc["ok"],
            "server_deliveries_per_s": s["deliveries_per_s"], "raw_deliveries_per_s": raw1["deliveries_per_s"],
            "rawc_deliveries_per_s": rawc["deliveries_per_s"],
            "ratio_wall_vs_raw": s["deliveries_per_s"] / max(1, raw1["deliveries_per_s"]),
            "server_per_cpu_s": server_eff, "raw_per_cpu_s": raw1["deliveries_per_cpu_s"],
            "rawc_per_cpu_s": rawc["deliveries_per_cpu_s"],
            "ratio_cpu_vs_raw": server_eff / max(1, raw1["deliveries_per_cpu_s"]),
            "ratio_cpu_vs_rawc": server_eff / max(1, rawc["deliveries_per_cpu_s"]),
            "server_p99_ms": s["p99_ms"], "raw_p99_ms": raw1["p99_ms"], "rawc_p99_ms": rawc["p99_ms"],
            "server_cpu_pct": s["server_cpu_pct"], "server_cpu_per_delivery_us": s["server_cpu_per_delivery_us"],
            "raw_cpu_per_delivery_us": raw1["sender_cpu_per_delivery_us"],
            "rawc_cpu_per_delivery_us": rawc["sender_cpu_per_delivery_us"],
            "frames_per_send": s["deliveries"] / max(1, s["direct_writes"] + s["async_writes"] + s["gathered_writes"]),
            "rawc_frames_per_send": rawc["deliveries"] / max(1, rawc["sends"]),
            "bytes_per_delivery": s["bytes_per_delivery"], "raw_bytes_per_delivery": raw1["bytes_per_delivery"],
            "server": s, "raw": raw1, "raw_coalesced": rawc,
        })
    rows = [
        (f"{n:,} clients, {rate} rows/s offered: every id once (server and both floors)", "ok", "yes",
         lambda v: bool(v), "all"),
        ("server deliveries/s (wall)", "server_deliveries_per_s", "-", None, "median"),
        ("raw floor, one send per frame: deliveries/s (wall)", "raw_deliveries_per_s", "-", None, "median"),
        ("raw floor, coalesced per pass: deliveries/s (wall)", "rawc_deliveries_per_s", "-", None, "median"),
        ("server / raw-send floor (wall deliveries/s)", "ratio_wall_vs_raw", ">= 0.60 (stretch 0.85)",
         lambda v: v >= 0.60, "median"),
        ("server deliveries per CPU-second", "server_per_cpu_s", "-", None, "median"),
        ("raw floor deliveries per CPU-second (one send per frame)", "raw_per_cpu_s", "-", None, "median"),
        ("raw floor deliveries per CPU-second (coalesced)", "rawc_per_cpu_s", "-", None, "median"),
        ("server / raw-send floor (per CPU-second)", "ratio_cpu_vs_raw", ">= 0.60", lambda v: v >= 0.60, "median"),
        ("server / coalesced raw floor (per CPU-second)", "ratio_cpu_vs_rawc", "-", None, "median"),
        ("frames per send: server", "frames_per_send", "-", None, "median"),
        ("frames per send: raw coalesced floor", "rawc_frames_per_send", "-", None, "median"),
        ("p99 commit to receipt, ms: server", "server_p99_ms", "-", None, "median"),
        ("  raw floor, one send per frame", "raw_p99_ms", "-", None, "median"),
        ("  raw floor, coalesced", "rawc_p99_ms", "-", None, "median"),
    ]
    return runs, rows


def sc_idle(ctx, args):
    """Memory per 1,000 idle subscribers and idle CPU with 10,000 connected (no rows, burn ticks running)."""
    n = args.clients or 10_000
    window = 20 if ctx.quick else 60
    runs = []
    for _ in range(args.runs):
        store = new_store(ctx)
        srv = Server(ctx, store).start()
        samp = Sampler(srv, interval=1.0, with_metrics=False)
        try:
            # Warm the allocator and the HTTP path with one short-lived stream before the baseline.
            warm = Clients(ctx, srv.port, 10, 30)
            warm.wait_ready()
            warm.finish()
            time.sleep(1.0)
            base = samp.snapshot()
            cl = Clients(ctx, srv.port, n, window + 120 + n / 1000)
            cl.wait_ready()
            time.sleep(5.0)
            full = samp.snapshot()
            time.sleep(window)
            idle_end = samp.snapshot()
            mets = metrics(srv.port)
            m = cl.finish()
        finally:
            srv.stop()
        per_k = 1000.0 / n
        runs.append({
            "ok": m["first_ready"] == n and m["disconnects"] == 0,
            "rss_base_mb": base["rss_kb"] / 1024, "rss_full_mb": full["rss_kb"] / 1024,
            "rss_per_1k_mb": (full["rss_kb"] - base["rss_kb"]) / 1024 * per_k,
            "kernel_tcp_per_1k_mb": (full["tcp"]["mem_bytes"] - base["tcp"]["mem_bytes"]) / 2**20 * per_k,
            "idle_cpu_pct": 100.0 * (idle_end["cpu_s"] - full["cpu_s"]) / (idle_end["t"] - full["t"]),
            "heartbeats_and_ticks_per_client": m["control_frames"] / n,
            "subscribers": mets.get("agentpulse_subscribers", 0),
        })
    rows = [(f"{n:,} idle subscribers all connected", "ok", "yes", lambda v: bool(v), "all"),
            ("server RSS before, MB", "rss_base_mb", "-", None, "median"),
            (f"server RSS with {n:,}, MB", "rss_full_mb", "-", None, "median"),
            ("server RSS growth per 1,000 idle subscribers, MB", "rss_per_1k_mb", "<= 5 (stretch 2)",
             lambda v: v <= 5, "median"),
            ("kernel TCP memory per 1,000 (both ends), MB", "kernel_tcp_per_1k_mb", "-", None, "median"),
            (f"idle CPU with {n:,} connected, % of one core", "idle_cpu_pct", "<= 3", lambda v: v <= 3, "median")]
    return runs, rows


class SsProbe:
    """Kernel memory pinned by each stalled stream, read with ss while the stall is at its worst."""

    def __init__(self, port, src, at_s):
        self.port, self.src, self.at_s = port, src, at_s
        self.worst = 0
        self.server_side = 0
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    @staticmethod
    def skmem(args):
        out = subprocess.run(["ss", "-tmnH"] + args, capture_output=True, text=True).stdout
        res, cur = [], None
        for line in out.splitlines():
            if "skmem:(" in line:
                fields = dict()
                for part in line.split("skmem:(")[1].split(")")[0].split(","):
                    k = part.rstrip("0123456789")
                    fields[k] = int(part[len(k):] or 0)
                res.append(fields)
        return res

    def run(self):
        time.sleep(self.at_s)
        srv = self.skmem(["state", "established", f"( sport = :{self.port} and dst {self.src} )"])
        cli = self.skmem(["state", "established", f"( dport = :{self.port} and src {self.src} )"])
        # Server side: queued send bytes (w: wmem_queued); client side: unread receive bytes (r: rmem_alloc).
        s = sorted((f.get("w", 0) for f in srv), reverse=True)
        c = sorted((f.get("r", 0) for f in cli), reverse=True)
        self.server_side = s[0] if s else 0
        self.worst = (s[0] if s else 0) + (c[0] if c else 0)
        self.count = len(srv)

    def result(self):
        self.t.join(timeout=60)
        return {"stall_pinned_kb": self.worst / 1024, "stall_server_side_kb": self.server_side / 1024,
                "stall_probe_streams": getattr(self, "count", 0)}


def sc_stall(ctx, args):
    n, k = args.clients or 1000, 100
    dur = 40
    runs = []
    for _ in range(args.runs):
        base = streaming_run(ctx, n, 100, dur)
        probe = lambda srv: SsProbe(srv.port, "127.10.0.1", 2.0 + 8.0)
        st = streaming_run(ctx, n, 100, dur, stall=k, stall_after_ms=2000, ss_probe=probe)
        runs.append({
            "ok": st["ok"] and base["ok"], "base_p99_ms": base["p99_ms"], "stall_p99_ms": st["p99_ms"],
            "p99_ratio": st["p99_ms"] / max(1e-9, base["p99_ms"]),
            "stalled_dropped_server": st["server_stalled_drops"], "stalled_dropped_client": st["stalled_dropped"],
            "stall_drop_s_max": st["stall_drop_s_max"], "stall_pinned_kb": st.get("stall_pinned_kb", 0),
            "stall_server_side_kb": st.get("stall_server_side_kb", 0),
            "unexpected_disconnects": st["unexpected_disconnects"], "base": base, "stall": st,
        })
    rows = [(f"{n:,} healthy clients: every id once, in order (with and without stalls)", "ok", "yes",
             lambda v: bool(v), "all"),
            ("healthy p99 without stalls, ms", "base_p99_ms", "-", None, "median"),
            (f"healthy p99 with {k} stalled, ms", "stall_p99_ms", "-", None, "median"),
            ("ratio", "p99_ratio", "<= 1.10", lambda v: v <= 1.10, "median"),
            ("kernel bytes one stalled stream pins on the server (send queue), KB", "stall_server_side_kb",
             "<= 256", lambda v: v <= 256, "max"),
            ("  with the stalled reader's own receive queue (both ends, loopback), KB", "stall_pinned_kb", "-", None,
             "max"),
            ("stalled clients dropped by the server", "stalled_dropped_server", f"{k}", lambda v: v == k, "min"),
            ("stalled clients that saw the drop (reset)", "stalled_dropped_client", "-", None, "min"),
            ("slowest drop after it stopped reading, s", "stall_drop_s_max", "<= 15 s stall bound + fill time",
             None, "max"),
            ("unexpected disconnects of healthy clients", "unexpected_disconnects", "0", lambda v: v == 0, "max")]
    return runs, rows


def sc_reconnect(ctx, args):
    n = args.clients or 10_000
    dur = 30
    runs = []
    for _ in range(args.runs):
        store = new_store(ctx)
        srv = Server(ctx, store).start()
        port = srv.port
        try:
            cl = Clients(ctx, port, n, dur + 200 + n / 1000)
            cl.wait_ready()
            time.sleep(1.0)
            net0 = netstat()
            wp = writer(ctx, store, 100, dur, background=True)
            time.sleep(8.0)
            t_stop = time.time_ns()
            srv.stop(signal.SIGKILL if args.crash else signal.SIGTERM)
            t_down = time.time_ns()
            srv = Server(ctx, store, port=port).start()
            w = writer_result(wp, dur + 120)
            m = cl.finish(until_id=w["last_id"], drain_s=60)
            net1 = netstat()
        finally:
            srv.stop()
        recovered = (m["last_recovery_ns"] - srv.listen_ns) / 1e9 if m["last_recovery_ns"] else float("inf")
        runs.append({
            "ok": stream_ok(m, w) and m["in_outage_at_end"] == 0,
            "rows_lost": m["gaps"], "dups": m["dups"], "resyncs": m["resyncs"],
            "recovery_after_restart_s": recovered,
            "outage_s": m["max_outage_ms"] / 1000, "restart_s": (srv.listen_ns - t_stop) / 1e9,
            "shutdown_s": (t_down - t_stop) / 1e9, "reconnects": m["reconnects"],
            "absorb_s": (m["last_recovery_ns"] - max(m["outage_first_attempt_ns"], srv.listen_ns)) / 1e9
            if m["last_recovery_ns"] else float("inf"),
            "attempt_timeouts": m["attempt_timeouts"], "http_failures": m["http_failures"],
            "listen_overflows": net1.get("ListenOverflows", 0) - net0.get("ListenOverflows", 0),
            "syn_retrans": net1.get("TCPSynRetrans", 0) - net0.get("TCPSynRetrans", 0),
            "p99_ms": m["latency_p99_ms"], "max_ms": m["latency_max_ms"], "client": m, "writer": w,
        })
    rows = [(f"{n:,} clients through a server restart: every id once, in order", "ok", "yes",
             lambda v: bool(v), "all"),
            ("rows lost (gaps)", "rows_lost", "0", lambda v: v == 0, "max"),
            ("duplicates / resyncs", "dups", "0", lambda v: v == 0, "max"),
            ("all streaming again, s after the new server listens", "recovery_after_restart_s", "<= 3",
             lambda v: v <= 3, "median"),
            ("  of which absorbing the storm (first reconnect on the new server to the last), s", "absorb_s", "-",
             None, "median"),
            ("server down (stop to listening), s", "restart_s", "-", None, "median"),
            ("failed attempts (refused, no answer in 15 s, closed)", "http_failures", "-", None, "median"),
            ("accept-queue overflows (kernel)", "listen_overflows", "-", None, "median"),
            ("longest outage seen by the clients, s", "outage_s", "-", None, "median"),
            ("reconnects", "reconnects", "-", None, "median"),
            ("max commit-to-receipt through the restart, ms", "max_ms", "-", None, "median")]
    return runs, rows


def sc_transcript(ctx, args):
    runs = []
    dur = 10 if ctx.quick else 30
    for _ in range(args.runs):
        claude, codex = ctx.path("claude"), ctx.path("codex")
        os.makedirs(os.path.join(claude, "-load-project"))
        os.makedirs(codex)
        file = os.path.join(claude, "-load-project", "load-session.jsonl")
        store = ctx.path("store.db")
        open(file, "w").close()
        srv = Server(ctx, store, watch=(claude, codex)).start()
        samp = Sampler(srv)
        samp.start()
        try:
            cl = Clients(ctx, srv.port, 1, dur + 120)
            cl.wait_ready()
            time.sleep(2.0)
            w = writer(ctx, None, 20, dur, mode="transcript", file=file)
            time.sleep(2.0)
            m = cl.finish()
        finally:
            samp.stop()
            srv.stop()
        runs.append({
            "ok": m["gaps"] == 0 and m["dups"] == 0 and m["min_count"] == w["rows"],
            "lines": w["rows"], "received": m["events"],
            "p50_ms": m["latency_p50_ms"], "p90_ms": m["latency_p90_ms"], "p99_ms": m["latency_p99_ms"],
            "max_ms": m["latency_max_ms"], "client": m, "writer": w,
        })
    rows = [("every appended line arrived once, in order", "ok", "yes", lambda v: bool(v), "all"),
            ("p50 line appended to receipt, ms", "p50_ms", "-", None, "median"),
            ("p90, ms", "p90_ms", "-", None, "median"),
            ("p99, ms", "p99_ms", "<= 50", lambda v: v <= 50, "median"),
            ("max, ms", "max_ms", "-", None, "median")]
    return runs, rows


def sc_sweep(ctx, args):
    counts = [int(x) for x in (args.counts or "1,100,1000,3000,10000,18000").split(",")]
    dur = 10 if ctx.quick else 20
    points = []
    for n in counts:
        s = streaming_run(ctx, n, 100, dur)
        rc = raw_run(ctx, n, 100, dur, True, template(ctx))
        points.append({"clients": n, "ok": s["ok"] and rc["ok"], "p50_ms": s["p50_ms"], "p99_ms": s["p99_ms"],
                       "p999_ms": s["p999_ms"], "max_ms": s["max_ms"], "raw_p50_ms": rc["p50_ms"],
                       "raw_p99_ms": rc["p99_ms"], "server_cpu_pct": s["server_cpu_pct"],
                       "deliveries_per_s": s["deliveries_per_s"]})
        log(f"sweep {n}: p50 {s['p50_ms']:.2f} p99 {s['p99_ms']:.2f} raw p99 {rc['p99_ms']:.2f} ms")
    run = {"ok": all(p["ok"] for p in points), "points": points}
    for p in points:
        run[f"p99_{p['clients']}"] = p["p99_ms"]
        run[f"raw_p99_{p['clients']}"] = p["raw_p99_ms"]
    rows = [("every id once, in order at every count", "ok", "yes", lambda v: bool(v), "all")]
    for p in points:
        rows.append((f"{p['clients']:,} clients p99 ms (server)", f"p99_{p['clients']}", "-", None, "median"))
        rows.append((f"{p['clients']:,} clients p99 ms (raw coalesced floor)", f"raw_p99_{p['clients']}", "-", None,
                     "median"))
    return [run], rows


SCENARIOS = {
    "smoke": (sc_smoke, "1,000 clients, 100 rows/s, 20 s: correctness only (CI)"),
    "single": (sc_single, "1 client, single-row commits: p99 <= 10 ms"),
    "c1k": (sc_c1k, "1,000 clients, 100 rows/s: p99 <= 25 ms, no gaps or duplicates"),
    "c10k": (sc_c10k, "10,000 clients, 100 rows/s, 10 minutes: p99 <= 150 ms"),
    "fanout": (sc_fanout, "fan-out at 10,000 clients against the raw-send floor in the same run"),
    "idle": (sc_idle, "memory per 1,000 idle subscribers and idle CPU with 10,000 connected"),
    "stall": (sc_stall, "100 stalled clients among 1,000"),
    "reconnect": (sc_reconnect, "server restart under 10,000 clients (Last-Event-ID)"),
    "transcript": (sc_transcript, "transcript line to 1 client: p99 <= 50 ms"),
    "sweep": (sc_sweep, "latency against subscriber count, server and raw floor (chart data)"),
}
ALIASES = {"memory": "idle", "idle-cpu": "idle", "restart": "reconnect", "1k": "c1k", "10k": "c10k"}


def aggregate(values, how):
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    if how == "median":
        return statistics.median(vals)
    if how == "max":
        return max(vals)
    if how == "min":
        return min(vals)
    if how == "all":
        return all(vals)
    return vals[0]


def fmt(v):
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        if v != v or v in (float("inf"),):
            return "-"
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    try:
        with open("/proc/self/autogroup") as f:
            autogroup = f.read().strip()
    except OSError:
        autogroup = "-"
    try:
        with open("/proc/pressure/cpu") as f:
            pressure = f.readline().strip()
    except OSError:
        pressure = "-"
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gb": round(mem_kb / 2**20, 1),
            "kernel": os.uname().release, "load_avg": os.getloadavg(), "autogroup": autogroup,
            "cpu_pressure": pressure}


def main():
    ap = argparse.ArgumentParser(description="live fan-out load scenarios", formatter_class=argparse.RawTextHelpFormatter,
                                 epilog="\n".join(f"  {k:11} {v[1]}" for k, v in SCENARIOS.items()))
    ap.add_argument("scenario", choices=list(SCENARIOS) + list(ALIASES) + ["list"])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=None, help="runs to take the median of (default 3; smoke 1)")
    ap.add_argument("--quick", action="store_true", help="shorter runs (for trying the harness)")
    ap.add_argument("--duration", type=float, default=None, help="c10k: writer duration in s (default 600)")
    ap.add_argument("--clients", type=int, default=None)
    ap.add_argument("--rate", type=float, default=None)
    ap.add_argument("--counts", default=None, help="sweep: comma-separated subscriber counts")
    ap.add_argument("--crash", action="store_true", help="reconnect: SIGKILL the server instead of SIGTERM")
    ap.add_argument("--json", default=None, help="also write the runs and the table here")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, result files)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin server and clients to cores 0 and 1")
    args = ap.parse_args()
    if args.scenario == "list":
        for k, v in SCENARIOS.items():
            print(f"{k:11} {v[1]}")
        return 0
    name = ALIASES.get(args.scenario, args.scenario)
    if args.runs is None:
        args.runs = 1 if name in ("smoke", "sweep") else 3
    for b in ("agentpulse", "agentpulse-load", "agentpulse-load-writer"):
        if not os.access(os.path.join(args.build, b), os.X_OK):
            print(f"missing {b} in {args.build}: build with cmake --build build", file=sys.stderr)
            return 2
    ctx = Ctx(args)
    signal.signal(signal.SIGTERM, lambda *_: (stop_all(), sys.exit(1)))
    mach = machine()
    log(f"{name}: {SCENARIOS[name][1]} ({args.runs} run(s); work dir {ctx.work}; load avg {mach['load_avg'][0]:.2f})")
    t0 = time.time()
    try:
        runs, rows = SCENARIOS[name][0](ctx, args)
    except Exception as e:
        log(f"{name} failed: {e}")
        stop_all()
        ctx.keep = True
        ctx.cleanup()
        log(f"logs kept in {ctx.work}")
        return 1
    finally:
        stop_all()
    table, all_ok = [], True
    for label, key, target, check, how in rows:
        value = aggregate([r.get(key) for r in runs], how)
        ok = None if check is None or value is None else bool(check(value))
        if ok is False:
            all_ok = False
        table.append({"label": label, "key": key, "value": value, "target": target, "ok": ok,
                      "runs": [r.get(key) for r in runs]})
    width = max(len(t["label"]) for t in table)
    print(f"\n{name}: {SCENARIOS[name][1]}")
    end_load = os.getloadavg()
    print(f"machine: {mach['nproc']} x {mach['cpu']}, {mach['ram_gb']} GB, kernel {mach['kernel']}; load avg at start "
          f"{mach['load_avg'][0]:.2f}, at end {end_load[0]:.2f} (5 min {end_load[1]:.2f}); {mach['autogroup']}; "
          f"{args.runs} run(s), median shown; {time.time() - t0:.0f} s")
    mach["load_avg_end"] = end_load
    print(f"{'figure':<{width}}  {'value':>12}  {'target':<22} {'pass':<4}  runs")
    for t in table:
        mark = "" if t["ok"] is None else ("ok" if t["ok"] else "FAIL")
        runs_txt = " / ".join(fmt(v) for v in t["runs"]) if len(t["runs"]) > 1 else ""
        print(f"{t['label']:<{width}}  {fmt(t['value']):>12}  {t['target']:<22} {mark:<4}  {runs_txt}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"scenario": name, "machine": mach, "argv": sys.argv[1:], "table": table, "runs": runs}, f,
                      indent=1, default=str)
    ctx.cleanup()
    return 0 if all_ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        stop_all()
