"""kg push against a real Oxigraph server on 127.0.0.1: every canned query answers the same there."""
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import CANNED_PARAMS, analyst_documents, comparable, stop_process
from rdflib.query import Result
from typer.testing import CliRunner

import kg
from kg.cli import app
from kg.namespace import ID, document_iri
from kg.push import PushError, push
from kg.query import bind_value, canned_queries, resolve_query, rows, with_values
from kg.rdf import merge
from kg.store import Store

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def oxigraph_server(tmp_path):
    """A real `oxigraph serve` on a free port; yields its base URL, then stops it."""
    if not Path(OXIGRAPH).exists():
        pytest.fail("the oxigraph server (PyPI package oxigraph, in the test extras) is not installed")
    port = free_port()
    process = subprocess.Popen([OXIGRAPH, "serve", "--location", str(tmp_path / "remote"),
                                "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/query?{urlencode({'query': 'ASK {}'})}", timeout=2).read()
            break
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"oxigraph did not start: {process.stderr.read(2000)!r}")
            time.sleep(0.2)
    yield base
    stop_process(process)


@pytest.fixture()
def store(tmp_path):
    with Store.open(tmp_path / "db") as opened:
        for name, graph in analyst_documents().items():
            opened.put_graph(document_iri(name), graph)
        yield opened


def remote_select(base: str, sparql: str) -> Result:
    request = urllib.request.Request(f"{base}/query", data=sparql.encode("utf-8"), headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return Result.parse(BytesIO(response.read()), format="json")


def remote_graphs(base: str) -> set[str]:
    answer = remote_select(base, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {str(row[0]) for row in answer}


@pytest.mark.parametrize("how", ["graph-store", "update"])
def test_every_canned_query_answers_the_same_on_the_server(oxigraph_server, store, how):
    if how == "graph-store":
        pushed = push(store, graph_store=f"{oxigraph_server}/store")
    else:
        pushed = push(store, endpoint=f"{oxigraph_server}/update")
    assert {p.graph for p in pushed} == {str(document_iri("a.txt")), str(document_iri("b.txt"))}
    assert remote_graphs(oxigraph_server) == {p.graph for p in pushed}  # no invented default graph
    local = merge(analyst_documents().values())
    for name in canned_queries():
        _, text = resolve_query(name)
        params = CANNED_PARAMS.get(name, {})
        bindings = {key: bind_value(local, value) for key, value in params.items()}
        there = comparable(remote_select(oxigraph_server, with_values(text, bindings)))
        assert there, f"{name}: no answer on the server"
        assert there == comparable(kg.query(local, name, params=params)), name
        assert there == comparable(kg.query(store, name, params=params)), name


def test_pushing_again_replaces_rather_than_duplicates(oxigraph_server, store):
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    push(store, graph_store=f"{oxigraph_server}/store")
    first = int(rows(remote_select(oxigraph_server, count))[0]["n"])
    store.remove("b.txt")
    store.put_graph(document_iri("a.txt"), analyst_documents()["a.txt"])
    push(store, graph_store=f"{oxigraph_server}/store")
    push(store, endpoint=f"{oxigraph_server}/update")
    assert int(rows(remote_select(oxigraph_server, count))[0]["n"]) == first  # b.txt still there, a.txt once
    assert first == len(store) + len(analyst_documents()["b.txt"])


@pytest.mark.parametrize("target", [None, "https://w3id.org/coop-kg/id/graph/test"])
def test_cli_push_of_a_graph_file(oxigraph_server, tmp_path, target):
    path = tmp_path / "g.ttl"
    merge(analyst_documents().values()).serialize(path, format="turtle")
    args = ["push", "--graph", str(path), "--graph-store", f"{oxigraph_server}/store"]
    result = CliRunner().invoke(app, args + (["--target-graph", target] if target else []))
    assert result.exit_code == 0, result.output
    assert "sent 1 graph" in result.output
    assert remote_graphs(oxigraph_server) == ({target} if target else set())
    answer = remote_select(oxigraph_server, "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                           f"SELECT ?l WHERE {{ <{ID['country/CL']}> rdfs:label ?l }}")
    assert [str(r[0]) for r in answer] == ["Chile"]


def test_cli_push_of_a_store(oxigraph_server, store, tmp_path):
    path = store.path
    store.close()
    result = CliRunner().invoke(app, ["push", "--store", str(path), "--endpoint", f"{oxigraph_server}/update"])
    assert result.exit_code == 0, result.output
    assert "sent 2 graphs" in result.output
    Store.open(path).close()


@pytest.mark.parametrize("kwargs, message", [
    ({"endpoint": "http://127.0.0.1:{port}/query"}, "HTTP 4"),  # the query endpoint takes no updates
    ({"graph_store": "http://127.0.0.1:1/store"}, "cannot reach"),
    ({}, "give a SPARQL Update endpoint"),
])
def test_push_errors_name_the_graph_and_reason(oxigraph_server, store, kwargs, message):
    port = oxigraph_server.rsplit(":", 1)[1]
    kwargs = {key: value.format(port=port) for key, value in kwargs.items()}
    with pytest.raises(PushError, match=message):
        push(store, **kwargs)


@pytest.mark.parametrize("how", ["graph-store", "update"])
def test_prune_deletes_only_the_document_graphs_the_store_no_longer_has(oxigraph_server, store, how):
    other = "https://example.org/someone-elses-graph"
    urllib.request.urlopen(urllib.request.Request(
        f"{oxigraph_server}/store?{urlencode({'graph': other})}", data=b"<urn:a> <urn:b> <urn:c> .",
        method="PUT", headers={"Content-Type": "application/n-triples"}), timeout=30).read()
    target = {"graph_store": f"{oxigraph_server}/store"} if how == "graph-store" else \
        {"endpoint": f"{oxigraph_server}/update"}
    push(store, **target)
    store.remove("b.txt")
    done = push(store, **target, prune=f"{oxigraph_server}/query")
    assert [p.graph for p in done if p.deleted] == [str(document_iri("b.txt"))]
    assert remote_graphs(oxigraph_server) == {str(document_iri("a.txt")), other}
    assert [p for p in push(store, **target, prune=f"{oxigraph_server}/query") if p.deleted] == []


@pytest.mark.parametrize("prune, message", [
    ("http://127.0.0.1:{port}/update", "listing the server's graphs"),  # not a query endpoint
    ("http://127.0.0.1:1/query", "cannot reach"),
])
def test_prune_that_cannot_list_changes_nothing(oxigraph_server, store, prune, message):
    port = oxigraph_server.rsplit(":", 1)[1]
    with pytest.raises(PushError, match=message):
        push(store, graph_store=f"{oxigraph_server}/store", prune=prune.format(port=port))
    assert remote_graphs(oxigraph_server) == set()


def test_cli_push_prune(oxigraph_server, store):
    push(store, graph_store=f"{oxigraph_server}/store")
    store.remove("a.txt")
    path = store.path
    store.close()
    result = CliRunner().invoke(app, ["push", "--store", str(path), "--graph-store", f"{oxigraph_server}/store",
                                      "--prune", f"{oxigraph_server}/query"])
    assert result.exit_code == 0, result.output
    assert "sent 1 graph" in result.output and "deleted 1 graph" in result.output
    assert remote_graphs(oxigraph_server) == {str(document_iri("b.txt"))}
    Store.open(path).close()
