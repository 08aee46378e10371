"""Every canned query in queries/, each asked a question whose answer the test knows."""
import re

import pytest
from conftest import CANNED_PARAMS, analyst_documents, comparable
from rdflib import Graph, Literal
from typer.testing import CliRunner

import kg
from kg.cli import app
from kg.query import QueryError, canned_queries, rows
from kg.rdf import document_triples, merge
from kg.store import Store

HEADER_FIELDS = ("title", "question", "parameters", "example")


@pytest.fixture(scope="module")
def graph():
    return merge(analyst_documents().values())


@pytest.fixture(scope="module")
def extracted(extract):
    return merge([
        document_triples(extract("Chile and Peru sign energy pact\n\nLIMA, May 2, 2024 -- Chile signed a "
                                 "cooperation agreement with Peru.\n", name="pact.txt")),
        document_triples(extract("Forum in Lima\n\nThe 3rd Andean Water Forum was held in Lima, Peru.\n",
                                 name="forum.txt")),
    ])


def ask(source, name, **params):
    return rows(kg.query(source, name, params=params))


def test_the_library_has_at_least_twelve_queries_with_full_headers():
    queries = canned_queries()
    assert len(queries) >= 12
    for canned in queries.values():
        for field in HEADER_FIELDS:
            assert re.search(rf"^# {field}: \S", canned.text, re.MULTILINE), f"{canned.name}: no '# {field}:'"
        assert f"kg query {canned.name}" in canned.text, f"{canned.name}: example does not call it"


@pytest.mark.parametrize("name", sorted(canned_queries()))
def test_every_query_answers_on_the_test_corpus(graph, name):
    assert ask(graph, name, **CANNED_PARAMS.get(name, {})), f"{name} gives no answer"


@pytest.mark.parametrize("entity, expected", [
    ("Chilean Energy Agency", {"Peruvian Solar Institute", "Andean Water Council"}),
    ("Peru", {"Andean Water Council"}),
    ("AWC", {"Peru", "Chilean Energy Agency"}),
])
def test_partners_of(graph, entity, expected):
    assert {r["partnerLabel"] for r in ask(graph, "partners-of", entity=entity)} == expected


@pytest.mark.parametrize("place, expected", [("Peru", {("Andean Water Forum", "Lima", "3", "2024-05-02")}),
                                             ("Lima", {("Andean Water Forum", "Lima", "3", "2024-05-02")}),
                                             ("Chile", set())])
def test_events_in_place_looks_inside_the_place(graph, place, expected):
    answer = {(r["eventLabel"], r["whereLabel"], r["edition"], r["date"])
              for r in ask(graph, "events-in-place", place=place)}
    assert answer == expected


def test_programs_name_who_runs_supports_and_serves_them(graph):
    # the Andean Fund is a coop:Fund, a subclass of coop:Program
    assert ask(graph, "programs") == [{
        "program": "https://w3id.org/coop-kg/id/program/andean-fund", "programLabel": "Andean Fund",
        "runBy": "Chilean Energy Agency", "supportedBy": "Bolivia", "serves": "Peru"}]


def test_organizations_by_partners_counts_every_subclass(graph):
    answer = [(r["label"], int(r["partners"])) for r in ask(graph, "organizations-by-partners")]
    assert answer == [("Andean Water Council", 2), ("Chilean Energy Agency", 2), ("Peruvian Solar Institute", 1)]


@pytest.mark.parametrize("a, b, expected", [
    ("Chile", "Peru", {("Chilean Energy Agency", "Peruvian Solar Institute")}),
    ("Peru", "Chile", {("Peruvian Solar Institute", "Chilean Energy Agency")}),
    ("Chile", "Bolivia", {("Chile", "Bolivia")}),
])
def test_cooperation_between_two_countries_directly_or_through_their_bodies(graph, a, b, expected):
    answer = ask(graph, "cooperation-between", a=a, b=b)
    assert {(r["xLabel"], r["yLabel"]) for r in answer} == expected
    assert all(r["sentence"].endswith(".") for r in answer)


def test_entity_facts_in_both_directions_with_evidence(graph):
    answer = ask(graph, "entity-facts", entity="Andean Water Council")
    facts = {(r["subjectLabel"], r["relation"].rsplit("#")[-1], r["objectLabel"], r["documentTitle"]) for r in answer}
    assert facts == {
        ("Andean Water Council", "cooperatesWith", "Peru", "Water council"),
        ("Andean Water Council", "cooperatesWith", "Chilean Energy Agency", "Water council"),
        ("Bolivia", "memberOf", "Andean Water Council", "Water council"),
        ("Chile", "memberOf", "Andean Water Council", "Water council"),
    }
    assert all(r["sentence"] for r in answer)


@pytest.mark.parametrize("entity, titles", [("Peru", ["Andes energy", "Water council"]),
                                            ("Andean Fund", ["Andes energy"])])
def test_documents_mentioning(graph, entity, titles):
    assert [r["title"] for r in ask(graph, "documents-mentioning", entity=entity)] == titles


@pytest.mark.parametrize("name, params", [("documents-mentioning", {"entity": "Ghana"}),
                                          ("cooperation-between", {"a": "Bolivia", "b": "Ghana"})])
def test_an_entity_the_graph_does_not_have_is_reported_not_answered_with_nothing(graph, name, params):
    with pytest.raises(QueryError, match="no entity is called 'Ghana'"):
        kg.query(graph, name, params=params)


def test_figures_of_an_entity_in_time_order(graph):
    answer = ask(graph, "figures-of", entity="Peru")
    assert [(r["value"], r["counts"], r["asOf"]) for r in answer] == [("120", "engineers", "2023"),
                                                                      ("300", "engineers", "2025")]
    assert ask(graph, "figures-of", entity="Chile") == []


def test_aliases_lists_entities_with_several_names(graph):
    answer = ask(graph, "aliases")
    assert [(r["label"], int(r["names"])) for r in answer] == [("Andean Water Council", 3)]
    assert set(answer[0]["knownAs"].split("; ")) == {"Andean Water Council", "AWC", "Consejo Andino del Agua"}


def test_relation_evidence_gives_sentence_and_document(graph):
    answer = ask(graph, "relation-evidence", predicate="coop:cooperatesWith")
    assert len(answer) == 4
    first = answer[0]
    assert (first["subjectLabel"], first["objectLabel"], first["documentTitle"]) == (
        "Andean Water Council", "Chilean Energy Agency", "Water council")
    assert first["sentence"] == "Andean Water Council cooperatesWith Chilean Energy Agency."
    assert first["rule"] == "test" and float(first["confidence"]) == 0.9
    assert len(ask(graph, "relation-evidence")) == 17


@pytest.mark.parametrize("group, members", [("Andean Water Council", {"Bolivia", "Chile"}), ("Chile", set())])
def test_members_of(graph, group, members):
    assert {r["memberLabel"] for r in ask(graph, "members-of", group=group)} == members


def test_entities_by_class_counts_finer_classes_under_top_classes(graph):
    answer = {r["topClass"].rsplit("#")[-1]: int(r["entities"]) for r in ask(graph, "entities-by-class")}
    assert answer == {"Country": 3, "Organization": 3, "Program": 1, "Place": 1, "Event": 1, "Facility": 1}


def test_facilities(graph):
    assert ask(graph, "facilities") == [{
        "facility": "https://w3id.org/coop-kg/id/facility/tacna-solar-lab", "facilityLabel": "Tacna Solar Lab",
        "locatedIn": "Peru", "establishedBy": "Peruvian Solar Institute", "serves": "Bolivia"}]


def test_cooperation_pairs_counts_documents(graph):
    answer = {(r["aLabel"], r["bLabel"]): int(r["documents"]) for r in ask(graph, "cooperation-pairs")}
    assert answer[("Chile", "Bolivia")] == 1 and len(answer) == 4


@pytest.fixture(scope="module")
def sparse():
    """Bare facts: no evidence, no dates, no optional attribute; one entity of each class."""
    from rdflib.namespace import RDF, RDFS

    from kg.namespace import COOP, ID

    graph = Graph()
    for local, cls in (("country/CL", "Country"), ("country/PE", "Country"), ("program/p", "Program"),
                       ("facility/f", "Facility"), ("org/o", "Company"), ("event/e", "Event")):
        graph.add((ID[local], RDF.type, COOP[cls]))
        graph.add((ID[local], RDFS.label, Literal(local.split("/")[1])))
    graph.add((ID["country/CL"], COOP.cooperatesWith, ID["country/PE"]))
    graph.add((ID["org/o"], COOP.cooperatesWith, ID["country/PE"]))
    graph.add((ID["event/e"], COOP.heldIn, ID["country/PE"]))
    return graph


@pytest.mark.parametrize("name", sorted(canned_queries()))
def test_every_query_runs_where_optional_parts_are_missing(sparse, name):
    params = {key: "CL" for key in CANNED_PARAMS.get(name, {})}
    assert all(r for r in ask(sparse, name, **params)), f"{name} gives empty rows"
    assert comparable(kg.query(_sparse_store(sparse), name, params=params)) == comparable(
        kg.query(sparse, name, params=params))


def test_sparse_answers(sparse):
    assert ask(sparse, "programs") == [{"program": "https://w3id.org/coop-kg/id/program/p", "programLabel": "p"}]
    assert [r["facilityLabel"] for r in ask(sparse, "facilities")] == ["f"]
    assert [(r["label"], r["partners"]) for r in ask(sparse, "organizations-by-partners")] == [("o", "1")]
    assert [r["eventLabel"] for r in ask(sparse, "events-in-place", place="PE")] == ["e"]


def _sparse_store(graph) -> Store:
    store = Store.in_memory()
    store.put_graph(kg.namespace.document_iri("sparse.txt"), graph)
    return store


# -- on graphs extracted from text: only facts the extraction states plainly ------------------

def test_extracted_partners_evidence_and_documents(extracted):
    assert {r["partnerLabel"] for r in ask(extracted, "partners-of", entity="Peru")} >= {"Chile"}
    evidence = [r for r in ask(extracted, "relation-evidence", predicate="coop:cooperatesWith")
                if {r["subjectLabel"], r["objectLabel"]} == {"Chile", "Peru"}]
    assert any("signed a cooperation agreement" in r["sentence"] for r in evidence)
    assert {r["documentTitle"] for r in evidence} == {"Chile and Peru sign energy pact"}
    assert {r["file"] for r in ask(extracted, "documents-mentioning", entity="Chile")} >= {"pact.txt"}
    facts = ask(extracted, "entity-facts", entity="Chile")
    assert any(r["relation"].endswith("cooperatesWith") and "Peru" in (r["subjectLabel"], r["objectLabel"])
               for r in facts)


def test_extracted_event_is_found_in_its_country(extracted):
    labels = {r["eventLabel"] for r in ask(extracted, "events-in-place", place="Peru")}
    assert any("Andean Water Forum" in label for label in labels)


# -- the same answers from the store -----------------------------------------------------------

@pytest.mark.parametrize("name", sorted(canned_queries()))
def test_store_answers_every_query_like_the_graph(graph, tmp_path_factory, name):
    store = _store(tmp_path_factory)
    params = CANNED_PARAMS.get(name, {})
    assert comparable(kg.query(store, name, params=params)) == comparable(kg.query(graph, name, params=params))


_STORES = {}


def _store(tmp_path_factory) -> Store:
    if "store" not in _STORES:
        store = Store.open(tmp_path_factory.mktemp("store") / "db")
        for name, document in analyst_documents().items():
            store.put_graph(kg.namespace.document_iri(name), document)
        _STORES["store"] = store
    return _STORES["store"]


def test_cli_list_shows_every_query_with_its_title():
    listing = CliRunner().invoke(app, ["query", "--list"])
    for canned in canned_queries().values():
        assert canned.name in listing.output and canned.title in listing.output


def test_events_by_year_from_the_dates_the_texts_give(extract):
    dated = merge([
        document_triples(extract("The 3rd Andean Water Forum was held in Lima on May 2, 2024.\n", name="a.txt")),
        document_triples(extract("The Pacific Soil Summit opened in Quito in March 2023.\n", name="b.txt")),
    ])
    years = {row["year"]: row["names"] for row in ask(dated, "events-by-year")}
    assert years == {"2023": "Pacific Soil Summit", "2024": "3rd Andean Water Forum"}
