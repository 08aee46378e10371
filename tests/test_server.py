"""`kg serve` over real HTTP on 127.0.0.1: the protocol, content negotiation and the limits."""
import csv
import io
import json
import re
import select
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode

import pytest
from conftest import analyst_documents, analyst_store, stop_process
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS

from kg.namespace import COOP, ID, document_iri
from kg.server import QueryRefused, inspect_query, negotiate
from kg.store import Store

COUNTRIES = "SELECT DISTINCT ?c ?label WHERE { ?c a coop:Country ; rdfs:label ?label } ORDER BY ?label"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
HOSTILE = "<script>alert('x')</script> & Co"


def start_server(*args: str, session: bool = False) -> tuple[subprocess.Popen, str]:
    """A `kg serve` on a free port of 127.0.0.1 and its address, once it listens. Its stdout
    (a line when it starts and one when it stops) is a pipe; its stderr, a line per request, goes
    to a file, `process.log`, that no one has to read for the server to go on; `session`: in a
    process group of its own, as a server started in a terminal is."""
    import tempfile

    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=session)
    process.log = log
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 1)
        if ready:
            line = process.stdout.readline()
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+/)", line)
            if match:
                return process, match.group(1)
            if not line and process.poll() is not None:
                break
    process.kill()
    raise RuntimeError(f"kg serve did not start: {server_log(process)}")


def server_log(process: subprocess.Popen) -> str:
    """What a server started by start_server has written on stderr so far."""
    process.log.flush()
    process.log.seek(0)
    return process.log.read()


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1].strip("/"))


def read_all(sock, timeout: float = 10.0) -> bytes:
    """Everything the server sends on a raw socket until it closes the connection (or
    `timeout` passes)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The analysts' store and a hostile label, served: (process, address)."""
    path = analyst_store(tmp_path_factory.mktemp("served") / "db")
    with Store.open(path) as store:
        odd = Graph()
        odd.add((ID["org/odd"], RDF.type, COOP.Organization))
        odd.add((ID["org/odd"], RDFS.label, Literal(HOSTILE)))
        store.put_graph(document_iri("odd.txt"), odd)
    process, url = start_server("--store", str(path), "--timeout", "2", "--max-body-kb", "4", "--workers", "2")
    yield process, url
    stop_process(process)


@pytest.fixture(scope="module")
def base(served):
    return served[1]


def request(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None,
            timeout: float = 30):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8")


def get(base: str, query: str, accept: str = "application/sparql-results+json", **extra):
    return request(f"{base}sparql?{urlencode({'query': query, **extra})}", headers={"Accept": accept})


def labels(body: str) -> list[str]:
    return [b["label"]["value"] for b in json.loads(body)["results"]["bindings"]]


EXPECTED = [HOSTILE, "Bolivia", "Chile", "Peru"]


def test_get_answers_in_sparql_json_with_cors(base):
    status, headers, body = get(base, COUNTRIES)
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert labels(body) == ["Bolivia", "Chile", "Peru"]


@pytest.mark.parametrize("how", ["form", "body"])
def test_post_form_and_sparql_query_body(base, how):
    if how == "form":
        data, media = urlencode({"query": COUNTRIES}).encode(), "application/x-www-form-urlencoded"
    else:
        data, media = COUNTRIES.encode(), "application/sparql-query"
    status, _, body = request(f"{base}sparql", data=data,
                              headers={"Content-Type": media, "Accept": "application/sparql-results+json"})
    assert status == 200 and labels(body) == ["Bolivia", "Chile", "Peru"]


def test_preflight_allows_browser_clients(base):
    status, headers, _ = request(f"{base}sparql", method="OPTIONS",
                                 headers={"Origin": "http://yasgui.example", "Access-Control-Request-Method": "POST"})
    assert status == 204 and "POST" in headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("accept, media, check", [
    ("text/csv", "text/csv", lambda b: list(csv.reader(io.StringIO(b)))[0] == ["c", "label"] and "Chile" in b),
    ("text/tab-separated-values", "text/tab-separated-values",
     lambda b: b.splitlines()[0] == "?c\t?label" and '"Chile"' in b),
    ("application/sparql-results+xml", "application/sparql-results+xml", lambda b: "<literal>Chile</literal>" in b),
    ("text/html;q=0.9, text/csv;q=0.5", "text/csv", lambda b: "Chile" in b),
    ("*/*", "application/sparql-results+json", lambda b: "Chile" in labels(b)),
])
def test_content_negotiation_for_select(base, accept, media, check):
    status, headers, body = get(base, COUNTRIES, accept=accept)
    assert status == 200 and headers["Content-Type"].split(";")[0] == media
    assert check(body)


@pytest.mark.parametrize("accept, media", [("text/turtle", "text/turtle"),
                                           ("application/n-triples", "application/n-triples"),
                                           ("*/*", "text/turtle")])
def test_construct_gives_a_graph(base, accept, media):
    status, headers, body = get(base, "CONSTRUCT WHERE { ?a coop:cooperatesWith ?b }", accept=accept)
    assert status == 200 and headers["Content-Type"].split(";")[0] == media
    graph = Graph().parse(data=body, format="turtle" if media == "text/turtle" else "nt")
    assert (ID["country/CL"], COOP.cooperatesWith, ID["country/BO"]) in graph


def test_format_parameter_and_unacceptable_types(base):
    status, headers, _ = get(base, COUNTRIES, accept="text/html", format="tsv")
    assert status == 200 and headers["Content-Type"].startswith("text/tab-separated-values")
    assert get(base, COUNTRIES, accept="image/png")[0] == 406
    assert get(base, "ASK { ?a ?b ?c }")[2] == '{"head":{},"boolean":true}'


def test_a_slow_query_is_stopped_and_the_server_keeps_serving(base):
    started = time.monotonic()
    status, _, body = get(base, SLOW)
    assert status == 503 and "did not finish within 2 s" in body
    assert time.monotonic() - started < 10
    # both workers still answer (the stopped one was replaced)
    for _ in range(3):
        status, _, body = get(base, COUNTRIES)
        assert status == 200 and labels(body) == ["Bolivia", "Chile", "Peru"]


@pytest.mark.parametrize("query, status, message", [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", 403, "SERVICE <http://example.org/sparql> refused"),
    ("SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT ?where { ?s ?p ?x } } }", 403, "refused"),
    ("DROP ALL", 403, "read-only"),
    ("INSERT DATA { <http://a> <http://b> <http://c> }", 403, "read-only"),
    ("SELECT ?x WHERE { ?x ?y }", 400, "syntax error"),
])
def test_service_updates_and_syntax_errors_are_refused(base, query, status, message):
    answer = get(base, query)
    assert answer[0] == status and message in answer[2]


@pytest.mark.parametrize("data, media", [(b"DROP ALL", "application/sparql-update"),
                                         (b"update=DROP+ALL", "application/x-www-form-urlencoded")])
def test_update_requests_are_refused_and_change_nothing(base, data, media):
    status, _, body = request(f"{base}sparql", data=data, headers={"Content-Type": media})
    assert status == 403 and "read-only" in body
    assert labels(get(base, COUNTRIES)[2]) == ["Bolivia", "Chile", "Peru"]


def test_request_body_size_is_limited(base):
    big = ("SELECT * WHERE { ?s ?p ?o } #" + "x" * 8000).encode()
    status, _, body = request(f"{base}sparql", data=big, headers={"Content-Type": "application/sparql-query"})
    assert status == 413 and "at most 4096" in body


def test_query_page_escapes_every_text(base):
    query = "SELECT ?label WHERE { ?x rdfs:label ?label } ORDER BY ?label"
    status, headers, page = request(f"{base}?{urlencode({'query': query})}")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in page
    assert "<script>alert" not in page
    assert "<textarea" in page and 'href="/network"' in page and "partners-of" in page
    status, _, page = request(f"{base}?{urlencode({'query': 'SELECT ?x WHERE { SERVICE <http://e/> {?x ?y ?z} }'})}")
    assert status == 200 and 'class="error"' in page and "&lt;http://e/&gt;" in page


@pytest.mark.parametrize("params, expected", [("entity=AWC", 2), ("entity=Chilean Energy Agency\n", 2),
                                              ("entity=https://w3id.org/coop-kg/id/country/PE", 1),
                                              ('entity=x" } UNION { ?partner ?p ?partnerLabel } #', 0)])
def test_query_page_binds_parameters(base, params, expected):
    from kg.query import canned_queries

    query = canned_queries()["partners-of"].text
    status, _, page = request(f"{base}?{urlencode({'query': query, 'params': params})}")
    assert status == 200 and f"<p>{expected} row{'s' if expected != 1 else ''}</p>" in page


def test_query_page_reports_a_malformed_parameter(base):
    status, _, page = request(f"{base}?{urlencode({'query': COUNTRIES, 'params': 'no equals sign'})}")
    assert status == 200 and "expected NAME=VALUE" in page


def test_canned_query_loads_into_the_page(base):
    status, _, page = request(f"{base}?canned=partners-of")
    assert status == 200 and "coop:cooperatesWith|^coop:cooperatesWith" in page


def test_network_page(base):
    status, headers, page = request(f"{base}network", timeout=60)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "Chilean Energy Agency" in page


def test_unknown_path(base):
    assert request(f"{base}nothing")[0] == 404


def test_result_size_limit_refuses_rather_than_truncates(tmp_path):
    graph = Graph()
    for i in range(300):
        graph.add((ID[f"org/o{i}"], RDFS.label, Literal(f"Organization number {i}")))
    path = tmp_path / "big.ttl"
    graph.serialize(path, format="turtle")
    process, url = start_server("--graph", str(path), "--max-result-mb", "0.005", "--workers", "1")
    try:
        status, _, body = get(url, "SELECT * WHERE { ?s ?p ?o }")
        assert status == 500 and "larger than 5242 bytes" in body
        status, _, body = get(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 5")
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5
    finally:
        stop_process(process)


def test_a_query_that_eats_memory_loses_its_worker_not_the_server(base, tmp_path):
    greedy = "SELECT ?a ?c ?f ?i WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?c ?f ?i LIMIT 1"
    graph = Graph()
    for i in range(250):
        graph.add((ID[f"org/o{i}"], RDFS.label, Literal(f"Organization number {i}")))
    path = tmp_path / "g.nt"
    graph.serialize(path, format="nt")
    process, url = start_server("--graph", str(path), "--memory-mb", "1024", "--timeout", "60", "--workers", "1")
    try:
        started = time.monotonic()
        status, _, body = get(url, greedy)
        assert status == 500 and "out of memory" in body
        assert time.monotonic() - started < 60
        deadline = time.monotonic() + 30
        while (answer := get(url, "ASK { ?s ?p ?o }"))[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.5)  # the replacement worker is starting
        assert answer[2] == '{"head":{},"boolean":true}'
    finally:
        stop_process(process)


def test_queries_sharing_a_worker_with_one_that_eats_memory_are_answered(tmp_path):
    """A worker that dies of its memory cap takes the queries it was running with it: each is
    run again alone, so only the one that kills a worker again is refused."""
    from concurrent.futures import ThreadPoolExecutor

    greedy = "SELECT ?a ?c ?f ?i WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?c ?f ?i LIMIT 1"
    medium = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(STR(?c) < STR(?f)) }"
    graph = Graph()
    for i in range(250):
        graph.add((ID[f"org/o{i}"], RDFS.label, Literal(f"Organization number {i}")))
    path = tmp_path / "g.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    process, url = start_server("--graph", str(path), "--memory-mb", "1024", "--timeout", "60", "--workers", "4")
    try:
        expected = get(url, medium)
        assert expected[0] == 200
        with ThreadPoolExecutor(max_workers=4) as pool:
            # the greedy query kills a worker twice (with company, then alone): on a busy machine
            # that takes longer than get's 30 s
            eater = pool.submit(request, f"{url}sparql?{urlencode({'query': greedy})}", timeout=240)

            def client() -> list:
                answers = []
                while not eater.done():
                    answers.append(get(url, medium))
                return answers

            clients = [pool.submit(client) for _ in range(3)]
            status, _, body = eater.result(timeout=300)
            answers = [answer for c in clients for answer in c.result(timeout=300)]
        assert status == 500 and "out of memory" in body, (status, body)
        assert len(answers) > 3
        assert all(answer[0] == 200 and answer[2] == expected[2] for answer in answers), \
            [a[2] for a in answers if a[0] != 200]
    finally:
        stop_process(process)


def test_a_memory_cap_too_small_to_start_is_reported(tmp_path):
    with Store.open(tmp_path / "db") as store:
        store.put_graph(document_iri("a.txt"), analyst_documents()["a.txt"])
    result = subprocess.run([sys.executable, "-m", "kg", "serve", "--store", str(tmp_path / "db"), "--port", "0",
                             "--memory-mb", "200", "--workers", "1"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "could not start" in result.stderr


# -- the checks, without HTTP ---------------------------------------------------------------------

@pytest.mark.parametrize("query, allowed, form", [
    ("SELECT * WHERE { ?s ?p ?o }", frozenset(), "SELECT"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", frozenset(), "CONSTRUCT"),
    ("DESCRIBE <http://a>", frozenset(), "DESCRIBE"),
    ("ASK { SERVICE <http://ok/sparql> { ?s ?p ?o } }", frozenset({"http://ok/sparql"}), "ASK"),
    ("ASK { SERVICE <http://other/> { ?s ?p ?o } }", frozenset({"*"}), "ASK"),
])
def test_inspect_query_allows(query, allowed, form):
    assert inspect_query(query, allowed) == form


@pytest.mark.parametrize("query", [
    "ASK { SERVICE <http://other/> { ?s ?p ?o } }",
    # a SERVICE in a subquery, behind a string that spells "service" and a comment
    'SELECT * WHERE { ?s ?p "SERVICE" { SELECT ?s WHERE { SERVICE <http://x/> { ?s ?p ?o } } } } # service',
])
def test_inspect_query_finds_service_in_the_algebra(query):
    with pytest.raises(QueryRefused, match="SERVICE"):
        inspect_query(query, frozenset({"http://ok/sparql"}))


def test_service_spelled_in_a_string_is_not_a_service():
    assert inspect_query('SELECT * WHERE { ?s ?p "SERVICE <http://x/> { }" }', frozenset()) == "SELECT"


@pytest.mark.parametrize("form, accept, media", [
    ("SELECT", "", "application/sparql-results+json"),
    ("SELECT", "application/json", "application/json"),
    ("SELECT", "text/csv;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
    ("DESCRIBE", "text/html, */*;q=0.1", "text/turtle"),
])
def test_negotiate(form, accept, media):
    assert negotiate(form, accept, None)[0] == media


@pytest.mark.parametrize("path, data, name", [
    ("sparql?" + urlencode({"query": COUNTRIES, "fromat": "tsv"}), None, "fromat"),
    ("query?" + urlencode({"query": COUNTRIES, "timeout": "1"}), None, "timeout"),
    ("sparql", urlencode({"query": COUNTRIES, "limit": "5"}).encode(), "limit"),
    ("?" + urlencode({"query": COUNTRIES, "param": "entity=Peru"}), None, "param"),
    ("?" + urlencode({"canned": "aliases", "x": ""}), None, "x"),
])
def test_unknown_parameters_are_refused_by_name(base, path, data, name):
    status, _, body = request(base + path, data=data)
    assert status == 400 and f"unknown parameter '{name}'" in body


def test_known_parameters_are_accepted(base):
    assert get(base, COUNTRIES, format="csv")[0] == 200
    status, _, body = get(base, COUNTRIES, **{"default-graph-uri": "http://a"})
    assert status == 400 and "not supported" in body
    status, _, body = request(base + "?" + urlencode({"query": COUNTRIES, "params": ""}))
    assert status == 200 and "Bolivia" in body
    assert request(base + "?" + urlencode({"canned": "aliases"}))[0] == 200


def test_quote_in_url_is_decoded(base):
    status, _, body = request(f"{base}sparql?query={quote(COUNTRIES)}", headers={"Accept": "text/csv"})
    assert status == 200 and "Peru" in body


@pytest.mark.parametrize("return_format", ["xml", "n3", "turtle", "json-ld"])
def test_sparqlwrapper_gets_a_graph_in_each_format_it_asks_for(base, return_format):
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(f"{base.rstrip('/')}/sparql")
    client.setQuery("PREFIX coop: <https://w3id.org/coop-kg/ontology#> CONSTRUCT WHERE { ?a coop:cooperatesWith ?b }")
    client.setReturnFormat(return_format)
    answer = client.query().convert()
    # SPARQLWrapper parses RDF/XML and JSON-LD itself and gives Turtle and N3 as text
    graph = answer if isinstance(answer, Graph) else Graph().parse(data=answer, format=return_format)
    assert (ID["country/CL"], COOP.cooperatesWith, ID["country/BO"]) in graph


@pytest.mark.parametrize("return_format", ["json", "xml", "csv", "tsv"])
def test_sparqlwrapper_gets_results_in_each_format_it_asks_for(base, return_format):
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(f"{base.rstrip('/')}/sparql")
    client.setQuery(COUNTRIES)
    client.setReturnFormat(return_format)
    answer = client.query().convert()
    text = answer.toxml() if return_format == "xml" else str(answer)
    assert "Chile" in text


def test_a_busy_port_is_one_clear_line(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        path = tmp_path / "g.ttl"
        graph = Graph()
        graph.add((ID["country/CL"], RDFS.label, Literal("Chile")))
        graph.serialize(path, format="turtle")
        result = subprocess.run([sys.executable, "-m", "kg", "serve", "--graph", str(path), "--port", str(port)],
                                capture_output=True, text=True, timeout=120)
    finally:
        taken.close()
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: port {port} on 127.0.0.1 is already in use (another kg serve or "
                                      "another server): choose another with --port")


# -- what a person at the terminal sees ------------------------------------------------------------

LOG_LINE = re.compile(r"^(GET|POST|OPTIONS|HEAD) \S+ \d{3} \d+ ms$")


def test_each_request_is_logged_in_one_line(served):
    process, base = served
    get(base, COUNTRIES)
    get(base, SLOW.replace("COUNT(*)", "COUNT(*"))  # a syntax error: 400
    request(f"{base}nothing/%0Aforged%20line")
    lines = server_log(process).splitlines()
    assert "GET /sparql 200" in "\n".join(lines) and "GET /sparql 400" in "\n".join(lines)
    assert any(line.startswith("GET /nothing/%0Aforged%20line 404 ") for line in lines)  # as it was sent
    assert lines and all(LOG_LINE.match(line) for line in lines), [x for x in lines if not LOG_LINE.match(x)]


def test_a_request_past_the_connection_cap_is_logged_too(tmp_path):
    """uvicorn answers it (503) without the application: it gets its line all the same."""
    import http.client

    path = tmp_path / "g.ttl"
    graph = Graph()
    graph.add((ID["country/CL"], RDFS.label, Literal("Chile")))
    graph.serialize(path, format="turtle")
    process, url = start_server("--graph", str(path), "--workers", "1", "--max-connections", "1")
    try:
        held = http.client.HTTPConnection("127.0.0.1", port_of(url), timeout=30)
        held.request("GET", "/sparql?" + urlencode({"query": "ASK {}"}))
        answer = held.getresponse()
        assert answer.status == 200 and answer.read()  # and the connection stays open (kept alive)
        second = http.client.HTTPConnection("127.0.0.1", port_of(url), timeout=30)
        second.request("GET", "/sparql?" + urlencode({"query": "ASK {}"}))
        assert second.getresponse().status == 503
    finally:
        stop_process(process)
    assert "- - 503 0 ms (past --max-connections)" in server_log(process).splitlines()


def test_quiet_logs_no_requests(tmp_path):
    path = tmp_path / "g.ttl"
    graph = Graph()
    graph.add((ID["country/CL"], RDFS.label, Literal("Chile")))
    graph.serialize(path, format="turtle")
    process, url = start_server("--graph", str(path), "--workers", "1", "--quiet")
    try:
        assert get(url, COUNTRIES)[0] == 200
    finally:
        stop_process(process)
    assert server_log(process) == ""


def test_ctrl_c_stops_the_server_in_one_line_without_tracebacks(tmp_path):
    """Ctrl-C at a terminal sends SIGINT to every process of the foreground group: the server
    and its query workers alike."""
    import os
    import signal

    path = analyst_store(tmp_path / "db")
    process, url = start_server("--store", str(path), "--workers", "4", session=True)
    try:
        assert get(url, COUNTRIES)[0] == 200  # the workers are up and have answered
        os.killpg(process.pid, signal.SIGINT)
        output = process.communicate(timeout=60)[0]
    finally:
        if process.poll() is None:
            stop_process(process)
    log = server_log(process)
    assert process.returncode == 0
    assert "Traceback" not in log and "KeyboardInterrupt" not in log
    assert [line for line in log.splitlines() if not LOG_LINE.match(line)] == []
    assert re.fullmatch(r"stopped after \d+ s", output.strip())
    with Store.open(path) as store:  # the lock is released
        assert len(store.documents()) == 2


def test_a_syntax_error_is_placed_in_the_text_the_user_wrote(base):
    query = "SELECT ?partner WHERE { ?entity coop:cooperatesWith ?partner . ?partner }"
    status, _, body = get(base, query)  # the error is at the closing brace, the 73rd character
    assert status == 400 and body.startswith("SPARQL syntax error at line 1, column 73: ")
    # the query page binds a parameter with a VALUES block written into the query it runs, after
    # the brace of WHERE: the position is still that of the text in the box
    for text, where in ((query, "line 1, column 73"), ("SELECT ?partner\n" + query[16:], "line 2, column 57")):
        page = request(f"{base}?{urlencode({'query': text, 'params': 'entity=Chile'})}")[2]
        assert f"SPARQL syntax error at {where}: " in page
        assert get(base, text)[2].startswith(f"SPARQL syntax error at {where}: ")
