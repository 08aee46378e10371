"""A self-contained interactive HTML network, readable offline.

The page draws with vis-network 9.1.2, the copy that ships inside pyvis, inlined with its style
sheet into one HTML file from the project's own template (kg/templates/network.html). pyvis's
own templates are not used: even in "in_line" mode they link Bootstrap from a CDN, and in the
default mode they write a lib/ folder next to the current directory. Nothing on the page loads
from anywhere (a Content-Security-Policy forbids it), and text from documents reaches the page
only as JSON data that the page puts into the DOM as text, never as markup.
"""
from __future__ import annotations

import html
import json
import math
import re
from collections import Counter
from importlib import resources
from pathlib import Path

import networkx as nx
from rdflib import Graph

from .atomic import atomic_write_text
from .layout import network_positions
from .network import communities, components, degree_centrality, to_networkx
from .styles import CLASS_STYLE, OTHER_STYLE

# physics: a bounded number of stabilization iterations, then the page switches physics off
STABILIZATION_BUDGET = 60_000  # node-iterations; see bench/viz_scale.py
MIN_ITERATIONS, MAX_ITERATIONS = 40, 300
LARGE = 1_000  # above this many nodes: straight edges, edges hidden while dragging or zooming

# "colour by community": one colour for each of the largest communities (saturated ones first,
# then their light tints, so that neighbouring ranks differ); smaller communities share a grey
COMMUNITY_COLORS = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#edc948", "#76b7b2",
                    "#ff9da7", "#9c755f", "#a0cbe8", "#ffbe7d", "#8cd17d", "#d37295", "#b6992d",
                    "#86bcb6", "#d4a6c8", "#499894", "#f1ce63", "#79706e", "#d7b5a6")
SMALL_COMMUNITY_COLOR = "#c8c8c8"

# above this many related entities the layout is computed here (kg.layout) and the page starts
# with physics off: its bounded physics would leave them on the circle they start from
PAGE_LAYOUT_MAX = 400

# the markers of the template, replaced in one pass so inserted text is never scanned again
_MARKER = re.compile(r"@@(title|vis_css|vis_js|data)@@")


def _vis_asset(name: str) -> str:
    return (resources.files("pyvis") / "lib" / "vis-9.1.2" / name).read_text(encoding="utf-8")


def _template() -> str:
    return (resources.files("kg") / "templates" / "network.html").read_text(encoding="utf-8")


def script_json(value) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' can close it or open a
    comment, and the line separators JavaScript once rejected are escaped too."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def stabilization_iterations(nodes: int) -> int:
    return max(MIN_ITERATIONS, min(MAX_ITERATIONS, STABILIZATION_BUDGET // max(nodes, 1)))


def vis_options(nodes: int) -> dict:
    large = nodes > LARGE
    return {
        "autoResize": True,
        "layout": {"improvedLayout": nodes <= 150, "randomSeed": 7},
        "physics": {
            "enabled": nodes > 0,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110,
                                 "springConstant": 0.06, "avoidOverlap": 0.2},
            "stabilization": {"enabled": True, "iterations": stabilization_iterations(nodes),
                              "updateInterval": 10, "fit": True},
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False,
                        "hideEdgesOnDrag": large, "hideEdgesOnZoom": large},
        "nodes": {"font": {"size": 14, "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "borderWidth": 1},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
                  "color": {"color": "#9aa3ad", "highlight": "#333333", "hover": "#555555"},
                  "font": {"size": 10, "align": "middle", "color": "#555555",
                           "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "smooth": False if large else {"enabled": True, "type": "continuous"},
                  "width": 1},
    }


def _groups(network: nx.MultiDiGraph, groups: list[set[str]], degree) -> tuple[dict, list[dict]]:
    """Each node's group (its index in `groups`), and each group's size and name: the label of
    its most connected entity."""
    index, described = {}, []
    for number, members in enumerate(groups):
        index.update(dict.fromkeys(members, number))
        hub = min(members, key=lambda n: (-degree[n], network.nodes[n]["label"], n))
        described.append({"size": len(members), "label": network.nodes[hub]["label"]})
    return index, described


def page_data(network: nx.MultiDiGraph, title: str) -> dict:
    """What the page draws: vis-network nodes and edges, with their tooltips as plain text, and
    what its filters need: each entity's degree (distinct related entities), its connected
    component and its community (an index, -1 when it is alone)."""
    centrality = degree_centrality(network)
    peak = max(centrality.values(), default=0.0) or 1.0
    degree = dict(nx.Graph(network).degree())
    component_of, component_list = _groups(
        network, [c for c in components(network) if len(c) > 1], degree)
    found = communities(network)
    community_of, community_list = _groups(network, found, degree)
    for number, community in enumerate(community_list):
        community["color"] = (COMMUNITY_COLORS[number] if number < len(COMMUNITY_COLORS)
                              else SMALL_COMMUNITY_COLOR)
    related = sum(1 for d in degree.values() if d)
    position = network_positions(network, groups=found) if related > PAGE_LAYOUT_MAX else {}
    nodes = []
    for node, data in network.nodes(data=True):
        color, shape = CLASS_STYLE.get(data["cls"], OTHER_STYLE)
        others = [n for n in data["names"] if n != data["label"]]
        lines = [f"class: {data['cls']}", f"sources: {data['sources']}"]
        if others:
            lines.insert(1, "also: " + "; ".join(others))
        nodes.append({
            "id": node, "label": data["label"], "cls": data["cls"], "names": data["names"],
            "color": color, "shape": shape,
            "size": round(10 + 30 * math.sqrt(centrality.get(node, 0.0) / peak), 2),
            "degree": degree.get(node, 0), "component": component_of.get(node, -1),
            "community": community_of.get(node, -1),
            "tip": {"heading": data["label"], "lines": lines, "note": node},
        })
        if node in position:
            nodes[-1]["x"], nodes[-1]["y"] = position[node]
    edges = []
    pairs: Counter[frozenset] = Counter()
    label = {node: data["label"] for node, data in network.nodes(data=True)}
    for index, (s, o, data) in enumerate(network.edges(data=True)):
        lines = []
        if data["source"]:
            more = data["evidence"] - 1
            lines.append("source: " + data["source"] + (f" (and {more} more)" if more > 0 else ""))
        edge = {
            "id": f"e{index}", "from": s, "to": o, "label": data["predicate"],
            "predicate": data["predicate"],
            "tip": {"heading": f"{label[s]} \u2192 {data['predicate']} \u2192 {label[o]}",
                    "lines": lines, "quote": data["sentence"]},
        }
        pair = frozenset((s, o))
        if pairs[pair]:  # a second relation between the same two entities: bend it apart
            edge["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.2 * pairs[pair]}
        pairs[pair] += 1
        edges.append(edge)
    options = vis_options(len(nodes))
    if position or not related:  # laid out already, or nothing the page's physics would move
        options["physics"]["enabled"] = False
    classes = Counter(n["cls"] for n in nodes)
    predicates = Counter(e["predicate"] for e in edges)
    return {
        "title": title, "nodes": nodes, "edges": edges,
        "classes": [dict(zip(("color", "shape"), CLASS_STYLE.get(c, OTHER_STYLE)), name=c,
                         count=classes[c]) for c in sorted(classes)],
        "predicates": [{"name": p, "count": predicates[p]} for p in sorted(predicates)],
        "components": component_list, "communities": community_list,
        "community_color_other": SMALL_COMMUNITY_COLOR,
        "options": options,
    }


def render_network(network: nx.MultiDiGraph, title: str = "coop-kg network") -> str:
    parts = {
        "title": html.escape(title),
        "vis_css": _vis_asset("vis-network.css"),
        "vis_js": _vis_asset("vis-network.min.js"),
        "data": script_json(page_data(network, title)),
    }
    return _MARKER.sub(lambda match: parts[match.group(1)], _template())


def render_html(graph: Graph, title: str = "coop-kg network") -> str:
    return render_network(to_networkx(graph), title)


def write_html(graph: Graph, path: Path | str, title: str = "coop-kg network") -> Path:
    return atomic_write_text(Path(path), render_html(graph, title))
