"""Speed and scale of coop-kg, as ratios measured side by side in one run.

    make bench            (.venv/bin/python bench/run.py; about 30 minutes on 2 shared cores)
    make bench ARGS=--quick                    (a smoke run of a few minutes, small corpora)

Uses the real news articles of ../shared/corpus/real (distinct articles; long texts made by
joining them; renamed copies only where a size beyond them is wanted); without them it says so
and stops. Work files are kept in $KG_BENCH_DIR (default /tmp/bench-work). Prints each figure as
it comes and writes BENCHMARKS.md, every figure from this one run, each against its peer
measured side by side (alternating, in processes of their own):

1. throughput of `kg build --jobs 1` and `--jobs 2` against bare `nlp.pipe` of the same spaCy
   model with n_process 1 and 2;
2. long texts (10,000+ words) against the same articles as short texts, time per word;
3. `kg query NAME --store` as a command against a raw pyoxigraph process doing the same;
4. store ingest against pyoxigraph's bulk_load of the same quads;
5. `kg export` against pyoxigraph's own serialisers, time and peak memory;
6. peak RSS and time of `kg build --store` at growing numbers of articles, up to all of them,
   and the cost of each further document (a linear fit);
7. the canned queries on a store of 1M+ quads against raw pyoxigraph;
8. a rebuild of an unchanged corpus against the first build;
9. the Dask engine on a local two-worker cluster against the local engine.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "corpus" / "real"
WORK = Path(os.environ.get("KG_BENCH_DIR", "/tmp/bench-work"))
KG = str(Path(sys.executable).parent / "kg")  # the installed command, as a user runs it

PARAMS = {"partners-of": {"entity": "Japan"}, "documents-mentioning": {"entity": "Japan"},
          "entity-facts": {"entity": "Japan"}, "figures-of": {"entity": "Japan"},
          "events-in-place": {"place": "Japan"}, "entities-in-country": {"country": "Japan"},
          "cooperation-between": {"a": "Japan", "b": "United States"},
          "relation-evidence": {"predicate": "coop:cooperatesWith"}}
# members-of asks for the group with the most members in the store (found when the store is made)
BIGGEST_GROUP = ("SELECT ?group WHERE { ?member coop:memberOf ?group } GROUP BY ?group "
                 "ORDER BY DESC(COUNT(?member)) ?group LIMIT 1")


def machine() -> list[str]:
    import spacy

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    ram = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) / 1024 / 1024
    import pyoxigraph
    return [f"CPU: {cpu}, {os.cpu_count()} cores (shared with other work), RAM {ram:.0f} GiB",
            f"Python {platform.python_version()}, spaCy {spacy.__version__}, pyoxigraph {pyoxigraph.__version__}, "
            f"{platform.system()} {platform.release()}",
            f"coop-kg at commit {commit()}" + (" with uncommitted changes" if dirty() else "")]


def commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip() or "unknown"


def dirty() -> bool:
    return bool(subprocess.run(["git", "status", "--porcelain", "--", "kg", "bench", "queries", "ontology"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip())


# -- helpers: processes of their own, alternated ------------------------------------------------
def run_process(command: list[str], **options) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the process and its children, stdout) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=options.pop("cwd", ROOT), capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"}, **options)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{done.stderr[-3000:]}")
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), done.stdout


def alternated(sides: dict[str, list[str]], rounds: int) -> dict[str, dict]:
    """Each command run `rounds` times, the sides taking turns (so that a busy moment of the
    shared machine falls on all of them alike); medians of wall and CPU seconds."""
    walls: dict[str, list[float]] = {name: [] for name in sides}
    cpus: dict[str, list[float]] = {name: [] for name in sides}
    outputs: dict[str, list[str]] = {name: [] for name in sides}
    for turn in range(rounds):
        names = list(sides) if turn % 2 == 0 else list(reversed(sides))  # neither side always first
        for name in names:
            wall, cpu, output = run_process(sides[name])
            outputs[name].append(output)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return {name: {"wall": statistics.median(walls[name]), "cpu": statistics.median(cpus[name]),
                   "walls": walls[name], "output": outputs[name][-1],
                   "printed": statistics.median(_last_number(o) for o in outputs[name])} for name in sides}


def _last_number(output: str) -> float:
    try:
        return float(output.split()[-1])
    except (IndexError, ValueError):
        return float("nan")


def articles(name: str, files: list[Path]) -> Path:
    """A folder holding `files` (links to the real articles, under their own names)."""
    folder = WORK / name
    if folder.is_dir() and sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in files):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in files:
        (folder / path.name).symlink_to(path.resolve())
    return folder


def words_in(files: list[Path]) -> int:
    return sum(len(p.read_text(encoding="utf-8").split()) for p in files)


# -- 1. throughput: kg build --jobs N against nlp.pipe(n_process=N) ---------------------------------
_BARE_PIPE = r"""
import sys
from pathlib import Path
import spacy
from kg.nlp import choose_model
nlp = spacy.load(choose_model())
texts = (p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).iterdir()))
count = sum(1 for _ in nlp.pipe(texts, batch_size=16, n_process=int(sys.argv[2])))
print(count)
"""


def throughput(files: list[Path], rounds: int) -> list[dict]:
    """Whole processes, start-up included on both sides: `kg build FOLDER --jobs N` (reading,
    spaCy, coop-kg's components, resolution, RDF, the Turtle file) against a process that loads
    the same spaCy model and runs nlp.pipe(n_process=N) over the same texts."""
    folder = articles(f"real-{len(files)}", files)
    rows = []
    for jobs in (1, 2):
        sides = {"bare": [sys.executable, "-c", _BARE_PIPE, str(folder), str(jobs)],
                 "kg": [KG, "build", str(folder), "--output", str(WORK / f"throughput-{jobs}.ttl"),
                        "--jobs", str(jobs), "--quiet"]}
        measured = alternated(sides, rounds)
        rows.append({"jobs": jobs, "bare_s": measured["bare"]["wall"], "kg_s": measured["kg"]["wall"],
                     "bare_cpu": measured["bare"]["cpu"], "kg_cpu": measured["kg"]["cpu"],
                     "ratio": measured["bare"]["wall"] / measured["kg"]["wall"]})
    return rows


# -- 2. long texts ------------------------------------------------------------------------------------
_EXTRACTION_CPU = r"""
import sys, time
from pathlib import Path
from kg.ingest import read_document
from kg.nlp import load_pipeline
from kg.pipeline import batches, extract_batch
documents = [read_document(p) for p in sorted(Path(sys.argv[1]).iterdir())]
nlp = load_pipeline()
extract_batch(nlp, [read_document(p) for p in sorted(Path(sys.argv[2]).iterdir())[:4]])  # warm up
start = time.process_time()
for batch in batches(documents, 16):
    extract_batch(nlp, batch)
print(time.process_time() - start)
"""


def long_texts(files: list[Path], per_text: int, rounds: int) -> dict:
    """Texts of 10,000+ words, each `per_text` real articles joined (paragraph breaks between
    them), against the same articles as separate texts: the CPU seconds of extraction alone in
    a process of its own (the pipeline loaded and warmed up first), per word."""
    short = articles(f"long-short-{len(files)}", files)
    joined = WORK / f"long-joined-{len(files)}-{per_text}"
    shutil.rmtree(joined, ignore_errors=True)
    joined.mkdir(parents=True)
    lengths = []
    for k in range(0, len(files) - per_text + 1, per_text):
        text = "\n\n".join(p.read_text(encoding="utf-8").strip() for p in files[k:k + per_text]) + "\n"
        (joined / f"long-{k // per_text:02d}.txt").write_text(text, encoding="utf-8")
        lengths.append(len(text.split()))
    used = files[:len(lengths) * per_text]
    if len(used) < len(files):
        short = articles(f"long-short-{len(used)}", used)
    measured = alternated({"short": [sys.executable, "-c", _EXTRACTION_CPU, str(short), str(short)],
                           "long": [sys.executable, "-c", _EXTRACTION_CPU, str(joined), str(short)]}, rounds)
    seconds = {side: measured[side]["printed"] for side in measured}
    words = sum(lengths)
    return {"texts": len(lengths), "min_words": min(lengths), "max_words": max(lengths), "words": words,
            "short_s": seconds["short"], "long_s": seconds["long"],
            "short_us": 1e6 * seconds["short"] / words, "long_us": 1e6 * seconds["long"] / words,
            "ratio": seconds["long"] / seconds["short"]}


# -- 3. kg query as a command --------------------------------------------------------------------------
_RAW_QUERY = r"""
import csv, json, sys
import pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
answer = store.query(open(sys.argv[2], encoding="utf-8").read(), prefixes=json.loads(sys.argv[3]))
writer = csv.writer(sys.stdout)
writer.writerow([v.value for v in answer.variables])
for row in answer:
    writer.writerow(["" if t is None else f"_:{t.value}" if isinstance(t, ox.BlankNode) else t.value for t in row])
"""

_API_QUERY = r"""
import sys, kg
with kg.Store.open(sys.argv[1], read_only=True) as store:
    sys.stdout.write(kg.format_result(kg.answer(store, sys.argv[2]), "csv"))
"""


def startup(store: Path, names: list[str], rounds: int) -> list[dict]:
    """`kg query NAME --store DIR -f csv` against a Python process that opens the store with
    pyoxigraph, runs the same SPARQL and writes the same CSV; and, to show what the command
    layer costs, kg's Python API doing the same in a process of its own."""
    from kg.prefixes import sparql_prefixes
    from kg.query import canned_queries

    # kg's bytecode written first, as pip writes it when it installs the package: in a development
    # install under PYTHONDONTWRITEBYTECODE every start would compile kg's modules again
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kg"), str(ROOT / "queries")],
                   check=True, stdout=subprocess.DEVNULL)
    rows = []
    for name in names:
        sides = {"raw": [sys.executable, "-c", _RAW_QUERY, str(store), str(canned_queries()[name].path),
                         json.dumps(sparql_prefixes())],
                 "kg": [KG, "query", name, "--store", str(store), "-f", "csv"],
                 "api": [sys.executable, "-c", _API_QUERY, str(store), name]}
        measured = alternated(sides, rounds)
        if not measured["kg"]["output"] == measured["raw"]["output"] == measured["api"]["output"]:
            raise SystemExit(f"kg query {name}: not the CSV that pyoxigraph gives")
        rows.append({"query": name, "rows": measured["kg"]["output"].count("\n") - 1,
                     **{f"{side}_{what}": measured[side][what] for side in sides for what in ("wall", "cpu")},
                     "ratio": measured["kg"]["cpu"] / measured["raw"]["cpu"],
                     "api_ratio": measured["api"]["cpu"] / measured["raw"]["cpu"]})
    return rows


# -- 4. ingest ------------------------------------------------------------------------------------------
def real_extractions(files: list[Path]) -> Path:
    """The extractions of `files`, pickled (made again when the commit changes)."""
    path = WORK / f"extractions-{len(files)}-{commit()}.pickle"
    if not path.is_file():
        from kg.ingest import read_document
        from kg.nlp import load_pipeline
        from kg.pipeline import batches, extract_batch

        nlp = load_pipeline()
        found = []
        for batch in batches((read_document(p) for p in files), 16):
            found += [e for e in extract_batch(nlp, batch) if hasattr(e, "document")]
        path.write_bytes(pickle.dumps(found))
    return path


_INGEST = r"""
import pickle, shutil, sys, time
side, data, target = sys.argv[1:4]
shutil.rmtree(target, ignore_errors=True)
loaded = pickle.loads(open(data, "rb").read())
if side == "kg":  # imported before the clock starts, as pyoxigraph is on the other side
    from kg.pipeline import INGEST_BATCH, batches
    from kg.store import Store
    import kg.rdf, kg.namespace
import pyoxigraph as ox
start = time.perf_counter()
if side == "kg":
    with Store.open(target) as store:  # as kg build --store writes
        for batch in batches(loaded, INGEST_BATCH):
            store.ingest_many(batch)
elif side == "bulk":
    store = ox.Store(target)
    store.bulk_load(loaded[0], ox.RdfFormat.N_QUADS)
    store.bulk_load(loaded[1], ox.RdfFormat.N_TRIPLES)
    store.flush()
    del store
else:  # "load": pyoxigraph's transactional Store.load, one transaction per part
    store = ox.Store(target)
    for part in loaded:
        store.load(part, ox.RdfFormat.N_QUADS)
    store.flush()
    del store
print(time.perf_counter() - start)
"""


def ingest(files: list[Path], rounds: int, count: int) -> dict:
    """Writing the extractions of the first `count` of `files` into a new store as `kg build --store` does
    (Store.ingest_many, 16 documents a transaction) against pyoxigraph writing the very quads that
    store ends with (document graphs, reference graphs, their merge), made beforehand: with
    bulk_load (N-Quads of the named graphs, N-Triples of the merge; not transactional, so a kill
    can leave a store half-written) and with its transactional Store.load, in as many
    transactions as kg makes. Each side a process of its own, timed from opening the store to
    closing it."""
    import pyoxigraph as ox

    from kg.pipeline import INGEST_BATCH

    # the first `count` of the extractions of `files` (those the query store is made of)
    data = WORK / f"ingest-extractions-{count}.pickle"
    extractions = pickle.loads(real_extractions(files).read_bytes())[:count]
    data.write_bytes(pickle.dumps(extractions))
    reference = WORK / "ingest-reference.db"
    run_process([sys.executable, "-c", _INGEST, "kg", str(data), str(reference)])
    written = ox.Store.read_only(str(reference))
    named = ox.serialize((q for q in written if isinstance(q.graph_name, ox.NamedNode)), format=ox.RdfFormat.N_QUADS)
    merged = ox.serialize((q.triple for q in written if isinstance(q.graph_name, ox.DefaultGraph)),
                          format=ox.RdfFormat.N_TRIPLES)
    quads = len(written)
    del written
    bulk = WORK / "ingest-quads.pickle"
    bulk.write_bytes(pickle.dumps((named, merged)))
    # the same quads in as many parts as kg has transactions, each part's lines from both texts
    parts = -(-len(extractions) // INGEST_BATCH)
    named_lines, merged_lines = named.splitlines(keepends=True), merged.splitlines(keepends=True)
    chunks = [b"".join(named_lines[k * len(named_lines) // parts:(k + 1) * len(named_lines) // parts]
                       + merged_lines[k * len(merged_lines) // parts:(k + 1) * len(merged_lines) // parts])
              for k in range(parts)]
    transactional = WORK / "ingest-parts.pickle"
    transactional.write_bytes(pickle.dumps(chunks))
    measured = alternated({"bulk": [sys.executable, "-c", _INGEST, "bulk", str(bulk), str(WORK / "ingest-bulk.db")],
                           "load": [sys.executable, "-c", _INGEST, "load", str(transactional), str(WORK / "ingest-load.db")],
                           "kg": [sys.executable, "-c", _INGEST, "kg", str(data), str(WORK / "ingest-kg.db")]}, rounds)
    seconds = {side: measured[side]["printed"] for side in measured}
    from kg.store import Store

    with Store.open(WORK / "ingest-kg.db", read_only=True) as store:
        held = set(map(str, store.oxigraph))
    same = held == set(map(str, _oxigraph_quads(WORK / "ingest-bulk.db"))) == set(map(str, _oxigraph_quads(WORK / "ingest-load.db")))
    return {"docs": len(extractions), "quads": quads, "parts": parts,
            "kg_s": seconds["kg"], "bulk_s": seconds["bulk"], "load_s": seconds["load"],
            "ratio": seconds["kg"] / seconds["bulk"], "load_ratio": seconds["load"] / seconds["bulk"],
            "kg_vs_load": seconds["kg"] / seconds["load"], "same": same}


def _oxigraph_quads(path: Path):
    import pyoxigraph as ox

    return list(ox.Store.read_only(str(path)))


# -- 5. export -------------------------------------------------------------------------------------------
_RAW_EXPORT = r"""
import sys
import pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
with open(sys.argv[2], "wb") as out:
    if sys.argv[3] == "nq":
        store.dump(out, ox.RdfFormat.N_QUADS)  # the whole dataset: the merged default graph too
    else:
        store.dump(out, ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph())
"""


def export(store: Path, rounds: int) -> list[dict]:
    """`kg export --store DIR --output FILE` against a Python process that dumps the same store
    with pyoxigraph's serialiser; wall seconds and peak RSS of each process."""
    rows = []
    for suffix in ("nq", "ttl"):
        sides = {"raw": [sys.executable, "-c", _PEAK_OF + _RAW_EXPORT, str(store), str(WORK / f"raw.{suffix}"), suffix],
                 "kg": [sys.executable, "-c", _PEAK_OF + _KG_MAIN, "export", "--store", str(store),
                        "--output", str(WORK / f"kg.{suffix}")]}
        walls: dict[str, list[float]] = {side: [] for side in sides}
        peaks: dict[str, list[float]] = {side: [] for side in sides}
        for turn in range(rounds):
            for side in (sides if turn % 2 == 0 else list(reversed(sides))):
                wall, peak = peak_process(sides[side])
                walls[side].append(wall)
                peaks[side].append(peak)
        rows.append({"format": suffix, **{f"{side}_s": statistics.median(walls[side]) for side in sides},
                     **{f"{side}_mb": max(peaks[side]) for side in sides},
                     "kg_bytes": (WORK / f"kg.{suffix}").stat().st_size, "raw_bytes": (WORK / f"raw.{suffix}").stat().st_size,
                     "ratio": statistics.median(walls["kg"]) / statistics.median(walls["raw"])})
    return rows


# -- 2. canned queries on 1M+ quads ------------------------------------------------------------------
def million_store(files: list[Path], target: int = 1_000_000):
    """A store of at least `target` quads: the real articles' graphs, then renamed copies."""
    import pyoxigraph as ox

    path = WORK / f"store-merged-{target}"
    stamp = WORK / f"store-merged-{target}.commit"  # graphs made by other code are made again
    if path.is_dir() and stamp.is_file() and stamp.read_text() == commit():
        store = ox.Store(str(path))
        if len(store) >= target:  # document quads plus their merge
            return store
        del store
    shutil.rmtree(path, ignore_errors=True)
    from kg.namespace import document_iri
    from kg.rdf import document_ntriples

    graphs = [(str(document_iri(e.document.name)), document_ntriples(e))  # (document IRI, N-Triples)
              for e in pickle.loads(real_extractions(files).read_bytes())]
    store = ox.Store(str(path))
    copy = quads = 0
    while quads < target:
        lines = []
        for iri, data in graphs:
            name = iri if copy == 0 else iri + f"-copy{copy}"
            body = data.replace(f"<{iri}>", f"<{name}>")
            lines.append(re.sub(r" \.\n", f" <{name}> .\n", body))
            # the default graph, as kg.store keeps it: the merge of the document graphs
            store.bulk_load(body.encode(), ox.RdfFormat.N_TRIPLES)
            quads += body.count(" .\n")
        store.bulk_load("".join(lines).encode(), ox.RdfFormat.N_QUADS)
        copy += 1
    store.flush()
    stamp.write_text(commit())
    return store


def queries(files: list[Path], runs: int, target: int) -> tuple[int, list[dict]]:
    import kg
    from kg.query import bind_value, canned_queries, sparql_prefixes, with_values
    from kg.store import Store

    raw = million_store(files, target)
    store = Store(raw)
    prefixes = sparql_prefixes()
    groups = [row["group"].value for row in raw.query(BIGGEST_GROUP, prefixes=prefixes)]
    results = []
    for name, canned in canned_queries().items():
        params = {"group": groups[0]} if name == "members-of" and groups else PARAMS.get(name, {})
        text = with_values(canned.text, {k: bind_value(store, v) for k, v in params.items()})

        def ours():
            return len(kg.query(store, name, params=params))

        def bare():
            answer = raw.query(text, prefixes=prefixes)
            return len([tuple(row) for row in answer])

        ours(), bare()  # warm caches
        t_ours, t_bare = [], []
        for _ in range(runs):
            for fn, times in ((bare, t_bare), (ours, t_ours)):
                start = time.perf_counter()
                rows = fn()
                times.append(time.perf_counter() - start)
        results.append({"query": name, "rows": rows, "bare_ms": 1000 * statistics.median(t_bare),
                        "ours_ms": 1000 * statistics.median(t_ours),
                        "ratio": statistics.median(t_ours) / max(statistics.median(t_bare), 1e-9)})
    return len(store), results  # the document quads


# -- builds in a subprocess --------------------------------------------------------------------------
def copies(name: str, files: list[Path], count: int) -> Path:
    """A folder of `count` documents: `files` repeated under new names (cached)."""
    folder = WORK / name
    if folder.is_dir() and len(list(folder.iterdir())) == count:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i in range(count):
        source = files[i % len(files)]
        (folder / f"{i:05d}-{source.name}").write_bytes(source.read_bytes())
    return folder


# Put before a program run with `python -c`: it reports the process's peak RSS as it ends. VmHWM
# belongs to the process's own address space, while ru_maxrss (getrusage, wait4) also counts the
# memory of the parent that forked it, before exec -- here the benchmark itself.
_PEAK_OF = r"""
import atexit, sys
def _peak():
    line = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print("peak-kb", line.split()[1], file=sys.stderr)
atexit.register(_peak)
"""
_KG_MAIN = r"""
from kg.cli import app
app(sys.argv[1:], prog_name="kg")
"""


def peak_process(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of a `python -c _PEAK_OF + ...` process."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore"},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    peak = re.search(r"^peak-kb (\d+)$", done.stderr, re.MULTILINE)
    if done.returncode != 0 or peak is None:
        raise SystemExit(f"{' '.join(command[3:6])} failed:\n{done.stderr[-2000:]}")
    return seconds, int(peak.group(1)) / 1024


def measured_build(corpus: Path, store: Path, *extra: str) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one `kg build --store` process."""
    return peak_process([sys.executable, "-c", _PEAK_OF + _KG_MAIN, "build", str(corpus), "--store", str(store),
                         "--quiet", *extra])


def rebuild(files: list[Path], count: int) -> dict:
    corpus = copies(f"corpus-{count}", files, count)
    store = WORK / f"rebuild-{count}.db"
    shutil.rmtree(store, ignore_errors=True)
    first, _ = measured_build(corpus, store)
    second, _ = measured_build(corpus, store)
    shutil.rmtree(store, ignore_errors=True)
    return {"docs": count, "first_s": first, "second_s": second, "ratio": second / first}


def store_figures(path: Path) -> dict:
    from kg.store import Store

    with Store.open(path, read_only=True) as store:
        documents, quads = len(store.named_graphs()), len(store)
    disk = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return {"documents": documents, "quads": quads, "disk_mb": disk / 1e6}


def memory(files: list[Path], counts: list[int]) -> list[dict]:
    """Time and peak RSS of `kg build --store --jobs 1` (one process does all: reading,
    extraction, writing) of the first `count` real articles, a new process and store each; the
    store of the largest is kept (for the start-up and export figures)."""
    rows = []
    for count in counts:
        store = WORK / f"memory-{count}.db"
        shutil.rmtree(store, ignore_errors=True)
        seconds, rss = measured_build(articles(f"real-{count}", files[:count]), store, "--jobs", "1")
        rows.append({"docs": count, "seconds": seconds, "rss_mb": rss, "store": store, **store_figures(store)})
        if count != max(counts):
            shutil.rmtree(store, ignore_errors=True)
    return rows


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """(intercept, slope) of the least-squares line through the points."""
    fit = statistics.linear_regression(xs, ys)
    return fit.intercept, fit.slope


# -- 5. the Dask engine ------------------------------------------------------------------------------
def dask_engine(files: list[Path], count: int) -> dict:
    """The same corpus built locally and on a local cluster of two worker processes."""
    from distributed import LocalCluster
    from rdflib.compare import to_isomorphic

    from kg.store import Store

    corpus = copies(f"corpus-{count}", files, count)
    local, remote = WORK / "dask-local.db", WORK / "dask-remote.db"
    for path in (local, remote):
        shutil.rmtree(path, ignore_errors=True)
    local_s, _ = measured_build(corpus, local)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="4GiB",
                      dashboard_address=None, silence_logs=40) as cluster:
        remote_s, _ = measured_build(corpus, remote, "--engine", "dask", "--scheduler", cluster.scheduler_address)
    graphs = []
    for path in (local, remote):
        with Store.open(path, read_only=True) as store:
            graphs.append(to_isomorphic(store.to_graph()))
        shutil.rmtree(path, ignore_errors=True)
    return {"docs": count, "local_s": local_s, "dask_s": remote_s, "same": graphs[0] == graphs[1],
            "triples": len(graphs[0]), "speedup": local_s / remote_s}


def table(say, columns: list[str], rows: list[list]) -> None:
    """A Markdown table: the first column to the left, the figures to the right."""
    say("| " + " | ".join(columns) + " |")
    say("| --- |" + " ---: |" * (len(columns) - 1))
    for row in rows:
        say("| " + " | ".join(str(cell) for cell in row) + " |")


def verdict(holds: bool) -> str:
    return "**holds**" if holds else "**does not hold**"


def against(value: float, target: float) -> str:
    """A ratio to two decimals, or to three where two would read as the target itself (1.304
    does not hold a target of 1.3, and "1.30" would say it does)."""
    text = f"{value:.2f}"
    return f"{value:.3f}" if float(text) == target and value != target else text


QUICK = {"docs": 48, "rounds": 1, "long_articles": 40, "per_long": 40, "query_runs": 2, "quads": 60_000,
         "store_docs": 60, "ingest_docs": 48, "rebuild_docs": 100, "memory_docs": [50, 100],
         "dask_docs": 48, "startup_rounds": 3}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run on small corpora (a few minutes)")
    parser.add_argument("--docs", type=int, default=300, help="distinct real articles for the throughput ratios")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each side of the throughput and long-text ratios")
    parser.add_argument("--long-articles", type=int, default=120, help="real articles joined into the long texts")
    parser.add_argument("--per-long", type=int, default=40, help="articles per long text")
    parser.add_argument("--startup-rounds", type=int, default=7)
    parser.add_argument("--ingest-docs", type=int, default=300)
    parser.add_argument("--query-runs", type=int, default=5)
    parser.add_argument("--quads", type=int, default=1_000_000, help="size of the query store")
    parser.add_argument("--store-docs", type=int, default=600, help="real articles whose graphs are copied into it")
    parser.add_argument("--rebuild-docs", type=int, default=1000)
    parser.add_argument("--memory-docs", type=int, nargs="+", default=[500, 1000, 0],
                        help="sizes of the memory builds (0: all the real articles)")
    parser.add_argument("--dask-docs", type=int, default=300)
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
        if args.output == ROOT / "BENCHMARKS.md":
            args.output = WORK / "BENCHMARKS-quick.md"
    if not REAL.is_dir():
        print(f"skipped: the benchmark corpus {REAL} is not here (it comes with ../shared)")
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    real = sorted(REAL.glob("*.txt"))
    short = sorted(real, key=lambda p: p.stat().st_size)[:200]  # for the builds of thousands of copies
    sizes = sorted({n or len(real) for n in args.memory_docs})
    lines = ["# Benchmarks", "",
             "Written by `make bench` (bench/run.py) in one run; every ratio is measured in this run, each "
             "side in processes of its own, the sides alternating (CPU and wall seconds from the kernel's "
             "accounting of those processes).", "",
             *[f"- {m}" for m in machine()], ""]
    verdicts: list[tuple[str, bool]] = []

    # the section bench/load.py writes is kept as it is
    previous = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    kept = re.search(r"<!-- load bench .*?: begin -->.*?<!-- load bench .*?: end -->", previous, re.DOTALL)
    kept = "\n" + kept.group() + "\n" if kept else ""

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)
        args.output.write_text("\n".join(lines) + "\n" + kept, encoding="utf-8")  # partial results survive

    started = time.time()

    t = throughput(real[:args.docs], args.rounds)
    say("## 1. Throughput against bare spaCy, at 1 and 2 processes")
    say()
    say(f"{args.docs} distinct real articles ({words_in(real[:args.docs]):,} words); whole processes, start-up "
        f"included on both sides, wall time, median of {args.rounds} alternated runs. Bare: a process that loads "
        "the same spaCy model and runs `nlp.pipe(texts, batch_size=16, n_process=N)`. kg: `kg build FOLDER "
        "--output graph.ttl --jobs N` (reading, spaCy, coop-kg's components, resolution, RDF, the Turtle file).")
    say()
    say("| processes | bare `nlp.pipe` s | `kg build` s | kg docs/s | kg throughput / bare | target |")
    say("| ---: | ---: | ---: | ---: | ---: | --- |")
    for row in t:
        holds = row["ratio"] >= 0.85
        verdicts.append((f"throughput at {row['jobs']} process{'es' if row['jobs'] > 1 else ''} >= 0.85 of bare", holds))
        say(f"| {row['jobs']} | {row['bare_s']:.1f} | {row['kg_s']:.1f} | {args.docs / row['kg_s']:.1f} | "
            f"**{against(row['ratio'], 0.85)}** | >= 0.85: {verdict(holds)} |")
    say()
    say(f"`--jobs 2` against `--jobs 1`: {t[0]['kg_s'] / t[1]['kg_s']:.2f}x the throughput "
        f"(bare spaCy, n_process 2 against 1: {t[0]['bare_s'] / t[1]['bare_s']:.2f}x); CPU seconds, kg / bare: "
        + ", ".join(f"{r['kg_cpu']:.0f} / {r['bare_cpu']:.0f} at {r['jobs']}" for r in t) + ".")
    say()

    lt = long_texts(real[-args.long_articles:], args.per_long, args.rounds)
    holds = lt["ratio"] <= 1.5
    verdicts.append(("long texts within 1.5x per word", holds))
    say("## 2. Long texts, time per word")
    say()
    say(f"{lt['texts']} texts of {lt['min_words']:,}-{lt['max_words']:,} words, each {args.per_long} real articles "
        f"joined, against the same {lt['texts'] * args.per_long} articles as separate texts ({lt['words']:,} words "
        f"either way): CPU seconds of extraction alone (spaCy, components, resolution) in a process of its own, "
        f"median of {args.rounds} alternated runs. A text over 50,000 characters is parsed in parts "
        "(kg.pipeline.PART_CHARS).")
    say()
    say("| texts | CPU s | microseconds per word |")
    say("| --- | ---: | ---: |")
    say(f"| separate articles | {lt['short_s']:.1f} | {lt['short_us']:.0f} |")
    say(f"| joined, 10,000+ words each | {lt['long_s']:.1f} | {lt['long_us']:.0f} |")
    say()
    say(f"Per word, long / short: **{against(lt['ratio'], 1.5)}** (target <= 1.5): {verdict(holds)}.")
    say()

    m = memory(real, sizes)
    biggest = m[-1]["store"]
    st = startup(biggest, ["entities-by-class", "cooperation-pairs"], args.startup_rounds)
    say("## 3. `kg query NAME --store` start-up against raw pyoxigraph")
    say()
    say(f"On the store of all {m[-1]['docs']:,} articles (section 6; {m[-1]['quads']:,} document quads), as whole "
        f"processes, median of {args.startup_rounds} alternated runs: `kg query NAME --store DIR -f csv`; raw: a "
        "Python process that opens the store with pyoxigraph, runs the same SPARQL and writes the same CSV (checked "
        "byte for byte); API: `kg.answer` and `kg.format_result` in a Python process, the same work without the "
        "command layer (typer).")
    say()
    table(say, ["query", "rows", "raw CPU s", "kg CPU s", "API CPU s", "kg wall s", "raw wall s", "kg / raw", "API / raw"],
          [[r["query"], r["rows"], f"{r['raw_cpu']:.3f}", f"{r['kg_cpu']:.3f}", f"{r['api_cpu']:.3f}", f"{r['kg_wall']:.3f}",
            f"{r['raw_wall']:.3f}", f"**{r['ratio']:.2f}**", f"{r['api_ratio']:.2f}"] for r in st])
    say()
    worst = max(r["ratio"] for r in st)
    verdicts.append(("kg query <= 2x raw pyoxigraph", worst <= 2))
    say(f"`kg query` at most **{against(worst, 2)}x** raw pyoxigraph (target <= 2): {verdict(worst <= 2)}. The command "
        "imports neither rdflib nor rich nor pydantic: the answer goes from pyoxigraph's terms straight to CSV, "
        "JSON or TSV (kg.sparql.Answer), and typer builds only the command that runs. What is left above the "
        "API's figure is mostly importing typer itself (about 35 ms of CPU, near the whole raw process).")
    say()

    ing = ingest(real[:max(args.store_docs, args.ingest_docs)], max(3, args.rounds + 1), args.ingest_docs)
    holds = ing["ratio"] <= 2
    verdicts.append(("ingest <= 2x bulk_load", holds))
    say("## 4. Store ingest against bulk_load")
    say()
    say(f"The extractions of {ing['docs']} real articles, extracted beforehand, written into a new store as "
        "`kg build --store` writes them (`Store.ingest_many`: RDF made from each extraction, 16 documents a "
        f"transaction, {ing['parts']} transactions, reference graphs, flushes and reopens included), against "
        f"pyoxigraph writing the very {ing['quads']:,} quads that store ends with (document graphs, reference "
        "graphs, their merge), made beforehand as text: with `bulk_load` (not transactional: a kill midway can "
        "leave a store half-written) and with its transactional `Store.load` in as many transactions as kg "
        "makes. Each side a process of its own, timed from opening the store to closing it, median of "
        f"{max(3, args.rounds + 1)} alternated runs.")
    say()
    say("| writer | s | / bulk_load |")
    say("| --- | ---: | ---: |")
    say(f"| pyoxigraph `bulk_load` | {ing['bulk_s']:.2f} | 1.00 |")
    say(f"| pyoxigraph `Store.load`, {ing['parts']} transactions | {ing['load_s']:.2f} | {ing['load_ratio']:.2f} |")
    say(f"| kg `Store.ingest_many` | {ing['kg_s']:.2f} | **{ing['ratio']:.2f}** |")
    say()
    say(f"kg against bulk_load **{against(ing['ratio'], 2)}x** (target <= 2): {verdict(holds)}; against pyoxigraph's own "
        f"transactional writes of the same quads {ing['kg_vs_load']:.2f}x. Every document whole or absent after "
        "a kill needs transactions, and pyoxigraph's transactional writes alone cost "
        f"{ing['load_ratio']:.2f}x its bulk_load. The three stores hold "
        f"{'the same quads' if ing['same'] else 'DIFFERENT quads'}.")
    say()

    ex = export(biggest, max(2, args.rounds))
    say("## 5. Export against pyoxigraph's serialisers")
    say()
    say(f"The store of all {m[-1]['docs']:,} articles; `kg export --store DIR --output FILE` against a Python "
        "process that dumps the store with pyoxigraph (.nq: `Store.dump` of the whole dataset, which holds the "
        "merged default graph too; .ttl: `Store.dump` of the default graph, without prefixes); wall seconds, "
        f"median of {max(2, args.rounds)} alternated runs, and the largest peak RSS of each process.")
    say()
    table(say, ["format", "raw s", "kg s", "kg / raw", "raw MB written", "kg MB written", "raw peak RSS MB", "kg peak RSS MB"],
          [[f".{r['format']}", f"{r['raw_s']:.1f}", f"{r['kg_s']:.1f}", f"**{r['ratio']:.2f}**", f"{r['raw_bytes'] / 1e6:.0f}",
            f"{r['kg_bytes'] / 1e6:.0f}", f"{r['raw_mb']:.0f}", f"{r['kg_mb']:.0f}"] for r in ex])
    say()
    worst = max(r["ratio"] for r in ex)
    verdicts.append(("exports <= 1.3x raw", worst <= 1.3))
    say(f"Slowest export **{against(worst, 1.3)}x** raw (target <= 1.3): {verdict(worst <= 1.3)}; kg's memory is that of "
        "its process, not of the store's size (section 6 shows the store's).")
    say()

    say("## 6. Peak RSS and cost per document of `kg build --store`")
    say()
    say("The first N real articles (distinct), `kg build FOLDER --store NEW --jobs 1` (one process reads, "
        "extracts and writes), a new process and store each; peak RSS is the process's own VmHWM.")
    say()
    say("| articles | quads in the store | store on disk MB | build s | peak RSS MB |")
    say("| ---: | ---: | ---: | ---: | ---: |")
    for row in m:
        say(f"| {row['docs']:,} | {row['quads']:,} | {row['disk_mb']:.0f} | {row['seconds']:.0f} | {row['rss_mb']:.0f} |")
    say()
    fixed, per_doc = linear_fit([r["docs"] for r in m], [r["seconds"] for r in m])
    rss_fixed, rss_per_doc = linear_fit([r["docs"] for r in m], [r["rss_mb"] for r in m])
    say(f"Linear fit over the {len(m)} sizes: build time = {fixed:.1f} s + **{1000 * per_doc:.0f} ms per further "
        f"article**; peak RSS = {rss_fixed:.0f} MB + {1000 * rss_per_doc:.1f} MB per 1,000 further articles.")
    say()

    quads, rows = queries(real[:args.store_docs], args.query_runs, args.quads)
    median = statistics.median(r["ratio"] for r in rows)
    verdicts.append(("canned queries: median <= 1.5x raw", median <= 1.5))
    say(f"## 7. Canned queries on {quads:,} document quads")
    say()
    say(f"The graphs of {args.store_docs} real articles, then renamed copies of them, until the document "
        "graphs hold the quads above, plus the merged default graph kg.store keeps (extracted by "
        "this commit: the store is made again when the commit changes). Median of "
        f"{args.query_runs} runs, interleaved. kg = `kg.query(Store, name, params)`: label parameters looked "
        "up, rows converted to an rdflib Result. pyoxigraph = `Store.query` of the same SPARQL with the "
        "parameters already bound by VALUES, rows read as tuples.")
    say()
    say("| query | rows | pyoxigraph ms | kg ms | ratio |")
    say("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        say(f"| {r['query']} | {r['rows']} | {r['bare_ms']:.1f} | {r['ours_ms']:.1f} | {r['ratio']:.2f} |")
    say()
    say(f"Median ratio **{against(median, 1.5)}** (target <= 1.5): {verdict(median <= 1.5)}. Slowest kg query "
        f"{max(r['ours_ms'] for r in rows):.0f} ms; above 1.5x: "
        + (", ".join(f"{r['query']} ({r['ours_ms'] - r['bare_ms']:.2f} ms more)" for r in rows if r["ratio"] > 1.5)
           or "none") + ".")
    say()

    r = rebuild(short, args.rebuild_docs)
    verdicts.append(("unchanged rebuild <= 5% of the first", r["ratio"] <= 0.05))
    say(f"## 8. Rebuild of an unchanged corpus of {r['docs']:,} documents")
    say()
    say(f"Renamed copies of the 200 shortest articles; `kg build --store`, a new process each: first {r['first_s']:.1f} s, "
        f"again unchanged {r['second_s']:.1f} s: **{100 * r['ratio']:.1f}%** of the first (target <= 5%): "
        f"{verdict(r['ratio'] <= 0.05)}.")
    say()

    d = dask_engine(short, args.dask_docs)
    verdicts.append(("Dask engine: the same graph", d["same"]))
    say(f"## 9. Dask engine, {d['docs']} documents")
    say()
    say(f"Renamed copies of the 200 shortest articles; `kg build --store`: local engine {d['local_s']:.1f} s; "
        f"`--engine dask` on a LocalCluster of two worker processes (one thread each) {d['dask_s']:.1f} s "
        f"({d['speedup']:.2f}x). The two stores hold {'the same graph' if d['same'] else 'DIFFERENT graphs'} "
        f"({d['triples']:,} triples, compared as isomorphic graphs): {verdict(d['same'])}.")
    say()
    shutil.rmtree(biggest, ignore_errors=True)

    say("## Targets")
    say()
    for name, holds in verdicts:
        say(f"- {name}: {verdict(holds)}")
    say()
    say(f"Whole run: {(time.time() - started) / 60:.1f} minutes" + (" (--quick)" if args.quick else "") + ".")
    notes = ROOT / "bench" / "NOTES.md"
    if notes.is_file():
        say()
        say(notes.read_text(encoding="utf-8").rstrip())
    print(f"written: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
