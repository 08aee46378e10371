"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint, query pages and the network view.

    /sparql    the endpoint (GET ?query=, POST query= form, POST application/sparql-query),
               results as SPARQL JSON, XML, CSV or TSV, graphs as Turtle or N-Triples; CORS
               headers so YASGUI and other browser clients can use it
    /          a page to type a query (or pick a canned one) and read the answer as a table
    /network   the interactive network (kg.viz) of the whole graph

Every query runs in a worker process, never in the server: the worker opens the store
read-only (or loads the graph files), lives under an address-space cap (RLIMIT_AS), and is
killed when the query passes its deadline, a fresh one taking its place. Oxigraph has no query
time limit of its own, so this is what keeps one careless query from taking the machine down.
Results are written through a size cap, so an answer is whole or refused, never cut short.
SERVICE clauses are refused (unless their endpoint is allowed), judged on the parsed algebra;
request bodies are capped. Updates are refused, unless the server was started with a token
(kg serve --store DIR --allow-update --token TOKEN): then a POST of application/sparql-update
or an update= form carrying "Authorization: Bearer TOKEN" is applied to the store, in one
transaction, and the workers reopen the store to see it.
"""
from __future__ import annotations

import hashlib
import hmac
import html
import io
import json
import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

RESULT_TYPES = {  # media type -> (short name, pyoxigraph format name)
    "application/sparql-results+json": ("json", "JSON"),
    "application/json": ("json", "JSON"),
    "application/sparql-results+xml": ("xml", "XML"),
    "text/csv": ("csv", "CSV"),
    "text/tab-separated-values": ("tsv", "TSV"),
}
GRAPH_TYPES = {
    "text/turtle": ("turtle", "TURTLE"),
    "application/n-triples": ("nt", "N_TRIPLES"),
    "application/rdf+xml": ("rdfxml", "RDF_XML"),
}
SHORT_NAMES = {short: media for media, (short, _) in {**GRAPH_TYPES, **RESULT_TYPES}.items()
               if media != "application/json"}


@dataclass
class Limits:
    timeout_s: float = 10.0
    max_result_bytes: int = 16 * 1024 * 1024
    max_body_bytes: int = 64 * 1024
    memory_mb: int = 2048
    workers: int = 2
    allow_service: frozenset[str] = field(default_factory=frozenset)  # "*" allows every endpoint
    update_token: str | None = None  # updates are allowed only with this bearer token
    idle_s: float = 30.0  # a client silent this long mid-request is disconnected
    max_connections: int = 64  # open at once; past that a client is answered 503 at once


class QueryRefused(Exception):
    """A query the endpoint will not run or could not finish; carries the HTTP status."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


# -- the worker process -------------------------------------------------------------------------

class _CappedBuffer(io.RawIOBase):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk) -> int:
        self.data += chunk
        if len(self.data) > self.limit:
            raise OverflowError(f"the result is larger than {self.limit} bytes; add a LIMIT")
        return len(chunk)


def _worker_main(conn, source: tuple[str, str], memory_mb: int, max_result_bytes: int) -> None:
    """Runs in its own process: answer queries from `conn` until it closes."""
    import resource

    import pyoxigraph as ox

    from .query import sparql_prefixes

    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    kind, location = source
    try:
        if kind == "store":
            store = ox.Store.read_only(location)
        else:
            store = ox.Store()
            store.load(path=location, format=ox.RdfFormat.N_TRIPLES)
    except Exception as err:
        conn.send(("failed", f"{type(err).__name__}: {err}"))
        return
    conn.send(("ready", None))
    prefixes = sparql_prefixes()
    while True:
        try:
            text, format_name = conn.recv()
        except EOFError:
            return
        try:
            answer = store.query(text, prefixes=prefixes)  # the store's merged default graph
            buffer = _CappedBuffer(max_result_bytes)
            if isinstance(answer, ox.QueryTriples):
                answer.serialize(buffer, getattr(ox.RdfFormat, format_name))
            else:
                answer.serialize(buffer, getattr(ox.QueryResultsFormat, format_name))
            conn.send(("ok", bytes(buffer.data)))
        except OverflowError as err:
            conn.send(("too-large", str(err)))
        except SyntaxError as err:
            conn.send(("syntax", str(err)))
        except MemoryError:
            conn.send(("memory", "the query needs more memory than a worker may use"))
        except Exception as err:  # an evaluation error ends this query, not the worker
            conn.send(("error", f"{type(err).__name__}: {err}"))


class _Worker:
    def __init__(self, context, source, limits: Limits, generation: int = 0) -> None:
        self.generation = generation  # the store's version this worker opened
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, daemon=True,
                                       args=(child, source, limits.memory_mb, limits.max_result_bytes))
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until the worker has opened the data; raise RuntimeError if it cannot."""
        deadline = time.monotonic() + timeout
        message = f"not ready after {timeout:g} s"
        try:
            while time.monotonic() < deadline:
                if self.conn.poll(0.25):
                    status, message = self.conn.recv()
                    if status == "ready":
                        return
                    break
                if not self.process.is_alive():
                    raise EOFError
        except (EOFError, OSError):
            message = "it exited while starting (is --memory-mb too low?)"
        self.stop()
        raise RuntimeError(f"a query worker could not start: {message}")

    def stop(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryRunner:
    """A pool of worker processes; each query gets one worker, a deadline and caps."""

    def __init__(self, source: tuple[str, str], limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self.context = multiprocessing.get_context("spawn")
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.generation = 0
        self._start(limits.workers)

    def _start(self, count: int) -> None:
        workers = [_Worker(self.context, self.source, self.limits, self.generation) for _ in range(count)]
        try:
            for worker in workers:
                worker.wait_ready()
        except RuntimeError:
            for worker in workers:
                worker.stop()
            raise
        for worker in workers:
            self.idle.put(worker)

    def refresh(self) -> None:
        """After the store changed: idle workers are replaced now by ones that see the change,
        busy ones when their query ends."""
        self.generation += 1
        stale = []
        while True:
            try:
                stale.append(self.idle.get_nowait())
            except queue.Empty:
                break
        for worker in stale:
            worker.stop()
        self._start(len(stale))

    def run(self, text: str, format_name: str) -> bytes:
        try:
            worker = self.idle.get(timeout=self.limits.timeout_s)
        except queue.Empty:
            raise QueryRefused(HTTPStatus.SERVICE_UNAVAILABLE, "every worker is busy; try again") from None
        healthy = False
        try:
            try:
                worker.conn.send((text, format_name))
                finished = worker.conn.poll(self.limits.timeout_s)
                reply = worker.conn.recv() if finished else None
            except (EOFError, OSError):
                raise QueryRefused(HTTPStatus.INTERNAL_SERVER_ERROR,
                                   "the query stopped its worker (out of memory?) and was abandoned") from None
            if reply is None:
                raise QueryRefused(HTTPStatus.SERVICE_UNAVAILABLE,
                                   f"the query did not finish within {self.limits.timeout_s:g} s and was stopped")
            healthy = True
        finally:
            if healthy and worker.generation == self.generation:
                self.idle.put(worker)
            else:
                worker.stop()
                threading.Thread(target=self._replace, daemon=True).start()
        status, payload = reply
        if status == "ok":
            return payload
        code = {"syntax": HTTPStatus.BAD_REQUEST}.get(status, HTTPStatus.INTERNAL_SERVER_ERROR)
        raise QueryRefused(code, payload)

    def _replace(self, attempts: int = 3) -> None:
        for _ in range(attempts):
            worker = _Worker(self.context, self.source, self.limits, self.generation)
            try:
                worker.wait_ready()
            except RuntimeError:
                continue
            self.idle.put(worker)
            return

    def close(self) -> None:
        while True:
            try:
                self.idle.get_nowait().stop()
            except queue.Empty:
                return


# -- checking a query before it runs ---------------------------------------------------------------

def inspect_query(text: str, allow_service: frozenset[str]) -> str:
    """The query form ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") of a query the endpoint may
    run; refuses updates, syntax errors and SERVICE calls to endpoints not allowed."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    from .query import sparql_prefixes

    try:
        parsed = translateQuery(parseQuery(text), initNs=sparql_prefixes())
    except ParseException as err:
        try:
            parseUpdate(text)
        except Exception:
            raise QueryRefused(HTTPStatus.BAD_REQUEST, f"SPARQL syntax error at line {err.lineno}, "
                               f"column {err.col}: {err.msg}") from None
        raise QueryRefused(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused") from None
    except Exception as err:
        raise QueryRefused(HTTPStatus.BAD_REQUEST, f"invalid SPARQL: {err}") from None
    _refuse_remote_calls(parsed.algebra, allow_service)
    return parsed.algebra.name.replace("Query", "").upper()


def inspect_update(text: str, allow_service: frozenset[str]) -> None:
    """Refuse an update that does not parse (with the position) or that would reach another
    endpoint (SERVICE) or fetch a remote document (LOAD) not allowed."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    from .query import sparql_prefixes

    try:
        parsed = translateUpdate(parseUpdate(text), initNs=sparql_prefixes())
    except ParseException as err:
        raise QueryRefused(HTTPStatus.BAD_REQUEST, f"SPARQL update syntax error at line {err.lineno}, "
                           f"column {err.col}: {err.msg}") from None
    except Exception as err:
        raise QueryRefused(HTTPStatus.BAD_REQUEST, f"invalid SPARQL update: {err}") from None
    _refuse_remote_calls(parsed.algebra, allow_service)


def _refuse_remote_calls(algebra, allow_service: frozenset[str]) -> None:
    from .query import RemoteCallRefused, refuse_remote_calls

    try:
        refuse_remote_calls(algebra, allow_service)
    except RemoteCallRefused as err:
        raise QueryRefused(HTTPStatus.FORBIDDEN, str(err)) from None


def negotiate(form: str, accept: str, requested: str | None) -> tuple[str, str]:
    """(media type, pyoxigraph format name) for a query form, an Accept header and an
    explicit format= parameter."""
    table = GRAPH_TYPES if form in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES
    if requested:
        media = SHORT_NAMES.get(requested, requested)
        if media in table:
            return media, table[media][1]
        raise QueryRefused(HTTPStatus.NOT_ACCEPTABLE, f"format {requested!r}: use one of "
                           + ", ".join(sorted({short for short, _ in table.values()})))
    ranked = []
    for position, item in enumerate(accept.split(",")):
        media, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, media.strip().lower()))
    for _, _, media in sorted(ranked):
        if media in table:
            return media, table[media][1]
        if media in ("*/*", "application/*", "text/*", ""):
            default = next(iter(table))
            return default, table[default][1]
    if not accept.strip():
        default = next(iter(table))
        return default, table[default][1]
    raise QueryRefused(HTTPStatus.NOT_ACCEPTABLE, "none of the accepted types can be given; use one of "
                       + ", ".join(table))


# -- the HTTP side ------------------------------------------------------------------------------------

class Endpoint:
    """What the HTTP handler needs: the runner, the limits and the network page."""

    def __init__(self, source: tuple[str, str], limits: Limits, label: str, writer=None) -> None:
        self.runner = QueryRunner(source, limits)
        self.limits = limits
        self.label = label
        self.writer = writer  # the kg.store.Store updates go to, when they are allowed
        self._network: bytes | None = None
        self._network_lock = threading.Lock()
        self._update_lock = threading.Lock()

    def authorized(self, header: str | None) -> bool:
        """Whether an Authorization header carries the update token (compared in constant time)."""
        token = self.limits.update_token
        scheme, _, given = (header or "").strip().partition(" ")
        if not token or scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(hashlib.sha256(given.strip().encode()).digest(),
                                   hashlib.sha256(token.encode()).digest())

    def update(self, text: str) -> None:
        """Apply a SPARQL update to the store in one transaction; queries see it afterwards."""
        from .query import sparql_prefixes

        inspect_update(text, self.limits.allow_service)
        with self._update_lock:
            try:
                self.writer.update(text, prefixes=sparql_prefixes())
                self.writer.oxigraph.flush()
            except (SyntaxError, ValueError, OSError) as err:
                raise QueryRefused(HTTPStatus.BAD_REQUEST, f"update failed: {err}") from None
            with self._network_lock:
                self._network = None
            self.runner.refresh()

    def answer(self, text: str, accept: str = "", requested: str | None = None) -> tuple[str, bytes]:
        form = inspect_query(text, self.limits.allow_service)
        media, format_name = negotiate(form, accept, requested)
        return media, self.runner.run(text, format_name)

    def bind(self, text: str, lines: str) -> str:
        """The query with parameters bound, given as NAME=VALUE lines (a VALUE is a label,
        another name, or an IRI, as with kg query --param)."""
        from .query import QueryError, bind_value, with_values

        bindings = {}
        for line in lines.splitlines():
            if line.strip():
                name, sep, value = line.partition("=")
                if not sep:
                    raise QueryRefused(HTTPStatus.BAD_REQUEST, f"parameter {line!r}: expected NAME=VALUE")
                bindings[name.strip().lstrip("?$")] = bind_value(self, value.strip())
        try:
            return with_values(text, bindings)
        except QueryError as err:
            raise QueryRefused(HTTPStatus.BAD_REQUEST, str(err)) from None

    def find_by_label(self, wanted: str):
        """An entity named `wanted` (label or other name, any case), looked up by a worker."""
        from rdflib import Literal, URIRef

        from .query import with_values

        lookup = with_values("SELECT ?s WHERE { ?s rdfs:label|skos:altLabel ?l . "
                             "FILTER(isIRI(?s) && LCASE(STR(?l)) = ?wanted) } ORDER BY ?s LIMIT 1",
                             {"wanted": Literal(wanted.strip().lower())})
        rows = json.loads(self.runner.run(lookup, "JSON"))["results"]["bindings"]
        return URIRef(rows[0]["s"]["value"]) if rows else None

    def network_page(self) -> bytes:
        with self._network_lock:
            if self._network is None:
                from rdflib import Graph

                from .viz import render_html

                data = self.runner.run("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "N_TRIPLES")
                graph = Graph().parse(data=data.decode("utf-8"), format="nt")
                self._network = render_html(graph, title=f"coop-kg network: {self.label}").encode("utf-8")
            return self._network

    def close(self) -> None:
        self.runner.close()


class Handler(BaseHTTPRequestHandler):
    server_version = "coop-kg"
    endpoint: Endpoint  # set on the subclass made by make_server

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
        pass

    # CORS: any page may query this read-only endpoint
    def _cors(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept, X-Requested-With, Authorization")
        self.send_header("Access-Control-Max-Age", "600")

    def _send(self, status: int, media: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{media}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept")
        self.send_header("X-Content-Type-Options", "nosniff")
        self._cors()
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, "text/plain", (message + "\n").encode("utf-8"))

    def do_OPTIONS(self) -> None:
        self.send_response(HTTPStatus.NO_CONTENT)
        self._cors()
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        if url.path in ("/sparql", "/query"):
            self._protocol(params)
        elif url.path == "/":
            self._page(params)
        elif url.path == "/network":
            self._guarded(lambda: self._send(HTTPStatus.OK, "text/html", self.endpoint.network_page()))
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no page {url.path}; try / or /sparql")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path not in ("/sparql", "/query"):
            self._error(HTTPStatus.NOT_FOUND, "POST queries to /sparql")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._error(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length")
            return
        if length > self.endpoint.limits.max_body_bytes:
            self.close_connection = True
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                        f"request body of {length} bytes; at most {self.endpoint.limits.max_body_bytes}")
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        media = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        params = parse_qs(url.query, keep_blank_values=True)
        if media == "application/sparql-query":
            params["query"] = [body]
        elif media == "application/x-www-form-urlencoded":
            params.update(parse_qs(body, keep_blank_values=True))
        elif media == "application/sparql-update":
            params["update"] = [body]
        else:
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                        "send application/sparql-query, application/sparql-update or "
                        "application/x-www-form-urlencoded")
            return
        self._protocol(params, post=True)

    def _update(self, updates: list[str], post: bool) -> None:
        endpoint = self.endpoint
        if endpoint.writer is None or not endpoint.limits.update_token:
            self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused "
                        "(kg serve --store DIR --allow-update --token TOKEN allows them)")
        elif not post:
            self._error(HTTPStatus.METHOD_NOT_ALLOWED, "send updates by POST")
        elif not endpoint.authorized(self.headers.get("Authorization")):
            self.send_response(HTTPStatus.UNAUTHORIZED)
            body = b"updates need the header Authorization: Bearer TOKEN\n"
            self.send_header("WWW-Authenticate", 'Bearer realm="coop-kg"')
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self._cors()
            self.end_headers()
            self.wfile.write(body)
        elif len(updates) != 1 or not updates[0].strip():
            self._error(HTTPStatus.BAD_REQUEST, "give exactly one update (update=...)")
        else:
            def respond():
                endpoint.update(updates[0])
                self._send(HTTPStatus.OK, "text/plain", b"updated\n")

            self._guarded(respond)

    def _protocol(self, params: dict[str, list[str]], post: bool = False) -> None:
        if "update" in params:
            self._update(params["update"], post)
            return
        queries = params.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            self._error(HTTPStatus.BAD_REQUEST, "give exactly one query (query=...)")
            return
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            self._error(HTTPStatus.BAD_REQUEST, "default-graph-uri and named-graph-uri are not supported; "
                        "use GRAPH in the query")
            return
        requested = (params.get("format") or [None])[0]

        def respond():
            media, body = self.endpoint.answer(queries[0], self.headers.get("Accept", ""), requested)
            self._send(HTTPStatus.OK, media, body)

        self._guarded(respond)

    def _guarded(self, action) -> None:
        try:
            action()
        except QueryRefused as refused:
            self._error(refused.status, str(refused))

    def _page(self, params: dict[str, list[str]]) -> None:
        from .query import canned_queries

        canned = canned_queries()
        picked = (params.get("canned") or [""])[0]
        text = (params.get("query") or [canned[picked].text if picked in canned else ""])[0]
        bindings = (params.get("params") or [""])[0]
        answer = ""
        if text.strip() and "query" in params:
            try:
                answer = _answer_html(self.endpoint, self.endpoint.bind(text, bindings))
            except QueryRefused as refused:
                answer = f'<p class="error">{html.escape(str(refused))}</p>'
        body = _PAGE.format(
            label=html.escape(self.endpoint.label),
            query=html.escape(text or _DEFAULT_QUERY),
            params=html.escape(bindings),
            canned="\n".join(
                f'<li><a href="/?{html.escape(urlencode({"canned": name}))}">{html.escape(name)}</a> '
                f'— {html.escape(q.title)}</li>' for name, q in canned.items()),
            answer=answer,
        )
        self._send(HTTPStatus.OK, "text/html", body.encode("utf-8"))


def _answer_html(endpoint: Endpoint, text: str) -> str:
    form = inspect_query(text, endpoint.limits.allow_service)
    if form in ("CONSTRUCT", "DESCRIBE"):
        data = endpoint.runner.run(text, "TURTLE").decode("utf-8")
        return f"<pre>{html.escape(data)}</pre>"
    data = json.loads(endpoint.runner.run(text, "JSON"))
    if "boolean" in data:
        return f"<p>{html.escape(str(data['boolean']).lower())}</p>"
    names = data["head"]["vars"]
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    lines = []
    for row in data["results"]["bindings"]:
        cells = "".join(f"<td>{html.escape(row[n]['value']) if n in row else ''}</td>" for n in names)
        lines.append(f"<tr>{cells}</tr>")
    count = len(lines)
    return (f"<p>{count} row{'s' if count != 1 else ''}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>")


_DEFAULT_QUERY = """SELECT ?a ?aLabel ?b ?bLabel WHERE {
  ?a coop:cooperatesWith ?b .
  ?a rdfs:label ?aLabel . ?b rdfs:label ?bLabel .
} LIMIT 100"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>coop-kg SPARQL: {label}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; max-width: 80em; }}
textarea {{ width: 100%; height: 14em; font-family: monospace; }}
textarea.params {{ height: 3.5em; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .2em .5em; text-align: left; }}
.error {{ color: #a00; white-space: pre-wrap; }}
</style></head>
<body>
<h1>coop-kg SPARQL</h1>
<p>Graph: {label}. <a href="/network">Network view</a>. SPARQL 1.1 endpoint for other clients:
<code>/sparql</code>. Prefixes coop:, id:, schema:, rdfs:, skos:, prov: need no declaration.</p>
<form method="get" action="/">
<textarea name="query">{query}</textarea>
<p><label>Parameters, one NAME=VALUE a line (a label or an IRI), e.g. entity=Brunei:<br>
<textarea name="params" class="params">{params}</textarea></label></p>
<p><button type="submit">Run</button></p>
</form>
{answer}
<h2>Canned queries</h2>
<ul>
{canned}
</ul>
</body></html>
"""


def make_server(source: tuple[str, str], limits: Limits, label: str, host: str = "127.0.0.1",
                port: int = 7878, writer=None) -> tuple[ThreadingHTTPServer, Endpoint]:
    """The HTTP server (not yet serving) and its endpoint; source is ("store", dir) or
    ("nt", file of N-Triples); `writer`, the store opened for writing, takes updates."""
    endpoint = Endpoint(source, limits, label, writer)
    # `timeout` bounds each socket read: a client that stops sending frees its thread
    handler = type("BoundHandler", (Handler,), {"endpoint": endpoint, "timeout": limits.idle_s})
    return CappedHTTPServer((host, port), handler, limits.max_connections), endpoint


class CappedHTTPServer(ThreadingHTTPServer):
    """A thread per connection, at most `max_connections` of them: without a cap a flood of
    connections (idle ones included, until their idle time) costs a thread each, without end."""

    daemon_threads = True
    _BUSY_TEXT = b"too many connections; retry later\n"
    BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s"
            % (len(_BUSY_TEXT), _BUSY_TEXT))

    def __init__(self, address, handler, max_connections: int) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(max(1, max_connections))

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)  # the accepting thread must not wait on a slow reader
                request.sendall(self.BUSY)
                # read what the client has sent so far: closing a socket with unread bytes
                # resets the connection, and the client could lose the 503 before reading it
                request.setblocking(False)
                while request.recv(65536):
                    pass
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def serve(store: Path | None, graphs: list[Path], limits: Limits, host: str, port: int,
          announce=print) -> None:
    """Serve a store (held open so nothing writes to it meanwhile) or graph files until stopped."""
    import tempfile

    from .store import Store

    holder = None
    tmp = None
    try:
        if store is not None:
            holder = Store.open(store, read_only=True)
            holder.close()
            # the writer's lock: no build changes the store while served; never reopened under
            # the threads that answer requests
            holder = Store.open(store, reopen_bytes=0)
            source, label = ("store", str(store)), str(store)
        else:
            from .query import load_graph

            graph = load_graph(graphs)
            tmp = tempfile.NamedTemporaryFile(suffix=".nt", delete=False)
            tmp.write(graph.serialize(format="nt", encoding="utf-8"))
            tmp.close()
            source, label = ("nt", tmp.name), ", ".join(map(str, graphs))
        if limits.update_token and holder is None:
            raise RuntimeError("updates need a store (--store DIR), not graph files")
        server, endpoint = make_server(source, limits, label, host, port,
                                       writer=holder if limits.update_token else None)
        address = f"http://{host}:{server.server_address[1]}/"
        announce(f"listening on {address} (SPARQL endpoint {address}sparql)")
        started = time.monotonic()
        _stop_on_sigterm()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            endpoint.close()
            announce(f"stopped after {time.monotonic() - started:.0f} s")
    finally:
        if holder is not None:
            holder.close()
        if tmp is not None:
            Path(tmp.name).unlink(missing_ok=True)


def _stop_on_sigterm() -> None:
    """SIGTERM stops the server as Ctrl-C does, so the workers are stopped with it."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


__all__ = ["serve", "make_server", "CappedHTTPServer", "Limits", "QueryRefused", "inspect_query", "negotiate"]
