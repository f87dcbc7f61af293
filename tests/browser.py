"""The real headless Chromium for tests and scripts: Debian's ``chromium`` driven by its
``chromedriver`` through selenium (``.ci/run`` installs both when missing).

``chromium_driver()`` starts it with ``--headless=new --no-sandbox --disable-gpu`` and the
browser log on (``goog:loggingPrefs``), so a test can read console errors with
``severe_entries(driver)``. ``missing_reason()`` says why a browser test must be skipped:
only when the binaries are absent, never for another failure.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_NAMES = ("chromium", "chromium-browser")


def chromium_binary() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromedriver_binary() -> str | None:
    return CHROMEDRIVER if Path(CHROMEDRIVER).exists() else shutil.which("chromedriver")


def missing_reason() -> str | None:
    """Why no browser can run here (``None`` when chromium, chromedriver and selenium are present)."""
    if chromium_binary() is None:
        return "chromium is not installed (apt-get install chromium; .ci/run does it)"
    if chromedriver_binary() is None:
        return "chromedriver is not installed (apt-get install chromium-driver; .ci/run does it)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


@contextmanager
def chromium_driver(width: int = 1400, height: int = 1800) -> Iterator[Any]:
    """A headless Chromium WebDriver with the browser log on; quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium_binary() or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver_binary()), options=options)
    try:
        driver.set_page_load_timeout(60)
        yield driver
    finally:
        driver.quit()


def browser_log(driver: Any) -> list[dict[str, Any]]:
    return list(driver.get_log("browser"))


def severe_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in entries if e.get("level") == "SEVERE"]


def set_viewport(driver: Any, width: int, height: int) -> None:
    """Size the window so the page's viewport is ``width`` x ``height`` CSS pixels (the
    window's own frame is measured and added)."""
    driver.set_window_size(width, height)
    inner_w, inner_h = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(width + (width - inner_w), height + (height - inner_h))
