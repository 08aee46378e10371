"""The class table: what ontology/cooperation.ttl says about classes, read once.

Everything that needs to know a class's top class, which classes are places, or which classes
a relation admits at either end asks this module, so the ontology stays the one place that
says so. The seven top classes are those whose instances the ontology says are mentioned in
documents (the domain of coop:mentionedIn); every other class of ours that is a subclass of
one of them has it as its top class.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from .namespace import COOP, RELATIONS

_COOP_NS = str(COOP._NS)


def ontology_dir() -> Path:
    """The folder of the ontology and the SHACL shapes, installed as kg.ontology."""
    return Path(str(resources.files("kg.ontology")))


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """ontology/cooperation.ttl, parsed once."""
    return Graph().parse(ontology_dir() / "cooperation.ttl")


def _local(iri: object) -> str:
    return str(iri).removeprefix(_COOP_NS)


def _members(graph: Graph, node) -> list[URIRef]:
    """The classes a domain or range names: one class, or the members of an owl:unionOf."""
    union = graph.value(node, OWL.unionOf)
    return list(Collection(graph, union)) if union is not None else [node]


def _read_top_classes(graph: Graph) -> tuple[str, ...]:
    return tuple(_local(c) for c in _members(graph, graph.value(COOP.mentionedIn, RDFS.domain)))


def _read_top_class(graph: Graph, tops: tuple[str, ...]) -> dict[str, str]:
    table = {}
    for cls in sorted(set(graph.subjects(RDF.type, OWL.Class)), key=str):
        if not isinstance(cls, URIRef) or not str(cls).startswith(_COOP_NS):
            continue
        seen, stack = set(), [cls]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(graph.objects(current, RDFS.subClassOf))
        found = [t for t in tops if COOP._NS[t] in seen]
        if found:
            table[_local(cls)] = found[0]
    return table


def _read_domains_and_ranges(graph: Graph, relations: tuple[str, ...]) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    def classes(node) -> frozenset[str]:
        return frozenset(_local(m) for m in _members(graph, node))

    return {name: (classes(graph.value(COOP._NS[name], RDFS.domain)),
                   classes(graph.value(COOP._NS[name], RDFS.range)))
            for name in relations}


_GRAPH = ontology_graph()

# the seven kinds of named things, in the ontology's order
TOP_CLASSES: dict[str, URIRef] = {name: COOP._NS[name] for name in _read_top_classes(_GRAPH)}
# class local name -> local name of its top class (a top class is its own)
TOP_CLASS: dict[str, str] = _read_top_class(_GRAPH, tuple(TOP_CLASSES))
# class IRI -> local name of its top class
TOP_CLASS_BY_IRI: dict[URIRef, str] = {COOP._NS[cls]: top for cls, top in TOP_CLASS.items()}
# the classes of places: countries and what lies below or across them
PLACE_CLASSES: frozenset[str] = frozenset(cls for cls, top in TOP_CLASS.items() if top in {"Country", "Place"})


@lru_cache(maxsize=1)
def domain_and_range() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """relation -> (classes of its domain, classes of its range), top classes' local names, in
    the order of kg.namespace.RELATIONS."""
    return _read_domains_and_ranges(_GRAPH, tuple(RELATIONS))
