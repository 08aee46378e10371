"""A PNG of an interactive network page, as a browser draws it once the layout has settled.

    .venv/bin/python tools/screenshot.py out/graph.html docs/network.png [--size 1280x800]

Used to make the picture in the README from the page `make demo` writes. Needs chromium and
chromedriver (tools/ensure-chromium.sh).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import chrome, wait_until_settled  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--size", default="1280x800", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    width, height = (int(x) for x in args.size.split("x"))
    with tempfile.TemporaryDirectory() as profile, chrome(Path(profile)) as driver:
        driver.set_window_size(width, height)
        driver.get(args.page.resolve().as_uri())
        wait_until_settled(driver, 300)
        driver.execute_script("window.coopKg.network.fit();")
        args.png.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(args.png))
    print(f"written: {args.png}")


if __name__ == "__main__":
    main()
