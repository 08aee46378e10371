"""The ontology defines every term the code writes, and nothing leads a class astray."""
import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from kg.classes import TOP_CLASSES, ontology_dir
from kg.namespace import COOP, RELATIONS
from kg.validate import validate

TOP_NAMES = set(TOP_CLASSES)
RELATION_NAMES = set(RELATIONS)


@pytest.fixture(scope="module")
def ontology():
    return Graph().parse(ontology_dir() / "cooperation.ttl")


def local(iri) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def ancestors(graph, node, prop):
    seen, stack = set(), [node]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        stack.extend(graph.objects(current, prop))
    return seen


def test_every_term_of_the_namespace_is_defined(ontology):
    defined = {local(s) for s in ontology.subjects(RDF.type, None) if str(s).startswith(str(COOP._NS))}
    missing = {name for name in COOP.__annotations__ if name not in defined}
    assert not missing, missing


def test_top_classes_and_relations_have_the_agreed_names(ontology):
    classes = {local(s) for s in ontology.subjects(RDF.type, OWL.Class) if str(s).startswith(str(COOP._NS))}
    assert TOP_NAMES <= classes
    properties = {local(s) for s in ontology.subjects(RDF.type, OWL.ObjectProperty) if str(s).startswith(str(COOP._NS))}
    assert RELATION_NAMES <= properties
    assert (COOP.cooperatesWith, RDF.type, OWL.SymmetricProperty) in ontology


@pytest.mark.parametrize("cls", ["GovernmentAgency", "IntergovernmentalOrganization", "Company", "ResearchOrganization",
                                 "Network", "Province", "City", "Region", "Fund", *sorted(TOP_NAMES)])
def test_each_class_reaches_exactly_one_top_class(ontology, cls):
    reached = {local(a) for a in ancestors(ontology, getattr(COOP, cls), RDFS.subClassOf)} & TOP_NAMES
    assert len(reached) == 1, reached


@pytest.mark.parametrize("prop", sorted(RELATION_NAMES))
def test_each_relation_reaches_only_itself(ontology, prop):
    reached = {local(a) for a in ancestors(ontology, getattr(COOP, prop), RDFS.subPropertyOf)} & RELATION_NAMES
    assert reached == {prop}


def test_a_built_graph_conforms_to_the_shapes(extract):
    from kg.rdf import document_triples

    graph = document_triples(extract("The 3rd Andean Water Forum was held in Lima, Peru. Chile signed an "
                                     "agreement with Peru. By 2024 the Andean Water Network had over 300 members."))
    result = validate(graph)
    assert result.conforms, result.text


def test_a_broken_graph_does_not_conform(extract):
    from rdflib import Literal
    from kg.rdf import document_triples

    graph = document_triples(extract("Chile signed an agreement with Peru."))
    assertion = next(graph.subjects(RDF.type, COOP.Assertion))
    graph.set((assertion, COOP.confidence, Literal(7.5)))
    graph.remove((assertion, COOP.sentence, None))
    result = validate(graph)
    assert not result.conforms and result.violations >= 2
