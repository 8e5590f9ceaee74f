"""A real browser (Playwright driving Debian's headless Chromium) uploads a
correct and a buggy notebook through the form and sees the scores, and every page
works under the Content-Security-Policy: its style sheet and plots load, and the
console reports no violation."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import nbformat
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SUBMISSIONS = Path(__file__).resolve().parents[2] / "submissions"
CHROMIUM = os.environ.get("GRADER_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def as_notebook(source: str, path: Path) -> Path:
    cells = [
        nbformat.v4.new_code_cell(chunk.strip())
        for chunk in source.split("\n\n\n")
        if chunk.strip()
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


@pytest.fixture
def backend():
    return "sqlite"  # the browser sees the same pages on either database


def sign_in(page, server, login: str) -> None:
    """The way a new student signs in: the single-use link `grader user create` prints."""
    link = server.cli("user", "create", login, "--course", "default").strip()
    page.goto(link)
    page.click("input[type=submit]")
    page.wait_for_url("**/account/password")


def upload(page, base: str, slug: str, path: Path) -> None:
    page.goto(base + "/")
    page.click(f"a[href='/assignments/{slug}']")
    page.set_input_files("input[name=file]", str(path))
    page.click("input[type=submit]")
    page.wait_for_url("**/submissions/*")
    page.wait_for_selector("#status:text-matches('graded|rejected|error')", timeout=120_000)


def test_upload_correct_and_buggy_notebooks(browser, live_server, tmp_path):
    shots = Path(os.environ.get("GRADER_TEST_SCREENSHOTS") or tmp_path)
    live_server.start()
    # a fresh instance says how to make the first account
    assert "grader user create LOGIN --admin" in live_server.log.read_text()
    page = browser.new_page()
    correct = SUBMISSIONS / "circles-softmax" / "correct.ipynb"
    sign_in(page, live_server, "student-7")
    upload(page, live_server.url, "circles-softmax", correct)
    assert page.inner_text("#status") == "graded"
    assert page.inner_text("#score") == "100 / 100"
    page.screenshot(path=str(shots / "correct.png"), full_page=True)

    buggy = as_notebook(
        (SUBMISSIONS / "circles-softmax" / "bug_error_output_sign.py").read_text(),
        tmp_path / "buggy.ipynb",
    )
    upload(page, live_server.url, "circles-softmax", buggy)
    score = page.inner_text("#score")
    assert score.endswith("/ 100") and float(score.split("/")[0]) < 100
    assert page.locator("#checks td.fail").count() >= 1
    assert page.locator("#attempts tbody tr").count() == 2
    page.screenshot(path=str(shots / "buggy.png"), full_page=True)


VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""


def test_pages_work_under_the_content_security_policy(browser, live_server, tmp_path):
    shots = Path(os.environ.get("GRADER_TEST_SCREENSHOTS") or tmp_path)
    live_server.start()
    page = browser.new_page()
    page.add_init_script(VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    sign_in(page, live_server, "student-csp")
    upload(
        page, live_server.url, "circles-softmax", SUBMISSIONS / "circles-softmax" / "correct.ipynb"
    )
    assert page.inner_text("#status") == "graded"
    result = page.url
    # the plots are drawn after the score: the page refreshes by itself until they are there
    page.wait_for_selector("#plots img", state="attached", timeout=120_000)
    images = page.locator("#plots img")
    assert images.count() >= 2
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
    loaded = "[...document.querySelectorAll('#plots img')].every(i => i.complete && i.naturalWidth)"
    deadline = time.monotonic() + 30
    while not page.evaluate(loaded) and time.monotonic() < deadline:
        time.sleep(0.2)  # not wait_for_function: the policy forbids the eval it polls with
    assert page.evaluate(loaded), "a plot did not load"
    page.screenshot(path=str(shots / "csp-result.png"), full_page=True)
    for path in ("/", "/assignments/circles-softmax", result, "/no/such/page"):
        response = page.goto(path if path.startswith("http") else live_server.url + path)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        # the style sheet applied: 60rem of the body's width at most, bold header link
        assert page.evaluate("getComputedStyle(document.body).maxWidth") == "960px"
        assert page.evaluate("window.__violations") == [], path
    problems = [m for m in console if "Content Security Policy" in m or m.startswith("pageerror")]
    assert problems == [], problems


def test_a_student_sees_their_result_on_a_phone_and_no_one_elses(browser, live_server):
    """Sign in by link, upload, read the summary line on a 390 px wide screen; another
    student asking for the same result gets 404."""
    live_server.start()
    phone = {"width": 390, "height": 844}
    page = browser.new_page(viewport=phone)
    sign_in(page, live_server, "student-phone")
    buggy = SUBMISSIONS / "chain-rule" / "bug_grad_missing_factor_2.py"  # long messages
    upload(page, live_server.url, "chain-rule", buggy)
    assert page.inner_text("#status") == "graded"
    failed = page.locator("#checks td.fail").count()
    assert failed >= 1
    assert re.fullmatch(rf"{failed} of \d+ checks failed: [\w, -]+", page.inner_text("#summary"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    result = page.url
    page.click("#my-submissions")
    assert page.locator(f"a[href='{result.removeprefix(live_server.url)}']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    other = browser.new_page(viewport=phone)
    sign_in(other, live_server, "student-other")
    assert other.goto(result).status == 404
    other.close()
    page.close()
