"""`okr serve`: help, clean config errors, and a real uvicorn process (two workers) answering over HTTP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from suggester.cli import main

from .helpers import MOCK_DRAFT

OKR = Path(sys.executable).with_name("okr")


def test_serve_help_shows_options_and_an_example():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers", "--log-level"):
        assert option in result.output
    assert "okr serve --host 0.0.0.0" in result.output
    assert "127.0.0.1" in result.output and "8000" in result.output


def test_bad_settings_are_one_line_errors_not_tracebacks():
    env = {**os.environ, "OKR_MAX_CONCURRENT_LLM": "0"}
    run = subprocess.run(
        [str(OKR), "serve"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode != 0
    assert "OKR_MAX_CONCURRENT_LLM" in run.stderr and "Traceback" not in run.stderr
    env = {**os.environ, "OKR_RULE_PROFILE": "/no/such/profile.yaml"}
    run = subprocess.run(
        [str(OKR), "serve"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode != 0 and "profile.yaml" in run.stderr and "Traceback" not in run.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_runs_uvicorn_workers_with_json_logs_and_shared_metrics(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "OKR_MODEL": "openai/gpt-4o-mini",
        "OKR_MOCK_RESPONSE": MOCK_DRAFT,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),  # what `okr serve` sets itself when unset
    }
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [str(OKR), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:  # liveness comes first: the model and index load in the background
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "okr serve never answered /healthz"
            time.sleep(0.2)
        for _ in range(12):
            assert httpx.get(url + "/healthz", timeout=5).status_code == 200
        metrics = httpx.get(url + "/metrics", timeout=5).text
        # Whichever worker answers, /metrics sums every worker's counts.
        counted = re.search(
            r'okr_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)', metrics
        )
        assert counted and float(counted.group(1)) >= 13
    finally:
        process.terminate()
        process.wait(30)
        log.close()
    lines = [line for line in (tmp_path / "serve.log").read_text().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    assert any("Uvicorn running" in record["msg"] for record in records)
    assert (
        len({record["msg"] for record in records if record["msg"].startswith("Started server process")}) == 2
    )
    assert all("color_message" not in record for record in records)
