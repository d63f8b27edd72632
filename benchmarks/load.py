"""Load driver for the HTTP service, on loopback: the real service with a mocked LLM, then a bare
FastAPI endpoint that returns a JSON body of the same size, measured the same way in the same run.

    .venv/bin/python benchmarks/load.py                       # 600 requests or 60 s per target, 8 at a time
    .venv/bin/python benchmarks/load.py --requests 2000 --duration 120 --concurrency 16

Prints requests/s, p50 and p99 latency and errors for both targets, and their ratio. Both servers run
as separate `uvicorn` processes (one worker each, unless --workers); this script is the client, so
client and servers share the machine's cores: compare the two rows, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

# What a model answers to the draft prompt: one `kind | what is measured | direction` line per KR.
MOCK_DRAFT = (
    "1. output | EU bookings | increase\n"
    "2. output | EU win rate on qualified deals | increase\n"
    "3. input | discovery calls with DACH prospects | increase | drives 1\n"
    "4. initiative | German-language website and sales pitch | complete"
)
REQUEST = {
    "objective": "Grow our global business via expansion in the EU",
    "team_type": "sales",
    "context": "EU bookings were $1.2M last quarter; two account executives cover DACH.",
}


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    body_bytes: int = 0
    probe_latencies: list[float] = field(default_factory=list)  # GET /healthz while under load

    @property
    def count(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with code {process.returncode}; see its log")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} was not ready after {timeout:.0f} s")


def request_body(number: int, unique: bool) -> dict:
    """The request to send; with `unique`, every objective is new, so no embedding of it is cached."""
    if not unique:
        return REQUEST
    return {**REQUEST, "objective": f"{REQUEST['objective']} (request {number})"}


async def drive(
    name: str, url: str, *, requests: int, duration: float, concurrency: int, warmup: int, unique: bool = False
) -> Result:
    """Send `requests` POSTs (or stop after `duration` s), `concurrency` at a time; time each one."""
    result = Result(name)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        for number in range(warmup):  # open connections and fill caches: not the steady state
            await client.post("/v1/suggestions", json=request_body(-1 - number, unique))
        sent = 0
        started = time.perf_counter()
        stop_at = started + duration

        async def worker() -> None:
            nonlocal sent
            while sent < requests and time.perf_counter() < stop_at:
                sent += 1
                body = request_body(sent, unique)
                begun = time.perf_counter()
                try:
                    response = await client.post("/v1/suggestions", json=body)
                except httpx.HTTPError as exc:
                    result.errors[type(exc).__name__] = result.errors.get(type(exc).__name__, 0) + 1
                    continue
                if response.status_code == 200:
                    result.latencies.append(time.perf_counter() - begun)
                    result.body_bytes = len(response.content)
                else:
                    key = f"HTTP {response.status_code}"
                    result.errors[key] = result.errors.get(key, 0) + 1

        async def probe() -> None:
            """A liveness probe's view: does /healthz stay fast while suggestions are being drafted?"""
            async with httpx.AsyncClient(base_url=url, timeout=30) as prober:
                while True:
                    begun = time.perf_counter()
                    await prober.get("/healthz")
                    result.probe_latencies.append(time.perf_counter() - begun)
                    await asyncio.sleep(0.25)

        prober = asyncio.create_task(probe())
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
        prober.cancel()
    return result


def start_service(port: int, args: argparse.Namespace, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "OKR_MODEL": "openai/gpt-4o-mini",
        "OKR_MOCK_RESPONSE": MOCK_DRAFT,
        "OKR_MAX_CONCURRENT_LLM": str(max(args.concurrency, 1)),  # measure throughput, not the 429 path
        "HF_HUB_OFFLINE": "1",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    command = [
        str(VENV_BIN / "okr"),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--log-level",
        "info",
    ]
    return subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=ROOT)


def start_bare(port: int, payload: Path, args: argparse.Namespace, log) -> subprocess.Popen:
    command = [
        sys.executable,
        __file__,
        "--serve-bare",
        str(payload),
        "--port",
        str(port),
        "--workers",
        str(args.workers),
    ]
    return subprocess.Popen(command, stdout=log, stderr=log, cwd=ROOT)


def serve_bare(payload_path: str, port: int, workers: int) -> None:
    """The floor: FastAPI + uvicorn parsing the same request and returning a same-size JSON, nothing else."""
    import uvicorn

    os.environ["OKR_BARE_PAYLOAD"] = payload_path
    uvicorn.run(
        "load:bare_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        app_dir=str(Path(__file__).parent),
    )


def bare_app():
    from fastapi import FastAPI

    payload = json.loads(Path(os.environ["OKR_BARE_PAYLOAD"]).read_text(encoding="utf-8"))
    app = FastAPI()

    @app.post("/v1/suggestions")
    async def suggestions(body: dict) -> dict:
        return payload

    @app.get("/readyz")
    async def readyz() -> dict:
        return {"ready": True}

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    return app


def report(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"\n{args.requests} requests max or {args.duration:g} s per target, {args.concurrency} concurrent, "
        f"{args.workers} worker(s), {'unique objectives' if args.unique_objectives else 'one objective'}, "
        f"loopback, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'target':<26}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'bytes':>8}")
    for r in results:
        print(
            f"{r.name:<26}{r.count:>9}{r.rps:>9.1f}{r.percentile(50):>9.1f}{r.percentile(99):>9.1f}"
            f"{sum(r.errors.values()):>8}{r.body_bytes:>8}"
        )
        for kind, n in r.errors.items():
            print(f"    {kind}: {n}")
    for r in results:
        if r.probe_latencies:
            probes = sorted(r.probe_latencies)
            print(
                f"{r.name}: GET /healthz under load, {len(probes)} probes: "
                f"p50 {statistics.median(probes) * 1000:.1f} ms, max {probes[-1] * 1000:.1f} ms"
            )
    service, bare = results
    if service.rps and bare.percentile(50):
        print(
            f"ratio service/bare: throughput {service.rps / bare.rps:.3f}, "
            f"p50 latency {service.percentile(50) / bare.percentile(50):.1f}x, "
            f"p99 latency {service.percentile(99) / bare.percentile(99):.1f}x"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=600, help="most requests per target (default 600)")
    parser.add_argument("--duration", type=float, default=60, help="most seconds per target (default 60)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight (default 8)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured requests first (default 10)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers per server (default 1)")
    parser.add_argument(
        "--unique-objectives",
        action="store_true",
        help="a new objective in every request, so none of its embeddings come from the service's cache",
    )
    parser.add_argument("--ready-timeout", type=float, default=600, help="seconds to wait for start-up")
    parser.add_argument("--serve-bare", metavar="PAYLOAD", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare, args.port, args.workers)
        return 0

    bounds = {
        "requests": args.requests,
        "duration": args.duration,
        "concurrency": args.concurrency,
        "warmup": args.warmup,
        "unique": args.unique_objectives,
    }
    with tempfile.TemporaryDirectory(prefix="okr-load-") as tmp:
        log_path = Path(tmp) / "servers.log"
        with log_path.open("w") as log:
            port = free_port()
            service = start_service(port, args, log)
            try:
                print(f"service on :{port}, waiting for it to load the corpus index ...", file=sys.stderr)
                wait_ready(f"http://127.0.0.1:{port}", service, args.ready_timeout)
                sample = httpx.post(f"http://127.0.0.1:{port}/v1/suggestions", json=REQUEST, timeout=120)
                sample.raise_for_status()
                timings = sample.json()["usage"]["timings_ms"]
                print(
                    "one suggestion, pipeline steps (ms): "
                    + ", ".join(f"{step} {ms:.0f}" for step, ms in timings.items()),
                    file=sys.stderr,
                )
                measured = asyncio.run(drive("service (mocked LLM)", f"http://127.0.0.1:{port}", **bounds))
            finally:
                service.terminate()
                service.wait(30)

            payload = Path(tmp) / "payload.json"
            payload.write_bytes(sample.content)
            port = free_port()
            bare = start_bare(port, payload, args, log)
            try:
                wait_ready(f"http://127.0.0.1:{port}", bare, 60)
                floor = asyncio.run(drive("bare FastAPI, same JSON", f"http://127.0.0.1:{port}", **bounds))
            finally:
                bare.terminate()
                bare.wait(30)
        report([measured, floor], args)
        errors = sum(measured.errors.values()) + sum(floor.errors.values())
        if errors:
            print("\nserver log tail:\n" + "".join(log_path.read_text().splitlines(keepends=True)[-20:]))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
