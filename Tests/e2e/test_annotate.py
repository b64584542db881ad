"""The annotation page in headless Chromium: load it, judge three comparisons with the
keyboard, reach the empty queue, and find exactly those judgements stored through the API.

Run by scripts/e2e-annotate.sh, which starts a server and passes:
PREFLAB_URL, PREFLAB_ANNOTATOR_TOKEN, PREFLAB_COMPARISONS (the JSON answer of the batch
create), PREFLAB_E2E_SCREENSHOT.
"""

import json
import os
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ["PREFLAB_URL"].rstrip("/")
TOKEN = os.environ["PREFLAB_ANNOTATOR_TOKEN"]
SCREENSHOT = os.environ.get("PREFLAB_E2E_SCREENSHOT", "/tmp/annotate.png")
WAIT = 20  # seconds; an upper bound for conditions, never a sleep


def comparisons():
    with open(os.environ["PREFLAB_COMPARISONS"]) as f:
        return {c["id"]: c for c in json.load(f)["items"]}


def api(path, token=TOKEN):
    req = urllib.request.Request(URL + path, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--no-first-run", "--disable-extensions"):
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


def test_page_headers():
    request = urllib.request.Request(URL + "/annotate")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["Cache-Control"] == "no-store"
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "connect-src 'self'" in csp
        assert "unsafe-inline" not in csp
        body = response.read().decode()
    assert "<title>PrefLab" in body


def test_judge_three_with_keyboard(browser):
    expected_by_key = {"a": "first", "b": "second", "t": "tie"}
    known = comparisons()
    assert len(known) == 3
    status, _, body = api("/v1/preferences")
    assert status == 200 and json.loads(body)["items"] == [], "the store must start with no judgements"

    browser.get(URL + "/annotate")
    token_field = visible(browser, "token")
    assert token_field.get_attribute("value") == ""
    label = browser.find_element(By.CSS_SELECTOR, "label[for=token]")
    assert label.text.strip() == "Annotator token"
    token_field.send_keys(TOKEN, Keys.ENTER)

    observed = {}  # comparison id -> (key pressed, side shown first, expected canonical choice)
    for number, key in enumerate(["a", "b", "t"], start=1):
        visible(browser, "item")
        WebDriverWait(browser, WAIT).until(
            lambda d: text_of(d, "comparison-id") in known and text_of(d, "comparison-id") not in observed)
        comparison_id = text_of(browser, "comparison-id")
        comparison = known[comparison_id]
        first, second = text_of(browser, "first"), text_of(browser, "second")
        assert text_of(browser, "prompt") == comparison["prompt"]
        assert {first, second} == {comparison["response_a"], comparison["response_b"]}
        shown_first = "a" if first == comparison["response_a"] else "b"
        # Markup in the data is shown as text, never parsed.
        assert browser.find_elements(By.CSS_SELECTOR, "#item img, #prompt b") == []
        if number == 3:
            browser.save_screenshot(SCREENSHOT)

        which = expected_by_key[key]
        choice = {"first": shown_first, "second": "b" if shown_first == "a" else "a", "tie": "tie"}[which]
        observed[comparison_id] = (key, shown_first, choice)
        # Keys go to whatever has focus, as a person's would; the token field must not have it.
        assert browser.switch_to.active_element.get_attribute("id") != "token"
        ActionChains(browser).send_keys(key).perform()
        WebDriverWait(browser, WAIT).until(lambda d, n=number: text_of(d, "count") == str(n))

    empty = visible(browser, "empty")
    assert "The queue is empty" in empty.text
    assert not browser.find_element(By.ID, "item").is_displayed()
    assert not browser.find_element(By.ID, "error").is_displayed()
    assert TOKEN not in browser.current_url
    browser.save_screenshot(os.path.splitext(SCREENSHOT)[0] + "-empty.png")

    # A reload remembers the token and finds the queue still empty.
    browser.refresh()
    visible(browser, "empty")
    assert browser.find_element(By.ID, "token").get_attribute("value") == TOKEN

    status, _, body = api("/v1/preferences?page_size=100")
    assert status == 200
    stored = json.loads(body)["items"]
    assert len(stored) == 3
    assert {p["comparison_id"]: p["choice"] for p in stored} == {cid: o[2] for cid, o in observed.items()}
    for p in stored:
        key, shown_first, _ = observed[p["comparison_id"]]
        assert p["shown_first"] == shown_first
        assert p["annotator"] == "e2e-annotator"
        assert isinstance(p["time_spent_ms"], int) and 0 <= p["time_spent_ms"] < 600_000

    # No script errors and no Content-Security-Policy violations.
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


def test_bad_token_shows_problem_detail(browser):
    browser.get(URL + "/annotate")
    visible(browser, "token").send_keys("pl_not-a-real-token", Keys.ENTER)
    error = visible(browser, "error")
    # The status and the problem document's detail and code.
    assert error.text.startswith("401") and "the token is unknown or revoked (unauthenticated)" in error.text, error.text
    assert not browser.find_element(By.ID, "item").is_displayed()
    assert not browser.find_element(By.ID, "empty").is_displayed()
    # Forgetting the token clears the field and the stored copy.
    browser.find_element(By.ID, "forget").click()
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return localStorage.length") == 0)
    assert browser.find_element(By.ID, "token").get_attribute("value") == ""
