"""Headless Chromium driven by Selenium with the system's chromedriver, for the browser tests
and bench/viz_scale.py."""
from __future__ import annotations

import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENSURE = ROOT / "tools" / "ensure-chromium.sh"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
         "--window-size=1280,900")


def find_chromium() -> tuple[str, str] | None:
    """(browser, chromedriver) paths, installing Debian's packages first when they are missing
    and this machine allows it; None when there is no way to get them."""
    def found():
        browser = next((p for p in map(shutil.which, BROWSERS) if p), None)
        driver = shutil.which("chromedriver")
        return (browser, driver) if browser and driver else None

    if found() is None and ENSURE.exists():
        subprocess.run(["sh", str(ENSURE)], check=False)
    return found()


@contextmanager
def chrome(profile: Path, paths: tuple[str, str] | None = None):
    """A headless Chromium with a fresh profile in `profile`, recording performance (network)
    and browser (console) logs; quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    paths = paths or find_chromium()
    if paths is None:
        raise RuntimeError("chromium and chromedriver are not installed")
    browser, driver_path = paths
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_until_settled(driver, timeout: float = 60) -> int:
    """Wait until the network page has laid out its graph and stopped the physics; returns the
    milliseconds the page reports the layout took."""
    driver.set_script_timeout(timeout)
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const wait = () => window.coopKg && window.coopKg.settled ? done(window.coopKg.settleMs)"
        " : setTimeout(wait, 20);"
        "wait();")
