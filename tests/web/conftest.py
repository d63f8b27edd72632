"""Browser tests of the web page: the real service in a subprocess, headless Chromium from Debian.

The service runs as users run it (uvicorn, the app factory, settings from `OKR_*` variables) with a
mocked LLM, so no test reaches the network. Chromium and chromedriver come from the Debian packages
`chromium` and `chromium-driver`; without them (or without selenium) every test here is skipped, and fails under CI=true.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .helpers import DESKTOP_WIDTH, MOCK_DRAFT, MOCK_RATE_LIMIT, Page

CHROMIUM = Path(os.environ.get("OKR_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("OKR_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    f"--window-size={DESKTOP_WIDTH},900",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


def _missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            return f"{path} not found: apt-get install -y chromium chromium-driver (Debian package {package})"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -e '.[dev]'"
    return None


class ServiceProcess:
    """`uvicorn --factory suggester.api:create_app` on a loopback socket the test opened (no port race)."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._workdir = tempfile.mkdtemp(prefix=f"okr-web-{name}-")  # no developer .env is read
        self.log_path = Path(self._workdir) / "server.log"
        full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True", **env}
        command = [sys.executable, "-m", "uvicorn", "--factory", "suggester.api:create_app",
                   "--fd", str(self._sock.fileno()), "--log-level", "warning"]
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(
                command, env=full_env, cwd=self._workdir, stdout=log, stderr=subprocess.STDOUT,
                pass_fds=[self._sock.fileno()],
            )

    def wait_ready(self, timeout: float = 400) -> ServiceProcess:
        """Block until /readyz answers 200: the embedder and the corpus index load at start-up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + "/readyz", timeout=5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} server not ready after {timeout:g} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._sock.close()
        shutil.rmtree(self._workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser_available() -> None:
    reason = _missing_browser()
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests, but they need Chromium: {reason}")  # never a silent skip
    if reason:
        pytest.skip(f"browser tests need Chromium: {reason}")


@pytest.fixture(scope="session")
def services(browser_available) -> Iterator[dict[str, ServiceProcess]]:
    """Both services start at once (their warm-ups overlap): `ok` drafts, `failing` is rate limited."""
    base = {"OKR_MODEL": "openai/test", "OKR_CANDIDATES": "1", "OKR_NUM_RETRIES": "0"}
    started = {
        "ok": ServiceProcess("ok", {**base, "OKR_MOCK_RESPONSE": MOCK_DRAFT}),
        "failing": ServiceProcess("failing", {**base, "OKR_MOCK_RESPONSE": MOCK_RATE_LIMIT}),
    }
    try:
        yield started
    finally:
        for service in started.values():
            service.stop()


@pytest.fixture(scope="session")
def service(services) -> ServiceProcess:
    return services["ok"].wait_ready()


@pytest.fixture(scope="session")
def failing_service(services) -> ServiceProcess:
    return services["failing"].wait_ready()


@pytest.fixture(scope="session")
def chrome(browser_available) -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="okr-web-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(chrome, service):
    """The page of the working service, freshly loaded at desktop width."""
    return Page(chrome, service.url).open()


@pytest.fixture
def failing_page(chrome, failing_service):
    """The page of the service whose model is rate limited."""
    return Page(chrome, failing_service.url).open()
