"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint, query pages and the network view.

    /sparql    the endpoint (GET ?query=, POST query= form, POST application/sparql-query),
               results as SPARQL JSON, XML, CSV or TSV, graphs as Turtle or N-Triples; CORS
               headers so YASGUI and other browser clients can use it
    /          the query editor (YASGUI, served from /static/yasgui/ once make yasgui has put its
               files in kg/static/yasgui/), or a form that binds parameters and answers in a table
    /id/...    a page for each IRI of the graph (ID + ...): names, class, facts with their
               evidence, neighbours; or its description in RDF (Accept, or format=ttl|jsonld)
    /network   the interactive network (kg.viz) of the whole graph

Each request gets a line on stderr (RequestLog) unless --quiet.

HTTP is spoken by uvicorn (h11) and routed by Starlette: they give the listening backlog, the
limits on request heads, keep-alive, the cap on open connections (503 past it) and a graceful
shutdown. Two things uvicorn does not time are added here: the head of a request must arrive
whole within --read-timeout of the connection opening (or of the previous answer), and so must
its body, so a client trickling a byte at a time cannot hold a connection for ever.

Every query runs in a worker process, never in the server: the worker opens the store
read-only (or loads the graph files), lives under an address-space cap (RLIMIT_AS), and is
killed when a query in it passes its deadline, a fresh one taking its place (the other queries
it held are sent again to another worker). Oxigraph stops a query at its time limit only where
it checks for it, so this is what keeps one careless query from taking the machine down. The
event loop sends queries to the workers over sockets, without a thread in between; a worker runs
several at once on threads (Oxigraph lets go of the GIL while it evaluates), so a cheap query
does not wait for an expensive one to end, and a query running long is given a lower priority
so that the event loop and the cheap queries come first. The worker also checks the query
(syntax, updates, SERVICE) before running it: the check uses rdflib's parser, which is built on
pyparsing and is not safe to use from several threads at once, so the texts that need it take
turns. Results are written through a size cap, so an answer is whole or refused, never cut
short. SERVICE clauses are refused (unless their endpoint is allowed), judged on the parsed
algebra; request bodies are capped. Updates are refused,
unless the server was started with a token (kg serve --store DIR --allow-update --token TOKEN):
then a POST of application/sparql-update or an update= form carrying "Authorization: Bearer
TOKEN" is applied to the store, in one transaction, and the workers reopen the store to see it.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import io
import itertools
import json
import logging
import multiprocessing
import os
import pickle
import queue
import re
import errno
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import anyio.from_thread
import h11
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .sparql import position_in_user_text, syntax_error_message
from uvicorn.protocols.http.h11_impl import H11Protocol

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
    "text/n3": ("n3", "N3"),
    "application/ld+json": ("json-ld", "JSON_LD"),
}
# format= names, per kind of answer, as clients send them (SPARQLWrapper sends xml, n3 or json-ld
# for a graph; Fuseki and Oxigraph take the others)
RESULT_FORMATS = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                  "csv": "text/csv", "tsv": "text/tab-separated-values"}
GRAPH_FORMATS = {"turtle": "text/turtle", "ttl": "text/turtle", "nt": "application/n-triples",
                 "ntriples": "application/n-triples", "xml": "application/rdf+xml", "rdf": "application/rdf+xml",
                 "rdfxml": "application/rdf+xml", "n3": "text/n3", "json-ld": "application/ld+json",
                 "jsonld": "application/ld+json", "json": "application/ld+json"}


@dataclass
class Limits:
    timeout_s: float = 10.0
    max_result_bytes: int = 16 * 1024 * 1024
    max_body_bytes: int = 64 * 1024
    memory_mb: int = 2048  # address space of a worker process (shared by the queries it runs)
    workers: int = 2  # queries run at once, in processes of at most QueryRunner.QUERIES_PER_PROCESS
    allow_service: frozenset[str] = field(default_factory=frozenset)  # "*" allows every endpoint
    update_token: str | None = None  # updates are allowed only with this bearer token
    read_s: float = 10.0  # a request's head, and then its body, must arrive within this time
    max_connections: int = 64  # open at once; past that a request is answered 503 at once
    max_head_bytes: int = 64 * 1024  # request line and headers (a GET carries its query there)
    keep_alive_s: float = 5.0  # an idle connection between requests is closed after this
    backlog: int = 2048  # connections the kernel queues before the server accepts them


class QueryRefused(Exception):
    """A query the endpoint will not run or could not finish; carries the HTTP status."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


# -- the worker process -------------------------------------------------------------------------
#
# The server and a worker speak over a socket pair in frames: 4 bytes of length, then a pickle.
# The server sends (call id, query, Accept, format=); the worker answers (call id, "ok", (media,
# answer)) or (call id, "refused", (status, message)), in the order its queries finish.

_FRAME_HEAD = struct.Struct("!I")


def _send_frame(sock: socket.socket, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_FRAME_HEAD.pack(len(data)) + data)


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, missing = [], size
    while missing:
        chunk = sock.recv(min(missing, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _recv_frame(sock: socket.socket):
    (size,) = _FRAME_HEAD.unpack(_recv_exactly(sock, _FRAME_HEAD.size))
    return pickle.loads(_recv_exactly(sock, size))


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


# rdflib's parser (pyparsing) is not safe to use from several threads at once, and a worker runs
# several queries on threads: the few texts that need it take turns
_RDFLIB_PARSER = threading.Lock()


def _worker_main(sock: socket.socket, source: tuple[str, str], limits: Limits, concurrency: int) -> None:
    """Runs in its own process: answer the queries arriving on `sock`, up to `concurrency` at
    once on threads (Oxigraph lets go of the GIL while it evaluates), until the server closes it."""
    import resource
    import signal

    import pyoxigraph as ox

    from .query import sparql_prefixes

    # Ctrl-C reaches every process of the terminal's group: the server stops its workers
    # itself, and a worker that took the interrupt would print a traceback of its own
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if limits.memory_mb:
        limit = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    kind, location = source
    try:
        if kind == "store":
            store = _open_read_only(location)
        else:
            store = ox.Store()
            store.load(path=location, format=ox.RdfFormat.N_TRIPLES)
    except Exception as err:
        _send_frame(sock, ("failed", f"{type(err).__name__}: {err}"))
        return
    prefixes = sparql_prefixes()
    sending = threading.Lock()

    def answer(call: int, text: str, accept: str, requested: str | None) -> None:
        try:
            reply = (call, "ok", _run_query(store, text, accept, requested, limits, prefixes))
        except QueryRefused as refused:
            reply = (call, "refused", (int(refused.status), str(refused)))
        except MemoryError:
            reply = (call, "refused", (500, "the query needs more memory than a worker may use"))
        except Exception as err:  # an evaluation error ends this query, not the worker
            reply = (call, "refused", (500, f"{type(err).__name__}: {err}"))
        try:
            with sending:
                _send_frame(sock, reply)
        except OSError:  # the server is gone
            os._exit(0)

    threads = _QueryThreads(concurrency, answer)
    _send_frame(sock, ("ready", None))
    while True:
        try:
            task = _recv_frame(sock)
        except (EOFError, OSError):
            os._exit(0)  # the server closed the socket: queries under way are of no use to anyone
        threads.submit(task)


class _QueryThreads:
    """The threads of a worker that run its queries. A query still running after DEMOTE_AFTER_S
    has its thread's scheduling priority lowered (nice DEMOTED_NICE): on a busy machine the
    server's event loop and the cheap queries then come first, and a long query takes what CPU
    is left, as an expensive query should. The priority of a thread cannot be raised again
    (without privileges), so a demoted thread ends after its query and the watching thread
    starts a fresh one (a thread inherits the priority of the thread that starts it)."""

    DEMOTE_AFTER_S = 0.05
    DEMOTED_NICE = 14

    def __init__(self, count: int, run) -> None:
        self.run = run
        self.tasks: queue.SimpleQueue = queue.SimpleQueue()
        self.started: dict[int, float] = {}  # native thread id -> when its current query began
        self.demoted: set[int] = set()
        self.ended = 0  # demoted threads that ended, not yet replaced
        self.lock = threading.Lock()
        for _ in range(count):
            self._add_thread()
        threading.Thread(target=self._watch, daemon=True).start()

    def submit(self, task: tuple) -> None:
        self.tasks.put(task)

    def _add_thread(self) -> None:
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        me = threading.get_native_id()
        while True:
            task = self.tasks.get()
            with self.lock:
                self.started[me] = time.monotonic()
            try:
                self.run(*task)
            finally:
                with self.lock:
                    del self.started[me]
                    if me in self.demoted:
                        self.demoted.discard(me)
                        self.ended += 1
                        return

    def _watch(self) -> None:
        while True:
            time.sleep(self.DEMOTE_AFTER_S / 2)
            now = time.monotonic()
            with self.lock:
                for _ in range(self.ended):
                    self._add_thread()
                self.ended = 0
                for thread, began in self.started.items():
                    if thread not in self.demoted and now - began > self.DEMOTE_AFTER_S:
                        try:
                            os.setpriority(os.PRIO_PROCESS, thread, self.DEMOTED_NICE)
                        except OSError:
                            pass
                        self.demoted.add(thread)


def _open_read_only(location: str, attempts: int = 20):
    """The store opened read-only. With updates allowed, the server writes to it, and RocksDB may
    be compacting after an update: a file the manifest lists can vanish while it is being
    opened. Opened again a moment later, the store is whole."""
    import pyoxigraph as ox

    for attempt in range(attempts):
        try:
            return ox.Store.read_only(location)
        except (OSError, RuntimeError) as err:  # pyoxigraph gives RocksDB's "Corruption" as RuntimeError
            if "No such file" not in str(err) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def _run_query(store, text: str, accept: str, requested: str | None, limits: Limits,
               prefixes: dict[str, str]) -> tuple[str, bytes]:
    """(media type, answer) of one query, in a worker: checked, run, negotiated, serialized."""
    import pyoxigraph as ox

    from .query import mentions_service

    # the full parse costs milliseconds, so it is kept for texts that could hold a SERVICE
    # (Oxigraph reads no \u escapes in keywords; such a text is parsed fully all the same)
    if mentions_service(text) or "\\u" in text.lower():
        with _RDFLIB_PARSER:
            inspect_query(text, limits.allow_service)
    try:
        answer = store.query(text, prefixes=prefixes)  # the store's merged default graph
    except SyntaxError as err:
        with _RDFLIB_PARSER:
            update = _is_update(text)
        if update:
            raise QueryRefused(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused") from None
        raise QueryRefused(HTTPStatus.BAD_REQUEST, syntax_error_message(str(err))) from None
    graph = isinstance(answer, ox.QueryTriples)
    media, format_name = negotiate("CONSTRUCT" if graph else "SELECT", accept, requested)
    buffer = _CappedBuffer(limits.max_result_bytes)
    try:
        if graph:
            answer.serialize(buffer, getattr(ox.RdfFormat, format_name))
        else:
            answer.serialize(buffer, getattr(ox.QueryResultsFormat, format_name))
    except OverflowError as err:
        raise QueryRefused(HTTPStatus.INTERNAL_SERVER_ERROR, str(err)) from None
    return media, bytes(buffer.data)


def _is_update(text: str) -> bool:
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except Exception:
        return False
    return True


# -- the pool of workers, seen from the server's event loop ----------------------------------------

class _WorkerLost(Exception):
    """A worker ended with this query in it: killed because another query in it passed its
    deadline (`innocent`), or it died (out of memory, most likely) with `company` other queries."""

    def __init__(self, innocent: bool, company: int) -> None:
        super().__init__("worker lost")
        self.innocent = innocent
        self.company = company


class _Worker:
    def __init__(self, context, source: tuple[str, str], limits: Limits, concurrency: int,
                 generation: int) -> None:
        self.generation = generation  # the store's version this worker opened
        self.sock, child = socket.socketpair()
        self.process = context.Process(target=_worker_main, daemon=True,
                                       args=(child, source, limits, concurrency))
        self.process.start()
        child.close()
        self.calls: dict[int, asyncio.Future] = {}  # queries sent and not yet answered
        self.exclusive = False  # running a query suspected of killing its last worker, alone
        self.lost = False  # killed or dead: takes no more queries
        self.on_lost = None  # called once in the event loop when the worker has gone
        self._killed_for_deadline = False
        self._writer: asyncio.StreamWriter | None = None
        self._attaching: asyncio.Task | None = None

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait (blocking) until the worker has opened the data; raise RuntimeError if it cannot."""
        message = f"not ready after {timeout:g} s"
        self.sock.settimeout(timeout)
        try:
            status, detail = _recv_frame(self.sock)
            if status == "ready":
                self.sock.settimeout(None)
                return
            message = detail
        except TimeoutError:
            pass
        except (EOFError, OSError):
            message = "it exited while starting (is --memory-mb too low?)"
        self.stop()
        raise RuntimeError(f"a query worker could not start: {message}")

    async def attach(self) -> None:
        """Start reading answers in the event loop (before the first query is sent; the
        first caller does it, the others wait for it)."""
        if self._attaching is None:
            self._attaching = asyncio.get_running_loop().create_task(self._attach())
        await asyncio.shield(self._attaching)

    async def _attach(self) -> None:
        reader, self._writer = await asyncio.open_unix_connection(sock=self.sock)
        self._reading = asyncio.get_running_loop().create_task(self._read_answers(reader))

    async def _read_answers(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                (size,) = _FRAME_HEAD.unpack(await reader.readexactly(_FRAME_HEAD.size))
                call, status, payload = pickle.loads(await reader.readexactly(size))
                future = self.calls.pop(call, None)
                if future is not None and not future.done():
                    future.set_result((status, payload))
        except (asyncio.IncompleteReadError, OSError):
            pass
        self.lost = True
        self.stop()
        calls, self.calls = self.calls, {}
        for future in calls.values():
            if not future.done():
                future.set_exception(_WorkerLost(self._killed_for_deadline, len(calls) - 1))
        if self.on_lost is not None:
            self.on_lost(self)

    def send(self, call: int, message: tuple) -> None:
        data = pickle.dumps((call, *message), protocol=pickle.HIGHEST_PROTOCOL)
        self._writer.write(_FRAME_HEAD.pack(len(data)) + data)

    def kill_for_deadline(self) -> None:
        """A query in this worker passed its deadline: the worker goes, and the other queries in
        it are sent again elsewhere (they only read, so running them again is safe)."""
        self._killed_for_deadline = True
        self.lost = True
        self.stop()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        try:
            if self._writer is not None:
                self._writer.close()
                return
        except RuntimeError:  # its event loop has ended (the server stopped)
            pass
        self.sock.close()


class QueryRunner:
    """Worker processes that run the queries; each query gets a deadline and caps.

    `limits.workers` queries run at once, spread over processes of at most QUERIES_PER_PROCESS
    queries each, on threads: a cheap query never waits for an expensive one to finish, only
    for a free thread. A query past its deadline is stopped by killing its process; the other
    queries that were in it are sent again to another worker. When a worker dies of something
    else (its memory cap), the queries it held are each sent again alone to a worker of their
    own, so that only the one that kills a worker a second time is refused."""

    QUERIES_PER_PROCESS = 4

    def __init__(self, source: tuple[str, str], limits: Limits) -> None:
        self.source = source
        self.limits = limits
        # workers are forked from a server process that has imported what they need: a new one
        # (after one was stopped) is ready in milliseconds, not the second that starting
        # Python and importing takes; that process has no threads and no store open
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["kg.server", "kg.query", "pyoxigraph"])
        # one process more than needed, and two at least, so that one stopped at a deadline
        # leaves room for every query while its replacement starts
        needed = -(-limits.workers // self.QUERIES_PER_PROCESS)
        self.processes = min(limits.workers, max(2, needed + 1 if needed > 1 else needed))
        self.concurrency = -(-limits.workers // self.processes)  # queries a process runs at once
        self.generation = 0
        self.workers: list[_Worker] = []
        self._calls = itertools.count()
        self._changed: asyncio.Condition | None = None  # a slot was freed or a worker joined
        self.workers = self._start(self.processes)

    def _start(self, count: int) -> list[_Worker]:
        workers = [_Worker(self.context, self.source, self.limits, self.concurrency, self.generation)
                   for _ in range(count)]
        try:
            for worker in workers:
                worker.wait_ready()
        except RuntimeError:
            for worker in workers:
                worker.stop()
            raise
        return workers

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def _notify(self) -> None:
        async with self._condition():
            self._condition().notify_all()

    def _usable(self, worker: _Worker) -> bool:
        return not worker.lost and not worker.exclusive and worker.generation == self.generation

    def _pick(self) -> _Worker | None:
        """The least busy worker with a free place, if the cap on queries at once allows one."""
        if sum(len(w.calls) for w in self.workers) >= self.limits.workers:
            return None
        usable = [w for w in self.workers if self._usable(w) and len(w.calls) < self.concurrency]
        return min(usable, key=lambda w: len(w.calls), default=None)

    async def _acquire(self, deadline: float, alone: bool, call: int, future: asyncio.Future) -> _Worker:
        """A worker with a free place, which `call` takes at once (before any wait for the worker's
        socket, so that no other query counts that place as free). A query to run `alone` reserves
        the least busy worker, which takes no other query meanwhile, and waits for it to empty."""
        loop = asyncio.get_running_loop()
        reserved: _Worker | None = None
        async with self._condition():
            try:
                while True:
                    if reserved is not None and reserved.lost:
                        reserved = None
                    if alone and reserved is None:
                        reserved = min((w for w in self.workers if self._usable(w)),
                                       key=lambda w: len(w.calls), default=None)
                        if reserved is not None:
                            reserved.exclusive = True
                    worker = (reserved if reserved is not None and not reserved.calls else None) if alone \
                        else self._pick()
                    if worker is not None:
                        break
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        raise QueryRefused(HTTPStatus.SERVICE_UNAVAILABLE, "every worker is busy; try again")
                    try:
                        await asyncio.wait_for(self._condition().wait(), remaining)
                    except TimeoutError:
                        pass
            except BaseException:
                if reserved is not None:
                    reserved.exclusive = False
                raise
            worker.calls[call] = future
        if worker._writer is None:
            worker.on_lost = self._lost
            await worker.attach()
        return worker

    def _lost(self, worker: _Worker) -> None:
        if worker in self.workers:
            self.workers.remove(worker)
            if worker.generation == self.generation:
                asyncio.get_running_loop().create_task(self._replace())
        asyncio.get_running_loop().create_task(self._notify())  # a query waiting for it chooses again

    async def _release(self, worker: _Worker) -> None:
        worker.exclusive = False
        if worker.generation != self.generation and not worker.calls and worker in self.workers:
            self.workers.remove(worker)
            worker.stop()
        await self._notify()

    async def _replace(self, attempts: int = 3) -> None:
        generation = self.generation
        for _ in range(attempts):
            try:
                worker = (await asyncio.get_running_loop().run_in_executor(None, self._start, 1))[0]
            except RuntimeError:
                continue
            if generation != self.generation:  # the store changed meanwhile: refresh() starts others
                worker.stop()
                return
            self.workers.append(worker)
            await self._notify()
            return

    async def run(self, text: str, accept: str = "", requested: str | None = None) -> tuple[str, bytes]:
        """(media type, answer) of a query, checked and run by a worker within the deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.timeout_s
        alone = False  # whether this query is suspected of having killed a worker
        stopped = QueryRefused(HTTPStatus.SERVICE_UNAVAILABLE, f"the query did not finish within "
                               f"{self.limits.timeout_s:g} s and was stopped")
        while True:
            call, future = next(self._calls), loop.create_future()
            worker = await self._acquire(deadline, alone, call, future)
            try:
                worker.send(call, (text, accept, requested))
                status, payload = await asyncio.wait_for(future, max(0.0, deadline - loop.time()))
                break
            except TimeoutError:
                worker.kill_for_deadline()
                raise stopped from None
            except _WorkerLost as lost:
                if lost.innocent and deadline <= loop.time():
                    raise stopped from None  # its own time ran out with the other query's
                if lost.innocent:
                    continue
                if alone or lost.company == 0:
                    raise QueryRefused(HTTPStatus.INTERNAL_SERVER_ERROR, "the query stopped its worker "
                                       "(out of memory?) and was abandoned") from None
                alone = True
            finally:
                worker.calls.pop(call, None)
                await self._release(worker)
        if status == "ok":
            return payload
        code, message = payload
        raise QueryRefused(HTTPStatus(code), message)

    async def refresh(self) -> None:
        """After the store changed: new workers that see the change take every query from now
        on; the old ones finish what they run, then stop."""
        self.generation += 1
        try:
            fresh = await asyncio.get_running_loop().run_in_executor(None, self._start, self.processes)
        except RuntimeError:
            self.generation -= 1  # the workers there are go on answering
            raise
        old, self.workers = self.workers, fresh
        for worker in old:
            if not worker.calls:
                worker.stop()
            else:
                self.workers.append(worker)  # stopped by _release when its last query ends
        await self._notify()

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []


# -- checking a query before it runs (in a worker, or in a program of one thread) -----------------

def inspect_query(text: str, allow_service: frozenset[str]) -> str:
    """The query form ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") of a query the endpoint may
    run; refuses updates, syntax errors and SERVICE calls to endpoints not allowed. Uses
    rdflib's parser: not from several threads at once."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    from .query import sparql_prefixes

    try:
        parsed = translateQuery(parseQuery(text), initNs=sparql_prefixes())
    except ParseException as err:
        if _is_update(text):
            raise QueryRefused(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused") from None
        raise QueryRefused(HTTPStatus.BAD_REQUEST, f"SPARQL syntax error at line {err.lineno}, "
                           f"column {err.col}: {err.msg}") from None
    except Exception as err:
        raise QueryRefused(HTTPStatus.BAD_REQUEST, f"invalid SPARQL: {err}") from None
    _refuse_remote_calls(parsed.algebra, allow_service)
    return parsed.algebra.name.replace("Query", "").upper()


def inspect_update(text: str, allow_service: frozenset[str]) -> None:
    """Refuse an update that does not parse (with the position) or that would reach another
    endpoint (SERVICE) or fetch a remote document (LOAD) not allowed. Uses rdflib's parser:
    not from several threads at once."""
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


def preferred_types(accept: str) -> list[str]:
    """The media types of an Accept header, the most wanted first (by q, then as listed)."""
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
    return [media for _, _, media in sorted(ranked)]


def negotiate(form: str, accept: str, requested: str | None) -> tuple[str, str]:
    """(media type, pyoxigraph format name) for a query form, an Accept header and an
    explicit format= parameter."""
    graph = form in ("CONSTRUCT", "DESCRIBE")
    table, names = (GRAPH_TYPES, GRAPH_FORMATS) if graph else (RESULT_TYPES, RESULT_FORMATS)
    if requested:
        media = names.get(requested.lower(), requested)
        if media in table:
            return media, table[media][1]
        raise QueryRefused(HTTPStatus.NOT_ACCEPTABLE, f"format {requested!r}: use one of "
                           + ", ".join(sorted(names)))
    for media in preferred_types(accept):
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


# -- linked-data pages: every IRI under the graph's id/ namespace, at /id/... ------------------------
#
# The graph's IRIs have their own base (kg.namespace.ID, https://w3id.org/coop-kg/id/), not this
# server's address: /id/REST here stands for ID + REST. A page is made of a few SELECTs run by the
# workers like any query (same deadline, same caps); Turtle and JSON-LD are one CONSTRUCT.

_ENTITY_TEXTS = "text/html", "application/xhtml+xml"
_ENTITY_ROWS = 500  # rows of each part of a page; the page says when there were more

_ENTITY_QUERIES = {
    "exists": "ASK WHERE { { ?entity ?p ?o } UNION { ?s ?q ?entity } }",
    "describe": "CONSTRUCT { ?entity ?p ?o . ?s ?q ?entity } WHERE { { ?entity ?p ?o } UNION "
                "{ ?s ?q ?entity FILTER(?q != rdf:subject && ?q != rdf:object) } }",
    "outgoing": "SELECT ?p ?o (SAMPLE(?label) AS ?oLabel) WHERE { ?entity ?p ?o "
                "OPTIONAL { ?o rdfs:label ?label } } GROUP BY ?p ?o ORDER BY ?p ?o LIMIT 2000",
    "incoming": "SELECT ?s ?q (SAMPLE(?label) AS ?sLabel) WHERE { ?s ?q ?entity "
                "FILTER(?q != rdf:subject && ?q != rdf:object) OPTIONAL { ?s rdfs:label ?label } } "
                f"GROUP BY ?s ?q ORDER BY ?q ?s LIMIT {_ENTITY_ROWS + 1}",
    # facts with their evidence: the assertions whose subject or object it is
    "facts": "SELECT DISTINCT ?s ?sLabel ?p ?o ?oLabel ?sentence ?doc ?docLabel WHERE { "
             "{ ?a rdf:subject ?entity } UNION { ?a rdf:object ?entity } "
             "?a rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o . "
             "OPTIONAL { ?a coop:sentence ?sentence } "
             "OPTIONAL { ?a prov:wasDerivedFrom ?doc OPTIONAL { ?doc rdfs:label ?docLabel } } "
             "OPTIONAL { ?s rdfs:label ?sLabel } OPTIONAL { ?o rdfs:label ?oLabel } } "
             f"ORDER BY ?p ?s ?o ?doc LIMIT {_ENTITY_ROWS + 1}",
    "figures": "SELECT DISTINCT ?value ?counts ?qualifier ?asOf ?sentence ?doc ?docLabel WHERE { "
               "?entity coop:reports ?f . ?f coop:value ?value ; coop:counts ?counts . "
               "OPTIONAL { ?f coop:qualifier ?qualifier } OPTIONAL { ?f coop:asOf ?asOf } "
               "OPTIONAL { ?f coop:sentence ?sentence } "
               "OPTIONAL { ?f prov:wasDerivedFrom ?doc OPTIONAL { ?doc rdfs:label ?docLabel } } } "
               f"ORDER BY ?counts ?asOf LIMIT {_ENTITY_ROWS + 1}",
}

_KEPT_IN_PATHS = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def iri_of_path(rest: str) -> str:
    """The graph's IRI that /id/REST stands for. A browser sends the letters of other scripts
    percent-encoded (UTF-8), where the IRI has them as they are (kg.namespace.iri_path): those are
    decoded; every other escape stays as it was sent (in upper case, as the IRIs have it)."""
    import unicodedata

    from .namespace import ID

    def decoded(match: re.Match) -> str:
        escapes = match.group()
        try:
            text = bytes.fromhex(escapes.replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:
            return escapes.upper()
        return "".join(c if c.isalnum() or c in "-._~/" else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
                       for c in text)

    return str(ID) + unicodedata.normalize("NFC", _KEPT_IN_PATHS.sub(decoded, rest))


def path_of_iri(iri: str) -> str | None:
    """The path on this server of one of the graph's IRIs (/id/...), or None for another IRI."""
    from .namespace import ID

    return "/id/" + iri[len(ID):] if iri.startswith(str(ID)) and len(iri) > len(ID) else None


def entity_media(accept: str, requested: str | None) -> str:
    """text/html for a page, or the RDF media type of the description: from format= (html, ttl,
    jsonld...) or else the Accept header; a browser's */* gets the page."""
    if requested:
        if requested.lower() in ("html", "text/html"):
            return "text/html"
        return negotiate("DESCRIBE", "", requested)[0]
    for media in preferred_types(accept):
        if media in _ENTITY_TEXTS or media in ("*/*", "text/*", ""):
            return "text/html"
        if media in GRAPH_TYPES:
            return media
    if not accept.strip():
        return "text/html"
    raise QueryRefused(HTTPStatus.NOT_ACCEPTABLE, "none of the accepted types can be given; use one of "
                       + ", ".join((_ENTITY_TEXTS[0], *GRAPH_TYPES)))


def _entity_query(name: str, iri: str) -> str:
    from rdflib import URIRef

    from .query import with_values

    return with_values(_ENTITY_QUERIES[name], {"entity": URIRef(iri)})


async def entity_description(endpoint: "Endpoint", iri: str, media: str) -> bytes | None:
    """The triples about `iri` (its own, and those pointing at it but for the evidence's
    reification) in `media`; None when the graph has none."""
    exists, (_, data) = await asyncio.gather(
        endpoint.answer(_entity_query("exists", iri), requested="json"),
        endpoint.answer(_entity_query("describe", iri), media))
    return data if json.loads(exists[1])["boolean"] else None


async def entity_page(endpoint: "Endpoint", iri: str) -> bytes | None:
    """The HTML page of `iri`: its names and classes, the facts about it with their evidence
    sentence and document, its figures, its neighbours and what else points to it, every IRI of
    the graph a link to its own page; None when the graph says nothing of it."""
    names = ("exists", "outgoing", "incoming", "facts", "figures")
    answers = await asyncio.gather(*(endpoint.answer(_entity_query(name, iri), requested="json")
                                     for name in names))
    found = {name: json.loads(data) for name, (_, data) in zip(names, answers)}
    if not found["exists"]["boolean"]:
        return None
    rows = {name: found[name]["results"]["bindings"] for name in names[1:]}
    return entity_html(*_render_entity(iri, rows), iri)


def _render_entity(iri: str, rows: dict[str, list[dict]]) -> tuple[str, str]:
    """(title, HTML body) of an entity's page; owl:sameAs and skos:exactMatch are among its
    properties, as links out."""
    from rdflib.namespace import RDF, RDFS, SKOS

    from .namespace import COOP, RELATIONS

    relations = {str(p) for p in RELATIONS.values()}
    label_properties = (str(RDFS.label), str(SKOS.prefLabel))
    outgoing = rows["outgoing"]
    values = {}  # predicate -> the values of the entity's own triples
    for row in outgoing:
        values.setdefault(row["p"]["value"], []).append(row)
    labels = [row["o"]["value"] for p in label_properties for row in values.get(p, [])]
    title = labels[0] if labels else _compact(iri)
    parts = [f"<h1>{html.escape(title)}</h1>", f'<p class="iri">{html.escape(iri)}</p>']
    classes = [_compact(row["o"]["value"]) for row in values.get(str(RDF.type), [])]
    if classes:
        parts.append(f"<p>Class: {html.escape(', '.join(classes))}</p>")
    others = sorted({row["o"]["value"] for row in values.get(str(SKOS.altLabel), [])} - set(labels))
    if others:
        parts.append(f"<p>Also called: {html.escape('; '.join(others))}</p>")

    facts = rows["facts"]
    if facts:
        lines = []
        for row in facts[:_ENTITY_ROWS]:
            cells = (_term(row["s"], row.get("sLabel")), html.escape(_compact(row["p"]["value"])),
                     _term(row["o"], row.get("oLabel")),
                     html.escape(row["sentence"]["value"]) if "sentence" in row else "",
                     _term(row["doc"], row.get("docLabel")) if "doc" in row else "")
            lines.append("<tr>" + "".join(f"<td{' class=evidence' if i == 3 else ''}>{cell}</td>"
                                          for i, cell in enumerate(cells)) + "</tr>")
        parts.append("<h2>Facts, with their evidence</h2>" + _more(facts)
                     + "<table><thead><tr><th>Subject</th><th>Relation</th><th>Object</th>"
                     "<th>Evidence</th><th>Source</th></tr></thead><tbody>" + "".join(lines) + "</tbody></table>")

    figures = rows["figures"]
    if figures:
        lines = []
        for row in figures[:_ENTITY_ROWS]:
            cells = [html.escape(row[k]["value"]) if k in row else "" for k in ("value", "counts", "qualifier", "asOf")]
            cells.append(html.escape(row["sentence"]["value"]) if "sentence" in row else "")
            cells.append(_term(row["doc"], row.get("docLabel")) if "doc" in row else "")
            lines.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
        parts.append("<h2>Figures</h2>" + _more(figures) + "<table><thead><tr><th>Value</th><th>Counts</th>"
                     "<th>Qualifier</th><th>As of</th><th>Evidence</th><th>Source</th></tr></thead><tbody>"
                     + "".join(lines) + "</tbody></table>")

    incoming = rows["incoming"]
    neighbours = {}
    for row in outgoing:
        if row["p"]["value"] in relations and row["o"]["type"] == "uri":
            neighbours.setdefault(row["o"]["value"], row.get("oLabel"))
    for row in incoming:
        if row["q"]["value"] in relations and row["s"]["type"] == "uri":
            neighbours.setdefault(row["s"]["value"], row.get("sLabel"))
    neighbours.pop(iri, None)
    if neighbours:
        items = sorted(neighbours.items(), key=lambda item: (item[1] or {}).get("value", item[0]).lower())
        parts.append("<h2>Neighbours</h2><ul class=links>" + "".join(
            f"<li>{_term({'type': 'uri', 'value': n}, label)}</li>" for n, label in items) + "</ul>")

    mentioned = values.get(str(COOP.mentionedIn), [])
    if mentioned:
        parts.append("<h2>Mentioned in</h2><ul class=links>" + "".join(
            f"<li>{_term(row['o'], row.get('oLabel'))}</li>" for row in mentioned) + "</ul>")

    shown = {str(RDF.type), str(SKOS.altLabel), str(COOP.mentionedIn), str(COOP.reports), *label_properties}
    rest = [row for row in outgoing if row["p"]["value"] not in shown and row["p"]["value"] not in relations]
    rest += [row for p in label_properties for row in values.get(p, []) if row["o"]["value"] != title]
    if rest:
        parts.append("<h2>Properties</h2><table><tbody>" + "".join(
            f"<tr><th>{html.escape(_compact(row['p']['value']))}</th><td>{_term(row['o'], row.get('oLabel'))}</td></tr>"
            for row in rest) + "</tbody></table>")
    pointing = [row for row in incoming if row["q"]["value"] not in relations]
    if pointing:
        parts.append("<h2>Referred to by</h2>" + _more(incoming) + "<table><tbody>" + "".join(
            f"<tr><td>{_term(row['s'], row.get('sLabel'))}</td><th>{html.escape(_compact(row['q']['value']))}</th></tr>"
            for row in pointing[:_ENTITY_ROWS]) + "</tbody></table>")
    return title, "\n".join(parts)


def _more(rows: list) -> str:
    return f'<p class="note">The first {_ENTITY_ROWS} only.</p>' if len(rows) > _ENTITY_ROWS else ""


def _compact(iri: str) -> str:
    from .query import sparql_prefixes

    for prefix, namespace in sparql_prefixes().items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _term(term: dict, label: dict | None = None) -> str:
    """A term of a SPARQL JSON answer as HTML: an IRI of the graph a link to its page, another
    http(s) IRI a link out, a literal its text (all escaped)."""
    value = term["value"]
    if term["type"] != "uri":
        text = html.escape(value if term["type"] == "literal" else f"_:{value}")
        return text + (f' <span class="note">@{html.escape(term["xml:lang"])}</span>' if "xml:lang" in term else "")
    shown = html.escape(label["value"] if label else _compact(value))
    local = path_of_iri(value)
    if local is not None:
        return f'<a href="{html.escape(local)}">{shown}</a>'
    if value.startswith(("http://", "https://")):
        return f'<a href="{html.escape(value)}" rel="noopener noreferrer">{shown}</a>'
    return shown


def entity_html(title: str, body: str, iri: str) -> bytes:
    """The page around `body`, from kg/templates/entity.html."""
    from importlib import resources
    from string import Template

    local = html.escape(path_of_iri(iri) or "/")
    template = Template((resources.files("kg") / "templates" / "entity.html").read_text(encoding="utf-8"))
    return template.substitute(title=html.escape(title), body=body, turtle=f"{local}?format=ttl",
                               jsonld=f"{local}?format=jsonld").encode("utf-8")


# -- what the HTTP side calls ----------------------------------------------------------------------

class Endpoint:
    """What the HTTP routes need: the runner, the limits and the network page. Its coroutines
    run in the server's event loop; answer_from_thread serves code run on a thread from it."""

    def __init__(self, source: tuple[str, str], limits: Limits, label: str, writer=None) -> None:
        from dataclasses import replace

        self.runner = QueryRunner(source, replace(limits, update_token=None))  # workers never see it
        self.limits = limits
        self.label = label
        self.writer = writer  # the kg.store.Store updates go to, when they are allowed
        self._network: bytes | None = None
        self._network_lock: asyncio.Lock | None = None
        self._update_lock = threading.Lock()

    def authorized(self, header: str | None) -> bool:
        """Whether an Authorization header carries the update token (compared in constant time)."""
        token = self.limits.update_token
        scheme, _, given = (header or "").strip().partition(" ")
        if not token or scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(hashlib.sha256(given.strip().encode()).digest(),
                                   hashlib.sha256(token.encode()).digest())

    async def update(self, text: str) -> None:
        """Apply a SPARQL update to the store in one transaction; queries see it afterwards."""
        await run_in_threadpool(self._write, text)
        self._network = None
        try:
            await self.runner.refresh()
        except RuntimeError as err:  # the old workers go on answering, without the change
            raise QueryRefused(HTTPStatus.INTERNAL_SERVER_ERROR, f"the update was applied, but queries do "
                               f"not see it yet: {err}") from None

    def _write(self, text: str) -> None:
        from .query import sparql_prefixes

        with self._update_lock:  # one at a time: this also keeps rdflib's parser to one thread
            inspect_update(text, self.limits.allow_service)
            try:
                self.writer.update(text, prefixes=sparql_prefixes())
                self.writer.oxigraph.flush()
            except (SyntaxError, ValueError, OSError) as err:
                raise QueryRefused(HTTPStatus.BAD_REQUEST, f"update failed: {err}") from None

    async def answer(self, text: str, accept: str = "", requested: str | None = None) -> tuple[str, bytes]:
        """(media type, answer) of a query; QueryRefused says why there is none."""
        return await self.runner.run(text, accept, requested)

    def answer_from_thread(self, text: str, accept: str = "", requested: str | None = None) -> tuple[str, bytes]:
        """answer(), called from a thread that the event loop started (run_in_threadpool)."""
        return anyio.from_thread.run(self.runner.run, text, accept, requested)

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
        rows = json.loads(self.answer_from_thread(lookup, requested="json")[1])["results"]["bindings"]
        return URIRef(rows[0]["s"]["value"]) if rows else None

    async def network_page(self) -> bytes:
        if self._network_lock is None:
            self._network_lock = asyncio.Lock()
        async with self._network_lock:
            if self._network is None:
                _, data = await self.runner.run("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", requested="nt")
                self._network = await run_in_threadpool(self._render_network, data)
            return self._network

    def _render_network(self, data: bytes) -> bytes:
        from rdflib import Graph

        from .viz import render_html

        graph = Graph().parse(data=data.decode("utf-8"), format="nt")
        return render_html(graph, title=f"coop-kg network: {self.label}").encode("utf-8")

    def close(self) -> None:
        self.runner.close()


# -- the HTTP side: Starlette routes ----------------------------------------------------------------

_CORS = {  # any page may query this endpoint
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept, X-Requested-With, Authorization",
    "Access-Control-Max-Age": "600",
}


def _send(status: int, media: str, body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=f"{media}; charset=utf-8",
                    headers={"Vary": "Accept", "X-Content-Type-Options": "nosniff", **_CORS, **(headers or {})})


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return _send(status, "text/plain", (message + "\n").encode("utf-8"), headers)


class _BodyRefused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


async def _read_body(request: Request, limits: Limits) -> bytes:
    """The request body, read within the cap and the read deadline. The declared length is
    checked first (uvicorn has already refused a malformed or negative one); a chunked body
    is counted as it comes."""
    close = {"Connection": "close"}  # the rest of the body is not read: the connection can't be reused
    declared = request.headers.get("content-length")
    if declared is not None and int(declared) > limits.max_body_bytes:
        raise _BodyRefused(_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body of {declared} bytes; "
                                  f"at most {limits.max_body_bytes}", close))
    body = bytearray()
    try:
        async with asyncio.timeout(limits.read_s):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limits.max_body_bytes:
                    raise _BodyRefused(_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                                              f"request body over {limits.max_body_bytes} bytes; "
                                              f"at most {limits.max_body_bytes}", close))
    except TimeoutError:
        raise _BodyRefused(_error(HTTPStatus.REQUEST_TIMEOUT, f"the request body did not arrive within "
                                  f"{limits.read_s:g} s", close)) from None
    return bytes(body)


# the SPARQL 1.1 Protocol's parameters, and format= (as Fuseki and Oxigraph take it)
# and format= under the names other servers give it, output= (Fuseki) and results=: SPARQLWrapper sends all three
FORMAT_PARAMETERS = ("format", "output", "results")
ENDPOINT_PARAMETERS = ("query", "update", "default-graph-uri", "named-graph-uri", *FORMAT_PARAMETERS)
PAGE_PARAMETERS = ("query", "params", "canned")  # what the query page's form and links send
ENTITY_PARAMETERS = ("format",)  # html, or a format of a graph (ttl, jsonld...)
# the entity pages run no script: every text on them comes from documents
_PAGE_POLICY = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"}


def _unknown_parameters(params: dict[str, list[str]], known: tuple[str, ...], taker: str) -> Response | None:
    """A 400 naming the first parameter not in `known` (a misspelt one would otherwise be
    ignored without a word), or None."""
    unknown = sorted(name for name in params if name not in known)
    if not unknown:
        return None
    return _error(HTTPStatus.BAD_REQUEST, f"unknown parameter {unknown[0]!r}"
                  f"{f' (and {len(unknown) - 1} more)' if len(unknown) > 1 else ''}; "
                  f"{taker} takes {', '.join(known)}")


def make_app(endpoint: Endpoint) -> Starlette:
    """The ASGI application: /sparql (and /query), the query page and the network page."""
    limits = endpoint.limits

    async def guarded(action) -> Response:
        try:
            return await action()
        except QueryRefused as refused:
            return _error(refused.status, str(refused))

    async def sparql(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=HTTPStatus.NO_CONTENT, headers=_CORS)
        params = parse_qs(request.url.query, keep_blank_values=True)
        post = request.method == "POST"
        if post:
            try:
                body = (await _read_body(request, limits)).decode("utf-8", errors="replace")
            except _BodyRefused as refused:
                return refused.response
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media == "application/sparql-query":
                params["query"] = [body]
            elif media == "application/x-www-form-urlencoded":
                params.update(parse_qs(body, keep_blank_values=True))
            elif media == "application/sparql-update":
                params["update"] = [body]
            else:
                return _error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send application/sparql-query, "
                              "application/sparql-update or application/x-www-form-urlencoded")
        if refused := _unknown_parameters(params, ENDPOINT_PARAMETERS, "the SPARQL endpoint"):
            return refused
        if "update" in params:
            return await update(request, params["update"], post)
        queries = params.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            return _error(HTTPStatus.BAD_REQUEST, "give exactly one query (query=...)")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            return _error(HTTPStatus.BAD_REQUEST, "default-graph-uri and named-graph-uri are not supported; "
                          "use GRAPH in the query")
        requested = next((params[name][0] for name in FORMAT_PARAMETERS if params.get(name)), None)

        async def respond() -> Response:
            media, answer = await endpoint.answer(queries[0], request.headers.get("accept", ""), requested)
            return _send(HTTPStatus.OK, media, answer)

        return await guarded(respond)

    async def update(request: Request, updates: list[str], post: bool) -> Response:
        if endpoint.writer is None or not limits.update_token:
            return _error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused "
                          "(kg serve --store DIR --allow-update --token TOKEN allows them)")
        if not post:
            return _error(HTTPStatus.METHOD_NOT_ALLOWED, "send updates by POST")
        if not endpoint.authorized(request.headers.get("authorization")):
            return _error(HTTPStatus.UNAUTHORIZED, "updates need the header Authorization: Bearer TOKEN",
                          {"WWW-Authenticate": 'Bearer realm="coop-kg"'})
        if len(updates) != 1 or not updates[0].strip():
            return _error(HTTPStatus.BAD_REQUEST, "give exactly one update (update=...)")

        async def respond() -> Response:
            await endpoint.update(updates[0])
            return _send(HTTPStatus.OK, "text/plain", b"updated\n")

        return await guarded(respond)

    async def page(request: Request) -> Response:
        params = parse_qs(request.url.query, keep_blank_values=True)
        if refused := _unknown_parameters(params, PAGE_PARAMETERS, "the query page"):
            return refused
        if "query" not in params and yasgui_installed():  # the form's answers are the plain page's
            return _yasgui_page(endpoint, params)
        return await run_in_threadpool(_page, endpoint, params)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _YASGUI_FILES or not yasgui_installed():
            return await not_found(request, None)
        return _send(HTTPStatus.OK, _YASGUI_FILES[name], _yasgui_file(name),
                     {"Cache-Control": "public, max-age=86400"})

    async def network(request: Request) -> Response:
        async def respond() -> Response:
            return _send(HTTPStatus.OK, "text/html", await endpoint.network_page())

        return await guarded(respond)

    async def entity(request: Request) -> Response:
        from .query import QueryError

        params = parse_qs(request.url.query, keep_blank_values=True)
        if refused := _unknown_parameters(params, ENTITY_PARAMETERS, "an entity's page"):
            return refused
        raw = (request.scope.get("raw_path") or request.url.path.encode()).split(b"?")[0]
        iri = iri_of_path(raw.decode("latin-1")[len("/id/"):])
        requested = (params.get("format") or [None])[0]

        async def respond() -> Response:
            media = entity_media(request.headers.get("accept", ""), requested)
            try:
                if media == "text/html":
                    answer = await entity_page(endpoint, iri)
                else:
                    answer = await entity_description(endpoint, iri, media)
            except QueryError:  # no IRI at all (a character an IRI cannot hold)
                answer = None
            if answer is None and media == "text/html":
                body = (f"<h1>Not found</h1><p>The graph says nothing of <span class=iri>{html.escape(iri)}</span>."
                        f' Try the <a href="/">query page</a>.</p>')
                return _send(HTTPStatus.NOT_FOUND, media, entity_html("Not found", body, iri), _PAGE_POLICY)
            if answer is None:
                return _error(HTTPStatus.NOT_FOUND, f"the graph says nothing of <{iri}>")
            return _send(HTTPStatus.OK, media, answer, _PAGE_POLICY if media == "text/html" else None)

        return await guarded(respond)

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(HTTPStatus.NOT_FOUND, f"no page {request.url.path}; try / or /sparql (POST queries to /sparql)")

    routes = [Route(path, sparql, methods=["GET", "POST", "OPTIONS"]) for path in ("/sparql", "/query")]
    routes += [Route("/", page, methods=["GET"]), Route("/network", network, methods=["GET"]),
               Route("/id/{rest:path}", entity, methods=["GET"]),
               Route("/static/yasgui/{name}", static, methods=["GET"])]
    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})


# -- the query page: YASGUI when it is installed (make yasgui), else a form ------------------------

_YASGUI_FILES = {"yasgui.min.js": "text/javascript", "yasgui.min.css": "text/css"}
_YASGUI_MISSING = ("The query editor (YASGUI) is not installed: this is the plain form. "
                   "make yasgui installs it (with npm); kg serve serves it itself, offline.")
_yasgui_files: dict[str, bytes] = {}


def _yasgui_folder():
    from importlib import resources

    return resources.files("kg") / "static" / "yasgui"


def yasgui_installed() -> bool:
    """Whether `make yasgui` has put YASGUI's files in kg/static/yasgui/."""
    return all((_yasgui_folder() / name).is_file() for name in _YASGUI_FILES)


def _yasgui_file(name: str) -> bytes:
    if name not in _yasgui_files:
        _yasgui_files[name] = (_yasgui_folder() / name).read_bytes()
    return _yasgui_files[name]


def _yasgui_page(endpoint: Endpoint, params: dict[str, list[str]]) -> Response:
    """The page of the query editor: YASGUI (its files served from /static/yasgui/) sending
    queries to /sparql, with a canned query loaded when one is picked."""
    import base64
    from importlib import resources
    from string import Template

    from .namespace import ID
    from .query import canned_queries, sparql_prefixes

    canned = canned_queries()
    picked = (params.get("canned") or [""])[0]
    settings = {"defaultQuery": _DEFAULT_QUERY, "query": canned[picked].text if picked in canned else None,
                "base": str(ID), "prefixes": sparql_prefixes()}
    # JSON in the page: "<" written as \u003c, so that no text can close the script element
    config = json.dumps(settings).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    template = Template((resources.files("kg") / "templates" / "query.html").read_text(encoding="utf-8"))
    body = template.substitute(label=html.escape(endpoint.label), config=config, canned=_canned_list(canned))
    # the one inline script is the template's own: allowed by its hash, and no other
    script = re.search(r"<script>(.*?)</script>", body, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    policy = (f"default-src 'self'; script-src 'self' 'sha256-{digest}'; style-src 'self' 'unsafe-inline'; "
              "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'")
    return _send(HTTPStatus.OK, "text/html", body.encode("utf-8"), {"Content-Security-Policy": policy})


def _canned_list(canned: dict) -> str:
    return "\n".join(
        f'<li><a href="/?{html.escape(urlencode({"canned": name}))}">{html.escape(name)}</a> '
        f'— {html.escape(q.title)}</li>' for name, q in canned.items())


def _page(endpoint: Endpoint, params: dict[str, list[str]]) -> Response:
    from .query import canned_queries

    canned = canned_queries()
    picked = (params.get("canned") or [""])[0]
    text = (params.get("query") or [canned[picked].text if picked in canned else ""])[0]
    bindings = (params.get("params") or [""])[0]
    answer = ""
    if text.strip() and "query" in params:
        sent = text
        try:
            sent = endpoint.bind(text, bindings)
            answer = _answer_html(endpoint, sent)
        except QueryRefused as refused:  # a syntax error is placed in the text the user wrote
            answer = f'<p class="error">{html.escape(position_in_user_text(str(refused), text, sent))}</p>'
    body = _PAGE.format(
        label=html.escape(endpoint.label),
        query=html.escape(text or _DEFAULT_QUERY),
        params=html.escape(bindings),
        canned=_canned_list(canned),
        answer=answer,
        note=('<p><a href="/">The query editor</a> (YASGUI) sends queries as they are typed.</p>'
              if yasgui_installed() else f'<p class="note">{html.escape(_YASGUI_MISSING)}</p>'),
    )
    return _send(HTTPStatus.OK, "text/html", body.encode("utf-8"))


def _answer_html(endpoint: Endpoint, text: str) -> str:
    media, answer = endpoint.answer_from_thread(text, "application/sparql-results+json, text/turtle")
    if media == "text/turtle":
        return f"<pre>{html.escape(answer.decode('utf-8'))}</pre>"
    data = json.loads(answer)
    if "boolean" in data:
        return f"<p>{html.escape(str(data['boolean']).lower())}</p>"
    names = data["head"]["vars"]
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    rows = data["results"]["bindings"]
    lines = []
    for row in rows[:_FORM_ROWS]:  # the graph's IRIs link to their pages
        cells = "".join(f"<td>{_term(row[n]) if n in row else ''}</td>" for n in names)
        lines.append(f"<tr>{cells}</tr>")
    count = len(rows)
    more = (f'<p class="note">The first {_FORM_ROWS} are shown: <a href="/">the query editor</a> pages through '
            f'them all.</p>' if count > _FORM_ROWS else "")
    return (f"<p>{count} row{'s' if count != 1 else ''}</p>{more}"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>")


_FORM_ROWS = 1000  # rows of an answer the form's page shows (one page, unpaged)


_DEFAULT_QUERY = """PREFIX coop: <https://w3id.org/coop-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?a ?aLabel ?b ?bLabel WHERE {
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
{note}
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


# -- the HTTP server: uvicorn --------------------------------------------------------------------

class RequestLog:
    """ASGI middleware writing one line per request to stderr once it is answered: method, path
    (as sent, without the query string, control characters escaped), status and milliseconds.
    The requests uvicorn answers itself (503 past --max-connections) get a line from
    `_OverCapLog`."""

    def __init__(self, app, write=None) -> None:
        self.app = app
        self.write = write or _write_stderr

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500  # what the client gets if the application fails before answering
        logged = False

        def log() -> None:
            nonlocal logged
            logged = True
            path = (scope.get("raw_path") or scope["path"].encode()).split(b"?")[0]
            shown = path.decode("ascii", "backslashreplace").encode("unicode_escape").decode("ascii")
            self.write(f"{scope['method']} {shown} {status} {(time.perf_counter() - started) * 1000:.0f} ms")

        async def sending(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                log()  # before the answer ends: whoever has the answer finds its line written
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if not logged:
                log()


def _write_stderr(line: str) -> None:
    import sys

    print(line, file=sys.stderr, flush=True)


class _OverCapLog(logging.Handler):
    """uvicorn answers a request past --max-connections (503) itself, without the application;
    its warning becomes a request log line. Errors are written as they were without it."""

    def __init__(self, write) -> None:
        super().__init__(logging.WARNING)
        self.write = write

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Exceeded concurrency limit"):
            self.write("- - 503 0 ms (past --max-connections)")
        elif record.levelno >= logging.ERROR:
            self.write(self.format(record))


class _ReadDeadlineProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline on reading each request's head.

    uvicorn times only the silence between two requests (keep-alive), and not from the moment a
    connection opens: a client that sends one byte every few seconds, or nothing, keeps its
    connection, and its place under --max-connections, for as long as it likes. Here the head
    of every request must be complete within `read_s` of the connection opening or of the
    previous answer; the body has its own deadline (_read_body)."""

    read_s: float = 10.0  # set on the subclass made by make_server
    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the head has arrived whole
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm()  # waiting for the next request on this connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_deadline = self.loop.call_later(self.read_s, self._too_slow)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


class Server(uvicorn.Server):
    """A uvicorn server on a socket bound (and listening) before it starts, so that the port is
    known, and announced, as soon as connections can be queued."""

    def __init__(self, config: uvicorn.Config, sock: socket.socket) -> None:
        super().__init__(config)
        self.socket = sock
        self.port: int = sock.getsockname()[1]

    def run(self, sockets: list[socket.socket] | None = None) -> None:
        super().run(sockets=sockets or [self.socket])

    def close(self) -> None:
        self.socket.close()


def make_server(source: tuple[str, str], limits: Limits, label: str, host: str = "127.0.0.1",
                port: int = 7878, writer=None, log_requests: bool = True) -> tuple[Server, Endpoint]:
    """The HTTP server (not yet serving) and its endpoint; source is ("store", dir) or
    ("nt", file of N-Triples); `writer`, the store opened for writing, takes updates;
    `log_requests` writes a line per request to stderr."""
    endpoint = Endpoint(source, limits, label, writer)
    protocol = type("BoundProtocol", (_ReadDeadlineProtocol,), {"read_s": limits.read_s})
    app = make_app(endpoint)
    if log_requests:
        app = RequestLog(app)
    config = uvicorn.Config(
        app, http=protocol, lifespan="off", log_config=None, log_level="error",
        access_log=False, server_header=False, date_header=True, proxy_headers=False,
        backlog=limits.backlog,
        # uvicorn counts the connection being answered too: one more lets max_connections be open
        limit_concurrency=limits.max_connections + 1,
        timeout_keep_alive=limits.keep_alive_s,
        h11_max_incomplete_event_size=limits.max_head_bytes,
        # at a stop, queries under way may finish within their own deadline
        timeout_graceful_shutdown=limits.timeout_s + 1,
    )
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # IPPROTO_TCP spelt out: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
        # sockets that say so, and with it on every answer waited ~40 ms for the client's ACK
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(limits.backlog)
    except OSError as err:
        endpoint.close()
        if err.errno == errno.EADDRINUSE:
            raise OSError(f"port {port} on {host} is already in use (another kg serve or another server): "
                          f"choose another with --port") from None
        raise
    if log_requests:  # uvicorn.Config has set the level of its logger by now
        errors = logging.getLogger("uvicorn.error")
        errors.setLevel(logging.WARNING)
        errors.propagate = False
        errors.handlers = [_OverCapLog(_write_stderr)]
    return Server(config, sock), endpoint


def serve(store: Path | None, graphs: list[Path], limits: Limits, host: str, port: int,
          announce=print, log_requests: bool = True) -> None:
    """Serve a store (held open so nothing writes to it meanwhile) or graph files until stopped
    (Ctrl-C or SIGTERM: requests under way are finished first, then one line, and the function
    returns); `log_requests` writes a line per request to stderr."""
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
                                       writer=holder if limits.update_token else None, log_requests=log_requests)
        address = f"http://{host}:{server.port}/"
        announce(f"listening on {address} (SPARQL endpoint {address}sparql)")
        if not yasgui_installed():
            announce("the query page is a plain form: make yasgui installs its editor (YASGUI, with npm)")
        started = time.monotonic()
        _stop_on_sigterm()
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
            endpoint.close()
            announce(f"stopped after {time.monotonic() - started:.0f} s")
    finally:
        if holder is not None:
            holder.close()
        if tmp is not None:
            Path(tmp.name).unlink(missing_ok=True)


def _stop_on_sigterm() -> None:
    """SIGTERM ends `serve` as Ctrl-C does: uvicorn shuts down gracefully on either, then
    raises the signal again, and this turns it into KeyboardInterrupt so that the workers and
    the store are closed on the way out."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


__all__ = ["serve", "make_server", "make_app", "Server", "Limits", "QueryRefused", "inspect_query", "negotiate"]
