"""The page in a real browser: headless Chromium driven by Selenium with chromedriver."""
from __future__ import annotations

import functools
import importlib.util
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
from selenium.webdriver.support.ui import Select

from browser import chrome, find_chromium, wait_until_settled
from netgraph import (ENTITIES, LONELY, PAYLOADS, RELATIONS, crowd_graph, entity_graph, hostile_graph, iri,
                      lonely_graph, sample_graph)
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


# ---------------------------------------------------------------- reading a large network

CONNECTED = {iri(key) for key, *_ in ENTITIES}
ISOLATED = {iri(key) for key, *_ in LONELY}


def status(driver) -> str:
    return driver.find_element(By.ID, "kg-status").text


def test_isolated_entities_are_hidden_until_asked_for(driver, server):
    open_page(driver, server, lonely_graph(), "file")
    assert shown_node_ids(driver) == CONNECTED
    assert "(2 isolated hidden)" in status(driver)
    switch = driver.find_element(By.ID, "kg-isolated")
    assert not switch.is_selected()
    switch.click()
    assert shown_node_ids(driver) == CONNECTED | ISOLATED
    # in a row under the network, not scattered around it
    ys = driver.execute_script(
        "const p = window.coopKg.network.getPositions(); const out = {};"
        "for (const id in p) out[id] = p[id].y; return out;")
    assert min(ys[i] for i in ISOLATED) > max(ys[i] for i in CONNECTED)
    assert len({ys[i] for i in ISOLATED}) == 1
    switch.click()
    assert shown_node_ids(driver) == CONNECTED


def test_a_network_of_isolated_entities_opens_and_shows_them(driver, server):
    open_page(driver, server, entity_graph(LONELY, []), "file")
    assert shown_node_ids(driver) == set()
    driver.find_element(By.ID, "kg-isolated").click()
    assert shown_node_ids(driver) == ISOLATED
    driver.find_element(By.ID, "kg-layout").click()               # nothing to lay out: no wait
    assert "nothing to lay out" in status(driver)
    assert driver.execute_script("return window.coopKg.settled") is True


def set_degree(driver, step: int) -> None:
    driver.execute_script(
        "const s = document.getElementById('kg-degree'); s.value = String(arguments[0]);"
        "s.dispatchEvent(new Event('input'));", step)


def test_degree_filter_keeps_the_entities_related_to_enough_others(driver, server):
    open_page(driver, server, lonely_graph(), "file")
    degree = driver.execute_script(
        "const out = {}; for (const n of window.coopKg.data.nodes) out[n.id] = n.degree; return out;")
    steps = sorted({d for d in degree.values() if d})
    assert steps == [1, 2, 3]
    for step, least in enumerate(steps):
        set_degree(driver, step)
        assert driver.find_element(By.ID, "kg-degree-value").text == str(least)
        shown = {n for n, d in degree.items() if d >= least}
        assert shown_node_ids(driver) == shown
        # the relations drawn are those between the entities drawn
        assert counts(driver)["drawnEdges"] == sum(iri(s) in shown and iri(o) in shown
                                                   for s, _, o, _ in RELATIONS)
    set_degree(driver, 0)
    assert shown_node_ids(driver) == CONNECTED


def test_component_filter_shows_one_component(driver, server):
    open_page(driver, server, lonely_graph(), "file")
    choice = Select(driver.find_element(By.ID, "kg-component"))
    assert [o.text for o in choice.options] == ["every component", "#1: 6 entities, Kenya",
                                                "#2: 2 entities, Ghana"]
    choice.select_by_value("1")
    assert shown_node_ids(driver) == {iri("fund"), iri("ghana")}
    assert counts(driver)["drawnEdges"] == 1
    choice.select_by_value("0")
    assert shown_node_ids(driver) == CONNECTED - {iri("fund"), iri("ghana")}
    driver.find_element(By.ID, "kg-isolated").click()   # isolated entities are no component's
    assert shown_node_ids(driver) == CONNECTED - {iri("fund"), iri("ghana")}
    choice.select_by_value("-1")
    assert shown_node_ids(driver) == CONNECTED | ISOLATED


def drawn_colours(driver) -> dict:
    return driver.execute_script(
        "const b = window.coopKg.network.body, out = {};"
        "for (const id in b.nodes) out[id] = b.nodes[id].options.color.background; return out;")


def test_colour_by_community_and_back(driver, server):
    open_page(driver, server, lonely_graph(), "file")
    data = driver.execute_script("return window.coopKg.data")
    by_class = {n["id"]: n["color"] for n in data["nodes"]}
    assert drawn_colours(driver) == by_class
    legend = driver.find_element(By.ID, "kg-communities")
    assert not legend.is_displayed()
    Select(driver.find_element(By.ID, "kg-colour")).select_by_value("community")
    expected = {n["id"]: data["communities"][n["community"]]["color"] if n["community"] >= 0
                else data["community_color_other"] for n in data["nodes"]}
    assert drawn_colours(driver) == expected
    assert len(set(expected[i] for i in CONNECTED)) == len(data["communities"]) >= 2
    assert legend.is_displayed()
    assert [line.text.split("\n")[0] for line in legend.find_elements(By.CSS_SELECTOR, ".community")] == \
        [c["label"] for c in data["communities"]]
    Select(driver.find_element(By.ID, "kg-colour")).select_by_value("class")
    assert drawn_colours(driver) == by_class and not legend.is_displayed()


def test_finding_an_isolated_entity_shows_it(driver, server):
    open_page(driver, server, lonely_graph(), "file")
    box = driver.find_element(By.ID, "kg-search-input")
    box.send_keys("TRB")
    driver.find_element(By.CSS_SELECTOR, "#kg-search button").click()
    assert driver.execute_script("return window.coopKg.network.getSelectedNodes()") == [iri("tundra")]
    assert iri("tundra") in shown_node_ids(driver)
    driver.find_element(By.ID, "kg-all").click()          # back to the overview, filters as set
    assert shown_node_ids(driver) == CONNECTED


def overlapping(labels: list[dict]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            if a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and \
                    a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]:
                found.append((a["text"], b["text"]))
    return found


def labels_and_view(driver) -> tuple[list[dict], list[str]]:
    """The labels of the last frame, and the entities whose centre is in view."""
    driver.execute_script("window.coopKg.network.redraw()")
    return driver.execute_script(
        "const k = window.coopKg, n = k.network, c = n.canvas.frame.canvas;"
        "const p = n.getPositions(n.body.nodeIndices), inside = [];"
        "for (const id in p) { const d = n.canvasToDOM(p[id]);"
        "  if (d.x > 0 && d.y > 0 && d.x < c.clientWidth && d.y < c.clientHeight) inside.push(id); }"
        "return [k.labels.map((l) => ({x: l.x, y: l.y, w: l.w, h: l.h, text: l.text, id: l.id, edge: !!l.edge})),"
        " inside];")


def test_labels_never_overlap_and_all_show_zoomed_in(driver, server):
    open_page(driver, server, crowd_graph(250), "file")
    labels, inside = labels_and_view(driver)
    entity_labels = [label for label in labels if not label["edge"]]
    assert overlapping(labels) == []
    assert 10 < len(entity_labels) < len(inside)               # at fit zoom: some, not all
    size = driver.execute_script("return Object.fromEntries(window.coopKg.data.nodes.map((n) => [n.id, n.size]))")
    hub = max(size, key=size.get)
    assert hub in {label["id"] for label in entity_labels}      # the largest entity is named
    font = driver.execute_script("return window.coopKg.labels[0].px")
    assert font >= 11                                           # readable at fit zoom
    driver.execute_script("window.coopKg.network.moveTo({position: window.coopKg.network.getPosition(arguments[0]),"
                          " scale: 3})", hub)
    labels, inside = labels_and_view(driver)
    assert overlapping(labels) == []
    assert inside and set(inside) <= {label["id"] for label in labels if not label["edge"]}
    assert any(label["edge"] for label in labels)               # relation names too, where they fit


def test_the_scale_bench_times_every_interaction(driver, tmp_path):
    spec = importlib.util.spec_from_file_location("viz_scale", ROOT / "bench" / "viz_scale.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.measure(driver, 120, tmp_path, repeats=1, idle=0.05)
    assert result["size"] == result["drawn"] == 120
    for name, _, _ in bench.INTERACTIONS:
        assert 0 < result[name + "_ms"] < 10_000, name
