"""kg serve's pages: every IRI of the graph under /id/ as a page or as RDF (content negotiation),
and the query editor (YASGUI, served by kg serve itself) in a real headless browser."""
from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import quote, urlencode

import pytest
from conftest import analyst_store, stop_process
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_server import request, server_log, start_server
from test_viz_browser import assert_offline_and_clean, driver  # noqa: F401

from kg import server as kg_server
from kg.namespace import COOP, ID, document_iri
from kg.store import Store

HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # as a browser asks
FAR_NAME = "東京 report (draft).txt"  # a document name with letters of another script, spaces, brackets


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = analyst_store(tmp_path_factory.mktemp("pages") / "db")
    with Store.open(path) as store:
        far = Graph()
        far.add((document_iri(FAR_NAME), RDF.type, COOP.Document))
        far.add((document_iri(FAR_NAME), RDFS.label, Literal("Talvesta Water Agency report")))
        far.add((ID["org/talvesta-water-agency"], RDF.type, COOP.GovernmentAgency))
        far.add((ID["org/talvesta-water-agency"], RDFS.label, Literal("Talvesta Water Agency")))
        far.add((ID["org/talvesta-water-agency"], COOP.mentionedIn, document_iri(FAR_NAME)))
        store.put_graph(document_iri(FAR_NAME), far)
    process, base = start_server("--store", str(path), "--workers", "2")
    yield process, base.rstrip("/")
    stop_process(process)


@pytest.fixture(scope="module")
def base(served):
    return served[1]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href"]


def links_of(page: str) -> list[str]:
    parser = Links()
    parser.feed(page)
    return parser.hrefs


def test_an_entity_iri_resolves_to_its_page(base):
    status, headers, page = request(f"{base}/id/country/PE", headers={"Accept": HTML})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<h1>Peru</h1>" in page and "Class: coop:Country" in page
    assert "https://w3id.org/coop-kg/id/country/PE" in page
    # a fact with its evidence sentence and its document, the other side a link to its own page
    row = re.search(r"<tr><td><a href=\"/id/org/andean-water-council\">Andean Water Council</a></td>"
                    r"<td>coop:cooperatesWith</td><td><a href=\"/id/country/PE\">Peru</a></td>"
                    r"<td class=evidence>Andean Water Council cooperatesWith Peru.</td>"
                    r"<td><a href=\"/id/doc/b.txt\">Water council</a></td></tr>", page)
    assert row is not None
    assert "300 engineers by 2025." in page  # a figure, with its sentence
    neighbours = page.split("<h2>Neighbours</h2>")[1].split("</ul>")[0]
    assert set(links_of(neighbours)) == {"/id/program/andean-fund", "/id/org/andean-water-council",
                                         "/id/city/3936456", "/id/org/peruvian-solar-institute",
                                         "/id/facility/tacna-solar-lab"}
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")  # no script may run


def test_every_link_of_the_graph_on_a_page_resolves(base):
    """Linked data: from one page, every /id/ link (entities, documents) is a page too."""
    page = request(f"{base}/id/org/chilean-energy-agency", headers={"Accept": HTML})[2]
    local = sorted({href for href in links_of(page) if href.startswith("/id/") and "?" not in href})
    assert "/id/doc/a.txt" in local and "/id/country/CL" in local and len(local) >= 6
    for href in local:
        status, _, linked = request(base + href, headers={"Accept": HTML})
        assert status == 200 and "<h1>" in linked, href


def test_a_document_name_in_another_script_resolves_as_a_browser_sends_it(base):
    page = request(f"{base}/id/org/talvesta-water-agency", headers={"Accept": HTML})[2]
    (href,) = [h for h in links_of(page) if h.startswith("/id/doc/")]
    assert href == "/id/doc/東京%20report%20%28draft%29.txt"  # the IRI's own path
    status, _, linked = request(base + quote(href, safe="/%"))  # UTF-8, percent-encoded, as sent
    assert status == 200 and "<h1>Talvesta Water Agency report</h1>" in linked
    assert str(document_iri(FAR_NAME)) in linked


@pytest.mark.parametrize("accept, query, media, syntax", [
    ("text/turtle", "", "text/turtle", "turtle"),
    ("application/ld+json", "", "application/ld+json", "json-ld"),
    (HTML, "?format=ttl", "text/turtle", "turtle"),
    (HTML, "?format=jsonld", "application/ld+json", "json-ld"),
    ("application/n-triples, text/html;q=0.5", "", "application/n-triples", "nt"),
])
def test_content_negotiation_gives_the_entity_description(base, accept, query, media, syntax):
    status, headers, body = request(f"{base}/id/country/PE{query}", headers={"Accept": accept})
    assert status == 200 and headers["Content-Type"].split(";")[0] == media
    graph = Graph().parse(data=body, format=syntax)
    peru = ID["country/PE"]
    assert (peru, RDF.type, COOP.Country) in graph and (peru, RDFS.label, Literal("Peru")) in graph
    assert (ID["org/andean-water-council"], COOP.cooperatesWith, peru) in graph  # pointing at it
    assert (None, RDF.object, peru) not in graph  # the evidence's reification is on the page, not here


def test_an_unknown_entity_is_a_404_page(base):
    status, headers, page = request(f"{base}/id/country/XX", headers={"Accept": HTML})
    assert status == 404 and headers["Content-Type"].startswith("text/html")
    assert "The graph says nothing of" in page and "https://w3id.org/coop-kg/id/country/XX" in page
    status, _, body = request(f"{base}/id/country/XX", headers={"Accept": "text/turtle"})
    assert status == 404 and "says nothing of <https://w3id.org/coop-kg/id/country/XX>" in body
    status, _, page = request(f"{base}/id/%3Cscript%3Ealert(1)%3C/script%3E", headers={"Accept": HTML})
    assert status == 404 and "<script" not in page


def test_entity_page_refuses_what_it_cannot_give(base):
    assert request(f"{base}/id/country/PE", headers={"Accept": "image/png"})[0] == 406
    status, _, body = request(f"{base}/id/country/PE?fromat=ttl")
    assert status == 400 and "unknown parameter 'fromat'" in body
    assert request(f"{base}/id/country/PE?format=png")[0] == 406


def test_entity_pages_are_logged(served):
    process, base = served
    request(f"{base}/id/country/BO", headers={"Accept": HTML})
    assert "GET /id/country/BO 200 " in server_log(process)


# -- the query editor -----------------------------------------------------------------------------

@pytest.fixture
def yasgui():
    """YASGUI's files, which make install (make yasgui) puts in kg/static/yasgui/: CI must have them."""
    if not kg_server.yasgui_installed():
        message = "YASGUI is not installed (make yasgui, with npm)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)


def test_yasgui_is_served_by_kg_serve(yasgui, base):
    status, headers, page = request(f"{base}/")
    assert status == 200 and '<script src="/static/yasgui/yasgui.min.js"></script>' in page
    assert "connect-src 'self'" in headers["Content-Security-Policy"]
    status, headers, script = request(f"{base}/static/yasgui/yasgui.min.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript") and "Yasgui" in script
    assert request(f"{base}/static/yasgui/package.json")[0] == 404  # only the two files the page uses
    assert request(f"{base}/static/yasgui/../server.py")[0] == 404


def test_without_yasgui_the_page_is_the_plain_form_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(kg_server, "_yasgui_folder", lambda: tmp_path)  # an empty folder
    assert not kg_server.yasgui_installed()
    page = kg_server._page(SimpleNamespace(label="g.ttl"), {}).body.decode()
    assert '<textarea name="query">' in page and "make yasgui" in page


def type_query(driver, text: str) -> None:  # noqa: F811
    driver.find_element(By.CSS_SELECTOR, "#yasgui .CodeMirror").click()
    area = driver.find_element(By.CSS_SELECTOR, "#yasgui .CodeMirror textarea")
    area.send_keys(Keys.CONTROL, "a")
    area.send_keys(Keys.DELETE)
    area.send_keys(text)


def cells(driver, column: int) -> list[str]:  # noqa: F811
    return [cell.text for cell in driver.find_elements(
        By.CSS_SELECTOR, f"#yasgui .yasr table.dataTable tbody tr td:nth-child({column})")]


def test_a_typed_query_runs_in_yasgui_with_paged_sortable_results_and_iris_as_links(yasgui, driver, base):  # noqa: F811
    driver.get("about:blank")
    driver.get_log("performance")
    driver.get_log("browser")
    driver.get(f"{base}/")
    wait = WebDriverWait(driver, 30)
    wait.until(lambda d: d.execute_script("return !!window.coopKgYasgui"))
    type_query(driver, "SELECT ?thing ?name WHERE { ?thing rdfs:label ?name } ORDER BY ?name")
    driver.find_element(By.CSS_SELECTOR, "#yasgui .yasqe_queryButton").click()
    wait.until(lambda d: len(cells(d, 3)) > 0)
    names = cells(driver, 3)
    assert names[:3] == ["Andean Fund", "Andean Water Council", "Andean Water Forum"]
    # paged: ten a page
    Select(driver.find_element(By.CSS_SELECTOR, "#yasgui .pageSizeWrapper select")).select_by_visible_text("10")
    wait.until(lambda d: len(cells(d, 3)) == 10)
    assert "Showing 1 to 10 of 14 entries" == driver.find_element(By.CSS_SELECTOR, "#yasgui .dt-info").text
    # sortable: the column of names, descending after two clicks on its head
    head = driver.find_elements(By.CSS_SELECTOR, "#yasgui .yasr table.dataTable thead th")[2]
    head.click()
    head.click()
    wait.until(lambda d: cells(d, 3)[0] == "Water council")
    # the graph's IRIs are links to their pages on this server
    link = driver.find_element(By.XPATH, "//div[@id='yasgui']//a[normalize-space()='id:country/PE']")
    assert link.get_attribute("href") == f"{base}/id/country/PE"
    assert_offline_and_clean(driver, (None, base), "http")  # YASGUI loaded from kg serve, nothing else
    link.click()
    wait.until(lambda d: d.find_elements(By.TAG_NAME, "h1") and d.find_element(By.TAG_NAME, "h1").text == "Peru")
    assert driver.current_url == f"{base}/id/country/PE"


def test_a_canned_query_opens_in_yasgui(yasgui, driver, base):  # noqa: F811
    driver.get(f"{base}/?{urlencode({'canned': 'partners-of'})}")
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return !!window.coopKgYasgui"))
    text = driver.execute_script("return window.coopKgYasgui.getTab().getQuery()")
    assert "coop:cooperatesWith|^coop:cooperatesWith" in text
    settings = json.loads(driver.find_element(By.ID, "kg-query").get_attribute("textContent"))
    assert settings["base"] == str(ID)


def test_entity_pages_in_a_browser_link_to_each_other(driver, base):  # noqa: F811
    driver.get("about:blank")
    driver.get_log("performance")
    driver.get_log("browser")
    driver.get(f"{base}/id/country/PE")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Peru"
    assert_offline_and_clean(driver, (None, base), "http")  # nothing from elsewhere, no error
    driver.find_element(By.XPATH, "//h2[.='Neighbours']/following-sibling::ul//a[.='Andean Water Council']").click()
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Andean Water Council")
    assert driver.current_url == f"{base}/id/org/andean-water-council"
    assert "Also called: AWC; Consejo Andino del Agua" in driver.find_element(By.TAG_NAME, "body").text


def test_the_plain_form_links_iris_and_shows_at_most_a_thousand_rows(tmp_path):
    graph = Graph()
    for i in range(1200):
        graph.add((ID[f"org/o{i}"], RDFS.label, Literal(f"Organization number {i}")))
    path = tmp_path / "g.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    process, base = start_server("--graph", str(path), "--workers", "1")
    try:
        query = "SELECT ?o ?name WHERE { ?o rdfs:label ?name } ORDER BY ?name"
        status, _, page = request(f"{base}?{urlencode({'query': query})}")
    finally:
        stop_process(process)
    assert status == 200 and "<p>1200 rows</p>" in page and "The first 1000 are shown" in page
    assert page.count("<tr><td>") == 1000
    assert '<td><a href="/id/org/o0">id:org/o0</a></td><td>Organization number 0</td>' in page
