"""The network projection of the graph and the analytics on it."""
from __future__ import annotations

import json

import networkx as nx
import pytest
from typer.testing import CliRunner

from netgraph import ENTITIES, RELATIONS, entity_graph, iri, sample_graph
from kg.cli import app
from kg.network import (EntityNotFound, export_network, find_entity, find_path, network_stats,
                        to_networkx)
from kg.pipeline import extract_text
from kg.rdf import document_triples

runner = CliRunner()


@pytest.fixture
def network():
    return to_networkx(sample_graph())


def test_projection_keeps_entities_relations_and_evidence(network):
    assert network.number_of_nodes() == len(ENTITIES)
    assert network.number_of_edges() == len(RELATIONS)
    kenya = network.nodes[iri("kenya")]
    assert kenya == {"label": "Kenya", "cls": "Country", "names": ["Kenya", "Republic of Kenya"],
                     "sources": 1}
    assert network.nodes[iri("nairobi")]["cls"] == "Place"      # City -> Place
    edge = network.edges[iri("ministry"), iri("lab"), "established"]
    assert edge["sentence"] == "The Ministry of Energy opened a solar laboratory."
    assert edge["source"] == "Test bulletin" and edge["evidence"] == 1
    assert edge["document"].endswith("/doc/Test%20bulletin")  # the name, percent-encoded where needed


def test_documents_and_assertions_are_not_entities():
    graph = sample_graph()
    network = to_networkx(graph)
    assert all("/doc/" not in n and "/assertion/" not in n for n in network)


def test_evidence_from_two_documents_is_counted_and_stable():
    first = entity_graph([("a", "Country", "A", []), ("b", "Country", "B", [])],
                         [("a", "cooperatesWith", "b", "B: A and B cooperate.")], title="Zeta")
    second = entity_graph([("a", "Country", "A", []), ("b", "Country", "B", [])],
                          [("a", "cooperatesWith", "b", "A: they cooperate.")], title="Alpha")
    network = to_networkx(first + second)
    edge = network.edges[iri("a"), iri("b"), "cooperatesWith"]
    assert (edge["source"], edge["sentence"], edge["evidence"]) == ("Alpha", "A: they cooperate.", 2)
    assert network.nodes[iri("a")]["sources"] == 2


def test_projection_of_an_extracted_document(nlp):
    text = ("Kenya and Finland sign energy accord\n\nNAIROBI, March 3, 2025 -- Kenya and Finland "
            "signed a cooperation agreement on renewable energy in Nairobi.\n")
    graph = document_triples(extract_text(text, name="accord.txt"))
    network = to_networkx(graph)
    labels = {d["label"]: d["cls"] for _, d in network.nodes(data=True)}
    assert labels.get("Kenya") == "Country" and labels.get("Finland") == "Country"
    for _, _, data in network.edges(data=True):   # whatever was found carries its evidence
        assert data["sentence"] and data["source"] == "Kenya and Finland sign energy accord"


def two_triangles():
    """Two tight groups joined by one relation, plus a separate pair."""
    entities = [(k, "Organization", k.upper(), []) for k in ("a1", "a2", "a3", "b1", "b2", "b3", "x", "y")]
    relations = [("a1", "cooperatesWith", "a2", "s"), ("a2", "cooperatesWith", "a3", "s"),
                 ("a3", "cooperatesWith", "a1", "s"), ("b1", "cooperatesWith", "b2", "s"),
                 ("b2", "cooperatesWith", "b3", "s"), ("b3", "cooperatesWith", "b1", "s"),
                 ("a1", "supports", "b1", "s"), ("x", "memberOf", "y", "s")]
    return to_networkx(entity_graph(entities, relations))


def test_stats_counts_centrality_communities_components():
    stats = network_stats(two_triangles(), top=2)
    assert (stats.nodes, stats.edges) == (8, 8)
    assert stats.classes == {"Organization": 8}
    assert stats.predicates == {"cooperatesWith": 6, "memberOf": 1, "supports": 1}
    assert [e["label"] for e in stats.central] == ["A1", "B1"]
    assert stats.central[0]["degree"] == 3 and stats.central[0]["centrality"] == round(3 / 7, 4)
    groups = [{m["label"] for m in c} for c in stats.communities]
    assert groups == [{"A1", "A2", "A3"}, {"B1", "B2", "B3"}, {"X", "Y"}]
    assert stats.components == [6, 2]


def test_stats_of_the_sample(network):
    stats = network_stats(network)
    assert stats.classes == {"Country": 3, "Event": 1, "Facility": 1, "Organization": 1,
                             "Place": 1, "Program": 1}
    assert sum(stats.predicates.values()) == len(RELATIONS)
    assert stats.components == [6, 2]
    assert len(stats.central) == len(ENTITIES)
    # three neighbours each; a tie is broken by label
    assert [(e["label"], e["degree"]) for e in stats.central[:3]] == \
        [("Kenya", 3), ("Solar Laboratory", 3), ("Finland", 2)]


@pytest.mark.parametrize("name, key", [
    ("Kenya", "kenya"), ("kenya", "kenya"), ("Republic of Kenya", "kenya"), ("suomi", "finland"),
    (" MoE ", "ministry"), (iri("lab"), "lab"),
])
def test_find_entity(network, name, key):
    assert find_entity(network, name) == iri(key)


def test_find_entity_unknown_or_ambiguous():
    network = to_networkx(entity_graph([("a", "Country", "Georgia", []),
                                        ("b", "Province", "Georgia", []),
                                        ("c", "City", "Tbilisi", ["Georgia capital"])], []))
    with pytest.raises(EntityNotFound, match="no entity"):
        find_entity(network, "Atlantis")
    with pytest.raises(EntityNotFound, match="2 entities") as error:
        find_entity(network, "georgia")
    assert iri("a") in str(error.value) and iri("b") in str(error.value)


def test_path_follows_relations_in_either_direction_with_evidence(network):
    hops = find_path(network, "Ghana", "Water Fund")
    assert [(h.source, h.target) for h in hops] == [(iri("ghana"), iri("fund"))]
    assert hops[0].relations == [{"subject": "Water Fund", "predicate": "serves", "object": "Ghana",
                                  "sentence": "The Water Fund serves Ghana.",
                                  "source": "Test bulletin", "document": hops[0].relations[0]["document"]}]
    hops = find_path(network, "Finland", "Green Trade Forum")
    assert len(hops) == 2
    steps = [(r["subject"], r["predicate"], r["object"]) for h in hops for r in h.relations]
    # each relation keeps its own direction, whatever the direction of the path
    assert steps == [("Kenya", "cooperatesWith", "Finland"), ("Kenya", "participatesIn", "Green Trade Forum")]
    assert all(r["sentence"] and r["source"] == "Test bulletin" for h in hops for r in h.relations)


def test_path_between_unconnected_entities_is_none(network):
    assert find_path(network, "Kenya", "Ghana") is None
    assert find_path(network, "Kenya", "Kenya") == []


@pytest.mark.parametrize("suffix, reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_exports_read_back_in_network_tools(tmp_path, network, suffix, reader):
    path = export_network(network, tmp_path / f"net.{suffix}")
    back = reader(path)
    assert back.number_of_nodes() == len(ENTITIES) and back.number_of_edges() == len(RELATIONS)
    kenya = back.nodes[iri("kenya")]
    assert kenya["label"] == "Kenya" and kenya["cls"] == "Country"
    assert kenya["names"] == "Kenya; Republic of Kenya"            # a list, joined
    assert kenya["centrality"] > 0
    predicates = sorted(d["predicate"] for _, _, d in back.edges(data=True))
    assert predicates == sorted(r[1] for r in RELATIONS)
    sentences = {d["sentence"] for _, _, d in back.edges(data=True)}
    assert sentences == {r[3] for r in RELATIONS}


def test_gexf_carries_the_class_colours_for_gephi(tmp_path, network):
    back = nx.read_gexf(export_network(network, tmp_path / "net.gexf"))
    assert back.nodes[iri("kenya")]["viz"]["color"] == {"r": 0xe1, "g": 0x57, "b": 0x59, "a": 1.0}
    assert back.nodes[iri("lab")]["viz"]["size"] > back.nodes[iri("ghana")]["viz"]["size"]


def test_stats_of_an_empty_graph():
    stats = network_stats(to_networkx(entity_graph([], [])))
    assert (stats.nodes, stats.edges, stats.central, stats.communities, stats.components) == \
        (0, 0, [], [], [])


def test_export_format_option_overrides_the_suffix(tmp_path, network):
    path = export_network(network, tmp_path / "net.xml", "gexf")
    assert "<gexf" in path.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="graphml, gexf"):
        export_network(network, tmp_path / "net.xml")


# ---------------------------------------------------------------- commands

@pytest.fixture
def ttl(tmp_path):
    path = tmp_path / "g.ttl"
    sample_graph().serialize(path, format="turtle")
    return path


def test_kg_stats(ttl):
    result = runner.invoke(app, ["stats", str(ttl), "--top", "3"])
    assert result.exit_code == 0, result.output
    assert "entities: 8   relations: 8" in result.output
    assert "Country 3" in result.output and "supports 1" in result.output
    assert "Solar Laboratory (Facility)" in result.output
    assert "connected components: 2 (sizes: 6, 2)" in result.output
    data = json.loads(runner.invoke(app, ["stats", str(ttl), "--json"]).output)
    assert data["components"] == [6, 2] and data["classes"]["Country"] == 3


def test_kg_path(ttl):
    result = runner.invoke(app, ["path", "Water Fund", "ghana", "--graph", str(ttl)])
    assert result.exit_code == 0, result.output
    assert "1 step(s): Water Fund - Ghana" in result.output
    assert "Water Fund --serves--> Ghana" in result.output
    assert '"The Water Fund serves Ghana."' in result.output and "source: Test bulletin" in result.output


@pytest.mark.parametrize("args, code, message", [
    (["Kenya", "Ghana"], 1, "not connected"),
    (["Kenya", "Atlantis"], 2, "no entity is called 'Atlantis'"),
])
def test_kg_path_failures(ttl, args, code, message):
    result = runner.invoke(app, ["path", *args, "--graph", str(ttl)])
    assert result.exit_code == code
    assert message in result.output


@pytest.mark.parametrize("name, extra, marker", [
    ("net.graphml", [], "<graphml"), ("net.gexf", [], "<gexf"),
    ("net.xml", ["--format", "gexf"], "<gexf"), ("net.xml", ["--format", "GraphML"], "<graphml"),
])
def test_kg_export_network(tmp_path, ttl, name, extra, marker):
    out = tmp_path / name
    result = runner.invoke(app, ["export-network", str(ttl), "--output", str(out), *extra])
    assert result.exit_code == 0, result.output
    assert marker in out.read_text(encoding="utf-8")
    assert "8 entities, 8 relations" in result.output


def test_kg_export_network_unknown_format(tmp_path, ttl):
    result = runner.invoke(app, ["export-network", str(ttl), "--output", str(tmp_path / "n.csv")])
    assert result.exit_code == 2 and "unknown format 'csv'" in result.output


def test_class_and_relation_counts():
    from rdflib import Graph, Literal
    from rdflib.namespace import RDF, RDFS

    from kg.namespace import COOP, ID
    from kg.network import class_and_relation_counts

    graph = Graph()
    for node, cls in ((ID.a, COOP.Company), (ID.b, COOP.Country), (ID.c, COOP.City)):
        graph.add((node, RDF.type, cls))
        graph.add((node, RDFS.label, Literal(str(node))))
    graph.add((ID.a, COOP.cooperatesWith, ID.b))
    graph.add((ID.a, COOP.locatedIn, ID.c))
    classes, relations = class_and_relation_counts(graph)
    assert classes == {"Organization": 1, "Country": 1, "Place": 1}
    assert relations["cooperatesWith"] == 1 and relations["locatedIn"] == 1 and relations["partOf"] == 0
