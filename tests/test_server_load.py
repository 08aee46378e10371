"""`kg serve` under load and against clients that misbehave at the HTTP level: new query shapes
from concurrent clients, a negative or missing body length, a hundred connections at once and
clients that trickle their request. A real server on 127.0.0.1 each time."""
import http.client
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from conftest import analyst_store, stop_process
from test_server import COUNTRIES, SLOW, get, labels, port_of, read_all, start_server


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return analyst_store(tmp_path_factory.mktemp("load") / "db")


def shapes(count: int) -> list[str]:
    """`count` queries of different shapes (the parser takes a new path for each), all valid."""
    parts = [
        "?s rdfs:label ?l",
        "OPTIONAL {{ ?s coop:partOf ?p{i} }}",
        "FILTER(STRLEN(?l) > {i})",
        "{{ ?s a coop:Country }} UNION {{ ?s a coop:Organization }}",
        "BIND(UCASE(?l) AS ?u{i})",
        "VALUES ?k{i} {{ {i} }}",
        "?s (coop:partOf|coop:locatedIn)* ?w{i}",
        "FILTER NOT EXISTS {{ ?s coop:memberOf ?m{i} }}",
        "MINUS {{ ?s coop:serves ?x{i} }}",
    ]
    queries = []
    for i in range(count):
        body = " . ".join(part.format(i=i) for j, part in enumerate(parts) if (i >> j) & 1 or j == 0)
        tail = ["", f" ORDER BY ?l LIMIT {i + 1}", f" GROUP BY ?s HAVING(COUNT(*) > {i % 3})"][i % 3]
        head = "SELECT ?s (COUNT(*) AS ?n)" if "GROUP" in tail else "SELECT *"
        queries.append(f"{head} WHERE {{ {body} }}{tail}")
    return queries


def test_concurrent_clients_sending_new_query_shapes_all_get_answers(store):
    """Issue 17, item 1: queries were checked with rdflib's parser in the request threads, and
    two clients sending a new shape at once broke that shape for the life of the server."""
    process, base = start_server("--store", str(store), "--workers", "2", "--timeout", "20")
    try:
        queries = shapes(64)
        with ThreadPoolExecutor(max_workers=8) as pool:
            first = list(pool.map(lambda q: get(base, q), queries))
            again = list(pool.map(lambda q: get(base, q), queries))
        for query, answer in zip(queries * 2, first + again):
            assert answer[0] == 200, (query, answer[2])
    finally:
        stop_process(process)


def test_queries_checked_by_rdflibs_parser_on_several_threads_of_one_worker_all_get_answers(store):
    """A worker runs several queries at once on threads, and the texts that need rdflib's
    parser (a \\u escape, a SERVICE) must take turns with it: new shapes sent at once by 16
    clients are all answered (200) or refused as SERVICE calls (403), never broken (400)."""
    process, base = start_server("--store", str(store), "--workers", "16", "--timeout", "20")
    try:
        escaped = [q.replace("{ ?s rdfs:label ?l", f'{{ ?s rdfs:label ?l FILTER(STR(?l) != "\\u0041{i}")', 1)
                   for i, q in enumerate(shapes(48))]
        remote = [f"SELECT * WHERE {{ ?s rdfs:label ?l . SERVICE <http://example.org/{i}> {{ ?s ?p ?o{i} }} }}"
                  for i in range(16)]
        queries = [q for pair in zip(escaped, remote * 3) for q in pair]
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(lambda q: get(base, q), queries))
        for query, answer in zip(queries, answers):
            assert answer[0] == (403 if "SERVICE" in query else 200), (query, answer[2])
    finally:
        stop_process(process)


def niceness_of_worker_threads(server_pid: int) -> list[int]:
    """The nice value of every thread of the processes under the server (Linux /proc)."""
    from pathlib import Path

    values, parents = [], [server_pid]
    while parents:
        pid = parents.pop()
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                children = (task / "children").read_text().split()
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:  # the thread ended meanwhile
                continue
            parents += map(int, children)
            if pid != server_pid:
                values.append(int(fields[16]))  # field 19 of stat, counted after the name
    return values


def test_a_long_query_runs_at_lower_priority_and_cheap_ones_do_not(store):
    long = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # about 2 s
    process, base = start_server("--store", str(store), "--workers", "8", "--timeout", "60")
    try:
        assert get(base, COUNTRIES)[0] == 200
        before = niceness_of_worker_threads(process.pid)
        assert set(before) == {0}  # cheap queries: normal priority
        with ThreadPoolExecutor(max_workers=1) as pool:
            running = pool.submit(get, base, long)
            time.sleep(0.5)
            assert max(niceness_of_worker_threads(process.pid)) > 0  # the long query, past 50 ms
            status, _, body = get(base, COUNTRIES)  # answered meanwhile, by a thread at nice 0
            assert status == 200 and labels(body) == ["Bolivia", "Chile", "Peru"]
            assert running.result(timeout=60)[0] == 200
        time.sleep(0.5)
        # the lowered thread ended with its query, and its replacement runs at nice 0
        assert niceness_of_worker_threads(process.pid) == before
        for _ in range(20):
            assert get(base, COUNTRIES)[0] == 200
        assert niceness_of_worker_threads(process.pid) == before
    finally:
        stop_process(process)


def test_queries_sharing_a_worker_with_one_stopped_at_its_deadline_are_answered(store):
    """A query past its deadline is stopped by killing its worker process; the other queries
    that worker was running are sent again to another one and answered."""
    medium = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g rdfs:label ?h }"
    process, base = start_server("--store", str(store), "--workers", "4", "--timeout", "3")
    try:
        expected = get(base, medium)
        assert expected[0] == 200
        stop_at = time.monotonic() + 5

        def client() -> list:
            answers = []
            while time.monotonic() < stop_at:
                answers.append(get(base, medium))
            return answers

        with ThreadPoolExecutor(max_workers=4) as pool:
            slow = pool.submit(get, base, SLOW)  # stopped at 3 s, with mediums beside it
            time.sleep(0.2)
            clients = [pool.submit(client) for _ in range(3)]
            answers = [answer for c in clients for answer in c.result(timeout=60)]
            assert slow.result(timeout=30)[0] == 503
        assert len(answers) > 3
        assert all(answer[0] == 200 and answer[2] == expected[2] for answer in answers), \
            [a[2] for a in answers if a[0] != 200]
    finally:
        stop_process(process)


@pytest.mark.parametrize("length", [b"Content-Length: -1", b"Content-Length: abc", b"Content-Length: +5",
                                    b"Content-Length: 5\r\nContent-Length: 60000"])
def test_a_negative_or_malformed_content_length_is_refused_at_once(store, length):
    """Item 2: "Content-Length: -1" got past the body cap, and the server read to the end."""
    process, base = start_server("--store", str(store), "--workers", "1", "--max-body-kb", "4")
    try:
        sock = socket.create_connection(("127.0.0.1", port_of(base)))
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     + length + b"\r\n\r\nSELECT * WHERE { ?s ?p ?o } LIMIT 1 #" + b"x" * 60000)
        started = time.monotonic()
        answer = read_all(sock, timeout=5)
        assert answer.startswith(b"HTTP/1.1 400") and time.monotonic() - started < 5
        sock.close()
        assert labels(get(base, COUNTRIES)[2]) == ["Bolivia", "Chile", "Peru"]
    finally:
        stop_process(process)


def test_a_chunked_body_is_counted_against_the_cap(store):
    """A body without a declared length is counted as it comes and refused past the cap."""
    process, base = start_server("--store", str(store), "--workers", "1", "--max-body-kb", "4")
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port_of(base), timeout=10)
        chunks = iter([b"SELECT * WHERE { ?s ?p ?o } #"] + [b"x" * 1024] * 64)
        connection.request("POST", "/sparql", body=chunks, encode_chunked=True,
                           headers={"Content-Type": "application/sparql-query"})
        response = connection.getresponse()
        assert response.status == 413 and b"at most 4096" in response.read()
    finally:
        stop_process(process)


def test_a_hundred_simultaneous_connections_are_all_answered(store):
    """Item 3: a listen backlog of 5 reset most of 100 connections opened at once."""
    process, base = start_server("--store", str(store), "--workers", "2", "--max-connections", "128",
                                 "--timeout", "30")
    port = port_of(base)
    barrier = threading.Barrier(100)
    request = (f"GET /sparql?{urlencode({'query': COUNTRIES})} HTTP/1.1\r\nHost: x\r\n"
               "Accept: application/sparql-results+json\r\nConnection: close\r\n\r\n").encode()

    def client(_) -> bytes:
        barrier.wait(timeout=30)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                sock.sendall(request)
                return read_all(sock, timeout=30)
        except OSError as err:
            return repr(err).encode()

    try:
        with ThreadPoolExecutor(max_workers=100) as pool:
            answers = list(pool.map(client, range(100)))
        statuses = [answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else answer.decode()
                    for answer in answers]  # an empty answer: the connection was reset
        assert statuses == ["200"] * 100, sorted(set(statuses))
    finally:
        stop_process(process)


def test_trickling_clients_are_dropped_and_others_served(store):
    """Item 4: a client sending one byte at a time was never dropped (only silence was timed),
    and a few of them took every connection slot."""
    process, base = start_server("--store", str(store), "--workers", "1", "--max-connections", "4",
                                 "--read-timeout", "2")
    port = port_of(base)
    stop = threading.Event()
    tricklers = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]

    def trickle(sock: socket.socket) -> None:
        for byte in b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n" * 10:
            if stop.wait(0.3):
                return
            try:
                sock.send(bytes([byte]))
            except OSError:
                return  # dropped by the server

    threads = [threading.Thread(target=trickle, args=(sock,), daemon=True) for sock in tricklers]
    try:
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        assert get(base, COUNTRIES)[0] == 503  # every slot is held by a trickler
        started = time.monotonic()
        while (answer := get(base, COUNTRIES))[0] != 200 and time.monotonic() - started < 10:
            time.sleep(0.2)
        assert answer[0] == 200 and labels(answer[2]) == ["Bolivia", "Chile", "Peru"]
        assert time.monotonic() - started < 5  # the read time (2 s) and a little
        for sock in tricklers:
            assert read_all(sock, timeout=5) == b""  # closed by the server
    finally:
        stop.set()
        for sock in tricklers:
            sock.close()
        stop_process(process)


def test_an_idle_kept_alive_connection_is_closed(store):
    """Keep-alive is timed: a client that keeps a connection open after its answer and sends
    nothing more gives its slot back after 5 s."""
    process, base = start_server("--store", str(store), "--workers", "1")
    try:
        sock = socket.create_connection(("127.0.0.1", port_of(base)))
        sock.sendall(f"GET /sparql?{urlencode({'query': 'ASK {}'})} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        started = time.monotonic()
        answer = read_all(sock, timeout=15)
        assert answer.startswith(b"HTTP/1.1 200") and 4 < time.monotonic() - started < 10
        sock.close()
    finally:
        stop_process(process)


def test_sigterm_lets_requests_finish_then_stops_and_releases_the_store(tmp_path):
    from test_server import SLOW

    from kg.store import Store

    path = analyst_store(tmp_path / "db")
    process, base = start_server("--store", str(path), "--workers", "1", "--timeout", "3")
    with ThreadPoolExecutor(max_workers=1) as pool:
        under_way = pool.submit(get, base, SLOW)
        time.sleep(1)
        process.terminate()
        status, _, body = under_way.result(timeout=30)
    output = process.communicate(timeout=30)[0]
    assert status == 503 and "did not finish within 3 s" in body  # answered, not cut off
    assert process.returncode == 0 and "stopped after" in output
    with Store.open(path) as store:  # the lock is released
        assert len(store.documents()) == 2


def test_an_answer_does_not_wait_for_the_clients_acknowledgement(store):
    """With Nagle's algorithm on, an answer's body waited for the client to acknowledge its
    head: ~40 ms (the client's delayed ACK) on every request of a kept-alive connection."""
    process, base = start_server("--store", str(store), "--workers", "1")
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port_of(base), timeout=10)
        path = f"/sparql?{urlencode({'query': 'ASK {}'})}"
        times = []
        for _ in range(21):
            started = time.monotonic()
            connection.request("GET", path)
            assert connection.getresponse().read() == b'{"head":{},"boolean":true}'
            times.append(time.monotonic() - started)
        assert sorted(times)[10] < 0.02, sorted(times)
    finally:
        stop_process(process)


def test_a_request_head_over_64_kb_is_refused(store):
    process, base = start_server("--store", str(store), "--workers", "1")
    try:
        sock = socket.create_connection(("127.0.0.1", port_of(base)))
        try:
            sock.sendall(b"GET /sparql?query=" + b"x" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        except OSError:
            pass  # the server may close before it has read everything
        answer = read_all(sock, timeout=10)
        assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), answer[:100]
        sock.close()
        long_query = "ASK { ?s ?p ?o } #" + "x" * 30_000  # under the limit: answered
        assert get(base, long_query)[0] == 200
    finally:
        stop_process(process)


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_memory_stays_flat_after_hostile_bodies(store):
    """Item 2's other half: 300 MB sent under "Content-Length: -1" grew the server by 600 MB."""
    process, base = start_server("--store", str(store), "--workers", "1", "--max-body-kb", "4")
    port = port_of(base)
    try:
        get(base, COUNTRIES)
        before = rss_kb(process.pid)
        chunk = b"x" * 65536
        for head in (b"Content-Length: -1\r\n", b"Transfer-Encoding: chunked\r\n",
                     b"Content-Length: 50000000\r\n"):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.settimeout(5)
            try:
                sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                             + head + b"\r\n")
                for _ in range(800):  # up to 50 MB, until the server stops reading
                    sock.sendall(b"10000\r\n" + chunk + b"\r\n" if b"chunked" in head else chunk)
            except OSError:
                pass
            answer = read_all(sock, timeout=5)
            assert answer == b"" or answer.split(b" ", 2)[1] in (b"400", b"413"), answer[:100]
            sock.close()
        assert labels(get(base, COUNTRIES)[2]) == ["Bolivia", "Chile", "Peru"]
        assert rss_kb(process.pid) - before < 20_000  # KB
    finally:
        stop_process(process)
