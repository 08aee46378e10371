"""Any text at all: the build never crashes, and its graph always parses back as Turtle and
conforms to ontology/shapes.ttl."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from kg.pipeline import extract_text
from kg.rdf import document_triples
from kg.validate import validate

WORDS = ["Chile", "Peru", "Kenya", "Ministry", "Council", "Forum", "Alliance", "Programme", "Fund",
         "Laboratory", "University", "Andean", "Solar", "Water", "NWRA", "UN", "Kenya-Finland",
         "Science", "Technology", "Cooperation", "Summit", "Park", "Centre", "Initiative", "Bank",
         "signed", "launched", "held", "funded", "by", "with", "in", "the", "between", "under",
         "framework", "support", "its", "members", "including", "director", "Zhang", "San", "10th",
         "1,400", "May", "2022", "O'Brien", "Côte", "d'Ivoire", "São", "Tomé", "Ü", "İstanbul"]
GLUE = [" ", " ", " ", " of ", " and ", " & ", "-", " - ", ", ", ". ", "\n", "\n\n", " (", ") ",
        "(", ")", "[", "]", " \"", "\" ", "'", "'s ", "“", "”", " 3 ", "1990", ": ", "; ", "/", "\t"]

name_text = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(GLUE)), max_size=60).map("".join)
any_text = st.text(max_size=300)

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def build(text: str, name: str = "property.txt") -> Graph:
    """The document's graph, which must serialize to Turtle that parses back whole."""
    graph = document_triples(extract_text(text, name=name))
    again = Graph().parse(data=graph.serialize(format="turtle"), format="turtle")
    assert len(again) == len(graph)
    return again


def check_all(strategy) -> None:
    """Every example is built (a crash fails, and is shrunk, at once); the graphs are then
    validated together, as separately built graphs are merged (one SHACL run, not one each),
    and one by one only when the union fails, to name the text."""
    built: list[tuple[str, Graph]] = []

    @SETTINGS
    @given(text=strategy)
    def examples(text):
        built.append((text, build(text, name=f"property-{len(built)}.txt")))

    examples()
    union = Graph()
    for _, graph in built:
        union += graph
    result = validate(union)
    if not result.conforms:
        bad = [text for text, graph in built if not validate(graph).conforms]
        pytest.fail(f"texts whose graphs do not conform: {bad!r}\n{result.text}")


def test_texts_of_names_and_connectors_build_valid_graphs(nlp):
    check_all(name_text)


def test_any_unicode_text_builds_a_valid_graph(nlp):
    check_all(any_text)


@pytest.mark.parametrize("text", [
    "",
    "\x00\x01\ufeff\u200b",
    "( ( ( Chile ) ) )",
    "\"\"\"Chile\"\"\" and '''Peru'''",
    "Ministry of\n\nof & and - Council",
])
def test_odd_texts(nlp, text):
    result = validate(build(text))
    assert result.conforms, result.text
