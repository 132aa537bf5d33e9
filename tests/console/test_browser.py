"""The supervisor console in a real headless Chromium: sign in, replay, move a case."""

from __future__ import annotations

import asyncio
import base64
import os
import queue
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import select

from console.auth import hash_password
from console.routes import PREFIX
from telephony.call_scripts import DEMO_SCRIPT
from telephony.runtime import Runtime
from telephony.server import running_server
from telephony.settings import Settings
from tests.telephony.conftest import call
from workorders import accounts, store
from workorders.models import Call, Role, WorkOrderStatus

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
PASSWORD = "correct horse battery"
_WAIT_SECONDS = 20.0
_PROJECT_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs the system chromium and chromedriver "
    "(apt-get install chromium chromium-driver, or scripts/setup.sh)",
)


class _ServerThread:
    """`running_server` on its own event loop, so the test's thread can drive
    a browser (blocking calls) while uvicorn answers it."""

    def __init__(self, settings: Settings, runtime: Runtime) -> None:
        self._settings = settings
        self._runtime = runtime
        self._started: queue.Queue[str | BaseException] = queue.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="console-server")

    def __enter__(self) -> str:
        self._thread.start()
        started = self._started.get(timeout=60)
        if isinstance(started, BaseException):
            self._thread.join()
            raise started
        return started

    def __exit__(self, *_exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:
            # A start-up failure must reach the test, not die with the thread.
            self._started.put(exc)

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with running_server(self._settings, self._runtime) as base_url:
            self._started.put(base_url)
            await self._stop.wait()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go, kept after the run so people can look at them."""
    configured = os.environ.get("CITYLINE_TEST_ARTIFACTS")
    directory = (
        Path(configured)
        if configured
        else _PROJECT_ROOT / "var" / "test-artifacts" / "console"
    )
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def driver() -> Iterator[WebDriver]:
    assert CHROMIUM is not None and CHROMEDRIVER is not None
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        # The test presses play from a script, not a click.
        "--autoplay-policy=no-user-gesture-required",
    ):
        options.add_argument(flag)
    # A Service with the driver's path keeps Selenium Manager from running: no
    # driver download, and the test works offline.
    browser = webdriver.Chrome(
        service=Service(executable_path=CHROMEDRIVER), options=options
    )
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def supervised_runtime(runtime: Runtime) -> Runtime:
    with runtime.sessions() as session:
        accounts.create_account(
            session,
            username="sam",
            password_hash=hash_password(PASSWORD),
            role=Role.SUPERVISOR,
        )
    return runtime


def _screenshot(driver: WebDriver, path: Path) -> None:
    """The whole page, not just the window, so long call pages are reviewable."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {
                "x": 0,
                "y": 0,
                "width": size["width"],
                "height": size["height"],
                "scale": 1,
            },
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))


def _filter_by_day(driver: WebDriver, day: str) -> None:
    # A date input's typing format follows the browser's locale; its value
    # is always ISO, so the value is set directly.
    field = driver.find_element(By.NAME, "day")
    driver.execute_script("arguments[0].value = arguments[1];", field, day)
    _click_through(driver, "form.filters button[type=submit]")


def _wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, _WAIT_SECONDS, poll_frequency=0.1)


def _is_new_page_loaded(driver: WebDriver) -> bool:
    # While the old document is torn down Chromium can answer any command with
    # an inspector error ("Node ... does not belong to the document"); that is
    # "not yet", not a failure.
    try:
        return bool(
            driver.execute_script(
                "return window.__citylineOldPage !== true"
                " && document.readyState === 'complete';"
            )
        )
    except WebDriverException:
        return False


def _click_through(driver: WebDriver, css_selector: str) -> None:
    """Click what navigates (a link, a form's submit) and wait for the new page."""
    driver.execute_script("window.__citylineOldPage = true;")
    driver.find_element(By.CSS_SELECTOR, css_selector).click()
    _wait(driver).until(_is_new_page_loaded)


@dataclass(frozen=True, slots=True, kw_only=True)
class _AudioState:
    ready_state: int  # HTMLMediaElement.readyState: 1 once metadata is loaded
    duration_seconds: float | None  # None while NaN or infinite
    error: str | None  # MediaError code and message


def _audio_state(driver: WebDriver, audio: WebElement) -> _AudioState:
    # NaN and Infinity do not survive JSON, so the page maps them to null.
    found = driver.execute_script(
        "const a = arguments[0];"
        "return [a.readyState,"
        " Number.isFinite(a.duration) ? a.duration : null,"
        " a.error ? a.error.code + ' ' + a.error.message : null];",
        audio,
    )
    ready_state, duration, error = found
    return _AudioState(
        ready_state=int(ready_state),
        duration_seconds=None if duration is None else float(duration),
        error=error,
    )


def test_supervisor_replays_a_call_and_resolves_its_case_in_a_browser(
    settings: Settings,
    supervised_runtime: Runtime,
    driver: WebDriver,
    artifacts: Path,
) -> None:
    runtime = supervised_runtime
    placed = call(settings, runtime, list(DEMO_SCRIPT))
    assert placed.order is not None, placed
    case = placed.order.case_number
    sid = placed.call.call_sid
    # The supervisor looks for yesterday's calls: this one is moved there.
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    with runtime.sessions() as session:
        stored = session.scalars(select(Call).where(Call.call_sid == sid)).one()
        assert stored.ended_at is not None
        stored.started_at -= timedelta(days=1)
        stored.ended_at -= timedelta(days=1)
        session.commit()

    with _ServerThread(settings, runtime) as base_url:
        wait = _wait(driver)

        driver.get(f"{base_url}{PREFIX}/login")
        driver.find_element(By.NAME, "username").send_keys("sam")
        driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        _screenshot(driver, artifacts / "01-sign-in.png")
        _click_through(driver, "form.login button[type=submit]")

        wait.until(ec.url_to_be(f"{base_url}{PREFIX}/calls"))
        # Today's calls: none. Yesterday's: the one.
        _filter_by_day(driver, (yesterday + timedelta(days=1)).isoformat())
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "0 calls"))
        _filter_by_day(driver, yesterday.isoformat())
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "1 call"))
        newest = "table.calls tbody tr:first-child td:first-child a"
        wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, newest)))
        assert case in driver.find_element(By.CSS_SELECTOR, "table.calls").text
        _screenshot(driver, artifacts / "02-calls.png")
        _click_through(driver, newest)

        wait.until(ec.url_to_be(f"{base_url}{PREFIX}/calls/{sid}"))
        wait.until(ec.presence_of_all_elements_located((By.CSS_SELECTOR, "li.turn")))
        shown = {
            speaker: [
                e.text
                for e in driver.find_elements(
                    By.CSS_SELECTOR, f"li.turn.{speaker} .said"
                )
            ]
            for speaker in ("caller", "agent")
        }
        assert shown["caller"] == placed.caller_lines
        assert shown["agent"] == placed.agent_lines
        assert shown["caller"] and shown["agent"]

        audio = driver.find_element(By.CSS_SELECTOR, "li.turn.caller audio.turn-audio")
        play_error = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "arguments[0].play().then(() => done(null), e => done(String(e)));",
            audio,
        )
        assert play_error is None
        wait.until(lambda d: _audio_state(d, audio).ready_state >= 1)
        state = _audio_state(driver, audio)
        assert state.error is None, state
        assert state.duration_seconds is not None, state
        assert state.duration_seconds > 0, state
        _screenshot(driver, artifacts / "03-call.png")

        # The agent filed the wrong address: the supervisor corrects it here.
        driver.find_element(By.CSS_SELECTOR, "details.correct summary").click()
        driver.find_element(By.ID, "correct-address").send_keys("412 Maple Avenue")
        # The form comes back to the same URL: wait for the new page itself.
        _click_through(driver, "form.correction-form button[type=submit]")
        wait.until(ec.url_to_be(f"{base_url}{PREFIX}/calls/{sid}"))
        driver.find_element(By.CSS_SELECTOR, "details.correct summary").click()
        row = wait.until(
            ec.visibility_of_element_located(
                (By.CSS_SELECTOR, "table.corrections tbody tr")
            )
        )
        cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")][1:]
        assert cells == ["address", "1420 Elm Street", "412 Maple Avenue", "sam"]

        _click_through(driver, f"a[href='{PREFIX}/work-orders/{case}']")
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), case))
        Select(driver.find_element(By.ID, "new-status")).select_by_value("resolved")
        driver.find_element(By.ID, "note").send_keys("Patched by crew 4")
        _click_through(driver, "form.status-form button[type=submit]")
        wait.until(ec.text_to_be_present_in_element((By.ID, "status"), "resolved"))
        last = driver.find_elements(By.CSS_SELECTOR, "table.history tbody tr")[-1]
        assert [c.text for c in last.find_elements(By.TAG_NAME, "td")][1:] == [
            "resolved",
            "sam",
            "Patched by crew 4",
        ]
        _screenshot(driver, artifacts / "04-work-order.png")

        _click_through(driver, f"nav a[href='{PREFIX}/health']")
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "health"))
        assert len(driver.find_elements(By.CSS_SELECTOR, "svg")) >= 3
        _screenshot(driver, artifacts / "05-health.png")

    with runtime.sessions() as session:
        order = store.get_work_order(session, case_number=case)
    assert order.status == WorkOrderStatus.RESOLVED
    assert order.address == "412 Maple Avenue"
    assert [c.corrected_by for c in order.corrections] == ["sam"]

    status_call = call(settings, runtime, ["dtmf:1", f"dtmf:{case}#", "No, thank you."])
    assert any("resolved" in line for line in status_call.agent_lines), status_call
