"""Speed and scale of coop-kg, as ratios measured side by side in one run.

    make bench            (.venv/bin/python bench/run.py)
    .venv/bin/python bench/run.py --docs 300 --rebuild-docs 2000 --memory-docs 10000

Uses the Reuters articles of ../shared/corpus/real (and renamed copies of them for size);
without them it says so and stops. Work files (corpora of copies, the 1M-triple store) are
kept in $KG_BENCH_DIR (default /tmp/bench-work) and reused. Prints a table and writes
BENCHMARKS.md. The figures:

1. extraction throughput, ours (spaCy + coop components + resolution + RDF) against bare
   nlp.pipe of the same trained pipeline on the same texts;
2. each canned query on a store of 1M+ quads, kg.query(store) against raw pyoxigraph
   Store.query of the same SPARQL, median of several runs;
3. `kg build --store` of a corpus a second time, unchanged, against the first build;
4. peak RSS of one `kg build --store` process when the store holds 1k, 5k, 10k documents.
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
KG = [str(Path(sys.executable).parent / "kg")]

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
            f"{platform.system()} {platform.release()}"]


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
    if path.is_dir():
        store = ox.Store(str(path))
        if len(store) >= target:  # document quads plus their merge
            return store
        del store
        shutil.rmtree(path)
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


def timed_build(corpus: Path, store: Path) -> float:
    start = time.perf_counter()
    subprocess.run(KG + ["build", str(corpus), "--store", str(store), "--quiet"], check=True,
                   cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return time.perf_counter() - start


def rebuild(files: list[Path], count: int) -> dict:
    corpus = copies(f"corpus-{count}", files, count)
    store = WORK / f"rebuild-{count}.db"
    shutil.rmtree(store, ignore_errors=True)
    first = timed_build(corpus, store)
    second = timed_build(corpus, store)
    shutil.rmtree(store, ignore_errors=True)
    return {"docs": count, "first_s": first, "second_s": second, "ratio": second / first}


_MEMORY_PROBE = r"""
import resource, sys
from kg.pipeline import extractions
from kg.store import Store
marks, done = set(int(m) for m in sys.argv[3:]), 0
with Store.open(sys.argv[2]) as store:
    for extraction in extractions([sys.argv[1]], skip=store.unchanged):
        store.ingest(extraction)
        done += 1
        if done in marks:
            print(done, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(store), flush=True)
"""


def memory(files: list[Path], count: int) -> list[dict]:
    """Peak RSS of one streaming build into a store, read as the store reaches each mark."""
    corpus = copies(f"corpus-{count}", files, count)
    store = WORK / f"memory-{count}.db"
    shutil.rmtree(store, ignore_errors=True)
    marks = [m for m in (100, 1000, 5000, 10000) if m <= count]
    out = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(corpus), str(store), *map(str, marks)],
                         check=True, capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"}).stdout
    disk = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
    shutil.rmtree(store, ignore_errors=True)
    rows = []
    for line in out.split("\n"):
        if line.strip():
            done, rss, quads = map(int, line.split())
            rows.append({"docs": done, "rss_mb": rss / 1024, "quads": quads})
    rows[-1]["disk_mb"] = disk / 1e6
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=300, help="real articles for the throughput ratio")
    parser.add_argument("--query-runs", type=int, default=5)
    parser.add_argument("--quads", type=int, default=1_000_000, help="size of the query store")
    parser.add_argument("--store-docs", type=int, default=600, help="real articles whose graphs are copied into it")
    parser.add_argument("--rebuild-docs", type=int, default=2000)
    parser.add_argument("--memory-docs", type=int, default=10000)
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    if not REAL.is_dir():
        print(f"skipped: the benchmark corpus {REAL} is not here (it comes with ../shared)")
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    real = sorted(REAL.glob("*.txt"))
    short = sorted(real, key=lambda p: p.stat().st_size)[:200]  # for the 10k-document build
    lines = ["# Benchmarks", "", "Written by `make bench` (bench/run.py); every ratio is measured side by side in one run.",
             "", *[f"- {m}" for m in machine()], ""]

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)
        args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")  # partial results survive

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
    say(f"**ratio {t['ratio']:.2f}** of bare throughput (target >= 0.80); {t['triples']:,} triples from the last pass.")
    say()

    r = rebuild(short, args.rebuild_docs)
    say(f"## 3. Rebuild of an unchanged corpus of {r['docs']:,} documents")
    say()
    say(f"`kg build --store` (a new process each): first {r['first_s']:.1f} s, again unchanged {r['second_s']:.1f} s: "
        f"**{100 * r['ratio']:.1f}%** of the first (target <= 5%).")
    say()

    m = memory(short, args.memory_docs)
    say(f"## 4. Peak RSS of one streaming build of {args.memory_docs:,} documents into a store")
    say()
    say("| documents in the store | quads | peak RSS MB |")
    say("| ---: | ---: | ---: |")
    for row in m:
        say(f"| {row['docs']:,} | {row['quads']:,} | {row['rss_mb']:.0f} |")
    say()
    say(f"Store on disk at the end: {m[-1]['disk_mb']:.0f} MB.")
    say()
    quads, rows = queries(real[:args.store_docs], args.query_runs, args.quads)
    say(f"## 2. Canned queries on {quads:,} quads")
    say()
    say(f"Median of {args.query_runs} runs, kg.query(Store) against pyoxigraph Store.query of the same SPARQL "
        "(parameters already bound, rows materialised).")
    say()
    say("| query | rows | pyoxigraph ms | kg ms | ratio |")
    say("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        say(f"| {r['query']} | {r['rows']} | {r['bare_ms']:.1f} | {r['ours_ms']:.1f} | {r['ratio']:.2f} |")
    say()
    say(f"**worst ratio {max(r['ratio'] for r in rows):.2f}**, median ratio "
        f"{statistics.median(r['ratio'] for r in rows):.2f} (target <= 1.5).")
    say()

    say(f"Corpora: sections 1 and 2 use the real articles (section 2 adds renamed copies of their graphs "
        f"until the store holds 1M quads); sections 3 and 4 use renamed copies of the 200 shortest real "
        f"articles. Whole run: {(time.time() - started) / 60:.1f} minutes.")
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
