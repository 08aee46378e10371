"""The namespaces of the graph as plain strings: what a query on the store needs, without
rdflib (importing it took most of a `kg query --store` command's start-up). kg.namespace makes
its rdflib Namespaces from these."""
from __future__ import annotations

ONTOLOGY_IRI = "https://w3id.org/coop-kg/ontology"

# coop-kg's own and the vocabularies it writes with
PREFIX_IRIS = {
    "coop": ONTOLOGY_IRI + "#",
    "id": "https://w3id.org/coop-kg/id/",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "wd": "http://www.wikidata.org/entity/",
}

# every document's IRI, and so its named graph's, starts so (kg.namespace.document_iri)
DOCUMENT_IRI_PREFIX = PREFIX_IRIS["id"] + "doc/"

# every graph of facts from reference data rather than from a text starts so (kg.reference)
REFERENCE_IRI_PREFIX = PREFIX_IRIS["id"] + "reference/"


def is_reference_graph(name: object) -> bool:
    """Whether a graph name (a string, an rdflib or a pyoxigraph node) is a reference graph's."""
    return str(getattr(name, "value", name)).startswith(REFERENCE_IRI_PREFIX)


# the W3C vocabularies every query may use too
COMMON_PREFIX_IRIS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
}


def sparql_prefixes() -> dict[str, str]:
    """The prefixes a query may use without declaring them (the same as with rdflib)."""
    return {**COMMON_PREFIX_IRIS, **PREFIX_IRIS}


__all__ = ["ONTOLOGY_IRI", "PREFIX_IRIS", "DOCUMENT_IRI_PREFIX", "REFERENCE_IRI_PREFIX", "is_reference_graph", "COMMON_PREFIX_IRIS", "sparql_prefixes"]
