"""The review page in a real headless Chromium, against a real local stack: reviewers sign in (Cognito, through the
page), and the page calls the review API with their token, at the stack's `review_url`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image
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


def human_record(stack: StackClients, key: str, timeout: float = 30) -> ResultRecord:
    """The key's results record once a person's decision is in (the page posts it in the background)."""
    table = ResultsTable(stack.dynamodb, stack.info.results_table)
    deadline = time.monotonic() + timeout
    while True:
        record = table.get(key)
        if record is not None and record.source == "human":
            return record
        assert time.monotonic() < deadline, f"no human record for {key!r} after {timeout} s"
        time.sleep(0.1)


def wait_for_images(page: Page, count: int) -> None:
    page.wait_for_function(
        "n => { const imgs = [...document.querySelectorAll('#grid figure.card img')];"
        " return imgs.length === n && imgs.every(img => img.complete && img.naturalWidth > 0); }",
        arg=count,
        timeout=15_000,
    )


def shoot(page: Page, name: str) -> None:
    """With SCONES_REVIEW_SCREENSHOTS=DIR, saves the page as DIR/NAME.png (the review desk's manual shows them)."""
    target = os.environ.get("SCONES_REVIEW_SCREENSHOTS")
    if target:
        page.screenshot(path=str(Path(target) / f"{name}.png"))


def upload_and_wait(stack: StackClients, files: dict[str, Path]) -> None:
    """Uploads each key's file and waits until every one waits for review."""
    for key, path in files.items():
        stack.s3.upload_file(str(path), stack.info.intake_bucket, key)
    assert {o.key for o in wait(stack, set(files)).by_place("review")} == set(files)


def pending_keys(stack: StackClients) -> set[str]:
    return {item.key for item in ReviewsTable(stack.dynamodb, str(stack.info.reviews_table)).pending()}


def focused_key(page: Page) -> str | None:
    return page.eval_on_selector("#grid figure.card.focused", "card => card.dataset.key")


def grid_keys(page: Page) -> list[str]:
    return page.eval_on_selector_all("#grid figure.card", "cards => cards.map(c => c.dataset.key)")


def grid_ready(page: Page) -> None:
    """Every card on the page shows its image."""
    page.wait_for_function(
        "() => { const imgs = [...document.querySelectorAll('#grid figure.card img')];"
        " return imgs.length > 0 && imgs.every(img => img.complete && img.naturalWidth > 0); }",
        timeout=20_000,
    )


def colour(page: Page, selector: str, prop: str) -> tuple[int, ...]:
    text = page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")
    return tuple(int(float(v)) for v in re.findall(r"[\d.]+", text)[:3])


def brightness(rgb: tuple[int, ...]) -> float:
    r, g, b = rgb
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


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
    # One form at a time: the new-password form waits for the pool to ask for it.
    assert page.locator("input[type=password]:visible").count() == 1
    assert page.locator("#new-password-form").is_hidden() and page.locator("#password").is_visible()
    # Keys typed into the form are not decisions. A wrong password and an unknown email get the same answer (the
    # pool prevents user-existence errors; the page does not undo that).
    answers = []
    for email in (ANN, "nobody@example.com"):
        page.fill("#password", "wrong-password-1A!")
        page.fill("#email", email)
        page.click("#signin-form button[type=submit]")
        page.wait_for_function("() => document.getElementById('signin-message').textContent")
        answers.append(page.inner_text("#signin-message"))
        page.evaluate("() => signInMessage('')")
    assert answers == ["Wrong email or password.", "Wrong email or password."]
    assert page.locator("#desk").is_hidden()
    error_colour = page.eval_on_selector("#signin-message", "m => getComputedStyle(m).color")

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
    # Signing out is news, not an error: told in another colour than a failed sign-in, as a status.
    message = page.locator("#signin-message")
    assert message.inner_text() == "Signed out."
    assert message.get_attribute("role") == "status" and "info" in (message.get_attribute("class") or "")
    assert message.evaluate("m => getComputedStyle(m).color") != error_colour
    assert page.locator("input[type=password]:visible").count() == 1
    page.close()


def test_a_new_reviewer_must_set_a_password_and_the_page_names_each_unmet_rule(
    local_stack: StackClients, review_page_url: str, browser: Browser
) -> None:
    added = scones(local_stack, "reviewers", "add", "new@example.com")
    temporary = added.stdout.strip().splitlines()[-1]
    page = browser.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.headers.get("x-amz-target", "")))
    page.goto(review_page_url)
    page.wait_for_selector("#signin-form:not([hidden])")
    page.fill("#email", "new@example.com")
    page.fill("#password", temporary)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#new-password-form:not([hidden])", timeout=10_000)
    assert page.locator("#desk").is_hidden() and page.locator("#signin-form").is_hidden()
    assert page.locator("input[type=password]:visible").count() == 1
    # The pool's own rules (infra/template.yaml, through /config.json), each named before the pool is asked.
    rules = page.locator("#password-rules li")
    assert rules.all_inner_texts() == [
        "at least 14 characters",
        "a lower-case letter",
        "an upper-case letter",
        "a digit",
        "a symbol, such as ! - # or _",
        "no space at the start or the end",
    ]
    page.fill("#new-password", "shortpass")
    page.click("#new-password-form button[type=submit]")
    page.wait_for_function("() => document.getElementById('signin-message').textContent")
    message = page.inner_text("#signin-message")
    assert message.startswith("The new password still needs ")
    for unmet in ("at least 14 characters", "an upper-case letter", "a digit", "a symbol"):
        assert unmet in message
    assert "lower-case" not in message and "space" not in message
    assert page.locator("#password-rules li.unmet").count() == 4
    assert page.locator("#new-password").get_attribute("aria-invalid") == "true"
    assert not any("RespondToAuthChallenge" in target for target in asked)  # checked here, not by the pool
    page.fill("#new-password", "Shortpass")
    page.wait_for_function("() => !document.getElementById('signin-message').textContent.includes('upper-case')")
    assert "at least 14 characters" in page.inner_text("#signin-message")
    shoot(page, "review-new-password")
    # Met rules are marked as the reviewer types.
    page.fill("#new-password", PASSWORD + "-new")
    page.wait_for_function("() => document.querySelectorAll('#password-rules li.met').length === 6")
    assert page.inner_text("#signin-message") == ""
    page.click("#new-password-form button[type=submit]")
    page.wait_for_selector("#desk:not([hidden])", timeout=10_000)
    page.wait_for_function("() => document.getElementById('signed-in-as').textContent.includes('new@example.com')")
    assert any("RespondToAuthChallenge" in target for target in asked)
    page.close()


def told(page: Page, label: str) -> str:
    """The status line once a decision of two images in the grid has its answers: resolved, or not saved."""
    page.wait_for_function(
        "label => { const text = document.getElementById('status').textContent;"
        " return text.startsWith(`Resolved 2 images as ${label}.`) || text.includes('not saved'); }",
        arg=label,
        timeout=30_000,
    )
    return page.inner_text("#status")


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
        assert "the model is unsure" in page.locator("#one .prediction").inner_text()
        assert "low_confidence" not in page.locator("#one").inner_text()
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
    first.wait_for_function("() => document.getElementById('status').textContent.startsWith('Undone: ')")

    # Back to the grid, which shows once its listing is fresh (who holds what changed while both looked at one image
    # at a time): select two with the keyboard and label both in one action.
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
    # Both decisions go out at once; the status line tells the outcome of the whole action.
    status = told(first, "bicycle")
    assert status == "Resolved 2 images as bicycle. (u: undo the last one)"
    for key in chosen:
        record = human_record(local_stack, key)
        assert (record.label, record.reviewer) == ("bicycle", ANN)

    # A selection of which the second reviewer takes an image meanwhile: that decision is not saved; the status line
    # names it, why and until when, and its card stays, marked; the other image is decided.
    rest = sorted(set(keys) - set(chosen))
    first.wait_for_function(
        "keys => { const cards = [...document.querySelectorAll('#grid figure.card:not(.held)')];"
        " return JSON.stringify(cards.map(c => c.dataset.key).sort()) === JSON.stringify(keys); }",
        arg=rest,
        timeout=20_000,
    )
    first.keyboard.press("ArrowLeft")
    first.keyboard.press(" ")
    first.keyboard.press("ArrowRight")
    first.keyboard.press(" ")
    assert sorted(first.eval_on_selector_all("#grid figure.card.selected", "cs => cs.map(c => c.dataset.key)")) == rest
    second.keyboard.press("n")
    second.wait_for_function("() => state.lease !== null", timeout=10_000)
    taken = str(second.evaluate("() => state.lease.item.key"))
    assert taken in rest
    first.keyboard.press("m")
    status = told(first, "motorcycle")
    assert re.fullmatch(
        rf"1 of 2 not saved: '{re.escape(taken)}' is held by bob@example\.com until \d\d:\d\d.*", status
    )
    assert "error" in (first.get_attribute("#status", "class") or "")
    unsaved = first.locator("#grid figure.card.unsaved")
    assert unsaved.count() == 1 and unsaved.get_attribute("data-key") == taken
    assert unsaved.locator(".problem").inner_text().startswith(f"Not saved: '{taken}' is held by bob@example.com")
    (other,) = set(rest) - {taken}
    record = human_record(local_stack, other)
    assert (record.label, record.reviewer) == ("motorcycle", ANN)
    assert taken in pending_keys(local_stack)
    second.keyboard.press("Escape")
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


def test_an_undo_brings_the_image_back_highlighted_so_the_next_key_decides_it(
    local_stack: StackClients, samples_dir: Path, review_page_url: str, browser: Browser
) -> None:
    upload_and_wait(local_stack, {f"undo/{n}.png": samples_dir / "bicycle-3.png" for n in range(3)})
    page = browser.new_page()
    sign_in(page, review_page_url, ANN)
    grid_ready(page)
    first, second = grid_keys(page)[:2]
    assert focused_key(page) == first
    count = len(grid_keys(page))
    # b, u, m as fast as they are typed: the undo comes before the server has answered the b.
    page.keyboard.press("b")
    page.wait_for_function("n => document.querySelectorAll('#grid figure.card').length === n - 1", arg=count)
    assert focused_key(page) == second
    page.keyboard.press("u")
    page.wait_for_function("k => document.querySelector('#grid figure.card.focused').dataset.key === k", arg=first)
    page.keyboard.press("m")
    table = ResultsTable(local_stack.dynamodb, local_stack.info.results_table)
    deadline = time.monotonic() + 20
    while (record := table.get(first)) is None or (record.source, record.label) != ("human", "motorcycle"):
        assert time.monotonic() < deadline, f"{first!r} was not decided motorcycle: {record}"
        time.sleep(0.2)
    page.wait_for_function("() => state.inFlight.size === 0 && state.undoing.size === 0")
    # Only the undone image was decided: its neighbour still waits, with no person's answer.
    assert second in pending_keys(local_stack) and first not in pending_keys(local_stack)
    kept = table.get(second)
    assert kept is None or kept.source != "human"
    assert focused_key(page) == second
    page.wait_for_function("() => document.getElementById('progress').textContent.includes('this session: 1 ')")
    assert re.search(r"Your rate: \d+\.\d per minute", page.inner_text("#progress"))
    page.close()


def test_shortcuts_zoom_favicon_and_dark_mode(
    local_stack: StackClients, samples_dir: Path, review_page_url: str, browser: Browser, tmp_path: Path
) -> None:
    # A photo larger than a grid thumbnail (512 px): the zoom shows it at its own 1600 px.
    large = tmp_path / "large.png"
    Image.open(samples_dir / "motorcycle-2.png").resize((1600, 1200)).save(large)
    upload_and_wait(local_stack, {"zoom/large motorcycle.png": large})
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, review_page_url, ANN)
    grid_ready(page)

    page.keyboard.press("?")
    page.wait_for_selector("#shortcuts[open]")
    listed = page.inner_text("#shortcuts")
    for entry in ("Undo the last decision", "Zoom into the highlighted image", "Next page", "bicycle"):
        assert entry in listed
    shoot(page, "review-shortcuts")
    page.keyboard.press("m")  # no decision while the list is open
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.getElementById('shortcuts').open")
    assert page.evaluate("() => state.inFlight.size + state.history.length") == 0

    card = page.locator("#grid figure.card", has=page.get_by_text("zoom/large motorcycle.png", exact=True))
    assert card.locator("img").evaluate("i => i.naturalWidth") == 512
    card.locator("img").click()
    page.wait_for_selector("#zoom[open]")
    page.wait_for_function("() => { const i = document.getElementById('zoom-image'); return i.naturalWidth > 0; }")
    assert page.eval_on_selector("#zoom-image", "i => [i.naturalWidth, i.naturalHeight]") == [1600, 1200]
    assert page.inner_text("#zoom-title") == "zoom/large motorcycle.png"

    def placed() -> list[float]:
        transform = page.eval_on_selector("#zoom-image", "i => i.style.transform")
        return [float(v) for v in re.findall(r"-?[\d.]+", transform)]

    fitted = placed()[2]
    page.keyboard.press("+")
    zoomed = placed()
    assert zoomed[2] > fitted * 1.4
    page.keyboard.press("ArrowLeft")
    assert placed()[:2] == pytest.approx([zoomed[0] + 60, zoomed[1]])
    box = page.locator("#zoom-viewport").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(box["x"] + 150, box["y"] + 230)
    page.mouse.up()
    dragged = placed()
    assert dragged[:2] == pytest.approx([zoomed[0] + 60 - 50, zoomed[1] + 30])
    shoot(page, "review-zoom")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.getElementById('zoom').open")
    # z zooms into the highlighted image.
    page.keyboard.press("z")
    page.wait_for_selector("#zoom[open]")
    assert page.inner_text("#zoom-title") == focused_key(page)
    page.keyboard.press("z")
    page.wait_for_function("() => !document.getElementById('zoom').open")

    # A favicon the page's policy allows (a blob: URL the page makes).
    icon = page.eval_on_selector("link[rel=icon]", "l => l.href")
    assert icon.startswith("blob:")
    size = "u => { const i = new Image(); i.src = u; return i.decode().then(() => [i.naturalWidth, i.naturalHeight]); }"
    assert page.evaluate(size, icon) == [32, 32]

    # Dark mode follows the system's setting.
    light = colour(page, "html", "backgroundColor"), colour(page, "#grid figure.card", "backgroundColor")
    page.emulate_media(color_scheme="dark")
    dark = colour(page, "html", "backgroundColor"), colour(page, "#grid figure.card", "backgroundColor")
    assert all(brightness(c) > 0.9 for c in light) and all(brightness(c) < 0.2 for c in dark)
    assert brightness(colour(page, "html", "color")) > 0.8 and brightness(colour(page, "#progress", "color")) > 0.8
    shoot(page, "review-dark")
    page.emulate_media(color_scheme="light")
    assert brightness(colour(page, "html", "color")) < 0.2
    assert refused == []
    page.close()


def test_pages_past_the_first_a_filter_by_reason_and_reasons_in_words(
    local_stack: StackClients, samples_dir: Path, review_page_url: str, browser: Browser
) -> None:
    many = {f"many/{n:02d}.png": samples_dir / "bicycle-1.png" for n in range(26)}
    static = {f"many/static-{n}.png": samples_dir / "static.png" for n in range(2)}
    upload_and_wait(local_stack, many | static)
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    sign_in(page, review_page_url, ANN)
    grid_ready(page)
    waiting = len(pending_keys(local_stack))
    assert waiting > 24
    first_page = grid_keys(page)
    assert len(first_page) == 24 and page.inner_text("#page-number") == "Page 1"
    # The API recounts what waits at most every 15 s per function instance (a count reads the whole index), and the
    # page refreshes its listing on its own: the count catches up with the uploads above within that.
    page.wait_for_function(
        "n => document.getElementById('progress').innerText.includes(`Waiting: ${n} `)"
        " && document.getElementById('count').innerText === `(${n})`",
        arg=waiting,
        timeout=45_000,
    )
    shoot(page, "review-grid")

    seen = list(first_page)
    while page.locator("#next-page").is_enabled():
        before = grid_keys(page)
        page.keyboard.press("PageDown")
        page.wait_for_function("k => document.querySelector('#grid figure.card').dataset.key !== k", arg=before[0])
        grid_ready(page)
        seen += grid_keys(page)
    assert len(seen) == len(set(seen)) == waiting  # every item once, none twice
    assert set(many | static) <= set(seen)
    page.keyboard.press("PageUp")
    page.wait_for_function("n => document.getElementById('page-number').textContent === `Page ${n}`", arg=1)
    if page.inner_text("#page-number") == "Page 1":
        assert grid_keys(page) == first_page

    # One reason only: the two unrecognised images, told in words, with no two-wheeler label in their headline.
    page.select_option("#reason-filter", "unrecognised")
    page.keyboard.press("Escape")  # back from the filter to the images
    page.wait_for_function(
        "() => { const cards = [...document.querySelectorAll('#grid figure.card')];"
        " return cards.length > 0 && cards.every(c => c.dataset.reason === 'unrecognised'); }"
    )
    assert set(static) <= set(grid_keys(page)) and page.inner_text("#page-number") == "Page 1"
    for headline in page.locator("#grid .headline").all_inner_texts():
        assert headline.startswith("Not recognised as a two-wheeler")
        assert "bicycle" not in headline and "motorcycle" not in headline
    assert "unrecognised" not in page.inner_text("#grid")
    grid_ready(page)
    shoot(page, "review-filter")
    page.select_option("#reason-filter", "low_confidence")
    page.wait_for_function(
        "() => { const cards = [...document.querySelectorAll('#grid figure.card')];"
        " return cards.length > 0 && cards.every(c => c.dataset.reason === 'low_confidence'); }"
    )
    assert all("the model is unsure" in h for h in page.locator("#grid .headline").all_inner_texts())
    page.close()


def test_an_image_another_reviewer_holds_is_shown_held_and_skipped(
    local_stack: StackClients, samples_dir: Path, review_page_url: str, browser: Browser
) -> None:
    upload_and_wait(local_stack, {f"held/{n}.png": samples_dir / "motorcycle-3.png" for n in range(2)})
    bob = browser.new_page()
    sign_in(bob, review_page_url, BOB)
    bob.keyboard.press("n")
    bob.wait_for_selector("#one[data-key]", timeout=10_000)
    held = str(bob.locator("#one").get_attribute("data-key"))

    ann = browser.new_page(viewport={"width": 1100, "height": 800})
    sign_in(ann, review_page_url, ANN)
    grid_ready(ann)
    card = ann.locator("#grid figure.card.held")
    assert card.count() == 1 and card.get_attribute("data-key") == held
    assert re.fullmatch(r"Held by bob@example\.com until \d\d:\d\d.*", card.locator(".holder").inner_text())
    assert all(button.is_disabled() for button in card.locator("button").all())
    shoot(ann, "review-held")
    # The highlight never lands on it, from the first card to the last.
    visited = [focused_key(ann)]
    for _ in grid_keys(ann):
        ann.keyboard.press("ArrowRight")
        visited.append(focused_key(ann))
    assert held not in visited and len(set(visited)) == len(grid_keys(ann)) - 1
    ann.keyboard.press("b")  # decides the highlighted image, never the held one
    ann.wait_for_function("() => state.inFlight.size === 0")
    assert held in pending_keys(local_stack)
    bob.keyboard.press("Escape")
    ann.close()
    bob.close()
