"""The web page end to end: headless Chromium against the real service with a mocked LLM.

Expectations come from the API's own answers (recorded from the page's fetches, or asked over HTTP)
and from the Python renderers, so the tests check that the page shows what the service said.
"""

from __future__ import annotations

import httpx
import pytest

from suggester.documents import parse_structured
from suggester.models import KeyResult
from suggester.render import numbers

from .helpers import DRAFT, PHONE_WIDTH

KIND_TITLES = {"output": "Output key results", "input": "Input key results", "initiative": "Initiatives"}

PASTED_OKRS = """\
# Make support effortless for our customers
- [output] Raise CSAT from 78% to 85% by 2027-06-30
- [input] Answer every ticket faster
- Make customers happy
"""


def test_page_is_served_at_the_root_with_its_assets(service):
    page = httpx.get(service.url + "/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset, media_type in (("static/app.js", "javascript"), ("static/style.css", "text/css")):
        assert asset in page.text
        response = httpx.get(f"{service.url}/{asset}")
        assert response.status_code == 200 and media_type in response.headers["content-type"]
    # The page claims only / and /static: other paths keep the API's problem+json 404.
    missing = httpx.get(service.url + "/no-such-page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "/" not in httpx.get(service.url + "/openapi.json").json()["paths"]


def test_team_types_are_offered_from_the_api(page, service):
    known = httpx.get(service.url + "/v1/team-types").json()["team_types"]
    expected = {name for team in known for name in [team["name"], *team["aliases"]]}
    page.wait(lambda: len(page.find_all("#team-type-options option")) > 0, timeout=30)
    offered = {option.get_attribute("value") for option in page.find_all("#team-type-options option")}
    assert offered == expected


def test_draft_shows_krs_grouped_by_kind_with_numbers_sources_and_findings(page):
    suggestion = page.draft()
    krs = [KeyResult.model_validate(kr) for kr in suggestion["key_results"]]
    assert {kr.kind.value for kr in krs} == {"output", "input", "initiative"}

    assert page.text("#result-title") == DRAFT["objective"]
    assert not page.visible("#draft-cancel") and page.text("#draft-progress") == "", "progress left behind"
    headings = [h.text for h in page.find_all("#kr-groups h3")]
    assert headings == [f"{KIND_TITLES[kind]} ({sum(kr.kind.value == kind for kr in krs)})"
                        for kind in ("output", "input", "initiative")]
    for kr in krs:
        card = page.card(kr.id)
        group = card.find_element("xpath", "ancestor::section[1]").get_attribute("class")
        assert f"kind-{kr.kind.value}" in group
        assert kr.text in card.text
        # The page formats numbers as suggester/render.py does for the CLI.
        assert numbers(kr) in card.text
        if kr.due:
            assert kr.due in card.text
        if kr.baseline_source:
            assert {"user_context": "baseline from your context", "example": "baseline from similar corpus examples",
                    "proposed": "baseline from proposed by the service"}[kr.baseline_source.value] in card.text
        unknown = kr.baseline is None and numbers(kr).startswith("unknown")
        assert ("measure it first" in card.text) == unknown
        if numbers(kr).startswith("0 →"):  # a count of work done this cycle: zero is where it starts, not a guess
            assert "counted from 0 this cycle" in card.text and "baseline unknown" not in card.text
        for finding in (f for f in suggestion["findings"] if f["kr"] == kr.id):
            assert finding["message"] in card.text and finding["hint"] in card.text

    assert any(f["kr"] for f in suggestion["findings"]), "the mocked draft should carry a KR finding to show"

    links = {(kr.id, target) for kr in krs for target in kr.drives}
    assert links, "the mocked draft links an input to an output"
    drawn = {tuple(path.get_attribute("data-link").split("->")) for path in page.find_all("#drives-diagram path.link")}
    assert drawn == links
    for source, target in links:
        assert f"{source} drives {target}" in page.text("#drives-list")

    page.find("#examples summary").click()
    for example in suggestion["examples_used"]:
        assert example["id"] in page.text("#examples-list")

    page.screenshot("draft")
    page.set_width(PHONE_WIDTH)
    assert page.page_width() <= PHONE_WIDTH, "the page scrolls sideways at phone width"


def test_markdown_and_yaml_exports_read_back_as_the_same_set(page, service, tmp_path):
    suggestion = page.draft()
    drafted = [(kr["id"], kr["kind"], kr["text"], kr["drives"]) for kr in suggestion["key_results"]]

    page.find("#copy-markdown").click()
    page.wait(lambda: "Copied" in page.text("#export-status"), timeout=10)
    markdown = page.value("markdown-text")
    report = httpx.post(service.url + "/v1/check", json={"text": markdown}).json()
    [checked] = report["sets"]
    assert checked["okr"]["objective"] == suggestion["objective"]
    assert [(kr["id"], kr["kind"], kr["text"], kr["drives"]) for kr in checked["okr"]["key_results"]] == drafted
    assert not any(f["rule"] == "inputs-drive-outputs" for f in checked["findings"]), "drives links lost in Markdown"

    link = page.find("#download-yaml")
    assert link.get_attribute("download") == "okrs.yaml"
    saved = page.download(link, tmp_path)
    assert saved.name == "okrs.yaml"
    [document] = parse_structured(saved.read_text(), source="okrs.yaml")
    assert document.okr.objective == suggestion["objective"]
    assert document.okr.team_type == suggestion["team_type"]
    assert [kr.model_dump(mode="json") for kr in document.okr.key_results] == suggestion["key_results"]


def test_edit_a_kr_inline_and_see_it_rechecked(page):
    suggestion = page.draft()
    edited = next(kr for kr in suggestion["key_results"] if kr["kind"] == "output")["id"]

    page.card(edited).find_element("css selector", "button.edit").click()
    box = page.field(f"Key result {edited}")
    assert box.get_attribute("value") == next(kr["text"] for kr in suggestion["key_results"] if kr["id"] == edited)
    box.clear()
    box.send_keys("Make our deals feel better")
    page.card(edited).find_element("css selector", "button[type=submit]").click()
    page.wait(lambda: "Checked:" in page.card(edited).text, timeout=30)

    check = page.answers("v1/check")[-1]
    assert check["request"]["okr"]["key_results"][[kr["id"] for kr in suggestion["key_results"]].index(edited)] == {
        "id": edited, "kind": "output", "text": "Make our deals feel better", "drives": []}
    findings = [f for f in check["body"]["sets"][0]["findings"] if f["kr"] == edited]
    assert any(f["severity"] == "error" for f in findings), "a KR with no number should fail the check"
    card = page.card(edited)
    assert "Make our deals feel better" in card.text
    for finding in findings:
        assert finding["message"] in card.text
    assert "edit" in page.driver.switch_to.active_element.get_attribute("class"), "focus returns to the KR's Edit button"
    page.screenshot("recheck")

    # Fix it: the numbers are read from the new text, and the error is gone.
    card.find_element("css selector", "button.edit").click()
    box = page.field(f"Key result {edited}")
    box.clear()
    box.send_keys("Increase EU win rate on qualified deals from 18% to 24% by 2027-03-31")
    page.card(edited).find_element("css selector", "button[type=submit]").click()
    page.wait(lambda: len(page.answers("v1/check")) == 2 and "Checked:" in page.card(edited).text, timeout=30)
    rechecked = page.answers("v1/check")[-1]["body"]["sets"][0]
    kr = KeyResult.model_validate(next(k for k in rechecked["okr"]["key_results"] if k["id"] == edited))
    assert (kr.baseline, kr.target, kr.unit) == (18, 24, "%")
    card = page.card(edited)
    assert numbers(kr) in card.text and "baseline from your text" in card.text
    assert not any(f["severity"] == "error" for f in rechecked["findings"] if f["kr"] == edited)
    assert "Error" not in card.text


def test_regenerate_says_so_when_the_model_offers_nothing_new(page):
    suggestion = page.draft()
    kr = suggestion["key_results"][0]
    page.card(kr["id"]).find_element("css selector", "button.regenerate").click()
    page.wait(lambda: "offered no different" in page.card(kr["id"]).text, timeout=60)
    assert len(page.answers("v1/suggestions")) == 2
    assert kr["text"] in page.card(kr["id"]).text


def test_regenerate_replaces_one_kr_keeps_its_link_and_rechecks_the_set(page):
    suggestion = page.draft()
    old = next(kr for kr in suggestion["key_results"] if kr["kind"] == "input" and kr["drives"])
    new_text = "Hold 30 discovery calls with French prospects by 2027-03-31"
    # The mocked model answers every seed alike. Give the page's second draft a new input KR, as another
    # seed of a real model would; everything after the answer (pick, link, re-check, render) is the page's.
    page.driver.execute_script(
        "const answer = window.fetch;"
        "window.fetch = async (url, init) => {"
        "  const response = await answer(url, init);"
        "  if (!String(url).endsWith('v1/suggestions')) return response;"
        "  const body = await response.json();"
        "  for (const kr of body.key_results) if (kr.kind === 'input') {"
        "    kr.text = arguments[0]; kr.metric = 'discovery calls with French prospects'; kr.drives = ['kr9'];"
        "  }"
        "  return new Response(JSON.stringify(body), {status: response.status, headers: response.headers});"
        "};",
        new_text,
    )
    page.card(old["id"]).find_element("css selector", "button.regenerate").click()
    page.wait(lambda: "Checked:" in page.card(old["id"]).text, timeout=60)

    assert len(page.answers("v1/suggestions")) == 2
    sent = page.answers("v1/check")[-1]["request"]["okr"]["key_results"]
    # The new KR takes the old one's place and id, and keeps the old link (not the draft's 'kr9').
    assert [kr["id"] for kr in sent] == [kr["id"] for kr in suggestion["key_results"]]
    replaced = next(kr for kr in sent if kr["id"] == old["id"])
    assert (replaced["kind"], replaced["text"], replaced["drives"]) == ("input", new_text, old["drives"])
    for before, after in zip(suggestion["key_results"], sent):
        if before["id"] != old["id"]:
            assert (after["kind"], after["text"], after["drives"]) == (before["kind"], before["text"], before["drives"])
    card = page.card(old["id"]).text
    assert new_text in card and old["text"] not in card
    assert f"{old['id']} drives {old['drives'][0]}" in page.text("#drives-list")


def test_check_tab_shows_the_findings_of_pasted_okrs(page, service):
    from selenium.webdriver.common.keys import Keys

    page.find("#tab-draft").send_keys(Keys.ARROW_RIGHT)  # the tabs follow the ARIA pattern: arrows switch
    assert page.focused_id() == "tab-check" and page.visible("#panel-check") and not page.visible("#panel-draft")
    page.type_into("Your OKRs", PASTED_OKRS, within="#panel-check")
    page.type_into("Context (optional)", "CSAT was 78% in the last survey.", within="#panel-check")
    page.find("#check-submit").click()
    page.wait(lambda: page.visible("#check-result"), timeout=30)

    report = page.answers("v1/check")[-1]["body"]
    assert report == httpx.post(
        service.url + "/v1/check", json={"text": PASTED_OKRS, "context": "CSAT was 78% in the last survey."}
    ).json()
    assert report["errors"] >= 1, "the pasted OKRs hold a KR with no number"
    summary = page.text("#check-summary")
    assert summary.startswith(f"{report['errors']} error") and f"{report['warnings']} warning" in summary
    [checked] = report["sets"]
    assert checked["okr"]["objective"] in page.text("#check-sets h3")
    for kr in checked["okr"]["key_results"]:
        row = page.find(f'#check-sets li.kr[data-kr="{kr["id"]}"]')
        assert kr["text"] in row.text
        for finding in (f for f in checked["findings"] if f["kr"] == kr["id"]):
            assert finding["rule"] in row.text and finding["message"] in row.text
    page.screenshot("check")


def test_api_error_is_shown_in_plain_words_and_the_form_keeps_the_input(failing_page, failing_service):
    page = failing_page
    page.fill_draft()
    page.submit_draft()
    page.wait(lambda: page.visible("#draft-error"), timeout=60)

    [answer] = page.answers("v1/suggestions")
    assert answer["status"] == 429 and answer["body"]["title"]
    message = page.text("#draft-error")
    assert message.startswith("The service or its language model is busy right now.")
    assert answer["body"]["request_id"] in message
    assert page.value("objective") == DRAFT["objective"]
    assert page.value("team-type") == DRAFT["team-type"]
    assert page.value("context") == DRAFT["context"]
    assert not page.visible("#result")
    assert page.find("#draft-submit").is_enabled()
    page.screenshot("error")


def test_the_draft_form_works_from_the_keyboard_alone(page):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    def press(*keys: str) -> None:
        ActionChains(page.driver).send_keys(*keys).perform()

    press(Keys.TAB)
    assert page.driver.switch_to.active_element.text == "Skip to the form"
    press(Keys.ENTER, Keys.TAB)
    assert page.focused_id() == "tab-draft"
    press(Keys.TAB)
    assert page.focused_id() == "objective"
    press(DRAFT["objective"], Keys.TAB, DRAFT["team-type"], Keys.TAB, DRAFT["context"])
    while page.focused_id() != "draft-submit":
        press(Keys.TAB)
    press(Keys.ENTER)
    page.wait(lambda: page.visible("#result"), message="no draft after submitting by keyboard")
    assert page.focused_id() == "result-title", "the answer's heading takes the focus"
    press(Keys.TAB)
    assert page.focused_id() == "copy-markdown"


@pytest.mark.parametrize("width", [1280, PHONE_WIDTH])
def test_labels_contrast_and_width(page, width):
    page.draft()
    page.find("#tab-check").click()
    page.find("#tab-draft").click()
    page.set_width(width)
    unlabelled = page.driver.execute_script(
        "return [...document.querySelectorAll('input, textarea, select')]"
        ".filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label')).map((c) => c.id)"
    )
    assert unlabelled == []
    selectors = "h1, h2, h3, p, label, button, a, dt, dd, .severity, .hint, .kr-sentence, summary"
    ratios = page.contrast_ratios(selectors)
    assert len(ratios) > 20
    too_faint = [r for r in ratios if r["ratio"] < 4.5]
    assert too_faint == []
    assert page.page_width() <= width


def test_progress_while_drafting_and_cancel_keeps_the_form(page):
    # Hold the page's suggestion request as a slow model would, long enough for a busy CI machine to
    # show progress and click Cancel first. Like a real fetch, the held one gives up when it is aborted.
    page.driver.execute_script(
        "const answer = window.fetch;"
        "window.fetch = (url, init) => !String(url).endsWith('v1/suggestions') ? answer(url, init)"
        "  : new Promise((resolve, reject) => {"
        "      const timer = setTimeout(resolve, 30000);"
        "      init.signal.addEventListener('abort', () => {"
        "        clearTimeout(timer); reject(new DOMException('The user aborted a request.', 'AbortError'));"
        "      });"
        "    }).then(() => answer(url, init));"
    )
    page.fill_draft()
    page.submit_draft()
    page.wait(lambda: page.visible("#draft-progress progress"), timeout=5, message="no progress shown")
    assert page.text("#draft-progress").startswith("Drafting key results")
    assert not page.find("#draft-submit").is_enabled()
    page.wait(lambda: page.text("#draft-progress").endswith(" s"), timeout=5, message="no seconds counted")
    page.find("#draft-cancel").click()
    page.wait(lambda: page.text("#draft-progress") == "Cancelled.", timeout=10, message="not cancelled")
    assert page.find("#draft-submit").is_enabled() and not page.visible("#draft-cancel")
    assert not page.visible("#result") and not page.visible("#draft-error")
    assert (page.value("objective"), page.value("team-type"), page.value("context")) == tuple(DRAFT.values())
