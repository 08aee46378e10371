"""Canonical entities: the mentions of one real thing in a document become one `Entity`,
whose key (and so IRI) is the same in every run and from every document.

Mentions are joined when they share a normalised name, when one is the bracketed acronym
of the other, when one is the edition-less or quote-less form of the other, when the
gazetteer knows both as one place, and when a short form ("the Center") follows the
full name it stands for.
"""
from __future__ import annotations

import re
from collections import Counter

from spacy.tokens import Doc, Span

from .classes import PLACE_CLASSES, TOP_CLASS
from .model import Document, Entity, Evidence, Extraction, Figure, Mention, Relation
from .namespace import SYMMETRIC_RELATIONS, slug
from .text import ORDINAL_WORDS, normalise_name
from .nlp.gazetteer import gazetteer
from .nlp.lexicon import LEGAL_FORMS, canonical_noun, head_class
from .nlp import figures as _figures  # noqa: F401  (Doc._.coop_figures)
from .nlp import relations as _relations  # noqa: F401  (Doc._.coop_relations)
from .nlp.names import SPAN_KEY, compound_places, head_token, is_acronym_text, name_text

_POSSESSIVE = {"'s", "\u2019s", "'", "\u2019"}


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)  # the earlier mention stays the root


def resolve(doc: Doc) -> tuple[dict[str, Entity], dict[tuple[int, int], str]]:
    """Entities of one parsed document, and the entity key of every name span (by token offsets)."""
    gaz = gazetteer()
    spans = list(doc.spans[SPAN_KEY])
    full = [s for s in spans if not s._.coop_short_form]
    uf = _UnionFind(len(full))
    index = {(s.start, s.end): i for i, s in enumerate(full)}

    by_name: dict[str, int] = {}
    named: dict[str, list[int]] = {}
    for i, span in enumerate(full):
        for key in _merge_keys(span):
            named.setdefault(key, []).append(i)
    for members in named.values():
        # "the 2nd Ministers' Forum" and "the 3rd Ministers' Forum" share the series' name
        # but are two events; a mention without a number joins the edition only when the
        # document names one
        by_edition: dict[str | None, list[int]] = {}
        for i in members:
            by_edition.setdefault(full[i]._.coop_edition, []).append(i)
        if len(by_edition) == 2 and None in by_edition:
            (edition,) = set(by_edition) - {None}
            by_edition[edition] += by_edition.pop(None)
        for group in by_edition.values():
            for i in group[1:]:
                uf.union(group[0], i)
    for i, span in enumerate(full):
        entry = _gazetteer_entry(span)
        if entry and span.label_ in PLACE_CLASSES:
            key = "gaz:" + entry.key
            if key in by_name:
                uf.union(by_name[key], i)
            else:
                by_name[key] = i
    for long_span, short_span in doc._.coop_alias_pairs:
        a, b = index.get((long_span.start, long_span.end)), index.get((short_span.start, short_span.end))
        if a is not None and b is not None:
            uf.union(a, b)
    for short, long in _people_named_in_part(full):
        uf.union(long, short)
    for short, long in _acronyms_of_names(full):
        uf.union(long, short)

    groups: dict[int, list[Span]] = {}
    for i, span in enumerate(full):
        groups.setdefault(uf.find(i), []).append(span)

    entities: dict[str, Entity] = {}
    span_keys: dict[tuple[int, int], str] = {}
    for members in groups.values():
        entity = _entity_of(doc, members)
        if entity is None:
            continue
        existing = entities.get(entity.key)
        if existing:  # two groups with one canonical name: one entity
            existing.aliases |= entity.aliases
            existing.mentions += entity.mentions
        else:
            entities[entity.key] = entity
        for span in members:
            span_keys[(span.start, span.end)] = entity.key

    # short forms ("the Center") stand for the latest full name with the same head noun
    for span in spans:
        if not span._.coop_short_form:
            continue
        head = _canonical_head(span.text)
        antecedent = None
        for other in full:
            if other.start >= span.start:
                break
            key = span_keys.get((other.start, other.end))
            if key and _canonical_head(_head_text(other)) == head:
                antecedent = key
        if antecedent:
            span_keys[(span.start, span.end)] = antecedent
            entities[antecedent].aliases.add(name_text(span))
            entities[antecedent].mentions.append(_mention(span, entities[antecedent].cls))
    _add_countries_inside_names(doc, full, entities)
    return entities, span_keys


def _people_named_in_part(spans: list[Span]) -> list[tuple[int, int]]:
    """(short, full) indices where a person is named again by the first or last words of
    their full name ("Aschen" after "Maria Aschen", "Okafor" after "Ada Okafor"), when exactly one
    person of the document has a name that begins or ends so."""
    people = {i: name_text(s).split() for i, s in enumerate(spans) if s.label_ == "Person"}
    full_names: dict[str, int] = {}
    for i, words in people.items():
        full_names.setdefault(" ".join(words).lower(), i)
    pairs = []
    for i, words in people.items():
        n = len(words)
        candidates = {name for name in full_names
                      if len(name.split()) > n and (name.split()[:n] == [w.lower() for w in words]
                                                    or name.split()[-n:] == [w.lower() for w in words])}
        if len(candidates) == 1:
            pairs.append((i, full_names[candidates.pop()]))
    return pairs


def _acronyms_of_names(spans: list[Span]) -> list[tuple[int, int]]:
    """(acronym, full name) indices where an acronym the text never explains is spelt by the
    initials of exactly one full name of the document ("NWC" after "Norland Water Council")."""
    full_names: dict[str, set[str]] = {}
    index: dict[str, int] = {}
    for i, span in enumerate(spans):
        text = name_text(span)
        if span.label_ in PLACE_CLASSES or is_acronym_text(text) or len(span) < 2:
            continue
        initials = "".join(w[0] for w in re.findall(r"[^\W\d_]+", text) if w[0].isupper())
        full_names.setdefault(initials, set()).add(normalise_name(text))
        index.setdefault(normalise_name(text), i)
    pairs = []
    for i, span in enumerate(spans):
        text = name_text(span)
        if span.label_ in PLACE_CLASSES or not (is_acronym_text(text) and text.isalpha() and text.isupper()):
            continue
        candidates = full_names.get(text, set())
        if len(candidates) == 1:
            pairs.append((i, index[next(iter(candidates))]))
    return pairs


def _gazetteer_entry(span: Span):
    """The place a span names: the one its context decided ("Georgia" after "Augusta,"), or
    the one its name has."""
    gaz = gazetteer()
    if span._.coop_place:
        return gaz.by_key[span._.coop_place]
    return gaz.lookup(name_text(span)) or gaz.lookup(name_text(span).title())


def _add_countries_inside_names(doc: Doc, spans: list[Span], entities: dict[str, Entity]) -> None:
    """Countries a text names inside other words: an abbreviation before a body's name ("U.S.
    Harbor Council": the council, and the U.S.), and hyphenated pairs ("U.S.-Peru talks").
    A country written out inside a name ("Norland Round", "Bank of Norland") is part of that
    name and no mention of the country."""
    gaz = gazetteer()
    found: list[tuple[int, int]] = []
    for span in spans:
        first = span[0]
        if span.label_ not in PLACE_CLASSES and len(span) > 1 and is_acronym_text(first.text) \
                and gaz.country(first.text):
            found.append((first.idx, first.idx + len(first.text)))
    text = doc.text  # spaCy joins the tokens again at every use of doc.text
    # only a word with a hyphen, dash or slash can join places: those words are found in the
    # text, not by asking every token
    joined = sorted({token.i for mark in re.finditer(r"[-\u2013/]", text)
                     for token in doc.char_span(mark.start(), mark.end(), alignment_mode="expand") or ()})
    for token in (doc[i] for i in joined):
        found += [(token.idx + a, token.idx + b) for a, b in compound_places(gaz, token.text)]
    for start, end in found:
        entry = gaz.country(text[start:end])
        if entry is None:
            continue
        if entry.key not in entities:
            entities[entry.key] = Entity(key=entry.key, cls=entry.cls, label=entry.label,
                                         attributes=_gazetteer_attributes(entry))
        sentence = doc.char_span(start, end, alignment_mode="expand")
        entities[entry.key].mentions.append(Mention(
            text=text[start:end], start=start, end=end, cls=entry.cls,
            sentence=sentence.sent.text.strip() if sentence is not None else ""))


def _names_of(span: Span) -> list[str]:
    names = [name_text(span)]
    if span._.coop_alias:
        names.append(span._.coop_alias)
    return names


def _merge_keys(span: Span) -> list[str]:
    """What joins a mention with others of one entity: its names; and for bodies, their names
    without a company's legal form, among bodies only ("Norlink" and "Norlink Ltd" are one
    company; the country Norland is no "Norland Ltd")."""
    keys = [normalise_name(name) for name in _names_of(span)]
    if span.label_ not in PLACE_CLASSES | {"Person"}:
        keys += ["body:" + key for key in keys]
        keys += ["body:" + normalise_name(name) for name in map(_without_legal_form, _names_of(span)) if name]
    return keys


def _without_legal_form(name: str) -> str | None:
    """ "Norlink" for "JSC Norlink" or "Norlink Ltd."; None when the name has no legal form."""
    words = name.split()
    if len(words) > 1 and words[0].lower().rstrip(".,") in LEGAL_FORMS:
        return " ".join(words[1:])
    if len(words) > 1 and words[-1].lower().rstrip(".,") in LEGAL_FORMS:
        return " ".join(words[:-1]).rstrip(",")
    return None


def _entity_of(doc: Doc, members: list[Span]) -> Entity | None:
    gaz = gazetteer()
    names = []
    for span in members:
        names.extend(_names_of(span))
    acronyms = {n for n in names if is_acronym_text(n)}
    full_names = [n for n in names if n not in acronyms]
    entry = next((gaz.by_key[s._.coop_place] for s in members if s._.coop_place), None)
    for name in names if entry is None else []:
        entry = gaz.lookup(name) or (name.isupper() and gaz.small_place(name.title())) or None
        if entry and any(s.label_ in PLACE_CLASSES for s in members):
            break
        entry = None
    cls = _vote_class(members, acronyms)
    if cls is None:
        return None
    attributes: dict[str, str] = {}
    if entry:
        label = entry.label
        key = entry.key
        cls = entry.cls
        attributes.update(_gazetteer_attributes(entry))
    else:
        label = max(full_names or names, key=lambda n: (len(n), n))
        key = f"{TOP_CLASS[cls].lower()}/{slug(label)}"
    edition = next((s._.coop_edition for s in members if s._.coop_edition), None)
    if edition and TOP_CLASS[cls] in {"Event", "Program"}:
        attributes["edition"] = edition
        if not entry and edition.lower() in ORDINAL_WORDS and not label.lower().startswith(edition.lower()):
            # "the third Norland Forum": the edition is named as "10th ..." is, and is not the
            # series, whose name ("Norland Forum") stays an alias and is what another text
            # naming the series alone gets (kg.reference makes the one part of the other)
            label = f"{edition.capitalize()} {label}"
            key = f"{TOP_CLASS[cls].lower()}/{slug(label)}"
    aliases = {n for n in names if normalise_name(n) != normalise_name(label)}
    # fold case and spacing variants of one name into the first form seen
    seen: dict[str, str] = {}
    for alias in sorted(aliases, key=lambda n: (n.isupper(), n)):
        seen.setdefault(normalise_name(alias), alias)
    entity = Entity(key=key, cls=cls, label=label, aliases=set(seen.values()), attributes=attributes)
    entity.mentions = [_mention(s, cls) for s in members]
    # the acronym the document uses most, on a tie the first used (never a set's order, which
    # changes from one process to the next); "LIMA" in a dateline is the name, not an acronym
    used = Counter(n for n in names if n in acronyms and normalise_name(n) != normalise_name(label))
    if used:
        entity.attributes.setdefault("acronym", used.most_common(1)[0][0])
    return entity


def _gazetteer_attributes(entry) -> dict[str, str]:
    attributes = {}
    if entry.iso:
        attributes["isoCode"] = entry.iso
    if entry.iso3:
        attributes["isoAlpha3"] = entry.iso3
    if entry.geonames:
        attributes["geonames"] = str(entry.geonames)
    return attributes


def _vote_class(members: list[Span], acronyms: set[str]) -> str | None:
    """The class most full-name mentions give; acronyms only decide when nothing else does."""
    votes = Counter(s.label_ for s in members if name_text(s) not in acronyms)
    if not votes:
        votes = Counter(s.label_ for s in members)
    return votes.most_common(1)[0][0] if votes else None


def _mention(span: Span, cls: str) -> Mention:
    return Mention(text=name_text(span), start=span.start_char, end=span.end_char, cls=cls,
                   sentence=span.sent.text.strip())


def _head_text(span: Span) -> str:
    head = head_token(span)
    return head.text if head is not None else ""


def _canonical_head(word: str) -> str:
    return canonical_noun(word) if head_class(word) else word.lower()


def extract(document: Document, doc: Doc) -> Extraction:
    """A parsed document as entities and relations between them, each relation with its evidence."""
    entities, span_keys = resolve(doc)
    by_name: dict[str, str] = {}
    for entity in entities.values():
        for name in {entity.label, *entity.aliases}:
            by_name.setdefault(normalise_name(name), entity.key)

    def key_of(span: Span) -> str | None:
        key = span_keys.get((span.start, span.end))
        if key is None:
            key = by_name.get(normalise_name(name_text(span)))
        if key is None:
            entry = gazetteer().lookup(name_text(span))
            # a place named only inside another name ("Ministry of ... of Vietnam"); a province
            # only when the text names its country, for many names are a province somewhere
            # ("University of San Marcos" is in Lima, not in Guatemala's San Marcos)
            if entry and (entry.key in entities or entry.cls != "Province"
                          or f"country/{entry.country}" in entities):
                key = entry.key
                if key not in entities:
                    entities[key] = Entity(key=key, cls=entry.cls, label=entry.label,
                                           attributes=_gazetteer_attributes(entry))
                    entities[key].mentions.append(_mention(span, entry.cls))
        return key

    result = Extraction(document=document, entities=entities)
    # one Relation per statement of a fact: the same triple may have several evidence
    # sentences; a symmetric fact keeps the direction it was first stated in
    stated: set[tuple[str, str, str]] = set()
    seen_evidence: set[tuple[tuple[str, str, str], str]] = set()
    for candidate in doc._.coop_relations:
        subject, obj = key_of(candidate.subject), key_of(candidate.object)
        if subject is None or obj is None or subject == obj:
            continue
        if candidate.predicate in SYMMETRIC_RELATIONS and (obj, candidate.predicate, subject) in stated:
            subject, obj = obj, subject
        triple = (subject, candidate.predicate, obj)
        sentence = candidate.evidence.sent.text
        if (triple, sentence) in seen_evidence:
            continue
        stated.add(triple)
        seen_evidence.add((triple, sentence))
        result.relations.append(Relation(
            subject=subject, predicate=candidate.predicate, object=obj,
            evidence=_evidence(candidate.evidence, candidate.rule, candidate.confidence),
        ))
    for figure in doc._.coop_figures:
        key = key_of(figure.entity)
        if key is not None:
            result.figures.append(Figure(entity=key, value=figure.value, counts=figure.counts,
                                         qualifier=figure.qualifier, as_of=figure.as_of,
                                         evidence=_evidence(figure.evidence, "figure/number", 0.7)))
    for span, iso in doc._.coop_dates:
        key = key_of(span)
        if key is not None:
            entities[key].attributes.setdefault("date", iso)
    return result


def _evidence(span: Span, rule: str, confidence: float) -> Evidence:
    """The words that state a fact, within their sentence (the whole sentence when a rule
    points at no words)."""
    sentence = span.sent
    if span.end_char <= span.start_char:
        span = sentence
    return Evidence(sentence=sentence.text.strip(), start=span.start_char, end=span.end_char,
                    rule=rule, confidence=confidence)
