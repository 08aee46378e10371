"""Candidate relations and the evidence for them, as features a learned model can weigh.

A candidate is an ordered pair of name spans (subject, object) standing in one sentence, or a
pair some rule related across sentences. A pair is only a candidate for a predicate when the
ontology's rdfs:domain and rdfs:range for that predicate admit the classes of its two names
(read from ontology/cooperation.ttl, so the ontology stays the one place that says so).

The features describe how the two names stand to each other: the dependency path between
their heads and the words on it, the words between them, trigger words of each relation
(kg/nlp/data/relation_triggers.json), appositions, possessives, coordination and lists,
posts and titles next to a person, a name that qualifies the other ("Norland's Water Board",
"Ana Ruiz, a Norland Water Board engineer") or a third name, and the rules that related the
pair. They are plain strings: the model (kg.nlp.learned) keeps one weight per string and
predicate.

Document-level candidates (`document_candidates`) pair a place, body or facility with a
country the text names in no sentence with it; their features describe the text instead, and
a model of their own weighs them (DOCUMENT_MODEL).
"""
from __future__ import annotations

import json
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.attrs import IS_ALPHA, IS_SPACE, IS_TITLE, IS_UPPER, LEMMA, LIKE_NUM, LOWER, ORTH, POS
from spacy.tokens import Doc, Span, Token

from ..classes import TOP_CLASS, domain_and_range as _ontology_domain_and_range
from ..text import normalise_name
from .gazetteer import GazetteerEntry, gazetteer
from .lexicon import PERSON_ROLES, PERSON_TITLES, canonical_noun, head_class
from .names import head_token, name_text

TRIGGERS = Path(__file__).parent / "data" / "relation_triggers.json"
# the ten relations between entities (the ontology has attributes too: those are not candidates)
PREDICATES = ("partOf", "heldIn", "locatedIn", "memberOf", "organizedBy", "participatesIn",
              "cooperatesWith", "established", "supports", "serves")
MAX_PAIR_DISTANCE = 60  # tokens: further apart in one sentence, a pair is no candidate
MAX_PATH = 8  # dependency steps beyond which the path's shape says nothing more
LOOK_BACK = 12  # names before an anaphor among which its referent is sought
PERSON_PRONOUNS = {"he", "she", "his", "her", "him"}
THING_PRONOUNS = {"it", "its"}
DEMONSTRATIVES = {"the", "this", "that", "these", "those"}
# the kinds of reference back that make candidates (see _anaphors)
COREFERENCE = {"same-head", "person-pronoun"}
# a post names the kind of body it belongs to: "Minister of Energy" -> "Ministry of Energy"
POST_BODIES = {"minister": "ministry", "commissioner": "commission", "secretary": "secretariat"}
# how far before a person's name the words of a post may begin ("Norlandic Deputy Minister
# for Energy Ana Ruiz")
POST_REACH = 7
# document-level candidates: a place, body or facility and a country the text names, however
# far apart; weighed by a model of their own (kg.nlp.learned keeps it under DOCUMENT_MODEL)
DOCUMENT_PREDICATE = "locatedIn"
DOCUMENT_MODEL = f"{DOCUMENT_PREDICATE}@document"
# a text that names more countries than this is about none of them in particular
MAX_DOCUMENT_COUNTRIES = 3
DOCUMENT_SUBJECTS = {"Place", "Organization", "Facility"}
# a text of fewer sentences is a statement, not a document about a country: what it relates,
# its sentences say (a sentence the parser cut in two is still one statement)
MIN_DOCUMENT_SENTENCES = 3
# the dependencies by which a name qualifies the noun it stands before
MODIFIER_DEPS = {"compound", "amod", "poss", "nmod"}


@dataclass(frozen=True)
class Candidate:
    subject: Span
    object: Span
    features: tuple[str, ...]
    predicates: tuple[str, ...]  # those the ontology allows for the pair's classes
    evidence: Span  # the words that would state it (at most a sentence)


@lru_cache(maxsize=1)
def domain_and_range() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """predicate -> (classes of its domain, classes of its range), top classes' local names."""
    table = _ontology_domain_and_range()
    return {predicate: table[predicate] for predicate in PREDICATES}


def allowed(subject_label: str, object_label: str) -> tuple[str, ...]:
    """The predicates the ontology admits from a name of one class to a name of another."""
    s, o = TOP_CLASS.get(subject_label), TOP_CLASS.get(object_label)
    if s is None or o is None:
        return ()
    return tuple(p for p, (dom, rng) in domain_and_range().items() if s in dom and o in rng)


@lru_cache(maxsize=1)
def triggers() -> dict[str, dict[str, frozenset[str]]]:
    """predicate -> kind ("verbs", "nouns", "preps") -> lemmas."""
    data = json.loads(TRIGGERS.read_text(encoding="utf-8"))
    return {p: {kind: frozenset(words) for kind, words in kinds.items()}
            for p, kinds in data.items() if not p.startswith("_")}


def candidates(doc: Doc, spans: list[Span], rule_pairs: dict[tuple[int, int, int, int], set[str]]) -> list[Candidate]:
    """Every ordered pair of names in a sentence; every pair a rule related (across sentences
    too); and, across sentences, a name earlier in the text paired with the names of a later
    sentence that refers back to it ("the forum", "the company", "it", "she").
    `rule_pairs` maps (subject start, end, object start, end) to rule names."""
    by_bounds = {(s.start, s.end): s for s in spans}
    index = SpanIndex(spans)
    # key -> (subject, object, the spans the features are read from, evidence, extra features)
    pairs: dict[tuple[int, int, int, int], tuple[Span, Span, Span, Span, Span, tuple[str, ...]]] = {}
    for sent in doc.sents:
        inside = index.within(sent.start, sent.end)
        for a in inside:
            for b in inside:
                if (a.end <= b.start or b.end <= a.start) and max(a.start, b.start) - min(a.end, b.end) <= MAX_PAIR_DISTANCE:
                    pairs[(a.start, a.end, b.start, b.end)] = (a, b, a, b, sent, ())
        for anaphor, referent, how in _anaphors(doc, sent, index, inside):
            for other in inside:
                if other.start <= anaphor.start < other.end or referent == other:
                    continue
                extra = ("coreference", f"coreference={how}")
                for key, value in (((referent.start, referent.end, other.start, other.end), (referent, other, anaphor, other, sent, extra)),
                                   ((other.start, other.end, referent.start, referent.end), (other, referent, other, anaphor, sent, extra))):
                    pairs.setdefault(key, value)
    for a, b, fb, how in _named_inside(doc, spans):
        key = (a.start, a.end, b.start, b.end)
        extra = ("named-inside", f"named-inside={how}", f"named-inside={how}|{TOP_CLASS.get(a.label_)}>{TOP_CLASS.get(b.label_)}")
        if key in pairs:
            pairs[key] = (*pairs[key][:5], pairs[key][5] + extra)
        else:
            pairs[key] = (a, b, a, fb, a.sent, extra)
    for key in rule_pairs:
        if key not in pairs:
            a = by_bounds.get(key[:2]) or doc[key[0]:key[1]]
            b = by_bounds.get(key[2:]) or doc[key[2]:key[3]]
            pairs[key] = (a, b, a, b, b.sent, ())
    result = []
    table = TokenTable(doc) if pairs else None
    for key in sorted(pairs):
        a, b, fa, fb, evidence, extra = pairs[key]
        # a rule may relate part of a name ("of Nairobi" in a university's name), which has
        # no class of its own: the rule's predicate stands
        predicates = allowed(a.label_, b.label_) if a.label_ and b.label_ else tuple(
            sorted({rule.split("/")[0] for rule in rule_pairs.get(key, ())}))
        if predicates:
            found = features(doc, fa, fb, rule_pairs.get(key, set()), index, a.label_, b.label_, table)
            result.append(Candidate(a, b, tuple(found) + extra, predicates, evidence))
    return result


def document_candidates(doc: Doc, spans: list[Span], sentence_candidates: list[Candidate]) -> list[Candidate]:
    """When the text names one to MAX_DOCUMENT_COUNTRIES countries: each place, body or facility
    paired with the nearest mention of each country, as a DOCUMENT_PREDICATE candidate, unless
    some sentence already made the two a candidate. Their features describe the text, not a
    sentence (see document_features): what relates them is that the text is about the country."""
    gaz = gazetteer()
    nations: dict[str, GazetteerEntry | None] = {}  # country key -> its gazetteer entry

    def country_key(span: Span) -> str:
        entry = gaz.country(name_text(span))
        key = entry.key if entry is not None else normalise_name(name_text(span))
        nations[key] = entry
        return key

    countries: dict[str, list[Span]] = {}
    entities: dict[str, list[Span]] = {}
    for span in spans:
        if span.label_ == "Country":
            countries.setdefault(country_key(span), []).append(span)
        elif TOP_CLASS.get(span.label_) in DOCUMENT_SUBJECTS:
            entities.setdefault(normalise_name(name_text(span)), []).append(span)
    if not 1 <= len(countries) <= MAX_DOCUMENT_COUNTRIES:
        return []
    sentence_of = {sent.start: k for k, sent in enumerate(doc.sents)}
    if len(sentence_of) < MIN_DOCUMENT_SENTENCES:
        return []
    paired = {(normalise_name(name_text(c.subject)), country_key(c.object))
              for c in sentence_candidates if c.object.label_ == "Country"}
    country_names = {key: {normalise_name(name_text(m)) for m in found} for key, found in countries.items()}
    first_country = min(countries, key=lambda key: countries[key][0].start)
    result = []
    for name, mentions in entities.items():
        for key, country_mentions in countries.items():
            if (name, key) in paired or name in country_names[key] \
                    or DOCUMENT_PREDICATE not in allowed(mentions[0].label_, "Country"):
                continue
            entity, country = min(((m, c) for m in mentions for c in country_mentions),
                                  key=lambda pair: (abs(pair[0].start - pair[1].start), pair[0].start, pair[1].start))
            apart = abs(sentence_of[entity.sent.start] - sentence_of[country.sent.start])
            found = document_features(entity, country, len(countries), apart, len(mentions), len(country_mentions),
                                      key == first_country, _gazetteer_says(entity, nations[key]))
            result.append(Candidate(entity, country, tuple(found), (DOCUMENT_PREDICATE,), entity.sent))
    return result


def _gazetteer_says(entity: Span, nation: GazetteerEntry | None) -> str:
    """Whether the gazetteer puts a place in the country (`nation`, its gazetteer entry)
    ("same"), in another ("other"), or does not know the place ("unknown")."""
    place = gazetteer().lookup(name_text(entity))
    if place is None or place.country is None or nation is None:
        return "unknown"
    return "same" if place.country == nation.iso else "other"


def document_features(entity: Span, country: Span, countries: int, sentences_apart: int, mentions: int,
                      country_mentions: int, first_country: bool, gazetteer_says: str) -> list[str]:
    """What speaks for a place, body or facility lying in a country the text names elsewhere:
    how many countries the text names, what kind of thing it is, how far apart the two stand,
    how often each is named, whether the country is the one the text names first, and whether
    the gazetteer knows the place to be in that country or in another."""
    kind = TOP_CLASS.get(entity.label_, "?")
    first = "first" if first_country else "later"
    order = "entity-first" if entity.start < country.start else "country-first"
    return [f"countries={countries}", f"kind={kind}", f"fine={entity.label_}", f"gazetteer={gazetteer_says}",
            f"sentences-apart={_bucket(sentences_apart)}", f"mentions={_bucket(mentions)}",
            f"country-mentions={_bucket(country_mentions)}", f"country={first}", f"order={order}",
            f"countries|country={countries}|{first}", f"kind|countries={kind}|{countries}",
            f"kind|country={kind}|{first}", f"fine|countries={entity.label_}|{countries}",
            f"kind|sentences-apart={kind}|{_bucket(sentences_apart)}"]


class SpanIndex(list):
    """Spans in the order given, with the names within any stretch of the text found by
    bisection: taking them from the whole list for every sentence and every pair made a
    document's cost grow with the square of its length."""

    def __init__(self, spans) -> None:
        super().__init__(spans)
        self._by_start = sorted(range(len(self)), key=lambda k: self[k].start)
        self._starts = [self[k].start for k in self._by_start]
        ends = [span.end for span in self]
        # in the text's order, none inside another (as the recogniser gives them): the spans
        # that end before a token are the first so many
        self._ends = ends if self._by_start == list(range(len(self))) and ends == sorted(ends) else None

    def ending_by(self, start: int, count: int) -> list[Span]:
        """The last `count` spans (in the order given) that end at or before token `start`."""
        if self._ends is None:
            return [s for s in self if s.end <= start][-count:]
        last = bisect_left(self._ends, start + 1)
        return self[max(0, last - count):last]

    def within(self, start: int, end: int) -> list[Span]:
        """The spans that lie within tokens [start, end), in the order given."""
        first, last = bisect_left(self._starts, start), bisect_left(self._starts, end)
        found = sorted(k for k in self._by_start[first:last] if self[k].end <= end)
        return [self[k] for k in found]


def _named_inside(doc: Doc, spans: list[Span]) -> list[tuple[Span, Span, Span, str]]:
    """Names that name another thing of the text within their own words or their title:
    (the name, a mention of the other thing elsewhere, the words that name it here, how).
    "the Norland Water Board" and Norland ("prefix"); "the Norlandic Water Board", "Norlandic
    Minister Ana Ruiz" and Norland ("adjective"); "Energy Minister Ana Ruiz" and the text's
    "Ministry of Energy" ("post")."""
    gaz = gazetteer()
    by_name: dict[str, list[Span]] = {}
    by_country: dict[str, list[Span]] = {}
    for span in spans:
        by_name.setdefault(normalise_name(name_text(span)), []).append(span)
        if span.label_ == "Country" and (entry := gaz.country(name_text(span))) is not None:
            by_country.setdefault(entry.key, []).append(span)

    def nearest(mentions: list[Span], span: Span) -> Span | None:
        outside = [m for m in mentions if m.end <= span.start or span.end <= m.start]
        return min(outside, key=lambda m: (abs(m.start - span.start), m.start), default=None)

    found = []
    for span in spans:
        words = [t for t in span if t.lower_ != "the"]
        # the longest beginning of the name that is a name of the text on its own
        for k in range(len(words) - 1, 0, -1):
            part = doc[words[0].i:words[k - 1].i + 1]
            target = nearest(by_name.get(normalise_name(name_text(part)), []), span)
            if target is not None and target.label_ != "Person":
                found.append((span, target, part, "prefix"))
                break
        # an adjective of a country at the name's start or in the title before it
        start = span.start
        title = []
        while start > span.sent.start and len(title) < POST_REACH and doc[start - 1].is_alpha \
                and doc[start - 1].pos_ not in {"VERB", "AUX", "DET", "PRON"}:
            start -= 1
            title.insert(0, doc[start])
        for token in [*title, *words[:1]]:
            entry = gaz.country_of_adjective(token.text)
            target = nearest(by_country.get(entry.key, []), span) if entry is not None else None
            if target is not None:
                found.append((span, target, doc[token.i:token.i + 1], "adjective"))
                break
        if span.label_ == "Person":
            found += [(span, body, post, "post") for body, post in _bodies_of_posts(doc, span, by_name)]
    return found


def _bodies_of_posts(doc: Doc, person: Span, by_name: dict[str, list[Span]]) -> list[tuple[Span, Span]]:
    """The bodies a person's post names: "Minister of Energy Ana Ruiz", "Ana Ruiz, Norland's
    Minister for Energy" -> the text's "Ministry of Energy" (or "Norland's Ministry of Energy")."""
    sent = person.sent
    window = list(doc[max(sent.start, person.start - POST_REACH):person.start])
    if person.end < sent.end and doc[person.end].text == ",":
        window += list(doc[person.end + 1:min(sent.end, person.end + 1 + POST_REACH)])
    found = []
    for k, token in enumerate(window[:-2]):
        body = POST_BODIES.get(token.lower_)
        if body is None or window[k + 1].lower_ not in {"of", "for"}:
            continue
        field = []
        for word in window[k + 2:]:
            if not (word.is_title or word.lower_ in {"and", "&"}) or word.text in PERSON_TITLES \
                    or person.start <= word.i < person.end:
                break
            field.append(word.text)
        while field and field[-1].lower() in {"and", "&"}:
            field.pop()
        if not field:
            continue
        # "Minister for Energy" heads the "Ministry of Energy" as well
        wanted = tuple(normalise_name(f"{body} {prep} {' '.join(field)}") for prep in ("of", "for"))
        bodies = [m for name, mentions in by_name.items() if name.endswith(wanted) for m in mentions]
        if bodies:
            nearest = min(bodies, key=lambda m: (abs(m.start - person.start), m.start))
            found.append((nearest, doc[token.i:window[k + 1 + len(field)].i + 1]))
    return found


def _anaphors(doc: Doc, sent: Span, spans: list[Span], inside: list[Span]) -> list[tuple[Span, Span, str]]:
    """Words of a sentence that refer back to a name of an earlier sentence: (the words, the
    name, how). "the forum": the latest name with that head noun, else of that class; "he",
    "her": the latest person; "it", "its": the latest name that is no person or place."""
    named = {i for s in inside for i in range(s.start, s.end)}
    before = spans.ending_by(sent.start, LOOK_BACK) if isinstance(spans, SpanIndex) else [
        s for s in spans if s.end <= sent.start][-LOOK_BACK:]
    found = []
    for token in sent:
        if token.i in named:
            continue
        referent, how = None, ""
        if token.pos_ == "NOUN" and any(c.dep_ == "det" and c.lower_ in DEMONSTRATIVES for c in token.children):
            wanted = head_class(token.lemma_)
            for span in reversed(before):
                head = head_token(span)
                if head is not None and canonical_noun(head.lemma_) == canonical_noun(token.lemma_):
                    referent, how = span, "same-head"
                    break
            if referent is None and wanted is not None:
                referent = next((s for s in reversed(before) if TOP_CLASS.get(s.label_) == TOP_CLASS.get(wanted)), None)
                how = "same-class"
        elif token.lower_ in PERSON_PRONOUNS:
            referent, how = next((s for s in reversed(before) if s.label_ == "Person"), None), "person-pronoun"
        elif token.lower_ in THING_PRONOUNS:
            referent = next((s for s in reversed(before) if TOP_CLASS.get(s.label_) not in {"Person", "Place", "Country"}), None)
            how = "thing-pronoun"
        if referent is not None and how in COREFERENCE:
            found.append((doc[token.i:token.i + 1], referent, how))
    return found


def features(doc: Doc, a: Span, b: Span, rules: set[str] = frozenset(), spans: list[Span] = (),
             label_a: str | None = None, label_b: str | None = None, table: "TokenTable | None" = None) -> list[str]:
    """The evidence that subject `a` and object `b` are related, as feature strings (the
    labels are those of the names, when `a` or `b` is a word that refers to one). `table`:
    the doc's TokenTable, when the caller scores many pairs of one doc."""
    table = table or TokenTable(doc)
    label_a, label_b = label_a or a.label_, label_b or b.label_
    ta, tb = TOP_CLASS.get(label_a, "?"), TOP_CLASS.get(label_b, "?")
    types = f"{ta}>{tb}"
    first, second = (a, b) if a.start < b.start else (b, a)
    order = "sf" if first is a else "of"  # subject first / object first
    lo, hi = first.end, max(first.end, second.start)  # the tokens between the two names
    out = [f"types={types}", f"fine={label_a}>{label_b}", f"order={order}", f"types|order={types}|{order}"]
    if table.sentence_start[a.start] != table.sentence_start[b.start]:
        out.append("cross-sentence")
    out += [f"rule={r}" for r in sorted(rules)]
    if rules:
        out.append("rule-any")
    out.append(f"gap={_bucket(hi - lo)}")
    inside = _names_within(spans, first.end, second.start)
    out.append(f"names-between={min(len(inside), 3)}")
    # a post or a place belongs to the nearest name of the right kind: another name of the
    # subject's or the object's class in between speaks against the pair
    for role, label in (("subject", label_a), ("object", label_b)):
        same = sum(1 for s in inside if TOP_CLASS.get(s.label_) == TOP_CLASS.get(label))
        out.append(f"{role}-class-between={min(same, 2)}|{types}")
    texts_between = set(table.texts[lo:hi])
    for mark in (";", ":", "(", ")", "\u2013", "-"):
        if mark in texts_between:
            out.append(f"mark-between={mark}")
    spaces = table.space[lo:hi]
    if any(spaces):  # "\n" is a space token
        out.append("mark-between=newline")

    # the words between the two names: their exact run when short, else a bag
    words = [w for w, space in zip(table.words[lo:hi], spaces) if not space]
    if len(words) <= 4:
        run = " ".join(words)
        out += [f"between={order}:{run}", f"between|types={types}|{order}:{run}"]
    for w in dict.fromkeys(words[:12]):
        out.append(f"bw={order}:{w}")
    if words:
        out += [f"bw-first={order}:{words[0]}", f"bw-last={order}:{words[-1]}"]
    out.append(f"before={table.words[first.start - 1] if first.start > 0 else '<s>'}")
    out.append(f"after={table.words[second.end] if second.end < len(doc) else '</s>'}")

    # the dependency path between the two heads
    ha, hb = a.root, b.root
    up, down, top = _path(ha, hb)
    steps = up + down
    if top is not None and len(steps) <= MAX_PATH:
        shape = " ".join([f"{t.dep_}^" for t in up] + [f"{t.dep_}v" for t in reversed(down)])
        out += [f"path={shape}", f"path|types={types}|{shape}"]
        inner = up[1:] + ([top] if top not in (ha, hb) else []) + down[1:]
        lemmas = [table.words[t.i] for t in inner]
        if len(inner) <= 3:
            out.append(f"lexpath={shape}|{' '.join(lemmas)}")
        for lemma in lemmas:
            out.append(f"on-path={lemma}")
            out.append(f"on-path|types={types}|{lemma}")
        top_word = f"{top.pos_}:{table.words[top.i]}" if top not in (ha, hb) else ("subject" if top is ha else "object")
        out += [f"top={top_word}", f"top|types={types}|{top_word}"]
        length = min(len(steps), MAX_PATH)
        # a long way between a person and a body says less than between two places
        out += [f"path-length={length}", f"path-length|types={types}|{length}"]
        out += _trigger_features([table.trigger_keys[t.i] for t in inner], where="path")
    else:
        out.append("path=none")
    out += _trigger_features([key for key, alpha in zip(table.trigger_keys[lo:hi], table.alpha[lo:hi]) if alpha],
                             where="between")
    out += [f"subject-dep={ha.dep_}", f"object-dep={hb.dep_}", f"deps|types={types}|{ha.dep_}>{hb.dep_}"]

    # structures news uses to state relations without a verb
    if top is not None and any(t.dep_ == "appos" for t in steps):
        # "A, director of B", "B's unit A, a body that ...": one stands in apposition
        out.append(f"apposition|{order}")
    if words in (["'s"], ["'"], ["\u2019s"]):
        out.append(f"possessive|{order}|{types}")
    if words == [","]:
        out.append(f"comma|{order}|{types}")
    if words in (["("], ["-"], ["\u2013"]):
        out.append(f"bracket-or-dash|{order}")
    if _coordinated(ha, hb):
        out.append("coordinated")
        if _list_length(ha) >= 3:
            out.append("in-a-list")
    around = table.lower[lo:hi] + ([table.lower[first.start - 1]] if first.start > 0 else [])
    if "Person" in (ta, tb) and not PERSON_ROLES.isdisjoint(around):
        out.append(f"post|{order}|{types}")
    title = doc[a.start - 1] if label_a == "Person" and a.start > 0 else None
    if title is not None and title.lower_ in PERSON_ROLES and (b.end == title.i or b.end == title.i - 1):
        out.append("titled-by-object")  # "Industry Minister Lee Sun", "Norland Ltd President Ana"
    out += _modifier_features(a, b, spans)
    if getattr(a._, "coop_dateline", False) or getattr(b._, "coop_dateline", False):
        out.append("dateline")
    return out


def _modifier_features(a: Span, b: Span, spans: list[Span]) -> list[str]:
    """A name that modifies another name ("the Norland Water Board", "Norland's Water Board")
    qualifies that name: with it, the pair is likely; with any other name of the sentence, the
    qualified name stands in the way."""
    out = []
    if not spans:
        return out
    names = _names_within(spans, a.sent.start, a.sent.end)
    for role, span, partner in (("subject", a, b), ("object", b, a)):
        head = span.root
        if head.dep_ not in MODIFIER_DEPS or head.head.i in range(span.start, span.end):
            continue
        if partner.start <= head.head.i < partner.end:
            out.append(f"modifies-partner|{role}")
        elif _in_apposition(head.head, partner.root):
            # "Ana Ruiz, a Norland Water Board engineer", "Talvesta Ltd, a Norland firm"
            out.append(f"modifies-apposition|{role}")
        elif any(other.start <= head.head.i < other.end for other in names):
            out.append(f"modifies-other-name|{role}")
    return out


def _names_within(spans: list[Span], start: int, end: int) -> list[Span]:
    """The names within tokens [start, end), by bisection when `spans` is a SpanIndex."""
    if isinstance(spans, SpanIndex):
        return spans.within(start, end)
    return [s for s in spans if start <= s.start and s.end <= end]


def _in_apposition(a: Token, b: Token) -> bool:
    return (a.dep_ == "appos" and a.head == b) or (b.dep_ == "appos" and b.head == a)


_TRIGGER_KINDS = {"VERB": "verbs", "AUX": "verbs", "NOUN": "nouns", "PROPN": "nouns", "ADP": "preps",
                  "CCONJ": "preps", "ADJ": "nouns"}


@lru_cache(maxsize=1)
def _trigger_index() -> dict[tuple[str, str], tuple[str, ...]]:
    """(kind, lemma) -> the predicates whose trigger lexicon lists it: one lookup per word
    instead of one per word and predicate."""
    index: dict[tuple[str, str], list[str]] = {}
    for predicate, lexicon in triggers().items():
        for kind, lemmas in lexicon.items():
            for lemma in lemmas:
                index.setdefault((kind, lemma), []).append(predicate)
    return {key: tuple(predicates) for key, predicates in index.items()}


def _trigger_features(keys: list[tuple[str, str] | None], where: str) -> list[str]:
    """For each predicate whose lexicon holds a word of `keys` (TokenTable.trigger_keys), the
    kind of its first such word (in the lexicons' order of predicates)."""
    index = _trigger_index()
    first_kind: dict[str, str] = {}
    for key in keys:
        if key is not None:
            for predicate in index.get(key, ()):
                first_kind.setdefault(predicate, key[0])
    return [f"trigger={predicate}:{first_kind[predicate]}:{where}" for predicate in triggers() if predicate in first_kind]


def _path(a: Token, b: Token) -> tuple[list[Token], list[Token], Token | None]:
    """Tokens from `a` up to (not including) the lowest common ancestor, from `b` up to it,
    and the ancestor."""
    chain_a = [a, *a.ancestors]
    chain_b = [b, *b.ancestors]
    in_b = {t.i for t in chain_b}
    for k, t in enumerate(chain_a):
        if t.i in in_b:
            j = next(j for j, u in enumerate(chain_b) if u.i == t.i)
            return chain_a[:k], chain_b[:j], t
    return chain_a, chain_b, None


def _coordinated(a: Token, b: Token) -> bool:
    def group(t: Token) -> Token:
        while t.dep_ == "conj" and t.head != t:
            t = t.head
        return t
    return group(a) == group(b) and a != b


def _list_length(t: Token) -> int:
    while t.dep_ == "conj" and t.head != t:
        t = t.head
    return 1 + sum(1 for c in t.subtree if c.dep_ == "conj")


def _word(like_num: bool, pos: str, is_upper: bool, is_title: bool, is_alpha: bool, starts_sentence: bool,
          lemma: str, text: str) -> str:
    """A word as the model sees it: common words as lemmas; numbers, proper nouns and words in
    capitals as their kind, so that the model learns English, never particular names."""
    if like_num:
        return "<num>"
    if pos == "PROPN" or is_upper or (is_title and not starts_sentence):
        return "<name>"
    return lemma.lower() if is_alpha else text.lower()


class TokenTable:
    """What the features read of each token of a doc, read once per doc: the features of each
    pair read the words between its names, and making spaCy Token objects and lemmas again for
    every pair was most of the time spent on candidates. Read from the doc's arrays
    (Doc.to_array), not token by token: making a Token object per word cost more than the rest."""

    def __init__(self, doc: Doc) -> None:
        self.sentence_start = [0] * len(doc)  # per token: where its sentence starts
        for sent in doc.sents:
            self.sentence_start[sent.start:sent.end] = [sent.start] * len(sent)
        strings = doc.vocab.strings
        columns = zip(*doc.to_array([LIKE_NUM, POS, IS_UPPER, IS_TITLE, IS_ALPHA, IS_SPACE, LEMMA, ORTH, LOWER]).tolist()) \
            if len(doc) else [()] * 9
        like_num, pos, upper, title, alpha, space, lemma, orth, lower = columns
        pos = [strings[p] if p else "" for p in pos]
        lemma = [strings[x] for x in lemma]
        self.texts = [strings[x] for x in orth]
        self.lower = [strings[x] for x in lower]
        self.space = [bool(x) for x in space]
        self.alpha = [bool(x) for x in alpha]
        self.words = [_word(*row, self.sentence_start[i] == i, lemma[i], self.texts[i]) for i, row in
                      enumerate(zip(like_num, pos, upper, title, self.alpha))]
        # (kind, lemma) of the trigger lexicons, for words of a kind they list
        self.trigger_keys = [(kind, lemma[i].lower()) if (kind := _TRIGGER_KINDS.get(p)) else None
                             for i, p in enumerate(pos)]


def _bucket(n: int) -> str:
    for limit in (0, 1, 2, 3, 5, 8, 12, 20):
        if n <= limit:
            return str(limit)
    return "more"
