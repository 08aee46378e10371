"""The HTML page, read as text: self-contained, escaped, drawing the right data."""
from __future__ import annotations

import json
from collections import Counter
import re
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from netgraph import ENTITIES, PAYLOADS, RELATIONS, entity_graph, hostile_graph, iri, sample_graph
from kg.cli import app
from kg.network import to_networkx
from kg.viz import (CLASS_STYLE, page_data, render_html, script_json, stabilization_iterations,
                    vis_options, write_html)

# an address in an attribute or in CSS: src=, href=, action=, url(...), @import
EXTERNAL = re.compile(r"""(?:\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
                      r"""|url\(\s*["']?\s*(?:https?:)?//|@import""", re.I)


class Tags(HTMLParser):
    """The elements of a page as a browser parses them (script contents are not markup)."""

    def __init__(self, page: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def embedded_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def test_page_loads_nothing_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_html(sample_graph(), tmp_path / "out" / "graph.html")
    page = path.read_text(encoding="utf-8")
    assert EXTERNAL.findall(page) == []
    assert not re.search(r"jsdelivr|cdnjs|unpkg|bootstrap", page, re.I)  # no CDN named anywhere
    addresses = [(tag, a.get("src") or a.get("href")) for tag, a in Tags(page).tags
                 if "src" in a or "href" in a]
    assert addresses == [("link", "data:,")]
    assert "default-src 'none'" in page              # and the browser is told to load nothing
    # nothing written beside the page, nor into the current directory (pyvis writes lib/)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["graph.html", "out"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_from_documents_cannot_become_markup(payload):
    page = render_html(hostile_graph(payload))
    assert payload not in page
    # three script elements: data, vis-network, the page's own; no other element appears
    tags = Counter(tag for tag, _ in Tags(page).tags)
    assert tags == Counter(tag for tag, _ in Tags(render_html(sample_graph())).tags)
    assert tags["script"] == 3 and tags["img"] == tags["svg"] == tags["b"] == 0
    data = embedded_data(page)                       # the text is all there, intact
    assert {n["label"] for n in data["nodes"]} == {f"Agency {payload}", "Kenya", payload}
    assert {e["tip"]["quote"] for e in data["edges"]} == \
        {f"The agency {payload} works with Kenya.", payload}
    assert all(e["tip"]["lines"] == [f"source: Bulletin {payload}"] for e in data["edges"])


def test_title_is_escaped():
    page = render_html(sample_graph(), title="<b>Partners</b> & co")
    assert "<title>&lt;b&gt;Partners&lt;/b&gt; &amp; co</title>" in page
    assert embedded_data(page)["title"] == "<b>Partners</b> & co"


@pytest.mark.parametrize("text", ["</script>", "<!--", "a\u2028b", "&amp;", "'\""])
def test_script_json_round_trips_and_cannot_close_the_script(text):
    encoded = script_json({"t": text})
    assert "<" not in encoded and ">" not in encoded and "\u2028" not in encoded
    assert json.loads(encoded) == {"t": text}


def test_nodes_and_edges_carry_class_style_size_and_evidence():
    data = page_data(to_networkx(sample_graph()), "t")
    nodes = {n["id"]: n for n in data["nodes"]}
    assert len(nodes) == len(ENTITIES) and len(data["edges"]) == len(RELATIONS)
    for key, cls, label, aliases in ENTITIES:
        node = nodes[iri(key)]
        top = node["cls"]
        assert (node["color"], node["shape"]) == CLASS_STYLE[top]
        assert node["label"] == label and set(aliases) <= set(node["names"])
        assert f"class: {top}" in node["tip"]["lines"] and "sources: 1" in node["tip"]["lines"]
    assert nodes[iri("ministry")]["cls"] == "Organization"  # a GovernmentAgency is drawn as one
    # the most connected entities are the largest; an entity with one relation the smallest
    sizes = {key: nodes[iri(key)]["size"] for key in ("lab", "kenya", "ghana")}
    assert sizes["lab"] > sizes["ghana"] and sizes["kenya"] > sizes["ghana"]
    assert max(n["size"] for n in nodes.values()) == sizes["lab"] == 40
    edge = next(e for e in data["edges"] if e["from"] == iri("finland"))
    assert edge["label"] == "supports"
    assert edge["tip"] == {"heading": "Finland \u2192 supports \u2192 Solar Laboratory",
                           "lines": ["source: Test bulletin"],
                           "quote": "Finland funds the solar laboratory."}
    assert [c["name"] for c in data["classes"]] == ["Country", "Event", "Facility", "Organization",
                                                    "Place", "Program"]
    assert {p["name"]: p["count"] for p in data["predicates"]} == {r[1]: 1 for r in RELATIONS}


def test_two_relations_between_the_same_entities_are_drawn_apart():
    graph = entity_graph([("a", "Country", "A", []), ("b", "Country", "B", [])],
                         [("a", "cooperatesWith", "b", "A and B cooperate."),
                          ("a", "supports", "b", "A supports B."),
                          ("b", "supports", "a", "B supports A.")])
    edges = page_data(to_networkx(graph), "t")["edges"]
    assert len(edges) == 3
    assert sorted(e.get("smooth", {}).get("roundness", 0) for e in edges) == [0, 0.2, 0.4]


@pytest.mark.parametrize("nodes, iterations", [(0, 300), (10, 300), (500, 120), (2000, 40), (5000, 40)])
def test_layout_is_bounded_then_stops(nodes, iterations):
    options = vis_options(nodes)
    assert stabilization_iterations(nodes) == iterations
    assert options["physics"]["stabilization"] == {"enabled": True, "iterations": iterations,
                                                   "updateInterval": 10, "fit": True}
    large = nodes > 1000
    assert options["interaction"]["hideEdgesOnDrag"] is large
    assert (options["edges"]["smooth"] is False) is large   # no physics-heavy curved edges


def test_empty_graph_gives_a_page():
    data = embedded_data(render_html(entity_graph([], [])))
    assert data["nodes"] == [] and data["edges"] == [] and data["options"]["physics"]["enabled"] is False


def test_kg_viz_writes_the_page(tmp_path):
    ttl = tmp_path / "g.ttl"
    sample_graph().serialize(ttl, format="turtle")
    out = tmp_path / "net.html"
    result = CliRunner().invoke(app, ["viz", str(ttl), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert len(embedded_data(out.read_text(encoding="utf-8"))["nodes"]) == len(ENTITIES)
