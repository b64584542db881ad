"""The annotation page and the researcher view in headless Chromium.

The annotator picks a dataset, reads its guidelines, judges with the keyboard (strength and rationale
included), undoes a judgement and judges it again, and reaches the empty queue; the test checks the
progress counts on the page and what the API stored. Markdown, code and a conversation must render,
and markup in the data must show as text and never run. Screenshots at desktop and phone width are
kept in $PREFLAB_E2E_ARTIFACTS.

Run by scripts/e2e-annotate.sh, which starts a server and passes PREFLAB_URL, PREFLAB_ANNOTATOR_TOKEN,
PREFLAB_SECOND_TOKEN, PREFLAB_ADMIN_TOKEN, PREFLAB_COMPARISONS (the JSON answer of the batch create)
and PREFLAB_E2E_ARTIFACTS.
"""

import json
import os
import urllib.request

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

URL = os.environ["PREFLAB_URL"].rstrip("/")
TOKEN = os.environ["PREFLAB_ANNOTATOR_TOKEN"]
SECOND = os.environ["PREFLAB_SECOND_TOKEN"]
ADMIN = os.environ["PREFLAB_ADMIN_TOKEN"]
ARTIFACTS = os.environ.get("PREFLAB_E2E_ARTIFACTS", "/tmp")
WAIT = 20  # seconds; an upper bound for conditions, never a sleep
DESKTOP = (1280, 900)
PHONE = (390, 844)


def comparisons():
    with open(os.environ["PREFLAB_COMPARISONS"]) as f:
        return {c["id"]: c for c in json.load(f)["items"]}


def api(path, token=TOKEN, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(URL + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as response:
        raw = response.read()
        return response.status, json.loads(raw) if raw else None


def shot(driver, name):
    path = os.path.join(ARTIFACTS, name)
    driver.save_screenshot(path)
    return path


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


def visible(driver, element_id):
    return WebDriverWait(driver, WAIT).until(EC.visibility_of_element_located((By.ID, element_id)))


def text_of(driver, element_id):
    # textContent, not .text: exactly what the page put in, whitespace included.
    return driver.find_element(By.ID, element_id).get_attribute("textContent")


def press(driver, *keys):
    # Keys go to whatever has focus, as a person's would; the token field must not have it.
    assert driver.switch_to.active_element.get_attribute("id") != "token"
    ActionChains(driver).send_keys(*keys).perform()


def no_alert(driver):
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        pytest.fail(f"an injected script ran: alert({text!r})")
    except NoAlertPresentException:
        pass


def wait_counts(driver, count, remaining, mine):
    want = (str(count), str(remaining), str(mine))
    WebDriverWait(driver, WAIT).until(
        lambda d: (text_of(d, "count"), text_of(d, "remaining"), text_of(d, "mine")) == want,
        message=f"progress should read {want}")


def test_page_headers():
    for path in ("/annotate", "/annotate/stats"):
        with urllib.request.urlopen(urllib.request.Request(URL + path), timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert response.headers["Cache-Control"] == "no-store"
            csp = response.headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "script-src 'self' 'sha256-" in csp
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
            body = response.read().decode()
        assert "<title>PrefLab" in body


def test_annotate_dataset_with_guidelines_strength_undo_and_progress(browser):
    known = comparisons()
    e2e = [c for c in known.values() if c["dataset"] == "e2e"]
    assert len(e2e) == 4
    status, body = api("/v1/preferences")
    assert status == 200 and body["items"] == [], "the store must start with no judgements"

    browser.get(URL + "/annotate")
    token_field = visible(browser, "token")
    assert token_field.get_attribute("value") == ""
    assert browser.find_element(By.CSS_SELECTOR, "label[for=token]").text.strip() == "Annotator token"
    token_field.send_keys(TOKEN, Keys.ENTER)

    # The picker lists the datasets this annotator may judge, with what is left in each.
    picker = visible(browser, "dataset-picker")
    WebDriverWait(browser, WAIT).until(lambda d: len(Select(picker).options) == 3)
    assert [o.text for o in Select(picker).options] == ["All datasets", "e2e (4 left)", "other (1 left)"]
    Select(picker).select_by_value("e2e")

    # Guidelines: shown (open the first time), Markdown rendered, markup in them inert.
    guidelines = visible(browser, "guidelines")
    assert guidelines.get_attribute("open") is not None
    body = browser.find_element(By.ID, "guidelines-body")
    assert body.find_element(By.TAG_NAME, "h5").text == "How to judge"
    assert body.find_element(By.TAG_NAME, "strong").text == "correct"
    assert [li.text for li in body.find_elements(By.TAG_NAME, "li")] == ["Ties are fine.", "Skip what you cannot judge."]
    assert body.find_elements(By.TAG_NAME, "img") == []
    assert "<img src=x onerror=alert(4)>" in body.text
    # G folds them away and back: collapsible.
    press(browser, "g")
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.ID, "guidelines").get_attribute("open") is None)
    press(browser, "g")
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.ID, "guidelines").get_attribute("open") is not None)
    # Shortcuts are listed on the page.
    shortcuts = browser.find_element(By.ID, "shortcuts").get_attribute("textContent")
    for key in ("1", "2", "T", "S", "Q", "W", "E", "R", "U", "G"):
        assert key in shortcuts

    wait_counts(browser, 0, 4, 0)
    seen = []

    def current():
        visible(browser, "item")
        WebDriverWait(browser, WAIT).until(
            lambda d: text_of(d, "comparison-id") in known and text_of(d, "comparison-id") not in seen)
        comparison_id = text_of(browser, "comparison-id")
        comparison = known[comparison_id]
        # The responses are rendered as Markdown: told apart by how they begin.
        first = text_of(browser, "first").strip()
        shown_first = "a" if first.startswith(comparison["response_a"][:4]) else "b"
        return comparison_id, comparison, shown_first

    # 1. Strength (W = clearly) and a rationale, then A: stored as the API names them.
    cid, comparison, shown_first = current()
    assert comparison["prompt"] == "Name a primary colour."
    assert text_of(browser, "prompt") == comparison["prompt"]
    press(browser, "w")
    assert browser.find_element(By.CSS_SELECTOR, "input[name=strength][value='2']").is_selected()
    press(browser, "r")
    assert browser.switch_to.active_element.get_attribute("id") == "rationale"
    browser.switch_to.active_element.send_keys("Red is a primary colour; see https://example.org.")
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    press(browser, "a")
    wait_counts(browser, 1, 3, 1)
    _, mine = api(f"/v1/preferences?comparison_id={cid}")
    assert len(mine["items"]) == 1
    stored = mine["items"][0]
    assert stored["choice"] == shown_first and stored["strength"] == 2
    assert stored["rationale"] == "Red is a primary colour; see https://example.org."
    assert stored["shown_first"] == shown_first

    # 2. Undo (U) within the window: the same comparison comes back, the counts step back, and the
    #    log keeps the judgement and the undo; judged again (T), the tie is the one that counts.
    visible(browser, "undo-bar")
    press(browser, "u")
    WebDriverWait(browser, WAIT).until(lambda d: text_of(d, "comparison-id") == cid)
    wait_counts(browser, 0, 4, 0)
    assert "Undone" in text_of(browser, "notice")
    _, log = api(f"/v1/preferences?comparison_id={cid}")
    assert [p.get("undoes") for p in log["items"]] == [None, stored["id"]]
    press(browser, "t")
    wait_counts(browser, 1, 3, 1)
    seen.append(cid)
    _, agreement = api(f"/v1/comparisons/{cid}/agreement", token=ADMIN)
    assert agreement["votes"] == {"a": 0, "b": 0, "tie": 1, "skip": 0}

    # 3. Plain text, judged B.
    cid, comparison, shown_first = current()
    assert comparison["prompt"] == "What is 2 + 2?"
    press(browser, "b")
    wait_counts(browser, 2, 2, 2)
    seen.append(cid)

    # 4. Markup and Markdown: rendered as Markdown, the HTML shown as text, nothing executed.
    cid, comparison, shown_first = current()
    assert comparison["prompt"].startswith("Say hello")
    item = browser.find_element(By.ID, "item")
    assert item.find_elements(By.TAG_NAME, "img") == [] and item.find_elements(By.TAG_NAME, "script") == []
    assert browser.find_elements(By.CSS_SELECTOR, "#prompt b") == []
    assert "<script>window.__injected = 1; alert(1)</script>" in text_of(browser, "prompt")
    assert browser.execute_script("return window.__injected === undefined")
    side_a = "first" if shown_first == "a" else "second"
    side_b = "second" if shown_first == "a" else "first"
    assert browser.find_element(By.CSS_SELECTOR, f"#{side_a} strong").text == "there"
    code = browser.find_element(By.CSS_SELECTOR, f"#{side_a} pre code")
    assert code.get_attribute("textContent") == 'print("<img src=x onerror=alert(2)>")'
    assert code.get_attribute("data-lang") == "python"
    assert "<img src=x onerror=alert(1)>Hi!" in text_of(browser, side_b)
    # A javascript: link stays text.
    assert browser.find_elements(By.CSS_SELECTOR, "#item a") == []
    no_alert(browser)
    shot(browser, "annotate-desktop-markdown.png")
    press(browser, "s")
    wait_counts(browser, 3, 1, 3)
    seen.append(cid)

    # 5. A conversation: chat turns with their roles, each turn's Markdown rendered.
    cid, comparison, shown_first = current()
    roles = [e.get_attribute("textContent") for e in browser.find_elements(By.CSS_SELECTOR, "#prompt .chat .msg .role")]
    assert roles == ["system", "user", "assistant", "user"]
    assert browser.find_element(By.CSS_SELECTOR, "#prompt .msg.system em").text == "terse"
    assert browser.find_element(By.CSS_SELECTOR, "#prompt .msg.user:last-child code").text == "France"
    shot(browser, "annotate-desktop-chat.png")
    # At a phone's width: one column, nothing wider than the screen.
    browser.set_window_size(*PHONE)
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return window.innerWidth") <= PHONE[0])
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    first_box = browser.find_element(By.ID, "first").rect
    second_box = browser.find_element(By.ID, "second").rect
    assert second_box["y"] > first_box["y"] + first_box["height"] - 1, "responses should stack on a phone"
    shot(browser, "annotate-phone-chat.png")
    browser.find_element(By.CSS_SELECTOR, "[data-choice=first]").click()
    wait_counts(browser, 4, 0, 4)
    seen.append(cid)

    empty = visible(browser, "empty")
    assert "The queue is empty" in empty.text
    assert not browser.find_element(By.ID, "item").is_displayed()
    assert not browser.find_element(By.ID, "error").is_displayed()
    assert TOKEN not in browser.current_url
    shot(browser, "annotate-phone-empty.png")
    browser.set_window_size(*DESKTOP)

    # A reload remembers the token and the dataset, and finds that queue still empty.
    browser.refresh()
    visible(browser, "empty")
    assert browser.find_element(By.ID, "token").get_attribute("value") == TOKEN
    WebDriverWait(browser, WAIT).until(lambda d: Select(d.find_element(By.ID, "dataset-picker")).first_selected_option.get_attribute("value") == "e2e")

    _, stored = api("/v1/preferences?page_size=100")
    rows = stored["items"]
    assert len(rows) == 6  # five judgements and one undo
    assert {p["comparison_id"] for p in rows} == set(seen)
    for p in rows:
        assert p["annotator"] == "e2e-annotator"
        if not p.get("undoes"):
            assert isinstance(p["time_spent_ms"], int) and 0 <= p["time_spent_ms"] < 600_000

    no_alert(browser)
    # No script errors and no Content-Security-Policy violations.
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


def test_researcher_view_shows_progress_and_agreement(browser):
    # A second annotator judges the e2e comparisons, so agreement has pairs to measure.
    while True:
        req = urllib.request.Request(URL + "/v1/queue/next?dataset=e2e", headers={"Authorization": f"Bearer {SECOND}"})
        with urllib.request.urlopen(req, timeout=10) as response:
            if response.status == 204:
                break
            item = json.loads(response.read())
        status, _ = api("/v1/preferences", token=SECOND, method="POST", body={"comparison_id": item["comparison_id"], "choice": "a"})
        assert status == 201

    browser.get(URL + "/annotate/stats")
    visible(browser, "token").send_keys(ADMIN, Keys.ENTER)
    visible(browser, "report")
    rows = browser.find_elements(By.CSS_SELECTOR, "#datasets tbody tr")
    cells = {r.find_elements(By.TAG_NAME, "td")[0].text: [c.text for c in r.find_elements(By.TAG_NAME, "td")] for r in rows}
    assert set(cells) == {"e2e", "other"}
    # e2e: 4 comparisons × 2 judgements asked; the skip does not count, so 7 of 8 are done.
    assert cells["e2e"][1:4] == ["4", "7 / 8", "88%"]
    _, report = api("/v1/stats/agreement?dataset=e2e", token=ADMIN)
    kappa = report["items"][0]["fleiss_kappa"]
    assert cells["e2e"][5] == ("–" if kappa is None else f"{kappa:.2f}")
    annotators = [[c.text for c in r.find_elements(By.TAG_NAME, "td")] for r in browser.find_elements(By.CSS_SELECTOR, "#annotators tbody tr")]
    assert [a[1] for a in annotators] == ["e2e-annotator", "e2e-second"]
    # The chart: a track and a bar per measure per dataset, drawn as SVG.
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart svg rect.track")) == 4
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart svg rect.done")) == 2
    shot(browser, "stats-desktop.png")
    browser.set_window_size(*PHONE)
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return window.innerWidth") <= PHONE[0])
    shot(browser, "stats-phone.png")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


def test_bad_token_shows_problem_detail(browser):
    browser.get(URL + "/annotate")
    visible(browser, "token").send_keys("pl_not-a-real-token", Keys.ENTER)
    error = visible(browser, "error")
    # The status and the problem document's detail and code.
    assert error.text.startswith("401") and "the token is unknown (unauthenticated)" in error.text, error.text
    assert not browser.find_element(By.ID, "item").is_displayed()
    assert not browser.find_element(By.ID, "empty").is_displayed()
    # Forgetting the token clears the field and the stored copy.
    browser.find_element(By.ID, "forget").click()
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return localStorage.length") == 0)
    assert browser.find_element(By.ID, "token").get_attribute("value") == ""
