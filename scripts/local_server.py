"""Run the embedded GGUF model behind a real OpenAI-compatible HTTP server (llama.cpp's), on loopback.

It exists so the hosted-provider path (litellm's OpenAI client, real HTTP) can be exercised and
recorded without network access or keys. Three ways to use it::

    # serve until Ctrl-C, printing the settings that point okr at it
    python scripts/local_server.py

    # start it, run one command against it, stop it (what scripts/record_cassettes.sh does)
    python scripts/local_server.py --port 18765 -- .venv/bin/pytest tests/test_providers.py --record-mode=rewrite

    # from Python
    with LocalServer() as server:
        Settings(model=f"openai/{server.alias}", api_base=server.api_base, api_key="sk-local")

While a command runs it sees ``OKR_TEST_API_BASE`` (the server's /v1 URL) and ``OKR_TEST_MODEL``
(``openai/<alias>``). The server needs the extras of ``llama-cpp-python[server]``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

DEFAULT_MODEL = "gemma-3-270m"


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalServer:
    """`python -m llama_cpp.server` on 127.0.0.1 with an embedded GGUF model, as a context manager.

    Args:
        model: embedded model name (see `suggester.gguf_models.EMBEDDED_MODELS`); also the served alias.
        port: TCP port; a free one when None.
        n_ctx: context size in tokens; the pipeline's few-shot prompts need about 1500.
        threads: CPU threads for generation (the test machines have 2 cores).
        ready_timeout: seconds to wait for the model to load before giving up.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        port: int | None = None,
        n_ctx: int = 2048,
        threads: int = 2,
        ready_timeout: float = 120.0,
    ) -> None:
        self.alias = model
        self.port = port or free_port()
        self.n_ctx = n_ctx
        self.threads = threads
        self.ready_timeout = ready_timeout
        self._process: subprocess.Popen | None = None
        # Open for the server's whole life; closed and removed in stop().
        self._log = tempfile.NamedTemporaryFile(prefix="llama-server-", suffix=".log", delete=False)  # noqa: SIM115

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        from suggester.gguf_models import model_path

        return [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model_path(self.alias)),
            "--model_alias",
            self.alias,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--n_threads",
            str(self.threads),
            "--verbose",
            "False",
        ]

    def start(self) -> LocalServer:
        """Start the server and block until it answers `GET /v1/models` (the model is loaded then)."""
        if _listening(self.port):
            raise RuntimeError(f"port {self.port} is already in use; pick another with --port")
        self._process = subprocess.Popen(self.command(), stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"llama_cpp.server exited with code {self._process.returncode}:\n{self.log_tail()}"
                )
            if _answers(f"{self.api_base}/models"):
                return self
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(
            f"llama_cpp.server was not ready after {self.ready_timeout:.0f} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s) and remove its log."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)

    def log_tail(self, lines: int = 20) -> str:
        self._log.flush()
        text = Path(self._log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Serve an embedded GGUF model over an OpenAI-compatible API on loopback.",
        epilog="Example: python scripts/local_server.py --port 18765 -- .venv/bin/pytest tests/test_providers.py",
    )
    parser.add_argument("--model", default=DEFAULT_MODEL, help="embedded model name (default: %(default)s)")
    parser.add_argument("--port", type=int, default=None, help="TCP port (default: a free one)")
    parser.add_argument(
        "--n-ctx", type=int, default=2048, help="context size in tokens (default: %(default)s)"
    )
    parser.add_argument("--threads", type=int, default=2, help="generation threads (default: %(default)s)")
    parser.add_argument(
        "run", nargs=argparse.REMAINDER, help="after --: a command to run while the server is up"
    )
    args = parser.parse_args(argv)
    command = args.run[1:] if args.run[:1] == ["--"] else args.run

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing
    server = LocalServer(args.model, port=args.port, n_ctx=args.n_ctx, threads=args.threads)
    print(f"starting llama_cpp.server with {args.model} on port {server.port} …", file=sys.stderr, flush=True)
    with server:
        env = {**os.environ, "OKR_TEST_API_BASE": server.api_base, "OKR_TEST_MODEL": f"openai/{server.alias}"}
        print(
            f"ready: OKR_MODEL=openai/{server.alias} OKR_API_BASE={server.api_base} OKR_API_KEY=sk-local",
            file=sys.stderr,
            flush=True,
        )
        if command:
            return subprocess.run(command, env=env, check=False).returncode
        # Wait for Ctrl-C or a kill, then leave the `with` block so the server is stopped too.
        stop_signals = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
        signal.sigwait(stop_signals)
    return 0


if __name__ == "__main__":
    sys.exit(main())
