"""A PNG of an interactive network page, as a browser draws it once the layout has settled.

    .venv/bin/python tools/screenshot.py out/graph.html docs/network.png [--size 1280x800]
        [--colour community] [--min-degree 2]

Used to make the pictures in the README from the pages `kg build --html` writes. Needs chromium
and chromedriver (tools/ensure-chromium.sh).
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
    parser.add_argument("--colour", choices=("class", "community"), default="class",
                        help="colour the entities by class or by community")
    parser.add_argument("--min-degree", type=int, default=1,
                        help="draw only the entities related to at least this many others")
    args = parser.parse_args(argv)
    width, height = (int(x) for x in args.size.split("x"))
    with tempfile.TemporaryDirectory() as profile, chrome(Path(profile)) as driver:
        driver.set_window_size(width, height)
        driver.get(args.page.resolve().as_uri())
        wait_until_settled(driver, 300)
        driver.execute_script(
            "const s = document.getElementById('kg-colour'); s.value = arguments[0];"
            "s.dispatchEvent(new Event('change'));"
            "const degree = document.getElementById('kg-degree'), wanted = arguments[1];"
            "const steps = [...new Set(window.coopKg.data.nodes.map((n) => n.degree).filter((d) => d > 0))]"
            "  .sort((a, b) => a - b);"
            "degree.value = String(Math.max(0, steps.findIndex((d) => d >= wanted)));"
            "degree.dispatchEvent(new Event('input'));"
            "window.coopKg.network.fit();", args.colour, args.min_degree)
        args.png.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(args.png))
    print(f"written: {args.png}")


if __name__ == "__main__":
    main()
