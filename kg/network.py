"""The RDF graph seen as a network: entities are nodes, relation triples are edges."""
from __future__ import annotations

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from .namespace import COOP, RELATIONS, TOP_CLASSES

_TOP_BY_IRI = {iri: name for name, iri in TOP_CLASSES.items()}
_RELATION_BY_IRI = {iri: name for name, iri in RELATIONS.items()}

# finer classes of the ontology, by their top class (kept here so the network needs no reasoner)
_SUBCLASS_TOP = {
    COOP.GovernmentAgency: "Organization", COOP.IntergovernmentalOrganization: "Organization",
    COOP.Company: "Organization", COOP.ResearchOrganization: "Organization",
    COOP.Network: "Organization", COOP.Province: "Place", COOP.City: "Place",
    COOP.Region: "Place", COOP.Fund: "Program",
}


def top_class(graph: Graph, node: URIRef) -> str | None:
    for cls in graph.objects(node, RDF.type):
        name = _TOP_BY_IRI.get(cls) or _SUBCLASS_TOP.get(cls)
        if name:
            return name
    return None


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """Nodes carry label, class, names and number of source documents; edges carry the
    predicate and the evidence (sentence, document title) of each relation."""
    network = nx.MultiDiGraph()
    for node in set(graph.subjects(RDF.type, None)):
        if not isinstance(node, URIRef):
            continue
        cls = top_class(graph, node)
        if cls is None:
            continue
        names = sorted({str(n) for n in graph.objects(node, RDFS.label)}
                       | {str(n) for n in graph.objects(node, COOP.acronym)})
        from rdflib.namespace import SKOS

        aliases = sorted({str(n) for n in graph.objects(node, SKOS.altLabel)})
        network.add_node(
            str(node),
            label=str(graph.value(node, RDFS.label) or node),
            cls=cls,
            names=names + [a for a in aliases if a not in names],
            sources=len(set(graph.objects(node, COOP.mentionedIn))),
        )
    evidence: dict[tuple, tuple[str, str]] = {}
    for assertion in graph.subjects(RDF.type, COOP.Assertion):
        key = (graph.value(assertion, RDF.subject), graph.value(assertion, RDF.predicate),
               graph.value(assertion, RDF.object))
        doc = graph.value(assertion, PROV.wasDerivedFrom)
        evidence.setdefault(key, (str(graph.value(assertion, COOP.sentence) or ""),
                                  str(graph.value(doc, RDFS.label) or doc or "")))
    for predicate, name in _RELATION_BY_IRI.items():
        for s, o in graph.subject_objects(predicate):
            if str(s) in network and str(o) in network:
                sentence, source = evidence.get((s, predicate, o), ("", ""))
                network.add_edge(str(s), str(o), key=name, predicate=name,
                                 sentence=sentence, source=source)
    return network
