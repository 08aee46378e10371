import json

import pytest
from rdflib import Dataset, Graph, Literal
from rdflib.namespace import RDFS

from kg import export
from kg.export import ExportError, jsonld_context, write_graph
from kg.namespace import COOP, ID


@pytest.fixture()
def graph():
    graph = Graph()
    graph.add((ID["country/CL"], COOP.cooperatesWith, ID["country/PE"]))
    graph.add((ID["country/CL"], RDFS.label, Literal("Chile")))
    return graph


@pytest.mark.parametrize("suffix", [".ttl", ".nt", ".nq", ".trig", ".jsonld"])
def test_every_format_reads_back(graph, tmp_path, suffix):
    path = write_graph(graph, tmp_path / f"g{suffix}")
    loaded = Dataset().parse(path)
    assert {(s, p, o) for s, p, o, _ in loaded.quads()} == set(graph)


def test_unknown_suffix_is_refused(graph, tmp_path):
    with pytest.raises(ExportError, match="unknown RDF format '.xyz'"):
        write_graph(graph, tmp_path / "g.xyz")


def test_context_falls_back_to_the_namespace_prefixes(monkeypatch, tmp_path):
    monkeypatch.setattr(export.resources, "files", lambda package: tmp_path)  # no context.jsonld there
    context = jsonld_context()
    assert context["coop"] == str(COOP._NS) and context["@vocab"] == str(COOP._NS)


def test_context_file_of_the_ontology_package_is_used(monkeypatch, tmp_path):
    (tmp_path / "context.jsonld").write_text(json.dumps({"@context": {"coop": str(COOP._NS), "partner": "coop:cooperatesWith"}}))
    monkeypatch.setattr(export.resources, "files", lambda package: tmp_path)
    assert jsonld_context() == {"coop": str(COOP._NS), "partner": "coop:cooperatesWith"}


def test_jsonld_is_compact_and_self_contained(graph, tmp_path):
    data = json.loads(write_graph(graph, tmp_path / "g.jsonld").read_text())
    assert isinstance(data["@context"], dict)
    assert "cooperatesWith" in json.dumps(data) and str(COOP.cooperatesWith) not in json.dumps(data)


@pytest.mark.parametrize("suffix", [".ttl", ".nt", ".nq", ".trig"])
def test_exporting_a_store_through_oxigraph_imports_no_rdflib(extract, tmp_path, suffix):
    """`kg export --store` in a format Oxigraph writes runs without rdflib (its import was a
    good part of the command's time) and writes what the store holds."""
    import subprocess
    import sys

    from kg.store import Store

    with Store.open(tmp_path / "store") as store:
        store.ingest(extract("The Talvesta Water Agency signed an agreement with Norway.", name="water.txt"))
    code = ("import sys\nfrom kg.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'rdflib', 'pydantic'}), file=sys.stderr)")
    output = tmp_path / f"out{suffix}"
    done = subprocess.run([sys.executable, "-c", code, "export", "--store", str(tmp_path / "store"), "--output", str(output)],
                          capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"
    assert "Talvesta Water Agency" in output.read_text(encoding="utf-8")


@pytest.mark.parametrize("suffix", [".ttl", ".nt"])
def test_the_same_graph_gives_the_same_file_whatever_order_it_was_made_in(graph, tmp_path, suffix):
    reversed_graph = Graph()
    for triple in reversed(sorted(graph)):
        reversed_graph.add(triple)
    first = write_graph(graph, tmp_path / f"a{suffix}").read_bytes()
    assert first == write_graph(reversed_graph, tmp_path / f"b{suffix}").read_bytes()
    lines = [line for line in first.decode().splitlines() if line.startswith("<https://w3id.org/coop-kg/id/country/")]
    assert lines == sorted(lines)  # subjects in order, each once: its statements stand together


@pytest.mark.parametrize("suffix", [".ttl", ".nt"])
def test_a_graph_with_blank_nodes_is_written(tmp_path, suffix):
    from rdflib import BNode
    from rdflib.compare import isomorphic

    graph = Graph()
    node = BNode()
    graph.add((ID["country/CL"], COOP.memberOf, node))
    graph.add((node, RDFS.label, Literal("a group with no name", lang="en")))
    assert isomorphic(Graph().parse(write_graph(graph, tmp_path / f"blank{suffix}")), graph)
