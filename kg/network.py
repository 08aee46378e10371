"""The RDF graph seen as a network: entities are nodes, relation triples are edges.

`to_networkx` is the one projection every network view uses: the HTML page (kg.viz), the
statistics (`kg stats`), paths between entities (`kg path`) and the GraphML and GEXF exports
(`kg export-network`).
"""
from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from .atomic import atomic_write_bytes
from .classes import TOP_CLASS_BY_IRI
from .namespace import COOP, RELATIONS
from .styles import CLASS_STYLE, OTHER_STYLE

_RELATION_BY_IRI = {iri: name for name, iri in RELATIONS.items()}

EXPORT_FORMATS = ("graphml", "gexf")


def top_class(graph: Graph, node: URIRef) -> str | None:
    """The top class of the first of a node's types that is a class of the ontology."""
    for cls in graph.objects(node, RDF.type):
        name = TOP_CLASS_BY_IRI.get(cls)
        if name:
            return name
    return None


def class_and_relation_counts(graph: Graph) -> tuple[Counter[str], Counter[str]]:
    """Entities per top class, and distinct (subject, object) pairs per relation."""
    classes: Counter[str] = Counter()
    # only a node typed with a class of the ontology has a top class: not every subject of the
    # graph (most are the assertions that carry the evidence) is looked at
    for node in {node for node, cls in graph.subject_objects(RDF.type) if cls in TOP_CLASS_BY_IRI}:
        cls = top_class(graph, node)
        if cls:
            classes[cls] += 1
    relations = Counter({name: len(set(graph.subject_objects(iri))) for name, iri in RELATIONS.items()})
    return classes, relations


def _evidence(graph: Graph) -> dict[tuple, list[tuple[str, str, str]]]:
    """(subject, predicate, object) -> sorted [(document title, sentence, document IRI)]."""
    evidence: dict[tuple, set[tuple[str, str, str]]] = {}
    for assertion in graph.subjects(RDF.type, COOP.Assertion):
        key = (graph.value(assertion, RDF.subject), graph.value(assertion, RDF.predicate),
               graph.value(assertion, RDF.object))
        doc = graph.value(assertion, PROV.wasDerivedFrom)
        title = str(graph.value(doc, RDFS.label) or doc or "") if doc is not None else ""
        sentence = str(graph.value(assertion, COOP.sentence) or "")
        evidence.setdefault(key, set()).add((title, sentence, str(doc or "")))
    return {key: sorted(items) for key, items in evidence.items()}


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """Nodes carry label, class, names and number of source documents; edges (keyed by
    predicate) carry the predicate and the evidence (sentence, document title and IRI) of each
    relation: the first in a stable order, and how many sources state it."""
    network = nx.MultiDiGraph()
    for node in sorted(set(graph.subjects(RDF.type, None)), key=str):
        if not isinstance(node, URIRef):
            continue
        cls = top_class(graph, node)
        if cls is None:
            continue
        label = str(graph.value(node, RDFS.label) or node)
        names = sorted({str(n) for n in graph.objects(node, RDFS.label)}
                       | {str(n) for n in graph.objects(node, COOP.acronym)})
        aliases = sorted({str(n) for n in graph.objects(node, SKOS.altLabel)} - set(names))
        network.add_node(str(node), label=label, cls=cls, names=names + aliases,
                         sources=len(set(graph.objects(node, COOP.mentionedIn))))
    evidence = _evidence(graph)
    for predicate, name in _RELATION_BY_IRI.items():
        for s, o in sorted(graph.subject_objects(predicate)):
            if str(s) in network and str(o) in network:
                found = evidence.get((s, predicate, o), [])
                source, sentence, document = found[0] if found else ("", "", "")
                network.add_edge(str(s), str(o), key=name, predicate=name, sentence=sentence,
                                 source=source, document=document, evidence=len(found))
    return network


# ---------------------------------------------------------------- analytics

def degree_centrality(network: nx.MultiDiGraph) -> dict[str, float]:
    """Share of the other entities each entity is directly related to (0..1), counting a
    neighbour once whatever the number or direction of relations. Pure Python, so it scales
    to large graphs without scipy."""
    simple = nx.Graph(network)
    return nx.degree_centrality(simple) if simple.number_of_nodes() > 1 else dict.fromkeys(simple, 0.0)


@dataclass
class NetworkStats:
    nodes: int
    edges: int
    classes: dict[str, int]
    predicates: dict[str, int]
    central: list[dict] = field(default_factory=list)
    communities: list[list[dict]] = field(default_factory=list)
    components: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "nodes": self.nodes, "edges": self.edges, "classes": self.classes,
            "predicates": self.predicates, "central": self.central,
            "communities": self.communities, "components": self.components,
        }


def _entity(network: nx.MultiDiGraph, node: str) -> dict:
    data = network.nodes[node]
    return {"iri": node, "label": data["label"], "class": data["cls"]}


def communities(network: nx.MultiDiGraph, seed: int = 0) -> list[set[str]]:
    """The communities of two or more entities (Louvain modularity on the undirected graph,
    seeded so that a graph always gives the same answer), largest first. `kg stats` and the
    network page colour by the same ones."""
    simple = nx.Graph(network)
    if not simple.number_of_edges():
        return []
    found = nx.community.louvain_communities(simple, seed=seed)
    return sorted((c for c in found if len(c) > 1), key=lambda c: (-len(c), min(c)))


def components(network: nx.MultiDiGraph) -> list[set[str]]:
    """The connected components, whatever the direction of the relations, largest first."""
    found = nx.connected_components(nx.Graph(network))
    return sorted(found, key=lambda c: (-len(c), min(c)))


def network_stats(network: nx.MultiDiGraph, top: int = 10, seed: int = 0) -> NetworkStats:
    """Counts per class and predicate, the `top` most central entities (degree centrality),
    communities (Louvain modularity, seeded so that a graph always gives the same answer, largest
    first) and the sizes of the connected components (largest first)."""
    classes = Counter(data["cls"] for _, data in network.nodes(data=True))
    predicates = Counter(data["predicate"] for _, _, data in network.edges(data=True))
    centrality = degree_centrality(network)
    simple = nx.Graph(network)
    ranked = sorted(centrality, key=lambda n: (-centrality[n], network.nodes[n]["label"], n))
    central = [dict(_entity(network, n), degree=simple.degree(n), centrality=round(centrality[n], 4))
               for n in ranked[:top]]
    grouped = [[_entity(network, n) for n in sorted(members, key=lambda n: (-centrality[n], n))]
               for members in communities(network, seed)]
    return NetworkStats(
        nodes=network.number_of_nodes(), edges=network.number_of_edges(),
        classes=dict(sorted(classes.items())), predicates=dict(sorted(predicates.items())),
        central=central, communities=grouped, components=[len(c) for c in components(network)],
    )


# ---------------------------------------------------------------- paths

class EntityNotFound(LookupError):
    pass


def find_entity(network: nx.MultiDiGraph, name: str) -> str:
    """The node an IRI, a label or another name (case-insensitive) designates. A label beats
    another name; two entities with the same name are an error that lists their IRIs."""
    if name in network:
        return name
    wanted = name.strip().casefold()
    by_label = [n for n, d in network.nodes(data=True) if d["label"].casefold() == wanted]
    matches = by_label or [n for n, d in network.nodes(data=True)
                           if wanted in {x.casefold() for x in d["names"]}]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise EntityNotFound(f"no entity is called {name!r}")
    raise EntityNotFound(f"{name!r} names {len(matches)} entities; give one IRI: "
                         + ", ".join(sorted(matches)))


@dataclass
class Hop:
    """One step of a path: `source` and `target` in the order of the path; each relation is
    given in its own direction (subject, predicate, object) with its evidence."""
    source: str
    target: str
    relations: list[dict]


def find_path(network: nx.MultiDiGraph, a: str, b: str) -> list[Hop] | None:
    """The shortest chain of relations between two entities, whatever the direction of each
    relation; None when they are not connected. Entities are given as in `find_entity`."""
    start, end = find_entity(network, a), find_entity(network, b)
    try:
        nodes = nx.shortest_path(nx.Graph(network), start, end)
    except nx.NetworkXNoPath:
        return None
    hops = []
    for u, v in zip(nodes, nodes[1:]):
        relations = []
        for s, o in ((u, v), (v, u)):
            for data in network.get_edge_data(s, o, default={}).values():
                relations.append({
                    "subject": network.nodes[s]["label"], "predicate": data["predicate"],
                    "object": network.nodes[o]["label"], "sentence": data["sentence"],
                    "source": data["source"], "document": data["document"],
                })
        hops.append(Hop(source=u, target=v, relations=relations))
    return hops


# ---------------------------------------------------------------- exports

def _flat(value):
    """A value GraphML and GEXF can hold: lists joined, None empty, the rest as is."""
    if isinstance(value, (list, tuple, set)):
        return "; ".join(str(v) for v in value)
    if value is None:
        return ""
    return value


def _gexf_viz(cls: str, centrality: float) -> dict:
    colour = CLASS_STYLE.get(cls, OTHER_STYLE)[0].lstrip("#")
    r, g, b = (int(colour[i:i + 2], 16) for i in (0, 2, 4))
    return {"color": {"r": r, "g": g, "b": b, "a": 1.0}, "size": round(10 + 30 * centrality, 3)}


def export_network(network: nx.MultiDiGraph, path: Path | str, fmt: str | None = None) -> Path:
    """Write the network as GraphML or GEXF (Gephi); the format follows `fmt` or the suffix.
    Every attribute is a string or a number (names are joined with "; ")."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown network format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    flat = nx.MultiDiGraph()
    centrality = degree_centrality(network)
    for node, data in network.nodes(data=True):
        flat.add_node(node, **{k: _flat(v) for k, v in data.items()},
                      centrality=round(centrality.get(node, 0.0), 6))
        if fmt == "gexf":  # Gephi draws these: the colours of the page, a size by centrality
            flat.nodes[node]["viz"] = _gexf_viz(data["cls"], centrality.get(node, 0.0))
    for s, o, key, data in network.edges(keys=True, data=True):
        flat.add_edge(s, o, key=key, **{k: _flat(v) for k, v in data.items()})
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(flat, buffer, named_key_ids=True)
    else:
        nx.write_gexf(flat, buffer)
    return atomic_write_bytes(path, buffer.getvalue())
