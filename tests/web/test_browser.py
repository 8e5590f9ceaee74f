"""A real browser (Playwright driving Debian's headless Chromium) uploads a
correct and a buggy notebook through the form and sees the scores, and every page
works under the Content-Security-Policy: its style sheet and plots load, and the
console reports no violation."""

from __future__ import annotations

import os
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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


def local_time(delta: timedelta, tz: str = "Europe/Berlin") -> str:
    """Now + ``delta`` as a datetime-local input takes it, in the course's zone."""
    return (datetime.now(ZoneInfo(tz)) + delta).strftime("%Y-%m-%dT%H:%M")


#: what the journey's pages told the console about the Content-Security-Policy
CSP_PROBLEMS: list[str] = []


def use_link(browser, link: str):
    page = browser.new_page()
    page.on(
        "console",
        lambda m: CSP_PROBLEMS.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: CSP_PROBLEMS.append(f"pageerror: {e}"))
    page.goto(link)
    page.click("input[type=submit]")
    page.wait_for_url("**/account/password")
    return page


@pytest.mark.databases
def test_an_instructor_runs_a_course_and_a_ta_regrades(browser, live_server, tmp_path):
    """The instructor creates a course, pastes a roster, hands out sign-in links and
    releases an assignment whose due date has passed (late window open, 10 % per day,
    two attempts); a student uploads late and sees the penalty, then runs out of
    attempts; the TA finds the attempt in the gradebook and regrades it."""
    live_server.start()
    CSP_PROBLEMS.clear()
    live_server.cli("course", "create", "intro", "Intro")
    link = live_server.cli("user", "create", "prof", "--course", "intro", "--role", "instructor")
    prof = use_link(browser, link.strip())

    prof.goto(live_server.url + "/courses")
    prof.fill("#slug", "nn-2026")
    prof.fill("#title", "Neural networks 2026")
    prof.fill("#timezone", "Europe/Berlin")
    prof.click("#new-course input[type=submit]")
    prof.wait_for_url("**/courses/nn-2026")
    prof.click("#people-link")
    prof.fill(
        "#text",
        "Name,Login,Email,SIS id,Role\nAda Lovelace,ada,ada@example.org,S-1,student\n"
        "Alan Turing,alan,,S-2,student\nTia Assistant,tia,,,ta\n",
    )
    prof.click("#roster-form input[type=submit]")
    assert "3 new user(s), 3 enrolled" in prof.inner_text("#roster-imported")
    prof.click("#links-form button")
    links = dict(
        zip(
            prof.locator("#links tbody td:first-child").all_inner_texts(),
            prof.locator("#links code.link").all_inner_texts(),
            strict=True,
        )
    )
    assert set(links) == {"ada", "alan"}  # students without a password; not the TA

    prof.goto(live_server.url + "/courses/nn-2026/releases")
    prof.select_option("#assignment", "chain-rule")
    prof.fill("#due_at", local_time(-timedelta(hours=3)))
    prof.fill("#late_until", local_time(timedelta(days=2)))
    prof.select_option("#penalty_kind", "per_day")
    prof.fill("#penalty_value", "10")
    prof.fill("#max_attempts", "2")
    prof.click("#release-form input[type=submit]")
    prof.wait_for_url("**/courses/nn-2026")
    assert "chain-rule is released" in prof.inner_text("#flash")

    ada = use_link(browser, links["ada"])
    ada.click("#my-courses")
    ada.click("text=Neural networks 2026")
    ada.click("#releases a:text('Chain rule')")
    assert "counts 90% of its score" in ada.inner_text("#window")
    for _ in range(2):
        ada.set_input_files("input[name=file]", str(SUBMISSIONS / "chain-rule" / "correct.py"))
        ada.click("input[type=submit]")
        ada.wait_for_url("**/submissions/*")
        ada.wait_for_selector("#status:text-matches('graded|rejected|error')", timeout=120_000)
        assert ada.inner_text("#score") == "100 / 100"
        assert "counted 90" in ada.inner_text("#counted")
        assert "late" in ada.inner_text("#late")
        result = ada.url
        ada.click("text=Submit again")
    assert "No attempts left" in ada.inner_text("#no-attempts")
    shots = Path(os.environ.get("GRADER_TEST_SCREENSHOTS") or tmp_path)
    ada.screenshot(path=str(shots / "assignment-no-attempts.png"), full_page=True)
    assert ada.locator("input[name=file]").count() == 0
    assert ada.goto(live_server.url + "/courses/nn-2026/gradebook").status == 403

    tia_link = live_server.cli("user", "link", "tia").strip()
    tia = use_link(browser, tia_link)
    tia.goto(live_server.url + "/courses/nn-2026/gradebook")
    row = tia.locator("#gradebook tbody tr", has_text="ada")
    assert "late" in row.inner_text() and "(2)" in row.inner_text()
    row.locator("a", has_text="90").click()
    assert tia.url == result  # the counted attempt: the last
    tia.click("#regrade-one button")
    assert "Queued for regrading" in tia.inner_text("#flash")
    tia.wait_for_selector("#status:text-matches('graded|rejected|error')", timeout=120_000)
    assert tia.inner_text("#score") == "100 / 100"
    prof.goto(live_server.url + "/courses/nn-2026/gradebook")
    prof.click("#gradebook a:text('chain-rule')")
    assert prof.locator("#grades tbody tr").count() == 2  # ada and alan, not the staff
    prof.screenshot(path=str(shots / "release-grades.png"), full_page=True)
    prof.goto(live_server.url + "/courses/nn-2026/gradebook")
    prof.screenshot(path=str(shots / "gradebook.png"), full_page=True)
    prof.goto(live_server.url + "/courses/nn-2026/releases?assignment=chain-rule")
    prof.screenshot(path=str(shots / "release-form.png"), full_page=True)
    assert CSP_PROBLEMS == []  # every page of the journey, under the policy
    for page in (prof, ada, tia):
        page.close()
