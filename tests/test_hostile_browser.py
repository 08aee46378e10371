"""A document carrying markup, built by the real pipeline, then shown in a real browser: the
network page and the server's query page show the text and run none of it."""
from __future__ import annotations

import json
import os
from urllib.parse import urlencode

import pytest
from conftest import stop_process
from rdflib.namespace import RDFS
from selenium.common.exceptions import NoAlertPresentException
from test_server import request, start_server
from test_viz_browser import assert_offline_and_clean, driver, hover, open_page, server  # noqa: F401

import kg
from kg.namespace import COOP

SCRIPT = "<script>window.__injected = 1; alert(1)</script>"
IMG = "<img src=x onerror=\"window.__injected = 2; alert(2)\">"
HANDLER = "<b id=injected onmouseover=\"window.__injected = 3\">Kenya Solar Institute</b>"
HOSTILE = f"""Chile and {SCRIPT} Partners sign an accord {IMG}

The Ministry of Energy of Chile funds the Water Programme {SCRIPT} {IMG} in Peru.
The Ministry of Energy of Chile funds the Onerror & Script Programme.
The Andean Water Council, with the support of the {HANDLER}, built a Solar Laboratory in Bolivia.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The hostile document built by `kg build` (graph and page) and into a store."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "hostile.txt").write_text(HOSTILE)
    graph = kg.build(folder / "hostile.txt")
    texts = {str(o) for o in graph.objects(None, COOP.sentence)} | {str(o) for o in graph.objects(None, RDFS.label)}
    for payload in (SCRIPT, IMG, HANDLER):  # the markup reached the graph as text
        assert any(payload in text for text in texts), payload
    assert "Onerror & Script Programme" in texts
    store = folder / "db"
    with kg.Store.open(store) as data:
        for extraction in kg.pipeline.extractions([folder / "hostile.txt"]):
            data.ingest(extraction)
    return graph, store


def assert_nothing_ran(driver):
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text
    found = driver.execute_script(
        "return {flag: window.__injected === undefined ? null : window.__injected,"
        " imgs: document.images.length, svgs: document.querySelectorAll('svg').length,"
        " bold: !!document.getElementById('injected'),"
        " inline: [...document.scripts].filter(s => s.textContent.includes('__injected = ') &&"
        "   !s.textContent.includes('\\\\u003c') && s.type !== 'application/json').length};")
    assert found == {"flag": None, "imgs": 0, "svgs": 0, "bold": False, "inline": 0}


@pytest.mark.parametrize("how", ["file", "http"])
def test_built_page_shows_markup_as_text(driver, server, built, how):  # noqa: F811
    graph, _ = built
    open_page(driver, server, graph, how)
    assert_nothing_ran(driver)
    # every tooltip put into the page, as the network does on hover: the evidence sentences
    tips = driver.execute_script(
        "const box = document.createElement('div'); document.body.appendChild(box);"
        "for (const e of window.coopKg.edges.get()) box.appendChild(e.title);"
        "for (const n of window.coopKg.nodes.get()) box.appendChild(n.title);"
        "return box.textContent;")
    assert SCRIPT in tips and IMG in tips and HANDLER in tips  # shown whole, as text
    first = driver.execute_script("return window.coopKg.nodes.get()[0].id")
    hover(driver, first)  # and a real hover
    assert_nothing_ran(driver)
    assert_offline_and_clean(driver, server, how)


def test_server_pages_show_markup_as_text(driver, built):  # noqa: F811
    _, store = built
    process, base = start_server("--store", str(store), "--workers", "1")
    try:
        query = "SELECT ?text WHERE { { ?x rdfs:label ?text } UNION { ?x coop:sentence ?text } }"
        driver.get(f"{base}?{urlencode({'query': query, 'params': f'unused={IMG}'})}")
        shown = driver.find_element("tag name", "table").text
        assert SCRIPT in shown and IMG in shown and HANDLER in shown
        assert IMG in driver.find_element("name", "params").get_attribute("value")
        assert_nothing_ran(driver)
        driver.get(f"{base}network")
        driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "const wait = () => window.coopKg && window.coopKg.settled ? done() : setTimeout(wait, 20); wait();")
        assert_nothing_ran(driver)
    finally:
        stop_process(process)


def pages_with_markup(base: str) -> list[str]:
    """The /id/ pages of the entities whose name or evidence sentence carries markup."""
    query = ("SELECT DISTINCT ?x WHERE { { ?x rdfs:label ?text } UNION { ?a rdf:subject ?x ; coop:sentence ?text } "
             "FILTER(CONTAINS(?text, '<') && STRSTARTS(STR(?x), STR(id:))) }")
    answer = json.loads(request(f"{base}sparql?{urlencode({'query': query})}",
                                headers={"Accept": "application/sparql-results+json"})[2])
    prefix = "https://w3id.org/coop-kg/id/"
    return [f"{base}id/{row['x']['value'][len(prefix):]}" for row in answer["results"]["bindings"]]


def test_entity_pages_show_markup_as_text(driver, built):  # noqa: F811
    _, store = built
    process, base = start_server("--store", str(store), "--workers", "1")
    try:
        pages = pages_with_markup(base)
        assert pages
        shown = ""
        for page in pages:
            driver.get(page)
            assert driver.find_element("tag name", "h1").text
            assert_nothing_ran(driver)
            shown += driver.find_element("tag name", "body").text
        assert SCRIPT in shown and IMG in shown and HANDLER in shown  # names and sentences, as text
    finally:
        stop_process(process)


def test_query_editor_shows_markup_as_text(driver, built):  # noqa: F811
    from kg.server import yasgui_installed

    if not yasgui_installed():  # make install (make yasgui) puts it in place: CI must have it
        message = "YASGUI is not installed (make yasgui, with npm)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    _, store = built
    process, base = start_server("--store", str(store), "--workers", "1")
    try:
        driver.get(base)
        driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "const wait = () => window.coopKgYasgui ? done() : setTimeout(wait, 20); wait();")
        driver.execute_script("const tab = window.coopKgYasgui.getTab();"
                              "tab.setQuery('SELECT ?text WHERE { { ?x rdfs:label ?text } UNION { ?x coop:sentence ?text } }');"
                              "tab.getYasqe().query();")
        driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "const wait = () => document.querySelector('#yasgui table.dataTable tbody td:nth-child(2)')"
            " ? done() : setTimeout(wait, 20); wait();")
        driver.find_element("css selector", "#yasgui .pageSizeWrapper select").send_keys("All")
        shown = driver.find_element("css selector", "#yasgui table.dataTable").text
        assert SCRIPT in shown and IMG in shown and HANDLER in shown
        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert.text
        found = driver.execute_script("return {flag: window.__injected === undefined ? null : window.__injected,"
                                      " imgs: document.images.length, bold: !!document.getElementById('injected')};")
        assert found == {"flag": None, "imgs": 0, "bold": False}  # the editor draws its icons in SVG
    finally:
        stop_process(process)
