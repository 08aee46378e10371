"""The HTML page, read as text: self-contained, escaped, drawing the right data."""
from __future__ import annotations

import json
from collections import Counter
import re
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from netgraph import (ENTITIES, LONELY, PAYLOADS, RELATIONS, crowd_graph, entity_graph, hostile_graph,
                      iri, lonely_graph, sample_graph)
from kg.cli import app
from kg.layout import network_positions
from kg.network import network_stats, to_networkx
from kg.viz import (CLASS_STYLE, COMMUNITY_COLORS, PAGE_LAYOUT_MAX, page_data, render_html, script_json, stabilization_iterations,
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


def test_entities_carry_degree_component_and_community():
    network = to_networkx(lonely_graph())
    data = page_data(network, "t")
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes[iri("lab")]["degree"] == 3 and nodes[iri("ghana")]["degree"] == 1
    assert {nodes[iri(key)]["degree"] for key, *_ in LONELY} == {0}
    # components of two or more, largest first, named by their most connected entity
    assert data["components"] == [{"size": 6, "label": "Kenya"},   # degree 3, as the lab: by name
                                  {"size": 2, "label": "Ghana"}]
    assert {key for key, *_ in ENTITIES if nodes[iri(key)]["component"] == 1} == {"fund", "ghana"}
    assert {nodes[iri(key)]["component"] for key, *_ in LONELY} == {-1}
    # the communities `kg stats` reports, in its order, each with its colour
    stats = network_stats(network)
    assert [c["size"] for c in data["communities"]] == [len(c) for c in stats.communities]
    for number, members in enumerate(stats.communities):
        assert {nodes[m["iri"]]["community"] for m in members} == {number}
        assert data["communities"][number]["color"] == COMMUNITY_COLORS[number]
    assert {nodes[iri(key)]["community"] for key, *_ in LONELY} == {-1}


def test_many_communities_share_one_colour_after_the_palette():
    pairs = [(f"a{i}", "Country", f"A{i}", []) for i in range(30)] + \
            [(f"b{i}", "Country", f"B{i}", []) for i in range(30)]
    graph = entity_graph(pairs, [(f"a{i}", "cooperatesWith", f"b{i}", "x") for i in range(30)])
    data = page_data(to_networkx(graph), "t")
    colours = [c["color"] for c in data["communities"]]
    assert len(colours) == 30 and colours[:len(COMMUNITY_COLORS)] == list(COMMUNITY_COLORS)
    assert set(colours[len(COMMUNITY_COLORS):]) == {data["community_color_other"]}


def test_small_networks_are_laid_out_by_the_page():
    data = page_data(to_networkx(lonely_graph()), "t")
    assert not any("x" in n for n in data["nodes"]) and data["options"]["physics"]["enabled"] is True


def test_large_networks_come_laid_out_and_the_page_keeps_still():
    network = to_networkx(crowd_graph(PAGE_LAYOUT_MAX + 50, isolated=30))
    data = page_data(network, "t")
    placed = [n for n in data["nodes"] if "x" in n]
    assert {n["id"] for n in placed} == {n["id"] for n in data["nodes"] if n["degree"]}
    assert data["options"]["physics"]["enabled"] is False
    assert page_data(network, "t")["nodes"] == data["nodes"]       # the same every time


def test_layout_spreads_entities_and_keeps_leaves_by_their_hub():
    network = to_networkx(crowd_graph(600))
    positions = network_positions(network)
    assert len(positions) == 600
    points = sorted(positions.values())
    assert len(set(points)) == len(points)                          # no two on one spot
    xs, ys = [x for x, _ in points], [y for _, y in points]
    assert max(xs) - min(xs) > 20 * 110 and max(ys) - min(ys) > 20 * 110   # not a heap
    simple = __import__("networkx").Graph(network)
    leaves = [n for n in simple if simple.degree(n) == 1]
    for leaf in leaves:
        (hub,) = simple[leaf]
        (x, y), (hx, hy) = positions[leaf], positions[hub]
        assert ((x - hx) ** 2 + (y - hy) ** 2) ** 0.5 < 12 * 110


def test_smaller_components_stand_under_the_largest():
    crowd = crowd_graph(450)
    for s, p, o in entity_graph([("p1", "Country", "Pair One", []), ("p2", "Country", "Pair Two", [])],
                                [("p1", "cooperatesWith", "p2", "x")]):
        crowd.add((s, p, o))
    positions = network_positions(to_networkx(crowd))
    lowest_of_crowd = max(positions[iri(f"c{i}")][1] for i in range(450))
    assert min(positions[iri("p1")][1], positions[iri("p2")][1]) > lowest_of_crowd


def test_communities_are_laid_out_as_regions():
    graph = crowd_graph(200, prefix="a")
    for triple in crowd_graph(200, seed=4, prefix="b"):
        graph.add(triple)
    for triple in entity_graph([], [("a0", "cooperatesWith", "b0", "x")]):
        graph.add(triple)
    positions = network_positions(to_networkx(graph))
    regions = []
    for prefix in "ab":
        points = [positions[iri(f"{prefix}{i}")] for i in range(200)]
        cx, cy = sum(x for x, _ in points) / 200, sum(y for _, y in points) / 200
        spread = sum(((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 for x, y in points) / 200
        regions.append((cx, cy, spread))
    (ax, ay, a_spread), (bx, by, b_spread) = regions
    assert ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 > a_spread + b_spread


def test_a_network_of_isolated_entities_needs_no_layout():
    data = page_data(to_networkx(entity_graph(LONELY, [])), "t")
    assert data["options"]["physics"]["enabled"] is False and data["components"] == []
