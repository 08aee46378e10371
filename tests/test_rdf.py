from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

import kg
from kg.namespace import COOP, ID
from kg.rdf import document_triples

TEXT = ("The Andean Technology Transfer Center (ATTC) was set up by Peru's Ministry of Production. "
        "The Center signed a cooperation agreement with Chile and Bolivia.")


def test_every_entity_has_type_label_and_names(extract):
    graph = document_triples(extract(TEXT, name="andes.txt"))
    entities = [s for s in graph.subjects(RDFS.label, None) if (s, RDF.type, COOP.Document) not in graph]
    assert entities
    for entity in entities:
        assert graph.value(entity, RDF.type) is not None
        assert len(list(graph.objects(entity, SKOS.prefLabel))) == 1  # one per document graph
    attc = ID["organization/andean-technology-transfer-center"]
    assert {str(a) for a in graph.objects(attc, SKOS.altLabel)} >= {"ATTC", "Center"}


def test_relations_are_plain_triples_with_evidence(extract):
    graph = document_triples(extract(TEXT, name="andes.txt"))
    attc = ID["organization/andean-technology-transfer-center"]
    assert (attc, COOP.cooperatesWith, ID["country/CL"]) in graph
    evidence = list(graph.subjects(RDF.subject, attc))
    assert evidence
    sentences = {str(graph.value(e, COOP.sentence)) for e in evidence}
    assert any("cooperation agreement with Chile" in s for s in sentences)


def test_iris_are_deterministic_and_graphs_merge_by_union(extract):
    a = document_triples(extract(TEXT, name="a.txt"))
    b = document_triples(extract("Chile and the Andean Technology Transfer Center opened a lab.", name="b.txt"))
    again = document_triples(extract(TEXT, name="a.txt"))
    assert set(a) == set(again)
    merged = a + b
    attc = ID["organization/andean-technology-transfer-center"]
    assert len(set(merged.objects(attc, COOP.mentionedIn))) == 2


def test_turtle_round_trip(extract, tmp_path):
    graph = document_triples(extract(TEXT, name="andes.txt"))
    path = kg.write_graph(graph, tmp_path / "g.ttl")
    parsed = Graph().parse(path)
    assert len(parsed) == len(graph)
    assert isinstance(next(iter(parsed.subjects(RDF.type, COOP.Country))), URIRef)


def test_ntriples_written_from_an_extraction_are_those_of_its_triples():
    from kg.model import Document, Entity, Evidence, Extraction, Figure, Relation
    from kg.rdf import document_ntriples, document_statements, nt_term

    said = 'The "Talvesta Water Agency" and Norland\nagreed: a back\\slash too.'
    document = Document(name="notes/talvesta é.txt", path="notes/talvesta é.txt", text=said,
                        sha256="ab" * 32, title="Talvesta \"water\"", source="Norland Wire", date="2024-05-02")
    entities = {
        "organization/talvesta-water-agency": Entity(
            "organization/talvesta-water-agency", "GovernmentAgency", "Talvesta Water Agency",
            aliases={"TWA", "the Agency"}, attributes={"acronym": "TWA", "wikidata": "Q1"}),
        "country/NL": Entity("country/NL", "Country", "Norland",
                             attributes={"isoCode": "NL", "isoAlpha3": "NLD", "geonames": "123"}),
        "event/third-norland-forum": Entity(
            "event/third-norland-forum", "Event", "Third Norland Forum",
            attributes={"edition": "third", "date": "2024-05"}),
        "event/forum-12": Entity("event/forum-12", "Event", "Forum 12", attributes={"edition": "12th", "date": "May"}),
    }
    evidence = Evidence(sentence=said, start=0, end=len(said), rule="agreement", confidence=0.8)
    relations = [Relation("organization/talvesta-water-agency", "cooperatesWith", "country/NL", evidence),
                 Relation("organization/talvesta-water-agency", "cooperatesWith", "country/NL", evidence),
                 Relation("country/NL", "participatesIn", "event/third-norland-forum",
                          Evidence(said, 3, 9, "participation", 1 / 3))]
    figures = [Figure("organization/talvesta-water-agency", 1400.0, "members", "over", "2023", evidence),
               Figure("country/NL", 2.5e-7, "wells", None, None, evidence)]
    extraction = Extraction(document, entities, relations, figures)
    expected = "".join(f"{' '.join(nt_term(t) for t in triple)} .\n" for triple in document_statements(extraction))
    assert document_ntriples(extraction) == expected  # the same lines in the same order, each once
    assert expected.count(" .\n") == len(set(document_statements(extraction)))
