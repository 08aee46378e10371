"""The SPARQL layer below the store: terms both ways, checked bindings, Oxigraph's answers."""
import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef

from kg.sparql import (QueryError, RemoteCallRefused, check_bindings, run_oxigraph, to_oxigraph,
                       to_rdflib, valid_iri)


@pytest.mark.parametrize("term", [
    URIRef("https://example.org/a"), BNode("b1"), Literal("plain"), Literal("hola", lang="es"),
    Literal("3", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")),
])
def test_terms_go_both_ways_unchanged(term):
    assert to_rdflib(to_oxigraph(term)) == term


def test_iris_with_forbidden_characters_are_not_iris():
    assert valid_iri("https://example.org/a")
    assert not valid_iri("https://example.org/a b")
    with pytest.raises(QueryError, match="not a valid IRI"):
        check_bindings({"e": URIRef("https://example.org/<x>")})


def test_a_parameter_binds_a_variable_on_oxigraph():
    store = ox.Store()
    for name in ("a", "b"):
        store.add(ox.Quad(ox.NamedNode(f"https://example.org/{name}"),
                          ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal(name)))
    result = run_oxigraph(store, "SELECT ?s WHERE { ?s rdfs:label ?l }", {"l": Literal("b")})
    assert [row[0] for row in result] == [URIRef("https://example.org/b")]


def test_service_is_refused_unless_allowed():
    with pytest.raises(RemoteCallRefused, match="SERVICE"):
        run_oxigraph(ox.Store(), "SELECT * WHERE { SERVICE <https://example.org/sparql> { ?s ?p ?o } }")
