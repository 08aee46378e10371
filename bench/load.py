"""Load on `kg serve` against `oxigraph serve-read-only`, on the same store, side by side.

    .venv/bin/python bench/load.py                  (about 3 minutes)
    .venv/bin/python bench/load.py --docs 500 --seconds 20 --clients 32 64

Builds a store of invented documents (entities, labels, cooperation between them) in
$KG_BENCH_DIR (default /tmp/bench-work), serves it with each server in turn on 127.0.0.1, and
runs the same mixed workload against each: N clients on kept-alive connections for a fixed
time, 98 % cheap queries (a list of countries, the partners of an organization, an ASK, the
documents mentioning one) and 2 % expensive ones (partners of partners over the whole graph).
Prints a table and writes it into BENCHMARKS.md between the markers of its section, leaving the
rest of the file as it is. Bounded: each level runs for --seconds, each request times out
after 60 s, and both servers are stopped at the end, whatever happens.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("KG_BENCH_DIR", "/tmp/bench-work"))
BIN = Path(sys.executable).parent
BEGIN = "<!-- load bench (bench/load.py): begin -->"
END = "<!-- load bench (bench/load.py): end -->"
KG_WORKERS = int(os.environ.get("KG_BENCH_WORKERS", "64"))  # queries kg serve runs at once

PREFIXES = ("PREFIX coop: <https://w3id.org/coop-kg/ontology#>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
ORG = "https://w3id.org/coop-kg/id/org/"


def build_store(path: Path, docs: int) -> None:
    """A store of `docs` invented documents: each names 12 organizations in 3 of 40 countries,
    with labels, places and cooperation between them."""
    from rdflib import Graph, Literal
    from rdflib.namespace import RDF, RDFS

    from kg.namespace import COOP, ID, document_iri
    from kg.store import Store

    if (path / "done").exists():
        return
    shutil.rmtree(path, ignore_errors=True)
    rng = random.Random(7)
    with Store.open(path) as store:
        for number in range(docs):
            doc = document_iri(f"doc{number:05d}.txt")
            graph = Graph()
            graph.add((doc, RDF.type, COOP.Document))
            graph.add((doc, RDFS.label, Literal(f"Bulletin {number}")))
            orgs = [rng.randrange(docs * 4) for _ in range(12)]
            for org in orgs:
                node = ID[f"org/o{org}"]
                country = ID[f"country/C{rng.randrange(40):02d}"]
                graph.add((node, RDF.type, COOP.Organization))
                graph.add((node, RDFS.label, Literal(f"Organization {org}")))
                graph.add((node, COOP.locatedIn, country))
                graph.add((node, COOP.mentionedIn, doc))
                graph.add((country, RDF.type, COOP.Country))
                graph.add((country, RDFS.label, Literal(f"Country {country[-3:]}")))
                graph.add((node, COOP.cooperatesWith, ID[f"org/o{rng.choice(orgs)}"]))
            store.put_graph(doc, graph)
    (path / "done").write_text("")


def workload(docs: int, rng: random.Random) -> str:
    """One query of the mix: 2 % expensive."""
    if rng.random() < 0.02:
        return (PREFIXES + "SELECT ?a (COUNT(DISTINCT ?c) AS ?n) WHERE { ?a coop:cooperatesWith ?b . "
                "?b coop:cooperatesWith ?c . ?c coop:cooperatesWith ?d } GROUP BY ?a ORDER BY DESC(?n) LIMIT 10")
    org = f"<{ORG}o{rng.randrange(docs * 4)}>"
    return PREFIXES + rng.choice([
        "SELECT ?c ?label WHERE { ?c a coop:Country ; rdfs:label ?label } ORDER BY ?label",
        f"SELECT ?p ?l WHERE {{ {org} coop:cooperatesWith|^coop:cooperatesWith ?p . ?p rdfs:label ?l }}",
        f"ASK {{ {org} coop:locatedIn ?c }}",
        f"SELECT ?d ?t WHERE {{ {org} coop:mentionedIn ?d . ?d rdfs:label ?t }} LIMIT 20",
    ])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {process.args}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/query?" + urlencode({"query": "ASK {}"}))
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the server did not answer within {seconds:g} s: {process.args}")


def complete(body: bytes) -> bool:
    """Whether an answer is whole SPARQL JSON: Oxigraph answers a query stopped at its time
    limit with status 200 and a body that ends in the middle, with an error message."""
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def run_level(port: int, clients: int, seconds: float, docs: int) -> dict:
    """`clients` threads, each on its own kept-alive connection, querying for `seconds`."""
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = None
        while time.monotonic() < stop_at:
            path = "/query?" + urlencode({"query": workload(docs, rng)})
            started = time.monotonic()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
                response = connection.getresponse()
                body = response.read()
                outcome = str(response.status)
                if outcome == "200" and not complete(body):
                    outcome = "200 cut short"
                elif outcome == "503":  # past which cap
                    outcome = "503 time limit" if b"did not finish within" in body else \
                        "503 busy" if b"busy" in body else "503"
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as err:
                outcome = "reset" if isinstance(err, (ConnectionError, http.client.RemoteDisconnected)) \
                    else type(err).__name__
                connection = None
            elapsed = time.monotonic() - started
            with lock:
                outcomes[outcome] += 1
                if outcome == "200":
                    latencies.append(elapsed)

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    return {"clients": clients, "requests": sum(outcomes.values()), "ok_per_s": len(latencies) / wall,
            "p50": percentile(0.50), "p95": percentile(0.95), "p99": percentile(0.99), "outcomes": outcomes,
            "load": (load_before, os.getloadavg()[0])}


def serve_commands(store: Path, port: int) -> dict[str, list[str]]:
    return {
        "kg serve": [str(BIN / "kg"), "serve", "--store", str(store), "--port", str(port), "--timeout", "10",
                     "--workers", str(KG_WORKERS)],
        "oxigraph serve-read-only": [str(BIN / "oxigraph"), "serve-read-only", "--location", str(store),
                                     "--bind", f"127.0.0.1:{port}", "--timeout-s", "10"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=500, help="invented documents in the store")
    parser.add_argument("--seconds", type=float, default=20, help="time each level runs")
    parser.add_argument("--clients", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    store = WORK / f"load-store-{args.docs}"
    WORK.mkdir(parents=True, exist_ok=True)
    build_store(store, args.docs)
    names = ("kg serve", "oxigraph serve-read-only")
    results: dict[str, list[dict]] = {name: [] for name in names}
    processes: dict[str, tuple[int, subprocess.Popen]] = {}
    try:
        for name in names:  # both up at once, idle while the other is measured
            port = free_port()
            processes[name] = port, subprocess.Popen(serve_commands(store, port)[name],
                                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, (port, process) in processes.items():
            wait_for(port, process)
            run_level(port, 4, 2, args.docs)  # warm the caches
        # the levels alternate between the servers, so that a change in what else the machine
        # runs falls on both alike
        for clients in args.clients:
            for name, (port, _) in processes.items():
                level = run_level(port, clients, args.seconds, args.docs)
                results[name].append(level)
                print(format_row(name, level), flush=True)
    finally:
        for _, process in processes.values():
            process.terminate()
        for _, process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    write(args, results)
    return 0


def format_row(name: str, level: dict) -> str:
    outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(level["outcomes"].items()))
    return (f"| {name} | {level['clients']} | {level['requests']:,} | {level['ok_per_s']:.1f} | "
            f"{level['p50']:.0f} | {level['p95']:.0f} | {level['p99']:.0f} | {outcomes} | "
            f"{level['load'][0]:.1f} → {level['load'][1]:.1f} |")


def write(args, results: dict[str, list[dict]]) -> None:
    lines = [BEGIN, "## Load: kg serve against oxigraph serve-read-only", "",
             f"Written by `bench/load.py`: the same store of {args.docs} invented documents, served by both "
             f"on 127.0.0.1, the levels alternating between them; each client on a kept-alive connection "
             f"sends queries for {args.seconds:g} s, 98 % cheap and 2 % expensive; latencies of whole "
             f"answers (200). kg serve runs {KG_WORKERS} queries at once (`--workers`, `$KG_BENCH_WORKERS`), "
             "Oxigraph a thread per request; both with a 10 s query time limit. Outcomes: `200 cut short` "
             "is an answer whose body is not whole SPARQL JSON (Oxigraph's answer to a query stopped at its "
             "time limit), `503 time limit` a query stopped at kg's time limit, `503 busy` one that found "
             "every worker busy until then, `reset` a connection dropped. `load`: the machine's load "
             f"average (1 min) as the level began and ended, on {os.cpu_count()} cores shared with other "
             "work: the servers and the clients compete for them with whatever else runs.", "",
             "| server | clients | requests | answered/s | p50 ms | p95 ms | p99 ms | outcomes | load |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for name, levels in results.items():
        lines += [format_row(name, level) for level in levels]
    lines.append("")
    ours, theirs = results["kg serve"], results["oxigraph serve-read-only"]
    for a, b in zip(ours, theirs):
        throughput, p50 = a["ok_per_s"] / b["ok_per_s"], a["p50"] / b["p50"]
        outcomes = a["outcomes"]
        refused = sum(v for k, v in outcomes.items() if k.startswith("4"))
        other = sum(v for k, v in outcomes.items() if k != "200" and not k.startswith(("4", "503 time limit")))
        lines.append(f"- {a['clients']} clients: throughput {throughput:.2f} of Oxigraph's (target >= 0.8: "
                     f"{'met' if throughput >= 0.8 else 'not met'}), p50 {p50:.1f} times Oxigraph's (target "
                     f"<= 2: {'met' if p50 <= 2 else 'not met'}); kg: {refused} answers 4xx, "
                     f"{outcomes.get('503 time limit', 0)} stopped at the time limit, {other} other "
                     f"(resets, busy, errors; target 0 for 4xx and other)")
    lines += ["", "How kg keeps up: the event loop sends each query over a socket to a worker process, which "
              "runs it on a thread of its own (Oxigraph lets go of the GIL while it evaluates), up to 4 a "
              "process, so a cheap query never waits for an expensive one to end. A query still running "
              "after 50 ms has its thread's priority lowered (nice 14): on a busy machine the event loop "
              "and the cheap queries come first. A query past the time limit is stopped by killing its "
              "process, and the other queries in it are sent again to another worker. The price: on a "
              "machine short of CPU, expensive queries get what is left and may reach the time limit, "
              "where Oxigraph gives all queries equal shares.", "", END]
    text = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    section = "\n".join(lines)
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: section, text, flags=re.DOTALL)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    args.output.write_text(text, encoding="utf-8")
    print(section)


if __name__ == "__main__":
    sys.exit(main())
