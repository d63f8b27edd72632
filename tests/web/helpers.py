"""Drives the page the way a person does: labelled fields, buttons, keys; reads what the page shows."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP_WIDTH, PHONE_WIDTH = 1280, 390

# What the model is asked for (prompts/system.v1.j2): `kind | what is measured | direction`, one KR a
# line, input lines naming the output line they drive.
MOCK_DRAFT = (
    "1. output | EU bookings | increase\n"
    "2. output | EU win rate on qualified deals | increase\n"
    "3. input | discovery calls with DACH prospects | increase | drives 1\n"
    "4. initiative | German-language website and sales pitch | complete"
)
# litellm raises its RateLimitError for this mock string; suggester.llm maps it to a 429 problem.
MOCK_RATE_LIMIT = "litellm.RateLimitError"

DRAFT = {
    "objective": "Grow our global business via expansion in the EU",
    "team-type": "sales",
    "context": "EU bookings were $1.2M last quarter; two account executives cover DACH.",
}

# Wraps window.fetch so a test can read the exact answers the page received from the API.
_RECORD_API = """
if (!window.__okrAnswers) {
  window.__okrAnswers = [];
  const original = window.fetch;
  window.fetch = async (url, init) => {
    const response = await original(url, init);
    const copy = response.clone();
    copy.json().then((body) => window.__okrAnswers.push(
      {url: String(url), status: response.status, request: init && init.body ? JSON.parse(init.body) : null, body}
    )).catch(() => {});
    return response;
  };
}
"""

# WCAG contrast ratio of an element's text colour against the first opaque background behind it.
_CONTRAST = """
const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
const luminance = ([r, g, b]) => {
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
};
const background = (node) => {
  for (; node; node = node.parentElement) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
  }
  return [255, 255, 255];
};
return [...document.querySelectorAll(arguments[0])]
  .filter((node) => node.offsetParent !== null && node.textContent.trim())
  .map((node) => {
    const fg = luminance(parse(getComputedStyle(node).color).slice(0, 3));
    const bg = luminance(background(node));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    return {selector: node.className || node.tagName, text: node.textContent.trim().slice(0, 40), ratio};
  });
"""


class Page:
    def __init__(self, driver, url: str) -> None:
        self.driver = driver
        self.url = url

    # ------------------------------------------------------------------ navigation and waiting

    def open(self) -> Page:
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        self.driver.set_window_size(DESKTOP_WIDTH, 900)
        self.driver.get(self.url + "/")
        self.driver.execute_script(_RECORD_API)
        return self

    def wait(self, condition, timeout: float = 120, message: str = ""):
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        # The page re-renders a card when its answer lands: an element found a moment ago may be gone.
        ignored = (NoSuchElementException, StaleElementReferenceException)
        return WebDriverWait(self.driver, timeout, poll_frequency=0.2, ignored_exceptions=ignored).until(
            lambda _: condition(), message
        )

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def visible(self, css: str) -> bool:
        found = self.find_all(css)
        return bool(found) and found[0].is_displayed()

    def text(self, css: str) -> str:
        return self.find(css).text

    def value(self, element_id: str) -> str:
        return self.find(f"#{element_id}").get_attribute("value")

    def focused_id(self) -> str:
        return self.driver.switch_to.active_element.get_attribute("id")

    # ------------------------------------------------------------------ filling in

    def field(self, label: str, within: str = "body"):
        """The form control a visible <label> names (inside `within`), as a screen reader would find it."""
        label_node = self.find(within).find_element("xpath", f".//label[normalize-space(.)={json.dumps(label)}]")
        return self.find(f"#{label_node.get_attribute('for')}")

    def type_into(self, label: str, text: str, within: str = "#panel-draft") -> None:
        control = self.field(label, within)
        control.clear()
        control.send_keys(text)

    def fill_draft(self, values: dict[str, str] = DRAFT) -> None:
        self.type_into("Objective", values["objective"])
        self.type_into("Team type", values["team-type"])
        self.type_into("Context (optional)", values["context"])

    def submit_draft(self) -> None:
        self.find("#draft-submit").click()

    def draft(self) -> dict[str, Any]:
        """Fill in and submit the draft form; return the suggestion the page received."""
        self.fill_draft()
        self.submit_draft()
        self.wait(lambda: self.visible("#result") or self.visible("#draft-error"), message="no draft shown")
        assert not self.visible("#draft-error"), self.text("#draft-error")
        return self.answers("v1/suggestions")[-1]["body"]

    # ------------------------------------------------------------------ what the page got and shows

    def answers(self, route: str) -> list[dict[str, Any]]:
        """The API answers the page received on `route`, oldest first."""
        self.wait(lambda: self.driver.execute_script("return window.__okrAnswers.length") > 0, timeout=10)
        answers = self.driver.execute_script("return window.__okrAnswers")
        return [answer for answer in answers if answer["url"].endswith(route)]

    def card(self, kr_id: str):
        return self.find(f'#kr-groups li.kr[data-kr="{kr_id}"]')

    def download(self, link, folder: Path, timeout: float = 15) -> Path:
        """Click a download link and return the file the browser saved into `folder`."""
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
        link.click()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            files = list(folder.iterdir())
            # Chrome reserves the final name with an empty file while the .crdownload part is written,
            # so a download is done only when no part file is left and the saved file has content.
            if files and not any(p.name.endswith(".crdownload") for p in files):
                saved = [p for p in files if p.stat().st_size > 0]
                if saved:
                    return saved[0]
            time.sleep(0.1)
        raise AssertionError(f"nothing downloaded into {folder}")

    def contrast_ratios(self, css: str) -> list[dict[str, Any]]:
        return self.driver.execute_script(_CONTRAST, css)

    def page_width(self) -> int:
        return self.driver.execute_script("return document.documentElement.scrollWidth")

    # ------------------------------------------------------------------ screenshots

    def screenshot(self, name: str) -> list[Path]:
        """Full-page screenshots at desktop and phone width: docs/screenshots/<name>-desktop.png, -phone.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        saved = []
        for label, width in (("desktop", DESKTOP_WIDTH), ("phone", PHONE_WIDTH)):
            self.set_width(width)
            time.sleep(0.4)  # the page redraws its diagram 150 ms after a resize
            height = self.driver.execute_script("return document.documentElement.scrollHeight")
            self.set_width(width, height)
            path = SCREENSHOTS / f"{name}-{label}.png"
            assert self.driver.save_screenshot(str(path)), f"could not write {path}"
            saved.append(path)
        self.set_width(DESKTOP_WIDTH)
        return saved

    def set_width(self, width: int, height: int = 900) -> None:
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )
