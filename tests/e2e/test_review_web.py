"""The review page in a real headless Chromium, against a real local stack: reviewers sign in (Cognito, through the
page), and the page calls the review API with their token, at the stack's `review_url`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from service.dal.results import ResultsTable
from service.dal.reviews import ReviewsTable
from service.domain.models import ResultRecord
from tests.e2e.conftest import StackClients
from tests.e2e.test_pipeline import wait

# Every prediction goes to review here, whatever the model says.
STACK_PARAMETERS = {"ConfidenceThreshold": "1.0"}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A key that would run script if the page ever put it into HTML.
HOSTILE_KEY = 'web/<img src=x onerror="document.title=1">&"moto" 1.png'
PLAIN_KEY = "web/bicycle-1.png"


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, which `make setup` installs when it is missing (as root, with apt-get)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the review page is tested in a real browser. Run `make setup` as root "
            "(it installs Debian's 'chromium' with apt-get), or install that package yourself."
        )
    return CHROMIUM


PASSWORD = "Correct-Horse-Battery-9"
ANN, BOB = "ann@example.com", "bob@example.com"


def scones(stack: StackClients, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], check=True, env=stack.cli_env(), capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def review_page_url(local_stack: StackClients) -> str:
    """The stack's review page, with two reviewers who may sign in to it."""
    for email in (ANN, BOB):
        scones(local_stack, "reviewers", "add", email, "--password", PASSWORD)
    assert local_stack.info.review_url
    return local_stack.info.review_url


def token(stack: StackClients, email: str = ANN) -> str:
    answer = stack.info.client("cognito-idp").initiate_auth(
        ClientId=stack.info.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    return str(answer["AuthenticationResult"]["AccessToken"])


def sign_in(page: Page, url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(url)
    page.wait_for_selector("#signin-form:not([hidden])")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#signin-form button[type=submit]")
    page.wait_for_function(
        "() => !document.getElementById('desk').hidden || document.getElementById('signin-message').textContent",
        timeout=10_000,
    )
    assert page.locator("#desk").is_visible(), page.inner_text("#signin-message")
    page.wait_for_function("e => document.getElementById('signed-in-as').textContent.includes(e)", arg=email)


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def human_record(stack: StackClients, key: str, timeout: float = 15) -> ResultRecord:
    """The key's results record once a person's decision is in (the page posts it in the background)."""
    table = ResultsTable(stack.dynamodb, stack.info.results_table)
    deadline = time.monotonic() + timeout
    while True:
        record = table.get(key)
        if record is not None and record.source == "human":
            return record
        assert time.monotonic() < deadline, f"no human record for {key!r}"
        time.sleep(0.1)


def wait_for_images(page: Page, count: int) -> None:
    page.wait_for_function(
        "n => { const imgs = [...document.querySelectorAll('#grid figure.card img')];"
        " return imgs.length === n && imgs.every(img => img.complete && img.naturalWidth > 0); }",
        arg=count,
        timeout=15_000,
    )


def test_decide_with_a_key_then_a_click(
    local_stack: StackClients, samples_dir: Path, review_page_url: str, browser: Browser
) -> None:
    started = time.monotonic()
    bucket = local_stack.info.intake_bucket
    local_stack.s3.upload_file(str(samples_dir / "motorcycle-1.png"), bucket, HOSTILE_KEY)
    local_stack.s3.upload_file(str(samples_dir / "bicycle-1.png"), bucket, PLAIN_KEY)
    assert {o.key for o in wait(local_stack, {HOSTILE_KEY, PLAIN_KEY}).by_place("review")} == {HOSTILE_KEY, PLAIN_KEY}

    page = browser.new_page()
    sign_in(page, review_page_url, ANN)
    assert "0 decisions today" in page.inner_text("#signed-in-as")
    wait_for_images(page, 2)
    cards = page.locator("#grid figure.card")
    first, second = cards.nth(0).get_attribute("data-key"), cards.nth(1).get_attribute("data-key")
    assert {first, second} == {HOSTILE_KEY, PLAIN_KEY}
    # The key is shown as text, never parsed as HTML.
    assert page.locator("#grid figure.card img").count() == 2
    assert page.get_by_text(HOSTILE_KEY, exact=True).count() == 1
    assert page.title() == "scones review"
    widths = page.eval_on_selector_all("#grid figure.card img", "imgs => imgs.map(img => img.naturalWidth)")
    assert all(width > 0 for width in widths)
    # Shown enlarged, not at the upload's 32 pixels.
    assert page.locator("#grid figure.card img").first.bounding_box()["width"] >= 128  # type: ignore[index]
    assert "focused" in (cards.nth(0).get_attribute("class") or "")

    page.keyboard.press("m")
    # The next image comes up at once, focused, before the server has answered.
    page.wait_for_function("() => document.querySelectorAll('#grid figure.card').length === 1", timeout=2_000)
    assert cards.nth(0).get_attribute("data-key") == second
    assert "focused" in (cards.nth(0).get_attribute("class") or "")
    decided = human_record(local_stack, str(first))
    assert (decided.label, decided.source, decided.reviewer) == ("motorcycle", "human", ANN)
    page.wait_for_function("() => document.getElementById('signed-in-as').textContent.includes('1 decision today')")
    assert decided.model_label in ("bicycle", "motorcycle")

    cards.nth(0).locator("button[data-label='bicycle']").click()
    page.wait_for_function("() => document.querySelectorAll('#grid figure.card').length === 0", timeout=2_000)
    assert human_record(local_stack, str(second)).label == "bicycle"
    page.wait_for_selector("#empty:not([hidden])")
    page.close()

    found = ResultsTable(local_stack.dynamodb, local_stack.info.results_table).query(label="motorcycle")
    assert [(r.key, r.source) for r in found] == [(first, "human")]
    assert local_stack.info.reviews_table
    pending = ReviewsTable(local_stack.dynamodb, local_stack.info.reviews_table).pending()
    assert {item.key for item in pending}.isdisjoint({HOSTILE_KEY, PLAIN_KEY})
    print(f"browser flow: {time.monotonic() - started:.1f} s")


def request(url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers or {}, method=method), timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_api_refuses_what_it_should(local_stack: StackClients, review_page_url: str) -> None:
    api = review_page_url + "api/"
    resolve = api + "resolve"
    good = json.dumps({"key": "nope.png", "label": "bicycle"}).encode()
    signed = {"Authorization": f"Bearer {token(local_stack)}"}
    json_type = {"Content-Type": "application/json", **signed}
    # Only writes waiting for review are served, whatever is in the bucket.
    local_stack.s3.put_object(Bucket=local_stack.info.intake_bucket, Key="secret.txt", Body=b"not for the page")
    assert request(api + "image?key=" + quote("secret.txt") + "&version=null", headers=signed) == 404
    assert request(api + "image?key=" + quote("../../etc/passwd") + "&version=x", headers=signed) == 404
    assert request(review_page_url + "static/../../pyproject.toml") == 404
    assert request(resolve, "POST", good, {"Content-Type": "application/json"}) == 401  # no token
    assert request(resolve, "POST", b"x" * 5000, json_type) == 413
    assert request(resolve, "POST", b'{"key": 1}', json_type) == 422
    assert request(resolve, "POST", json.dumps({"key": "a.png", "label": "truck"}).encode(), json_type) == 400
    assert request(resolve, "POST", good, json_type) == 404
    with urllib.request.urlopen(review_page_url, timeout=5) as page:
        policy = page.headers["Content-Security-Policy"]
        assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy


def test_a_signed_out_page_shows_only_the_sign_in_form_and_signing_out_ends_the_session(
    local_stack: StackClients, review_page_url: str, browser: Browser
) -> None:
    page = browser.new_page()
    page.goto(review_page_url)
    page.wait_for_selector("#signin-form:not([hidden])")
    assert page.locator("#desk").is_hidden() and page.locator("#grid figure").count() == 0
    # Keys typed into the form are not decisions.
    page.fill("#password", "wrong-password-1A!")
    page.fill("#email", ANN)
    page.click("#signin-form button[type=submit]")
    page.wait_for_function("() => document.getElementById('signin-message').textContent.includes('Could not sign in')")
    assert page.locator("#desk").is_hidden()

    sign_in(page, review_page_url, ANN)
    # Tokens are in memory only: nothing in the page's storage.
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0
    # The refresh the page schedules before expiry gives a new access token, which the API takes.
    before = page.evaluate("() => session.access")
    page.evaluate("() => refreshTokens()")
    after = page.evaluate("() => session.access")
    assert after and after != before
    me = page.evaluate("() => api('/api/me')")
    assert me["email"] == ANN
    page.click("#sign-out")
    page.wait_for_selector("#signin:not([hidden])")
    assert page.locator("#desk").is_hidden() and page.locator("#grid figure").count() == 0
    page.close()


def test_a_new_reviewer_must_set_a_password(local_stack: StackClients, review_page_url: str, browser: Browser) -> None:
    added = scones(local_stack, "reviewers", "add", "new@example.com")
    temporary = added.stdout.strip().splitlines()[-1]
    page = browser.new_page()
    page.goto(review_page_url)
    page.wait_for_selector("#signin-form:not([hidden])")
    page.fill("#email", "new@example.com")
    page.fill("#password", temporary)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#new-password-form:not([hidden])", timeout=10_000)
    assert page.locator("#desk").is_hidden()
    page.fill("#new-password", PASSWORD + "-new")
    page.click("#new-password-form button[type=submit]")
    page.wait_for_selector("#desk:not([hidden])", timeout=10_000)
    page.wait_for_function("() => document.getElementById('signed-in-as').textContent.includes('new@example.com')")
    page.close()


def test_two_reviewers_one_at_a_time_with_undo_and_a_grid_selection(
    local_stack: StackClients, samples_dir: Path, review_page_url: str, browser: Browser
) -> None:
    bucket = local_stack.info.intake_bucket
    keys = [f"two/{n} bicycle.png" for n in range(4)]
    for key in keys:
        local_stack.s3.upload_file(str(samples_dir / "bicycle-2.png"), bucket, key)
    assert {o.key for o in wait(local_stack, set(keys)).by_place("review")} == set(keys)

    first, second = browser.new_page(), browser.new_page()
    for page, email in ((first, ANN), (second, BOB)):
        sign_in(page, review_page_url, email)
        wait_for_images(page, 4)
    # One at a time: each reviewer gets a different item, leased to them, at full resolution beside the
    # probabilities.
    shown = []
    for page in (first, second):
        page.keyboard.press("n")
        page.wait_for_selector("#one img.full", timeout=10_000)
        page.wait_for_function(
            "() => { const i = document.querySelector('#one img.full'); return i.complete && i.naturalWidth > 0; }",
            timeout=10_000,
        )
        assert page.locator("#one .probabilities span").count() == 2
        assert "low_confidence" in page.locator("#one .prediction").inner_text()
        shown.append(page.locator("#one").get_attribute("data-key"))
    assert shown[0] != shown[1] and set(shown) <= set(keys)
    reviews = ReviewsTable(local_stack.dynamodb, str(local_stack.info.reviews_table))
    leases = {item.key: item.lease_owner for item in reviews.pending() if item.key in keys and item.lease_owner}
    assert leases == {shown[0]: ANN, shown[1]: BOB}

    # The first decides, undoes within 10 s (pending again), and decides again.
    first.keyboard.press("m")
    assert human_record(local_stack, str(shown[0])).reviewer == ANN
    first.wait_for_function("k => document.querySelector('#one').dataset.key !== k", arg=shown[0], timeout=10_000)
    # The next item handed to the first is never the one the second holds.
    assert first.locator("#one").get_attribute("data-key") != shown[1]
    first.keyboard.press("u")
    table = ResultsTable(local_stack.dynamodb, local_stack.info.results_table)
    deadline = time.monotonic() + 10
    while table.get(str(shown[0])) is not None:
        assert time.monotonic() < deadline, "the undo did not take the decision back"
        time.sleep(0.1)
    assert {item.key for item in reviews.pending()} >= {str(shown[0])}

    # Back to the grid: select two with the keyboard and label both in one action.
    first.keyboard.press("Escape")
    second.keyboard.press("Escape")
    first.wait_for_selector("#grid:not([hidden])")
    wait_for_images(first, 4)
    first.keyboard.press(" ")
    first.keyboard.press("ArrowRight")
    first.keyboard.press(" ")
    assert first.locator("#grid figure.card.selected").count() == 2
    chosen = first.eval_on_selector_all("#grid figure.card.selected", "cards => cards.map(c => c.dataset.key)")
    first.keyboard.press("b")
    for key in chosen:
        record = human_record(local_stack, key)
        assert (record.label, record.reviewer) == ("bicycle", ANN)
    first.close()
    second.close()


def answer(url: str, stack: StackClients, body: dict[str, object] | None = None) -> tuple[int, bytes]:
    """Status and body of a signed-in GET (or, with `body`, a JSON POST) to the API."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token(stack)}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=10) as r:
            return int(r.status), r.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()


def test_two_writes_of_a_key_are_two_cards_each_with_its_own_image(
    local_stack: StackClients, samples_dir: Path, review_page_url: str
) -> None:
    bucket, key = local_stack.info.intake_bucket, "web/twice.png"
    for name in ("bicycle-1.png", "motorcycle-1.png"):
        local_stack.s3.put_object(Bucket=bucket, Key=key, Body=(samples_dir / name).read_bytes())
    deadline = time.monotonic() + 60
    while len(wait(local_stack, {key}).outcomes.get(key, [])) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    api = review_page_url + "api/"
    status, body = answer(api + "pending", local_stack)
    items = [i for i in json.loads(body)["items"] if i["key"] == key]
    assert status == 200 and len(items) == 2 and items[0]["upload_id"] != items[1]["upload_id"]

    images = []
    for item in items:
        status, png = answer(api + f"image?key={quote(key)}&version={quote(item['upload_id'])}", local_stack)
        assert status == 200 and png.startswith(b"\x89PNG")
        images.append(png)
    assert images[0] != images[1]  # each card shows its own write, not the key's current bytes
    assert answer(api + f"image?key={quote(key)}&version=nope", local_stack)[0] == 404

    status, body = answer(api + "resolve", local_stack, {"key": key, "label": "bicycle"})
    assert status == 409 and "--version-id" in json.loads(body)["message"]
    for item, label in zip(items, ("bicycle", "motorcycle"), strict=True):
        status, body = answer(
            api + "resolve", local_stack, {"key": key, "version_id": item["upload_id"], "label": label}
        )
        assert status == 200, body
    table = ResultsTable(local_stack.dynamodb, local_stack.info.results_table)
    assert sorted(r.label for r in table.for_key(key) if r.source == "human") == ["bicycle", "motorcycle"]
