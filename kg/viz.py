"""A self-contained interactive HTML network (pyvis), readable offline."""
from __future__ import annotations

import html
import re
from pathlib import Path

import networkx as nx
from pyvis.network import Network
from rdflib import Graph

from .network import to_networkx
from .atomic import atomic_write_text

CLASS_STYLE = {
    "Organization": ("#4e79a7", "dot"),
    "Country": ("#e15759", "diamond"),
    "Place": ("#f28e2b", "triangle"),
    "Event": ("#59a14f", "star"),
    "Program": ("#b07aa1", "square"),
    "Facility": ("#9c755f", "triangleDown"),
    "Person": ("#edc948", "ellipse"),
}


def render_html(graph: Graph, title: str = "coop-kg network") -> str:
    network = to_networkx(graph)
    centrality = nx.degree_centrality(nx.Graph(network)) if network.number_of_nodes() > 1 else {}
    net = Network(height="800px", width="100%", directed=True, cdn_resources="in_line",
                  heading="", notebook=False)
    for node, data in network.nodes(data=True):
        color, shape = CLASS_STYLE.get(data["cls"], ("#bab0ac", "dot"))
        tooltip = "\n".join([data["label"], f"class: {data['cls']}",
                             f"names: {', '.join(data['names'])}", f"sources: {data['sources']}"])
        net.add_node(node, label=data["label"], title=tooltip, color=color, shape=shape,
                     size=10 + 40 * centrality.get(node, 0) ** 0.5, group=data["cls"])
    for s, o, data in network.edges(data=True):
        tooltip = f"{data['predicate']}\n{data['sentence']}\nsource: {data['source']}"
        net.add_edge(s, o, label=data["predicate"], title=tooltip, arrows="to")
    net.toggle_physics(True)
    page = net.generate_html(notebook=False)
    # pyvis links Bootstrap from a CDN even "in_line": the page must not reach the network
    page = re.sub(r'<link[^>]+href="https?://[^"]+"[^>]*>', "", page)
    page = re.sub(r'<script[^>]+src="https?://[^"]+"[^>]*>\s*</script>', "", page)
    page = page.replace("<title>", f"<title>{html.escape(title)}", 1) if "<title>" in page else page
    return page


def write_html(graph: Graph, path: Path | str, title: str = "coop-kg network") -> Path:
    return atomic_write_text(Path(path), render_html(graph, title))
