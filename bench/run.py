"""Speed and scale of coop-kg, as ratios measured side by side in one run.

    make bench            (.venv/bin/python bench/run.py)
    .venv/bin/python bench/run.py --docs 300 --rebuild-docs 2000 --memory-docs 1000 5000 10000

Uses the Reuters articles of ../shared/corpus/real (and renamed copies of them for size);
without them it says so and stops. Work files (corpora of copies, the 1M-quad store) are
kept in $KG_BENCH_DIR (default /tmp/bench-work) and reused. Prints a table and writes
BENCHMARKS.md, every figure from this one run. The figures:

1. extraction throughput, ours (spaCy + coop components + resolution + RDF) against bare
   nlp.pipe of the same trained pipeline on the same texts;
2. each canned query on a store of 1M+ quads, kg.query(store) against raw pyoxigraph
   Store.query of the same SPARQL, median of several runs;
3. `kg build --store` of a corpus a second time, unchanged, against the first build;
4. peak RSS of `kg build --store` processes of 1k, 5k and 10k documents;
5. `kg build --engine dask` on a local two-worker Dask cluster against the local engine: time,
   and whether the two stores hold the same graph.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "corpus" / "real"
WORK = Path(os.environ.get("KG_BENCH_DIR", "/tmp/bench-work"))

PARAMS = {"partners-of": {"entity": "Japan"}, "documents-mentioning": {"entity": "Japan"},
          "entity-facts": {"entity": "Japan"}, "figures-of": {"entity": "Japan"},
          "members-of": {"group": "OPEC"}, "events-in-place": {"place": "Japan"},
          "cooperation-between": {"a": "Japan", "b": "United States"},
          "relation-evidence": {"predicate": "coop:cooperatesWith"}}


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


# -- 1. extraction throughput -------------------------------------------------------------------
def throughput(files: list[Path]) -> dict:
    import spacy

    from kg.ingest import read_document
    from kg.nlp import choose_model, load_pipeline
    from kg.pipeline import BATCH_SIZE, batches, extract_batch
    from kg.rdf import document_triples

    documents = [read_document(p) for p in files]
    texts = [d.text for d in documents]
    words = sum(len(t.split()) for t in texts)
    bare, ours = spacy.load(choose_model()), load_pipeline()
    list(bare.pipe(texts[:8])), list(ours.pipe(texts[:8]))  # warm up both

    def run_bare() -> float:
        start = time.perf_counter()
        for _ in bare.pipe(texts, batch_size=BATCH_SIZE):
            pass
        return time.perf_counter() - start

    def run_ours() -> tuple[float, int]:
        start, triples = time.perf_counter(), 0
        for batch in batches(documents, BATCH_SIZE):
            for extraction in extract_batch(ours, batch):
                triples += len(document_triples(extraction))
        return time.perf_counter() - start, triples

    # interleaved halves, so that a busy moment of the shared machine hits both sides alike
    t_bare = t_ours = 0.0
    triples = 0
    for _ in range(2):
        t_bare += run_bare()
        seconds, triples = run_ours()
        t_ours += seconds
    return {"docs": len(texts), "words": words, "bare_s": t_bare / 2, "ours_s": t_ours / 2,
            "triples": triples, "ratio": t_bare / t_ours}


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
    from kg.nlp import load_pipeline
    from kg.pipeline import batches, extract_batch
    from kg.ingest import read_document
    from kg.rdf import document_triples

    nlp = load_pipeline()
    graphs = []  # (document IRI, N-Triples) of each real article
    for batch in batches((read_document(p) for p in files), 32):
        for extraction in extract_batch(nlp, batch):
            if hasattr(extraction, "document"):
                iri = str(document_iri(extraction.document.name))
                data = document_triples(extraction).serialize(format="nt", encoding="utf-8").decode()
                graphs.append((iri, data))
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
    results = []
    for name, canned in canned_queries().items():
        params = PARAMS.get(name, {})
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


# -- 3. and 4.: builds in a subprocess ---------------------------------------------------------------
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


# `kg build` in a process of its own that reports its peak RSS as it ends: VmHWM belongs to the
# process's own address space, while ru_maxrss (getrusage, wait4) also counts the memory of the
# parent that forked it, before exec -- here the benchmark itself, with a spaCy pipeline loaded.
_PEAK_OF_KG = r"""
import sys
from kg.cli import app
try:
    app(sys.argv[1:], prog_name="kg")
except SystemExit as end:
    code = end.code
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print("peak-kb", peak.split()[1], file=sys.stderr)
sys.exit(code)
"""


def measured_build(corpus: Path, store: Path, *extra: str) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one `kg build --store` process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PEAK_OF_KG, "build", str(corpus), "--store", str(store),
                           "--quiet", *extra], cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore"},
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    peak = re.search(r"^peak-kb (\d+)$", done.stderr, re.MULTILINE)
    if done.returncode != 0 or peak is None:
        raise SystemExit(f"kg build {corpus} failed:\n{done.stderr[-2000:]}")
    return seconds, int(peak.group(1)) / 1024


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
    """Peak RSS of `kg build --store` of `count` documents, a new process and store each."""
    rows = []
    for count in counts:
        corpus = copies(f"corpus-{count}", files, count)
        store = WORK / f"memory-{count}.db"
        shutil.rmtree(store, ignore_errors=True)
        seconds, rss = measured_build(corpus, store)
        rows.append({"docs": count, "seconds": seconds, "rss_mb": rss, **store_figures(store)})
        shutil.rmtree(store, ignore_errors=True)
    return rows


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


def verdict(holds: bool) -> str:
    return "**holds**" if holds else "**does not hold**"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=300, help="real articles for the throughput ratio")
    parser.add_argument("--query-runs", type=int, default=5)
    parser.add_argument("--quads", type=int, default=1_000_000, help="size of the query store")
    parser.add_argument("--store-docs", type=int, default=600, help="real articles whose graphs are copied into it")
    parser.add_argument("--rebuild-docs", type=int, default=2000)
    parser.add_argument("--memory-docs", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--dask-docs", type=int, default=400)
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    if not REAL.is_dir():
        print(f"skipped: the benchmark corpus {REAL} is not here (it comes with ../shared)")
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    real = sorted(REAL.glob("*.txt"))
    short = sorted(real, key=lambda p: p.stat().st_size)[:200]  # for the builds of thousands of documents
    lines = ["# Benchmarks", "",
             "Written by `make bench` (bench/run.py) in one run; every ratio is measured side by side.", "",
             *[f"- {m}" for m in machine()], ""]

    # the section bench/load.py writes is kept as it is
    previous = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    kept = re.search(r"<!-- load bench .*?: begin -->.*?<!-- load bench .*?: end -->", previous, re.DOTALL)
    kept = "\n" + kept.group() + "\n" if kept else ""

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)
        args.output.write_text("\n".join(lines) + "\n" + kept, encoding="utf-8")  # partial results survive

    started = time.time()
    t = throughput(real[:args.docs])
    say("## 1. Extraction throughput")
    say()
    say(f"{t['docs']} real articles, {t['words']:,} words, mean of two interleaved passes each.")
    say()
    say("| pipeline | seconds | docs/s | words/s |")
    say("| --- | ---: | ---: | ---: |")
    for label, key in (("bare `nlp.pipe` (en_core_web_sm)", "bare_s"), ("coop-kg: + components, resolution, RDF", "ours_s")):
        say(f"| {label} | {t[key]:.1f} | {t['docs'] / t[key]:.1f} | {t['words'] / t[key]:,.0f} |")
    say()
    say(f"Ratio **{t['ratio']:.2f}** of bare throughput (target >= 0.80): {verdict(t['ratio'] >= 0.8)}; "
        f"{t['triples']:,} triples from the last pass.")
    say()

    quads, rows = queries(real[:args.store_docs], args.query_runs, args.quads)
    median = statistics.median(r["ratio"] for r in rows)
    say(f"## 2. Canned queries on {quads:,} document quads")
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
    say(f"Median ratio **{median:.2f}** (target <= 1.5): {verdict(median <= 1.5)}. Slowest kg query "
        f"{max(r['ours_ms'] for r in rows):.0f} ms; above 1.5x: "
        + (", ".join(f"{r['query']} ({r['ours_ms'] - r['bare_ms']:.2f} ms more)" for r in rows if r["ratio"] > 1.5)
           or "none") + ".")
    say()

    r = rebuild(short, args.rebuild_docs)
    say(f"## 3. Rebuild of an unchanged corpus of {r['docs']:,} documents")
    say()
    say(f"`kg build --store`, a new process each: first {r['first_s']:.1f} s, again unchanged {r['second_s']:.1f} s: "
        f"**{100 * r['ratio']:.1f}%** of the first (target <= 5%): {verdict(r['ratio'] <= 0.05)}.")
    say()

    m = memory(short, args.memory_docs)
    say("## 4. Peak RSS of `kg build --store`")
    say()
    say("A new process and a new store for each size; peak RSS from the kernel's accounting of the process.")
    say()
    say("| documents | quads in the store | store on disk MB | build s | peak RSS MB |")
    say("| ---: | ---: | ---: | ---: | ---: |")
    for row in m:
        say(f"| {row['docs']:,} | {row['quads']:,} | {row['disk_mb']:.0f} | {row['seconds']:.0f} | {row['rss_mb']:.0f} |")
    say()
    growth, disk_growth = m[-1]["rss_mb"] - m[0]["rss_mb"], m[-1]["disk_mb"] - m[0]["disk_mb"]
    steps = [(b["rss_mb"] - a["rss_mb"]) / (b["docs"] - a["docs"]) * 1000 for a, b in zip(m, m[1:])]
    levels_off = all(later <= earlier for earlier, later in zip(steps, steps[1:]))
    say(f"From {m[0]['docs']:,} to {m[-1]['docs']:,} documents peak RSS grows by **{growth:.0f} MB** "
        f"({100 * growth / m[0]['rss_mb']:.0f}%) while the store on disk grows by {disk_growth:.0f} MB; per "
        f"1,000 documents: " + ", then ".join(f"{step:.1f} MB" for step in steps) + ". "
        f"The target (no growth beyond what the store holds on disk, levelling off): "
        f"{verdict(growth < disk_growth and levels_off)}.")
    say()

    d = dask_engine(short, args.dask_docs)
    say(f"## 5. Dask engine, {d['docs']} documents")
    say()
    say(f"`kg build --store`: local engine {d['local_s']:.1f} s; `--engine dask` on a LocalCluster of two worker "
        f"processes (one thread each) {d['dask_s']:.1f} s ({d['speedup']:.2f}x). The two stores hold "
        f"{'the same graph' if d['same'] else 'DIFFERENT graphs'} ({d['triples']:,} triples, compared "
        f"as isomorphic graphs): {verdict(d['same'])}.")
    say()
    say(f"Corpora: sections 1 and 2 use the real articles; 3, 4 and 5 renamed copies of the 200 shortest. "
        f"Whole run: {(time.time() - started) / 60:.1f} minutes.")
    notes = ROOT / "bench" / "NOTES.md"
    if notes.is_file():
        say()
        say(notes.read_text(encoding="utf-8").rstrip())
    print(f"written: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
