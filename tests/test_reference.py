"""Reference facts: regions part of their country by ISO 3166-2 (pycountry), editions part of
their series, each in a named graph of its own that gives its source; in graphs, graph files
and the store, kept in line as documents come and go."""
from importlib.metadata import version

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS
from typer.testing import CliRunner

import kg
from kg.cli import app
from kg.namespace import COOP, ID
from kg.query import rows
from kg.reference import EDITIONS, ISO_3166_2, series_name, split
from kg.store import Store
from kg.validate import validate

REGIONS = [
    # text, region, its ISO 3166-2 code, its country, the country's label, what the text puts there
    ("The Norland Solar Lab is located in Yunnan.\n", "place/CN-YN", "CN-YN", "country/CN", "China",
     "facility/norland-solar-lab"),
    ("The Talvesta Solar Park is located in Turkana.\n", "place/KE-43", "KE-43", "country/KE", "Kenya",
     "facility/talvesta-solar-park"),
    ("The Mira Holt Water Lab is located in Tasmania.\n", "place/AU-TAS", "AU-TAS", "country/AU", "Australia",
     "facility/mira-holt-water-lab"),
]
EDITIONS_NAMED = [
    # text, edition, series, series label
    ("The 10th Norland Forum on Water was held in Lima.\n", "event/10th-norland-forum-on-water",
     "event/norland-forum-on-water", "Norland Forum on Water"),
    ("The 2019 Andean Water Summit opened in Quito.\n", "event/2019-andean-water-summit",
     "event/andean-water-summit", "Andean Water Summit"),
    ("Ministers met at the 21st Talvesta Water Dialogue in Accra.\n", "event/21st-talvesta-water-dialogue",
     "event/talvesta-water-dialogue", "Talvesta Water Dialogue"),
    # an ordinal written as a word: the edition is labelled with it, and is not the series
    ("Ministers met at the third Norland Water Dialogue in Lima.\n", "event/third-norland-water-dialogue",
     "event/norland-water-dialogue", "Norland Water Dialogue"),
]


def write(folder, name: str, text: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def ask(source, name, **params):
    return rows(kg.query(source, name, params=params))


@pytest.mark.parametrize("text, region, code, country, country_label, inside", REGIONS)
def test_a_region_is_part_of_its_country_in_the_reference_graph_with_its_source(
        nlp, tmp_path, text, region, code, country, country_label, inside):
    graph = kg.build([write(tmp_path / "in", "region.txt", text)])
    region, country = ID[region], ID[country]
    assert (region, COOP.partOf, country) in graph
    assert (region, SKOS.notation, Literal(code)) in graph
    # the text never names the country: reference data does, under the label a text would give it
    assert (country, RDF.type, COOP.Country) in graph and (country, COOP.mentionedIn, None) not in graph
    assert (country, RDFS.label, Literal(country_label)) in graph
    assert (country, COOP.listedIn, ISO_3166_2) in graph
    # the fact's source: the reference graph, which names ISO 3166-2 and the pycountry release
    fact = next(f for f in graph.subjects(RDF.subject, region) if (f, RDF.type, COOP.ReferenceFact) in graph)
    assert graph.value(fact, RDF.predicate) == COOP.partOf and graph.value(fact, RDF.object) == country
    assert graph.value(fact, PROV.wasDerivedFrom) == ISO_3166_2
    assert (ISO_3166_2, RDF.type, COOP.ReferenceGraph) in graph
    assert graph.value(ISO_3166_2, DCTERMS.source) is not None
    release = version("pycountry")
    assert (ISO_3166_2, OWL.versionInfo, Literal(f"pycountry {release}")) in graph
    assert (ISO_3166_2, PROV.wasDerivedFrom, URIRef(f"https://pypi.org/project/pycountry/{release}/")) in graph
    assert validate(graph).conforms, validate(graph).text
    # "everything in the country" reaches what the text puts in the region
    found = {(r["entity"], r["inside"]) for r in ask(graph, "entities-in-country", country=country_label)}
    assert (str(ID[inside]), str(region)) in found and (str(region), str(country)) in found


@pytest.mark.parametrize("text, edition, series, label", EDITIONS_NAMED)
def test_an_edition_is_part_of_its_series(nlp, tmp_path, text, edition, series, label):
    graph = kg.build([write(tmp_path / "in", "edition.txt", text)])
    edition, series = ID[edition], ID[series]
    assert (edition, COOP.partOf, series) in graph
    assert (series, RDF.type, COOP.Event) in graph and (series, RDFS.label, Literal(label)) in graph
    assert (series, COOP.listedIn, EDITIONS) in graph and (series, COOP.mentionedIn, None) not in graph
    fact = next(f for f in graph.subjects(RDF.subject, edition) if (f, RDF.type, COOP.ReferenceFact) in graph)
    assert graph.value(fact, PROV.wasDerivedFrom) == EDITIONS
    assert validate(graph).conforms, validate(graph).text
    answer = {(r["editionLabel"], r.get("seriesLabel")) for r in ask(graph, "editions")}
    assert (str(graph.value(edition, RDFS.label)), label) in answer


@pytest.mark.parametrize("code, inside", [
    ("CN-GX", {"CN"}),  # a first-level subdivision: its country
    ("AZ-BAB", {"AZ-NX", "AZ"}),  # second level: its parent and its country
    ("FR-67", {"FR-6AE", "FR-GES", "FR"}),  # third level: up the chain
])
def test_a_subdivision_is_part_of_its_parents_and_its_country(code, inside):
    from kg.reference import Inputs, reference_graphs

    def iri(code):
        return ID[f"place/{code}"] if "-" in code else ID[f"country/{code}"]

    triples = reference_graphs(Inputs(regions=frozenset({(iri(code), code)})))[ISO_3166_2]
    reached, frontier = set(), {iri(code)}
    while frontier:
        step = {o for s, p, o in triples if s in frontier and p == COOP.partOf} - reached
        reached |= step
        frontier = step
    assert reached == {iri(c) for c in inside}
    assert all((iri(c), SKOS.notation, Literal(c)) in triples for c in inside | {code})
    assert all((iri(c), COOP.listedIn, ISO_3166_2) in triples for c in inside)


@pytest.mark.parametrize("label, series", [
    ("10th Norland Forum on Water", "Norland Forum on Water"),
    ("2019 Andean Water Summit", "Andean Water Summit"),
    ("Third Talvesta Water Dialogue", "Talvesta Water Dialogue"),
    ("1st Norland Expo", "Norland Expo"),
    ("Norland Forum on Water", None),  # no number in front: it names the series itself
    ("10th", None),
    ("Andean Water Summit 2019", None),
])
def test_series_name(label, series):
    assert series_name(label) == series


def test_a_series_a_text_names_is_the_node_its_editions_are_part_of(nlp, tmp_path):
    folder = tmp_path / "in"
    write(folder, "a.txt", "The 10th Norland Forum on Water was held in Lima.\n")
    write(folder, "b.txt", "Mira Holt chairs the Norland Forum on Water.\n")
    graph = kg.build([folder])
    series = ID["event/norland-forum-on-water"]
    assert (ID["event/10th-norland-forum-on-water"], COOP.partOf, series) in graph
    assert (series, COOP.mentionedIn, None) in graph and (series, COOP.listedIn, EDITIONS) in graph


@pytest.mark.parametrize("suffix", [".trig", ".nq", ".jsonld"])
def test_graph_files_with_named_graphs_keep_the_reference_graph_apart(nlp, tmp_path, suffix):
    source = write(tmp_path / "in", "region.txt", REGIONS[0][0])
    output = tmp_path / f"g{suffix}"
    result = CliRunner().invoke(app, ["build", str(source), "--output", str(output), "-q", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    dataset = Dataset()
    dataset.parse(output, format="json-ld" if suffix == ".jsonld" else None)
    reference = dataset.graph(ISO_3166_2)
    assert (ID["place/CN-YN"], COOP.partOf, ID["country/CN"]) in reference
    assert (ISO_3166_2, DCTERMS.source, None) in reference
    # the default graph is what the text states
    assert (ID["facility/norland-solar-lab"], COOP.locatedIn, ID["place/CN-YN"]) in dataset.default_graph
    assert (ID["place/CN-YN"], COOP.partOf, ID["country/CN"]) not in dataset.default_graph
    assert (ID["facility/norland-solar-lab"], COOP.locatedIn, ID["place/CN-YN"]) not in reference


@pytest.mark.parametrize("suffix", [".ttl", ".nt"])
def test_a_graph_file_without_named_graphs_holds_what_the_text_states(nlp, tmp_path, suffix):
    """One document, one graph file: as extraction is scored, nothing the text does not say;
    queries on the file still see the reference facts."""
    source = write(tmp_path / "in", "region.txt", REGIONS[0][0])
    output = tmp_path / f"g{suffix}"
    result = CliRunner().invoke(app, ["build", str(source), "--output", str(output), "-q", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    written = Graph().parse(output)
    assert (ID["facility/norland-solar-lab"], COOP.locatedIn, ID["place/CN-YN"]) in written
    assert (ID["place/CN-YN"], COOP.partOf, ID["country/CN"]) not in written
    assert (ID["country/CN"], None, None) not in written and (None, COOP.listedIn, None) not in written
    answer = CliRunner().invoke(app, ["query", "entities-in-country", "--graph", str(output), "--param",
                                      "country=China", "--format", "csv"])
    assert answer.exit_code == 0 and str(ID["facility/norland-solar-lab"]) in answer.output, answer.output


def test_a_fact_the_text_states_too_stays_in_the_texts_graph(extract, tmp_path):
    from kg.model import Evidence, Relation
    from kg.rdf import document_triples
    from kg.reference import add_reference

    extraction = extract("The Norland Solar Lab is located in Yunnan, a province of China.\n")
    sentence = "The Norland Solar Lab is located in Yunnan, a province of China."
    extraction.relations.append(Relation("place/CN-YN", "partOf", "country/CN",
                                         Evidence(sentence, 36, 63, "test", 0.9)))
    graph = document_triples(extraction)
    add_reference(graph)
    kg.write_graph(graph, tmp_path / "g.ttl")
    written = Graph().parse(tmp_path / "g.ttl")
    assert (ID["place/CN-YN"], COOP.partOf, ID["country/CN"]) in written  # stated, with its evidence
    assert (ID["country/CN"], RDFS.label, Literal("China")) in written  # the text names China
    assert (ID["country/CN"], COOP.listedIn, None) not in written and (None, RDF.type, COOP.ReferenceFact) not in written


# -- the store ------------------------------------------------------------------------------

def stored_reference(store: Store) -> set[tuple]:
    return {(s, p, o) for s, p, o, g in store.quads() if g == ISO_3166_2 and p == COOP.partOf}


@pytest.mark.parametrize("text, region, code, country, country_label, inside", REGIONS)
def test_the_store_answers_for_a_country_with_what_is_in_its_regions(
        nlp, tmp_path, text, region, code, country, country_label, inside):
    folder = tmp_path / "in"
    write(folder, "region.txt", text)
    write(folder, "other.txt", "Chile signed a cooperation agreement with Peru.\n")
    with Store.open(tmp_path / "db") as store:
        kg.build([folder], store=store)
        assert stored_reference(store) == {(ID[region], COOP.partOf, ID[country])}
        answer = {r["entity"] for r in ask(store, "entities-in-country", country=country_label)}
        assert {str(ID[inside]), str(ID[region])} <= answer
        # the store answers as the graph of the same documents does
        graph = kg.build([folder])
        assert sorted(map(sorted, map(dict.items, ask(store, "entities-in-country", country=country_label)))) \
            == sorted(map(sorted, map(dict.items, ask(graph, "entities-in-country", country=country_label))))
        # taking out the only document that names the region takes its reference facts out too
        store.remove("region.txt")
        assert stored_reference(store) == set()
        assert ISO_3166_2 not in store.named_graphs()
        assert not store.oxigraph.query(f"ASK {{ <{ID[region]}> ?p ?o }}")
        assert not store.oxigraph.query(f"ASK {{ <{ID[country]}> ?p ?o }}")
        assert ask(store, "partners-of", entity="Chile")  # the other document is untouched


def test_reference_facts_stay_while_another_document_names_the_region(nlp, tmp_path):
    folder = tmp_path / "in"
    write(folder, "a.txt", "The Norland Solar Lab is located in Yunnan.\n")
    write(folder, "b.txt", "The Talvesta Water Agency has an office in Yunnan, China.\n")
    with Store.open(tmp_path / "db") as store:
        kg.build([folder], store=store)
        expected = {(ID["place/CN-YN"], COOP.partOf, ID["country/CN"])}
        assert stored_reference(store) == expected
        store.remove("a.txt")
        assert stored_reference(store) == expected
        # China is still named by b.txt and by reference data
        assert store.oxigraph.query(f"ASK {{ <{ID['country/CN']}> <{COOP.listedIn}> <{ISO_3166_2}> }}")
        store.remove("b.txt")
        assert stored_reference(store) == set() and len(store) == 0


def test_a_replaced_document_that_no_longer_names_the_region_drops_its_facts(nlp, tmp_path):
    folder = tmp_path / "in"
    source = write(folder, "a.txt", "The 10th Norland Forum on Water was held in Guangxi.\n")
    with Store.open(tmp_path / "db") as store:
        kg.build([folder], store=store)
        assert set(store.named_graphs()) >= {ISO_3166_2, EDITIONS}
        source.write_text("The Norland Solar Lab is located in Yunnan.\n", encoding="utf-8")
        assert kg.build([folder], store=store).counts["replaced"] == 1
        assert stored_reference(store) == {(ID["place/CN-YN"], COOP.partOf, ID["country/CN"])}
        assert EDITIONS not in store.named_graphs()
        # the merged default graph follows: nothing of the old region or series is left
        assert not store.oxigraph.query(f"ASK {{ <{ID['place/CN-GX']}> ?p ?o }}")
        assert not store.oxigraph.query(f"ASK {{ <{ID['event/norland-forum-on-water']}> ?p ?o }}")
        assert store.to_graph().isomorphic(kg.build([folder]))


def test_the_reference_graph_is_made_anew_when_pycountry_changes(nlp, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    write(folder, "a.txt", "The Norland Solar Lab is located in Yunnan.\n")
    with Store.open(tmp_path / "db") as store:
        kg.build([folder], store=store)
        monkeypatch.setattr("kg.reference.pycountry_version", lambda: "99.1.1")
        write(folder, "b.txt", "Chile signed a cooperation agreement with Peru.\n")
        kg.build([folder], store=store)
        versions = {str(o) for s, p, o, g in store.quads() if g == ISO_3166_2 and p == OWL.versionInfo}
        assert versions == {"pycountry 99.1.1"}


def test_the_store_exports_the_reference_graph_as_a_named_graph(nlp, tmp_path):
    folder = tmp_path / "in"
    write(folder, "a.txt", "The 10th Norland Forum on Water was held in Guangxi.\n")
    with Store.open(tmp_path / "db") as store:
        kg.build([folder], store=store)
        store.export(tmp_path / "all.trig")
        store.export(tmp_path / "all.ttl")
    # without named graphs: what the text states, as `kg build --output` writes it
    assert isomorphic(Graph().parse(tmp_path / "all.ttl"), split(kg.build([folder]))[0])
    dataset = Dataset()
    dataset.parse(tmp_path / "all.trig")
    assert (ID["place/CN-GX"], COOP.partOf, ID["country/CN"]) in dataset.graph(ISO_3166_2)
    assert (ID["event/10th-norland-forum-on-water"], COOP.partOf, ID["event/norland-forum-on-water"]) \
        in dataset.graph(EDITIONS)


def test_reference_data_labels_every_country_as_the_gazetteer_does():
    import pycountry

    from kg.nlp.gazetteer import gazetteer
    from kg.reference import _country_label

    differ = {c.alpha_2 for c in pycountry.countries
              if _country_label(c.alpha_2) != gazetteer().by_key[f"country/{c.alpha_2}"].label}
    assert not differ


@pytest.mark.parametrize("place, found", [("China", True), ("Guangxi", True), ("Kenya", False)])
def test_events_in_a_country_include_those_held_in_its_regions(nlp, tmp_path, place, found):
    folder = tmp_path / "in"
    write(folder, "a.txt", "The 10th Norland Forum on Water was held in Guangxi.\n")
    write(folder, "b.txt", "Kenya signed a cooperation agreement with Peru.\n")
    forum = str(ID["event/10th-norland-forum-on-water"])
    graph = kg.build([folder])
    assert (forum in {r["event"] for r in ask(graph, "events-in-place", place=place)}) == found
    with Store.open(tmp_path / "db") as store:
        kg.build([folder], store=store)
        assert (forum in {r["event"] for r in ask(store, "events-in-place", place=place)}) == found
