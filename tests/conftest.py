from __future__ import annotations

from pathlib import Path

import pytest

from kg.model import Extraction
from kg.pipeline import extract_text

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def nlp():
    from kg.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def extract(nlp):
    """Extraction of a text written in the test."""

    def run(text: str, name: str = "test.txt") -> Extraction:
        return extract_text(text, name=name)

    return run


def names_by_class(extraction: Extraction) -> dict[str, str]:
    """{label: top class} of an extraction, for readable assertions."""
    from kg.classes import TOP_CLASS

    return {e.label: TOP_CLASS[e.cls] for e in extraction.entities.values()}


def relation_labels(extraction: Extraction) -> set[tuple[str, str, str]]:
    entities = extraction.entities
    return {(entities[r.subject].label, r.predicate, entities[r.object].label) for r in extraction.relations}


# -- a small corpus built triple by triple, for tests of query logic rather than extraction --

def analyst_documents() -> dict[str, "Graph"]:
    """Two documents' graphs (name -> graph) in the shape kg.rdf writes, with finer classes
    (GovernmentAgency, Fund, City...) so that subclass matching is exercised."""
    from rdflib import Literal
    from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

    from kg.namespace import COOP, ID, SCHEMA, assertion_iri, document_iri, figure_iri
    from kg.rdf import new_graph

    entities = {
        "chile": ("country/CL", "Country", "Chile"), "peru": ("country/PE", "Country", "Peru"),
        "bolivia": ("country/BO", "Country", "Bolivia"),
        "cea": ("org/chilean-energy-agency", "GovernmentAgency", "Chilean Energy Agency"),
        "psi": ("org/peruvian-solar-institute", "ResearchOrganization", "Peruvian Solar Institute"),
        "awc": ("org/andean-water-council", "IntergovernmentalOrganization", "Andean Water Council"),
        "fund": ("program/andean-fund", "Fund", "Andean Fund"),
        "lima": ("city/3936456", "City", "Lima"),
        "forum": ("event/andean-water-forum", "Event", "Andean Water Forum"),
        "lab": ("facility/tacna-solar-lab", "Facility", "Tacna Solar Lab"),
    }
    facts = {
        "a.txt": ("Andes energy", "2024-05-02", [
            ("cea", "partOf", "chile"), ("psi", "locatedIn", "peru"), ("lima", "partOf", "peru"),
            ("cea", "cooperatesWith", "psi"), ("cea", "established", "fund"),
            ("bolivia", "supports", "fund"), ("fund", "serves", "peru"),
            ("forum", "heldIn", "lima"), ("lab", "locatedIn", "peru"),
            ("psi", "established", "lab"), ("lab", "serves", "bolivia")]),
        "b.txt": ("Water council", "2025-01-10", [
            ("chile", "cooperatesWith", "bolivia"), ("awc", "cooperatesWith", "peru"),
            ("awc", "cooperatesWith", "cea"), ("bolivia", "memberOf", "awc"),
            ("chile", "memberOf", "awc"), ("cea", "partOf", "chile")]),
    }
    figures = {"a.txt": [("peru", 120, "engineers", "2023")], "b.txt": [("peru", 300, "engineers", "2025")]}
    graphs = {}
    for name, (title, date, triples) in facts.items():
        graph = new_graph()
        doc = document_iri(name)
        graph.add((doc, RDF.type, COOP.Document))
        graph.add((doc, RDFS.label, Literal(title)))
        graph.add((doc, COOP.sourcePath, Literal(name)))
        graph.add((doc, COOP.sha256, Literal("0" * 64)))
        graph.add((doc, SCHEMA.datePublished, Literal(date, datatype=XSD.date)))
        used = {key for s, _, o in triples for key in (s, o)} | {f[0] for f in figures[name]}
        for key in used:
            local, cls, label = entities[key]
            node = ID[local]
            graph.add((node, RDF.type, COOP[cls]))
            graph.add((node, RDFS.label, Literal(label)))
            graph.add((node, SKOS.prefLabel, Literal(label)))
            graph.add((node, COOP.mentionedIn, doc))
        for s, p, o in triples:
            subject, obj = ID[entities[s][0]], ID[entities[o][0]]
            graph.add((subject, COOP[p], obj))
            node = assertion_iri(name, s, p, o)
            for prop, value in ((RDF.type, COOP.Assertion), (RDF.subject, subject), (RDF.predicate, COOP[p]),
                                (RDF.object, obj), (PROV.wasDerivedFrom, doc),
                                (COOP.sentence, Literal(f"{entities[s][2]} {p} {entities[o][2]}.")),
                                (COOP.rule, Literal("test")),
                                (COOP.confidence, Literal("0.9", datatype=XSD.decimal))):
                graph.add((node, prop, value))
        for key, value, counts, as_of in figures[name]:
            node = figure_iri(name, key, value)
            graph.add((ID[entities[key][0]], COOP.reports, node))
            for prop, obj in ((RDF.type, COOP.Figure), (COOP.value, Literal(value, datatype=XSD.decimal)),
                              (COOP.counts, Literal(counts)), (COOP.asOf, Literal(as_of)),
                              (PROV.wasDerivedFrom, doc),
                              (COOP.sentence, Literal(f"{value} {counts} by {as_of}."))):
                graph.add((node, prop, obj))
        graphs[name] = graph
    awc = ID[entities["awc"][0]]
    graphs["b.txt"].add((awc, SKOS.altLabel, Literal("AWC")))
    graphs["b.txt"].add((awc, COOP.acronym, Literal("AWC")))
    graphs["b.txt"].add((awc, SKOS.altLabel, Literal("Consejo Andino del Agua")))
    forum = ID[entities["forum"][0]]
    graphs["a.txt"].add((forum, COOP.edition, Literal(3)))
    graphs["a.txt"].add((forum, COOP.date, Literal("2024-05-02")))
    graphs["a.txt"].add((forum, SCHEMA.startDate, Literal("2024-05-02", datatype=XSD.date)))
    return graphs


# parameters with which every canned query has answers on analyst_documents()
CANNED_PARAMS = {
    "partners-of": {"entity": "Chilean Energy Agency"},
    "events-in-place": {"place": "Peru"},
    "cooperation-between": {"a": "Chile", "b": "Peru"},
    "entity-facts": {"entity": "AWC"},
    "documents-mentioning": {"entity": "Peru"},
    "figures-of": {"entity": "https://w3id.org/coop-kg/id/country/PE"},
    "members-of": {"group": "Andean Water Council"},
    "entities-in-country": {"country": "Peru"},
}


def comparable(result) -> list[tuple]:
    """SELECT rows in an order- and engine-independent form: rows sorted, and the parts of a
    GROUP_CONCAT (whose order SPARQL leaves open) sorted too."""
    from kg.query import rows

    def norm(value: str) -> str:
        return "; ".join(sorted(value.split("; "))) if "; " in value else value

    return sorted(tuple(sorted((k, norm(v)) for k, v in r.items())) for r in rows(result))


def stop_process(process) -> None:
    """Stop a server started by a test: politely, then for sure, within 20 s."""
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def analyst_store(path: Path) -> Path:
    """A store at `path` holding analyst_documents(), one named graph each."""
    from kg.namespace import document_iri
    from kg.store import Store

    with Store.open(path) as store:
        for name, graph in analyst_documents().items():
            store.put_graph(document_iri(name), graph)
    return path
