"""Hostile or careless requests: remote calls refused unless allowed, updates only with the
token, many clients answered while one query is slow."""
import http.server
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from conftest import analyst_documents, analyst_store, stop_process
from rdflib import Graph
from test_server import COUNTRIES, SLOW, get, labels, port_of, read_all, request, start_server
from typer.testing import CliRunner

import kg
from kg.cli import app
from kg.namespace import ID, document_iri
from kg.query import RemoteCallRefused
from kg.store import Store

TOKEN = "s3cret-token-for-tests-0123456789"


@pytest.fixture(scope="module")
def remote():
    """A local stand-in for a remote endpoint or document server, recording every request."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", hits
    server.shutdown()


def graph_and_store():
    graph = Graph()
    for part in analyst_documents().values():
        graph += part
    store = Store.in_memory()
    for name, part in analyst_documents().items():
        store.put_graph(document_iri(name), part)
    return graph, store


@pytest.mark.parametrize("kind", ["graph", "store"])
def test_kg_query_never_calls_another_endpoint_unless_allowed(remote, kind):
    url, hits = remote
    data = graph_and_store()[kind == "store"]
    hits.clear()
    sparql = f"SELECT * WHERE {{ ?c a coop:Country OPTIONAL {{ SERVICE <{url}> {{ ?c ?p ?o }} }} }}"
    with pytest.raises(RemoteCallRefused, match=f"SERVICE <{url}> refused"):
        kg.query(data, sparql)
    with pytest.raises(RemoteCallRefused):
        kg.query(data, "SELECT * WHERE { SERVICE SILENT ?where { ?s ?p ?o } }")
    assert hits == []
    list(kg.query(data, sparql, allow_service=frozenset({url})))  # allowed: then it does call
    assert hits


def test_kg_query_cli_refuses_service(tmp_path, remote):
    url, hits = remote
    hits.clear()
    path = tmp_path / "g.ttl"
    graph_and_store()[0].serialize(path)
    result = CliRunner().invoke(app, ["query", f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
                                      "--graph", str(path)])
    assert result.exit_code == 2 and "refused" in result.output and hits == []


def test_service_word_in_strings_and_iris_is_not_a_call():
    graph = graph_and_store()[0]
    answer = kg.query(graph, 'SELECT ?l WHERE { ?c rdfs:label ?l FILTER(?l != "SERVICE <http://e/>") '
                      "FILTER(?c != <http://example.org/SERVICE>) } # SERVICE")
    assert len(list(answer)) > 0


# -- updates ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def writable(tmp_path_factory):
    path = analyst_store(tmp_path_factory.mktemp("writable") / "db")
    process, url = start_server("--store", str(path), "--allow-update", "--token", TOKEN,
                                "--timeout", "5", "--workers", "2")
    yield url
    stop_process(process)


def update(base, text, token=None, form=False):
    headers = {"Content-Type": "application/x-www-form-urlencoded" if form else "application/sparql-update"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = urlencode({"update": text}).encode() if form else text.encode()
    return request(f"{base}sparql", data=data, headers=headers)


def insert(label):
    return f'INSERT DATA {{ GRAPH <{document_iri("new.txt")}> {{ <{ID["country/XX"]}> a coop:Country ; rdfs:label "{label}" }} }}'


def test_updates_need_the_token(writable):
    for token in (None, "wrong", TOKEN + "x", ""):
        status, headers, body = update(writable, insert("Nowhere"), token)
        assert status == 401 and "Bearer" in headers["WWW-Authenticate"], token
    assert "Nowhere" not in labels(get(writable, COUNTRIES)[2])
    status, _, body = request(f"{writable}sparql?{urlencode({'update': insert('Nowhere')})}")
    assert status == 405


@pytest.mark.parametrize("form", [False, True])
def test_an_update_with_the_token_is_applied_and_seen_by_queries(writable, form):
    label = f"Newland {form}"
    status, _, body = update(writable, insert(label), TOKEN, form)
    assert status == 200, body
    for _ in range(3):  # every worker sees it
        assert label in labels(get(writable, COUNTRIES)[2])


def test_updates_that_reach_out_or_do_not_parse_are_refused(writable, remote):
    url, hits = remote
    hits.clear()
    status, _, body = update(writable, f"LOAD <{url}>", TOKEN)
    assert status == 403 and f"LOAD <{url}> refused" in body
    status, _, body = update(writable, f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", TOKEN)
    assert status == 403 and "refused" in body
    assert hits == []
    status, _, body = update(writable, "INSERT DATA { <http://a> <http://b> }", TOKEN)
    assert status == 400 and "line 1, column" in body


def test_updates_need_a_long_token_and_a_store(tmp_path):
    runner = CliRunner()
    for args in (["--store", str(tmp_path / "db"), "--allow-update"],
                 ["--store", str(tmp_path / "db"), "--allow-update", "--token", "short"],
                 ["--graph", str(tmp_path / "g.ttl"), "--allow-update", "--token", TOKEN]):
        result = runner.invoke(app, ["serve", *args])
        assert result.exit_code == 2 and "--allow-update needs" in result.output


# -- many clients ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def base(tmp_path_factory):
    path = analyst_store(tmp_path_factory.mktemp("busy") / "db")
    process, url = start_server("--store", str(path), "--timeout", "3", "--workers", "2")
    yield url
    stop_process(process)


def test_fast_queries_are_answered_while_a_slow_one_runs(base):
    get(base, COUNTRIES)  # warm
    with ThreadPoolExecutor(max_workers=11) as pool:
        slow = pool.submit(get, base, SLOW)
        time.sleep(0.3)  # the slow query holds its worker

        def timed():
            started = time.monotonic()
            status, _, body = get(base, COUNTRIES)
            return status, body, time.monotonic() - started

        fast = [pool.submit(timed) for _ in range(10)]
        answers = [f.result(timeout=30) for f in fast]
        assert slow.result(timeout=30)[0] == 503  # stopped at its deadline
    for status, body, seconds in answers:
        assert status == 200 and labels(body) == ["Bolivia", "Chile", "Peru"]
        assert seconds < 2.5  # well before the slow query's 3 s deadline


def test_graph_files_fetch_nothing(tmp_path, remote):
    url, hits = remote
    hits.clear()
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    xml = tmp_path / "g.rdf"
    xml.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY remote SYSTEM "{url}"> <!ENTITY local SYSTEM "{secret.as_uri()}">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
<rdf:Description rdf:about="http://example.org/a"><ex:p>&remote;&local;</ex:p></rdf:Description></rdf:RDF>""")
    imports = tmp_path / "g.ttl"
    imports.write_text(f"<http://example.org/a> <http://www.w3.org/2002/07/owl#imports> <{url}> .\n")
    context = tmp_path / "g.jsonld"
    context.write_text(f'{{"@context": "{url}", "@id": "http://example.org/a", "p": "x"}}')
    graph = kg.load_graph([xml, imports])
    assert "secret" not in graph.serialize(format="nt") and len(graph) == 2
    with pytest.raises(kg.GraphLoadError, match=f"g.jsonld: JSON-LD @context .{url}. not loaded"):
        kg.load_graph(context)
    assert hits == []


def served_graph(tmp_path, *args: str):
    """kg serve on graph files of the analyst documents, with the options given."""
    path = tmp_path / "g.ttl"
    graph_and_store()[0].serialize(path)
    return start_server("--graph", str(path), "--workers", "1", "--memory-mb", "0", *args)


def test_a_silent_client_is_disconnected_and_others_are_answered(tmp_path):
    import socket

    process, base = served_graph(tmp_path, "--read-timeout", "1")
    port = port_of(base)
    try:
        silent = socket.create_connection(("127.0.0.1", port))
        silent.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                       b"Content-Length: 100\r\n\r\nquery=")  # then nothing
        assert labels(get(base, COUNTRIES)[2]) == ["Bolivia", "Chile", "Peru"]
        started = time.monotonic()
        answer = read_all(silent)  # 408, then closed by the server after its read time
        assert answer.startswith(b"HTTP/1.1 408") and time.monotonic() - started < 5
        silent.close()
    finally:
        stop_process(process)


def test_connections_past_the_cap_are_answered_503_and_slots_come_back(tmp_path):
    import socket

    process, base = served_graph(tmp_path, "--max-connections", "2", "--read-timeout", "30")
    port = port_of(base)
    try:
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]  # hold both slots
        time.sleep(0.3)
        status, headers, body = get(base, COUNTRIES)
        assert status == 503 and headers["Connection"] == "close"
        for sock in idle:
            sock.close()
        deadline = time.monotonic() + 10
        while get(base, COUNTRIES)[0] == 503 and time.monotonic() < deadline:
            time.sleep(0.1)  # the slots are free once the server has seen the sockets close
        assert labels(get(base, COUNTRIES)[2]) == ["Bolivia", "Chile", "Peru"]
    finally:
        stop_process(process)
