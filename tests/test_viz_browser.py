"""The page in a real browser: headless Chromium driven by Selenium with chromedriver."""
from __future__ import annotations

import functools
import http.server
import itertools
import json
import os
import threading
from pathlib import Path

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from browser import chrome, find_chromium, wait_until_settled
from netgraph import ENTITIES, PAYLOADS, RELATIONS, hostile_graph, iri, sample_graph
from kg.viz import write_html

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "out" / "screenshots"


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    paths = find_chromium()
    if paths is None and os.environ.get("CI"):
        pytest.fail("CI must run the browser tests: chromium and chromedriver are missing and "
                    "could not be installed (as root: apt-get install chromium chromium-driver)")
    if paths is None:
        pytest.skip("chromium and chromedriver are not installed and could not be installed "
                    "(as root: apt-get install chromium chromium-driver)")
    with chrome(tmp_path_factory.mktemp("chrome-profile"), paths) as browser:
        browser.set_script_timeout(60)
        yield browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A local HTTP server on 127.0.0.1 serving a folder of pages."""
    root = tmp_path_factory.mktemp("served")
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


_pages = itertools.count()


def open_page(driver, server, graph, how: str) -> str:
    """Write the page of `graph`, open it from disk or over HTTP, wait until the layout has
    settled; returns the address of the page. The logs start empty with each page."""
    name = f"page-{next(_pages)}.html"  # a new name each time: no cached page
    driver.get("about:blank")
    driver.get_log("performance")
    driver.get_log("browser")
    if how == "file":
        folder = Path(server[0]).parent / "from-disk"
        folder.mkdir(exist_ok=True)
        address = write_html(graph, folder / name).resolve().as_uri()
    else:
        write_html(graph, Path(server[0]) / name)
        address = f"{server[1]}/{name}"
    driver.get(address)
    wait_until_settled(driver)
    return address


def requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def assert_offline_and_clean(driver, server, how: str) -> None:
    urls = requested_urls(driver)
    assert urls, "the performance log recorded no request at all"
    local = ("file://", "data:", "blob:") + ((server[1] + "/",) if how == "http" else ())
    assert [u for u in urls if not u.startswith(local)] == []
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def counts(driver) -> dict:
    return driver.execute_script(
        "const k = window.coopKg; return {nodes: k.network.body.data.nodes.length,"
        " edges: k.network.body.data.edges.length, drawnNodes: k.network.body.nodeIndices.length,"
        " drawnEdges: k.network.body.edgeIndices.length, allNodes: k.nodes.length,"
        " allEdges: k.edges.length, physics: k.network.physics.options.enabled};")


def shown_node_ids(driver) -> set[str]:
    return set(driver.execute_script("return window.coopKg.network.body.nodeIndices"))


@pytest.mark.parametrize("how", ["file", "http"])
def test_page_draws_the_network_offline(driver, server, how):
    open_page(driver, server, sample_graph(), how)
    seen = counts(driver)
    assert seen == {"nodes": len(ENTITIES), "edges": len(RELATIONS), "drawnNodes": len(ENTITIES),
                    "drawnEdges": len(RELATIONS), "allNodes": len(ENTITIES),
                    "allEdges": len(RELATIONS), "physics": False}
    # the legend lists the classes present, each with its count
    legend = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#kg-classes label")]
    assert [line.split()[-1] for line in legend] == ["3", "1", "1", "1", "1", "1"]
    assert_offline_and_clean(driver, server, how)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(SHOTS / f"sample-{how}.png"))


@pytest.mark.parametrize("target, expected", [
    (("lab", None), ["Solar Laboratory", "class: Facility", "sources: 1", iri("lab")]),
    (("kenya", None), ["Kenya", "also: Republic of Kenya", "class: Country"]),
    (("fund", "ghana"), ["Water Fund \u2192 serves \u2192 Ghana", "source: Test bulletin",
                         "The Water Fund serves Ghana."]),
])
def test_tooltips_tell_names_class_sources_and_evidence(driver, server, target, expected):
    open_page(driver, server, sample_graph(), "file")
    driver.execute_script("window.coopKg.network.setOptions({edges: {smooth: false}})")
    tooltip = hover(driver, *[iri(key) if key else None for key in target])
    assert [part for part in expected if part not in tooltip] == []


def click_filter(driver, kind: str, name: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f"#{kind} input[value='{name}']").click()


@pytest.mark.parametrize("cls, hidden", [
    ("Country", {"kenya", "finland", "ghana"}),
    ("Place", {"nairobi"}),
    ("Organization", {"ministry"}),
])
def test_class_filter_hides_that_class_and_its_relations(driver, server, cls, hidden):
    open_page(driver, server, sample_graph(), "file")
    click_filter(driver, "kg-classes", cls)
    expected_nodes = {iri(k) for k, *_ in ENTITIES} - {iri(k) for k in hidden}
    assert shown_node_ids(driver) == expected_nodes
    expected_edges = [r for r in RELATIONS if r[0] not in hidden and r[2] not in hidden]
    assert counts(driver)["drawnEdges"] == len(expected_edges)
    click_filter(driver, "kg-classes", cls)  # and back
    assert counts(driver)["drawnNodes"] == len(ENTITIES)


def test_predicate_filter_hides_only_those_relations(driver, server):
    open_page(driver, server, sample_graph(), "file")
    click_filter(driver, "kg-predicates", "locatedIn")
    click_filter(driver, "kg-predicates", "heldIn")
    seen = counts(driver)
    assert (seen["drawnNodes"], seen["drawnEdges"]) == (len(ENTITIES), len(RELATIONS) - 2)


@pytest.mark.parametrize("query, key", [
    ("Finland", "finland"),        # label
    ("suomi", "finland"),          # another name, any case
    ("MoE", "ministry"),           # an acronym given as another name
    ("green trade", "forum"),      # the start of a name
    ("Laboratory", "lab"),         # a part of a name
])
def test_search_selects_and_focuses_the_entity(driver, server, query, key):
    open_page(driver, server, sample_graph(), "file")
    click_filter(driver, "kg-classes", "Country")   # a hidden entity is shown again when found
    box = driver.find_element(By.ID, "kg-search-input")
    box.send_keys(query)
    driver.find_element(By.CSS_SELECTOR, "#kg-search button").click()
    assert driver.execute_script("return window.coopKg.network.getSelectedNodes()") == [iri(key)]
    assert iri(key) in shown_node_ids(driver)


@pytest.mark.parametrize("depth, expected", [
    (1, {"lab", "ministry", "finland", "nairobi"}),
    (2, {"lab", "ministry", "finland", "nairobi", "kenya", "forum"}),
    (3, {"lab", "ministry", "finland", "nairobi", "kenya", "forum"}),
])
def test_neighbourhood_shows_only_the_entities_around_the_selection(driver, server, depth, expected):
    open_page(driver, server, sample_graph(), "file")
    driver.execute_script("window.coopKg.network.selectNodes([arguments[0]])", iri("lab"))
    driver.find_element(By.CSS_SELECTOR, f"#kg-depth option[value='{depth}']").click()
    driver.find_element(By.ID, "kg-hood").click()
    assert shown_node_ids(driver) == {iri(k) for k in expected}
    driver.find_element(By.ID, "kg-all").click()
    assert counts(driver)["drawnNodes"] == len(ENTITIES)


def hover(driver, node: str, other: str | None = None) -> str:
    """Move the mouse onto an entity, or onto the middle of the relation between two; the text
    of the tooltip that opens."""
    x, y = driver.execute_script(
        "const n = window.coopKg.network; const a = n.getPosition(arguments[0]);"
        "const b = arguments[1] ? n.getPosition(arguments[1]) : a;"
        "const p = n.canvasToDOM({x: (a.x + b.x) / 2, y: (a.y + b.y) / 2});"
        "const r = document.getElementById('kg-network').getBoundingClientRect();"
        "return [p.x - r.width / 2, p.y - r.height / 2];", node, other)
    area = driver.find_element(By.ID, "kg-network")
    ActionChains(driver).move_to_element_with_offset(area, int(x), int(y)).perform()
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1]; let tries = 0;"
        "const wait = () => { const t = document.querySelector('div.vis-tooltip');"
        " if ((t && t.style.visibility === 'visible') || tries++ > 100) done(); else setTimeout(wait, 20); };"
        "wait();")
    return driver.execute_script(
        "const t = document.querySelector('div.vis-tooltip'); return t ? t.textContent : '';")


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("how", ["file", "http"])
def test_markup_from_documents_never_runs(driver, server, payload, how):
    open_page(driver, server, hostile_graph(payload), how)
    assert counts(driver)["drawnNodes"] == 3
    tooltip = hover(driver, iri("evil"))
    assert f"Agency {payload}" in tooltip           # shown as text, whole
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text
    injected = driver.execute_script(
        "return {flag: window.__injected === undefined ? null : window.__injected,"
        " scripts: document.scripts.length, imgs: document.images.length,"
        " svgs: document.querySelectorAll('svg').length, bold: !!document.getElementById('injected')};")
    assert injected == {"flag": None, "scripts": 3, "imgs": 0, "svgs": 0, "bold": False}
    assert_offline_and_clean(driver, server, how)
