"""The SPARQL layer below the store: terms both ways, checked bindings, Oxigraph's answers."""
import re

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef

from kg.sparql import (QueryError, RemoteCallRefused, run_oxigraph, to_oxigraph,
                       to_rdflib, valid_iri, with_values)


@pytest.mark.parametrize("term", [
    URIRef("https://example.org/a"), BNode("b1"), Literal("plain"), Literal("hola", lang="es"),
    Literal("3", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")),
])
def test_terms_go_both_ways_unchanged(term):
    assert to_rdflib(to_oxigraph(term)) == term


def test_iris_with_forbidden_characters_are_not_iris():
    assert valid_iri("https://example.org/a")
    assert not valid_iri("https://example.org/a b")
    assert not valid_iri("https://example.org/<x>")


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


# -- parameters written into the text, for engines that take text alone

@pytest.mark.parametrize("sparql, expected", [
    ("SELECT ?x WHERE { ?x ?p ?o }", "SELECT ?x WHERE { VALUES (?e) { (<http://e/1>) } ?x ?p ?o }"),
    ("CONSTRUCT { ?a ?b ?c } WHERE { ?a ?b ?c }", "CONSTRUCT { ?a ?b ?c } WHERE { VALUES (?e) { (<http://e/1>) } ?a ?b ?c }"),
    ('# WHERE {\nPREFIX a: <http://x#{>\nASK { ?a ?b "}" }', '# WHERE { PREFIX a: <http://x#{> ASK { VALUES (?e) { (<http://e/1>) } ?a ?b "}" }'),
])
def test_values_go_first_in_the_where_clause(sparql, expected):
    assert re.sub(r"\s+", " ", with_values(sparql, {"e": URIRef("http://e/1")})) == expected


@pytest.mark.parametrize("bindings, message", [
    ({"e": URIRef("http://e/1> } ?x ?y { <x")}, "not a valid IRI"),
    ({"e x": Literal("a")}, "not a variable name"),
])
def test_bad_parameters_are_refused(bindings, message):
    with pytest.raises(QueryError, match=message):
        with_values("SELECT * WHERE { ?x ?p ?o }", bindings)


def test_literal_parameters_are_escaped():
    text = with_values("SELECT * WHERE { ?x ?p ?e }", {"e": Literal('a" } UNION { ?x ?p ?o } #')})
    assert text.count("UNION") == 1 and '\\"' in text
