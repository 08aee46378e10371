"""The `coop_names` spaCy component: whole proper names, typed from evidence.

The statistical NER of a small English pipeline cuts long institutional names apart
("Kenya-Finland Solar Research Alliance" becomes a country and an organization). This
component reads the capitalisation and part-of-speech tags the pipeline already computed,
and joins capitalised words across the connectors that names contain ("of", "and", "&",
hyphens, a line break), then types each name from its head noun, the gazetteers, the NER
label and its context. The result is the span group `doc.spans["coop_names"]`; each span's
label is an ontology class, and `span._.coop_alias` a shorter name it also goes by.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ..classes import PLACE_CLASSES, TOP_CLASS
from .gazetteer import GazetteerEntry, gazetteer
from .lexicon import (
    FIELD_POSTS,
    HEADS_FIRST,
    HONORIFICS,
    JOINING_CONJUNCTIONS,
    NAME_CONNECTORS,
    ORDINAL_WORDS,
    PERSON_ROLES,
    PERSON_TITLES,
    SAYING_VERBS,
    TYPE_NOUNS_AFTER_NAME,
    head_class,
)

SPAN_KEY = "coop_names"
# What decided a name's class (span._.coop_evidence). A name found by capitalisation alone
# whose class is the recogniser's guess has no stronger evidence than the recogniser: where
# the recogniser cuts those words differently, its names and labels are kept instead.
WEAK_EVIDENCE = {"ner", "person-context"}
_OPEN_QUOTES = {'"', "\u201c", "\u2018", "'", "\u00ab"}
_CLOSE_QUOTES = {'"', "\u201d", "\u2019", "'", "\u00bb"}
_ORDINAL = re.compile(r"^\d+(st|nd|rd|th)$", re.IGNORECASE)
_YEAR = re.compile(r"^(19|20)\d\d$")
_INITIAL_AND_SURNAME = re.compile(r"^(?:[A-Z]\.){1,2}[A-Z][a-z]{2,}(?:-[A-Z][a-z]+)?$")
_NER_CLASS = {"ORG": "Organization", "PERSON": "Person", "GPE": "Place", "LOC": "Place",
              "FAC": "Facility", "EVENT": "Event", "LAW": "Program"}
_FUNCTION_WORDS = {"The", "This", "That", "These", "Those", "Its", "Their", "His", "Her", "Our",
                   "A", "An", "It", "They", "We", "He", "She", "In", "On", "At", "By", "For",
                   "As", "And", "But", "Or", "Of", "To", "With", "From", "All", "Both", "Each"}
_DIRECTIONS = {"North", "South", "East", "West", "Central", "Southeast", "Southwest", "Northeast",
               "Northwest", "Southern", "Northern", "Eastern", "Western", "Greater", "Upper", "Lower"}
_MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun",
           "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Monday", "Tuesday", "Wednesday",
           "Thursday", "Friday", "Saturday", "Sunday"}

if not Doc.has_extension("coop_alias_pairs"):
    Doc.set_extension("coop_alias_pairs", default=[])
if not Span.has_extension("coop_alias"):
    Span.set_extension("coop_alias", default=None)
if not Span.has_extension("coop_text"):
    Span.set_extension("coop_text", getter=lambda span: name_text(span))
if not Span.has_extension("coop_short_form"):
    Span.set_extension("coop_short_form", default=False)
if not Span.has_extension("coop_dateline"):
    Span.set_extension("coop_dateline", getter=lambda span: is_dateline(span))
if not Span.has_extension("coop_edition"):
    Span.set_extension("coop_edition", default=None)
if not Span.has_extension("coop_evidence"):
    Span.set_extension("coop_evidence", default="rule")
if not Span.has_extension("coop_place"):
    # the gazetteer key of a place when the context, not the name alone, says which place it is
    Span.set_extension("coop_place", default=None)


def is_dateline(span: Span) -> bool:
    """ "WASHINGTON, April 17 -": the place a story was filed from, not an actor in it."""
    doc = span.doc
    starts_paragraph = span.start == 0 or (doc[span.start - 1].is_space and "\n" in doc[span.start - 1].text)
    return starts_paragraph and span.text.isupper() and span.end < len(doc) and doc[span.end].text == ","


def name_text(tokens: Span | list[Token]) -> str:
    """The name as a person would write it: quotes dropped, line breaks and dashes normalised."""
    parts = []
    opened = False
    for token in tokens:
        if token.text == "\u2019" and not opened and parts and not parts[-1].endswith(" ") and parts[-1].endswith("s"):
            parts.append(token.text + (" " if token.whitespace_ else ""))
            continue  # "Leaders\u2019 Meeting": a plural possessive, no closing quote
        opened = opened or token.text in {"\u2018", "\u201c"}
        if token.text in _OPEN_QUOTES | _CLOSE_QUOTES and token.text != "'":
            if token.whitespace_ and parts and not parts[-1].endswith(" "):
                parts.append(" ")
            continue
        if token.is_space:
            if parts and not parts[-1].endswith(" "):
                parts.append(" ")
            continue
        text = re.sub(r"[\u2010-\u2015\u2212]", "-", token.text)
        parts.append(text + (" " if token.whitespace_ else ""))
    return re.sub(r"\s+", " ", "".join(parts)).strip()


@Language.component("coop_paragraphs", assigns=["token.is_sent_start"])
def paragraph_boundaries(doc: Doc) -> Doc:
    """A blank line ends a sentence: headlines and datelines have no full stop."""
    for token in doc[1:]:
        if doc[token.i - 1].is_space and "\n\n" in doc[token.i - 1].text:
            token.is_sent_start = True
    return doc


@Language.factory(
    "coop_names",
    default_config={"use_ner": True},
    assigns=["doc.spans"],
    requires=["token.tag", "token.dep", "token.lemma", "token.ent_type", "token.ent_iob"],
)
def make_name_finder(nlp: Language, name: str, use_ner: bool) -> "NameFinder":
    return NameFinder(use_ner=use_ner)


class NameFinder:
    def __init__(self, use_ner: bool = True) -> None:
        self.use_ner = use_ner
        self.gazetteer = gazetteer()

    # -- the component ---------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        text = doc.text  # spaCy joins the tokens again at every use of doc.text: once here
        headline = _headline_tokens(doc, text)
        self.defined_acronyms = _bracketed_acronyms(text)
        self.surnames = _surnames(doc)
        spans: list[Span] = []
        # bylines, credits and share buttons name no one the story is about
        boilerplate = _boilerplate_tokens(doc, text)
        taken = [i in boilerplate for i in range(len(doc))]
        found = [span for start, end in self._runs(doc, headline) for span in self._typed(doc, start, end)]
        # names with evidence of their own first; then the others, unless the recogniser
        # cuts those words otherwise
        for weak in (False, True):
            for span in found:
                if (span._.coop_evidence in WEAK_EVIDENCE) != weak or any(taken[span.start:span.end]):
                    continue
                if weak and self._recogniser_cuts_otherwise(span, taken):
                    continue
                spans.append(span)
                for i in range(span.start, span.end):
                    taken[i] = True
        if self.use_ner:
            for ent in doc.ents:
                if any(taken[ent.start:ent.end]):
                    continue
                span = self._from_ner(doc, ent, headline)
                if span is not None:
                    spans.append(span)
                    for i in range(span.start, span.end):
                        taken[i] = True
        spans.sort(key=lambda s: (s.start, -s.end))
        spans = _names_spelt_by_acronyms(doc, spans, self._classify)
        spans = [self._state_after_city(doc, prev, span) for prev, span in zip([None] + spans, spans)]
        pairs = _bracketed_aliases(doc, spans)
        spans, pairs = _acronyms_take_their_class(spans, pairs)
        doc.spans[SPAN_KEY] = spans
        doc._.coop_alias_pairs = pairs
        return doc

    def _recogniser_cuts_otherwise(self, span: Span, taken: list[bool]) -> bool:
        """Does the statistical recogniser find names over these words with other bounds
        (among the words no stronger name has taken)?"""
        if not self.use_ner:
            return False
        doc = span.doc
        # the recogniser's names over these words, read from the tokens (not from doc.ents, which
        # is built anew on each call: a scan of the whole text for every name)
        bounds = set()
        for token in span:
            if token.ent_iob_ in {"B", "I"} and token.ent_type_ in _NER_CLASS:
                start, end = token.i, token.i + 1
                while doc[start].ent_iob_ == "I" and start > 0:
                    start -= 1
                while end < len(doc) and doc[end].ent_iob_ == "I":
                    end += 1
                if not any(taken[start:end]):
                    bounds.add((start, end))
        return bool(bounds) and bounds != {(span.start, span.end)}

    # -- finding runs of name words ----------------------------------------------------
    def _runs(self, doc: Doc, headline: set[int]) -> Iterator[tuple[int, int]]:
        """Maximal runs of name words and the connectors between them, split where names meet."""
        i = 0
        n = len(doc)
        while i < n:
            if i in headline or not self._starts_name(doc, i):
                i += 1
                continue
            j = i + 1
            while j < n and j not in headline:
                if self._is_name_word(doc[j]):
                    j += 1
                    continue
                nxt = self._connector_end(doc, j)
                if nxt is None:
                    break
                j = nxt
            yield from self._split(doc, i, j)
            i = max(j, i + 1)

    def _starts_name(self, doc: Doc, i: int) -> bool:
        token = doc[i]
        if self._is_name_word(token):
            return True
        # "10th Forum", "2023 China-Africa ... Forum": an edition or year in front of a name
        if (_ORDINAL.match(token.text) or _YEAR.match(token.text)) and i + 1 < len(doc):
            return self._is_name_word(doc[i + 1]) and doc[i + 1].text not in _MONTHS
        # "e-WATER": a lower-case prefix glued by a hyphen
        if (token.is_lower and len(token) <= 2 and i + 2 < len(doc) and doc[i + 1].text == "-"
                and not token.whitespace_ and doc[i + 2].text[:1].isupper()):
            return True
        return False

    def _is_name_word(self, token: Token) -> bool:
        text = token.text
        if not text[:1].isupper() or (text in _MONTHS and token.ent_type_ != "PERSON"):
            return False
        if text in _FUNCTION_WORDS and (token.is_sent_start or token.pos_ in {"DET", "PRON", "ADP", "CCONJ"}):
            return False
        if token.is_upper and len(text) >= 2:
            return True
        if token.is_sent_start or _after_opening(token):
            # "Witnesses said": a common noun the sentence capitalised, whatever the recogniser says
            return token.tag_ in {"NNP", "NNPS"} or (
                token.ent_type_ in {"ORG", "GPE", "PERSON", "LOC", "FAC", "NORP"} and token.tag_ not in {"NN", "NNS"})
        return token.pos_ in {"PROPN", "NOUN", "ADJ", "NUM", "X", "VERB", "ADV"} and token.is_alpha or (
            token.pos_ in {"PROPN", "NOUN"} and any(c.isalpha() for c in text))

    def _connector_end(self, doc: Doc, j: int) -> int | None:
        """If tokens from j on are a connector followed by a name word, the index of that word."""
        token = doc[j]
        nxt = j + 1
        if nxt >= len(doc):
            return None
        text = token.text
        if token.is_space:
            # a single line break inside a name, never a paragraph break
            after = doc[nxt]
            if text.count("\n") == 1 and after.text[:1].isupper() and after.text not in _FUNCTION_WORDS \
                    and after.text not in _MONTHS and _is_word_token(after):
                return nxt
            return None
        if text in {"-", "\u2013", "/"} and not doc[j - 1].whitespace_ and not token.whitespace_:
            return nxt if self._is_name_word(doc[nxt]) or doc[nxt].like_num else None
        if text == "of" and doc[nxt].lower_ == "the" and nxt + 1 < len(doc) and self._is_name_word(doc[nxt + 1]):
            # "Institute of the Arts" is one name; "Institute of the Andean Academy of
            # Sciences" names two bodies (split later, related by partOf)
            k = nxt + 1
            while k < len(doc) and self._is_name_word(doc[k]):
                k += 1
            if not _has_body_head(doc[nxt + 1:k]) and not self.gazetteer.lookup(doc[nxt + 1:k].text):
                return nxt + 1
            return None
        if text in NAME_CONNECTORS:
            if self._is_name_word(doc[nxt]):
                return nxt
            # "of the People's ..." is left to the split rules: "the" opens a new name
            return None
        if text in {"'s", "\u2019s"} and self._is_name_word(doc[nxt]):
            return nxt
        if text in {"'", "\u2019"} and doc[j - 1].text.endswith("s") and self._is_name_word(doc[nxt]):
            return nxt  # "Ministers' Forum": a plural possessive inside a name
        if text == "," and self._comma_inside_name(doc, j):
            return nxt
        if text in _OPEN_QUOTES and self._quoted_name_end(doc, j) is not None:
            return nxt
        if text in _CLOSE_QUOTES and self._is_name_word(doc[nxt]) and _inside_quotes(doc, j):
            return nxt
        if text == "(" and self._bracket_inside_event_name(doc, j):
            return j + 3
        if token.like_num and _YEAR.match(text) and not self._is_name_word(doc[nxt]):
            # "Vision 2035": a year closing a name after its head noun
            prev = doc[j - 1]
            if head_class(prev.text) in {"Program", "Event"}:
                return nxt
        return None

    def _bracket_inside_event_name(self, doc: Doc, j: int) -> bool:
        """ "the Andean Water Council (AWC) Leaders' Meeting": a body's acronym in brackets
        inside the name of its meeting, whose words go on after the bracket up to an event's
        head noun. (Elsewhere a bracket closes the name it explains.)"""
        if j + 3 >= len(doc) or doc[j + 2].text != ")" or not is_acronym_text(doc[j + 1].text):
            return False
        if not self._is_name_word(doc[j + 3]):
            return False
        k = j + 3
        while k < len(doc) and (self._is_name_word(doc[k]) or (doc[k].text in {"'", "\u2019", "'s", "\u2019s"}
                                                                 and k + 1 < len(doc) and self._is_name_word(doc[k + 1]))):
            k += 1
        return head_class(doc[k - 1].text) == "Event"

    def _comma_inside_name(self, doc: Doc, j: int) -> bool:
        """ "Ministry of Education, Culture, Sports and Tourism": a list of
        single capitalised common nouns inside a name, closed by "and", then more name."""
        prev = doc[j - 1]
        if not (prev.is_title and prev.pos_ in {"NOUN", "PROPN"} and not self._is_place(prev.text)):
            return False
        k = j
        while k + 2 < len(doc) and doc[k].text == ",":
            word = doc[k + 1]
            if not (word.is_title and word.is_alpha) or self._is_place(word.text) or head_class(word.text):
                return False
            k += 2
        if k + 1 < len(doc) and doc[k].text == "and":
            last = doc[k + 1]
            return last.is_title and not self._is_place(last.text) and not head_class(last.text)
        return False

    def _quoted_name_end(self, doc: Doc, j: int) -> int | None:
        """Index of the closing quote when doc[j] opens a short quoted name."""
        for k in range(j + 1, min(j + 10, len(doc))):
            if doc[k].text in _CLOSE_QUOTES:
                inner = doc[j + 1:k]
                if len(inner) and all(t.text[:1].isupper() or t.text in NAME_CONNECTORS or t.text == "-" for t in inner):
                    return k
                return None
        return None

    def _is_place(self, text: str) -> bool:
        return self.gazetteer.lookup(text) is not None

    # -- splitting runs where two names meet ------------------------------------------
    def _split(self, doc: Doc, start: int, end: int) -> Iterator[tuple[int, int]]:
        while end > start and not _is_word_token(doc[end - 1]):
            end -= 1  # a run never ends on a connector or quote
        if end <= start:
            return
        cut = self._first_cut(doc, start, end)
        if cut is None:
            yield start, end
            return
        left_end, right_start = cut
        yield from self._split(doc, start, left_end)
        yield from self._split(doc, right_start, end)

    def _first_cut(self, doc: Doc, start: int, end: int) -> tuple[int, int] | None:
        for k in range(start + 1, end - 1):
            text = doc[k].text
            if text in JOINING_CONJUNCTIONS and self._separates(doc, start, k, end):
                return k, k + 1
            if text in {"'s", "\u2019s", "'"} and self._possessor(doc, start, k):
                return k, k + 1
            if text in {"of", "for"} and self._of_another_body(doc, k, end):
                return k, k + 1
            if text == "," and not self._comma_inside_name(doc, k):
                return k, k + 1
        return None

    def _separates(self, doc: Doc, start: int, k: int, end: int) -> bool:
        """Does the conjunction at k join two names, rather than words of one name?"""
        left_word, right_word = doc[k - 1], doc[k + 1]
        whole = doc[start:end].text
        if self.gazetteer.lookup(whole):
            return False  # "Trinidad and Tobago"
        if _spelt_by_bracketed_acronym(doc, start, end):
            return False  # "Agency for Grants and Human Capital (AGHC)": the acronym spells one name
        if doc[k].text == "&" and k - start >= 2 and head_class(left_word.text):
            return True
        if head_class(left_word.text) and k - start >= 2:
            return True  # "Lima University and ...", "... Competition & ..."
        if _has_body_head(doc[start:k]) and _has_body_head(doc[k + 1:end]):
            return True  # "Lima University of Technology and Andes University"
        if {left_word.ent_type_, right_word.ent_type_} & {"NORP", "GPE", "LOC"} and (
                k + 2 >= end or k - 1 == start):
            return True  # "... Sciences and African partners"
        if head_class(right_word.text) in {"GovernmentAgency", "Organization", "ResearchOrganization"} and (
                k + 2 < end and doc[k + 2].text in {"of", "for", "on"}):
            return True  # "Ministry of A and Ministry of B"
        if (left_word.is_upper and len(left_word) > 1) or (right_word.is_upper and len(right_word) > 1):
            return True  # acronyms: "MIST and ANDES TEC"
        if self._is_place(left_word.text) or self._is_place(right_word.text):
            return True  # "Ghana and Togo"
        if doc[k - 1].ent_type_ == "PERSON" or right_word.ent_type_ == "PERSON":
            return True
        if _INITIAL_AND_SURNAME.match(doc[start:k].text) or _INITIAL_AND_SURNAME.match(right_word.text):
            return True  # "A.Petrenko and K.Volkova": people
        return False

    def _possessor(self, doc: Doc, start: int, k: int) -> bool:
        """ "Japan's Ministry ...": a possessive after a place or an acronym splits the name,
        while "People's Government" and "Ministers' Forum" stay one."""
        left = doc[start:k]
        if (len(left) == 1 and head_class(left[0].text)) or _has_body_head(left):
            return True  # "the Bank's Annual Sessions", "the Water Board's Annual Sessions"
        return bool(self.gazetteer.lookup(left.text)) or (len(left) == 1 and left[0].is_upper)

    def _of_another_body(self, doc: Doc, k: int, end: int) -> bool:
        """ "Laboratory of X of Lima University of Technology": a second body after "of" is a
        name of its own (related by partOf); a place after "of" stays in the name."""
        right = doc[k + 1:end]
        if self.gazetteer.lookup(right.text):
            return False  # "Department of Yunnan", "Bank for Africa": the place is part of the name
        # the first head noun in the right part, before its own connectors
        for token in right:
            if token.text in NAME_CONNECTORS:
                break
            cls = head_class(token.text)
            if cls and TOP_CLASS.get(cls) == "Organization" and token.i > k + 1:
                return True
        return False

    # -- typing ----------------------------------------------------------------------
    def _typed(self, doc: Doc, start: int, end: int) -> Iterator[Span]:
        core = doc[start:end]
        if _is_compound_of_known(self.gazetteer, core):
            # "U.S.-Peru talks", "Kenya-Finland cooperation": each known part names itself
            for token in core:
                entry = self.gazetteer.lookup(token.text)
                if entry is not None:
                    yield Span(doc, token.i, token.i + 1, label=entry.cls)
            return
        if self._country_abbreviation_before_words(doc, start, end):
            # "U.S. Buyers": the country, then words that make no name with it
            yield Span(doc, start, start + 1, label="Country")
            yield from self._typed(doc, start + 1, end)
            return
        start = _after_title(doc, start, end)
        tokens = doc[start:end]
        edition = None
        name_start = start
        first = doc[start]
        if _ORDINAL.match(first.text) or _YEAR.match(first.text):
            edition = first.text
            name_start = start + 1
        elif start > 0 and doc[start - 1].lower_ in ORDINAL_WORDS:
            edition = doc[start - 1].lower_
        core = doc[name_start:end]
        if not len(core):
            return
        cls, evidence = self._classify(doc, core)
        if edition and TOP_CLASS.get(cls or "") not in {"Event", "Program"}:
            # "1986 U.S.-Japan accord" or "the first Ministry": a number before a name that
            # has no editions belongs to the sentence, not to the name
            start, edition, tokens, first = name_start, None, core, core[0]
        # 'a "Green Wave" laboratory', 'the X scheme', 'the X (XM) mechanism': a lower-case
        # type noun after the name (and after its bracketed acronym) says what it is
        after = end
        while after < len(doc) and doc[after].text in _CLOSE_QUOTES:
            after += 1
        bracketed = after + 3 < len(doc) and doc[after].text == "(" and doc[after + 2].text == ")"
        if bracketed:
            after += 3
        type_noun = doc[after] if after < len(doc) else None
        alias = None
        if type_noun is not None and type_noun.is_lower and type_noun.lemma_ in TYPE_NOUNS_AFTER_NAME \
                and cls not in PLACE_CLASSES \
                and evidence != "nationality":
            noun_cls = TYPE_NOUNS_AFTER_NAME[type_noun.lemma_]
            head = head_token(core)
            if noun_cls == "Facility" and not bracketed:
                alias = name_text(core)
                cls, evidence = noun_cls, "type-noun"
                end = after + 1
                tokens = doc[start:end]
            elif cls is None or head is None or head_class(head.text) is None:
                cls, evidence = noun_cls, "type-noun"  # the noun knows better than a guess from the NER
        if cls is None:
            return
        if cls == "Person":
            start = self._person_start(doc, start, end)
        span = Span(doc, start, end, label=cls)
        span._.coop_evidence = "edition" if edition else evidence
        if edition:
            span._.coop_edition = edition
            span._.coop_alias = name_text(core)
        elif alias:
            span._.coop_alias = alias
        if len(tokens) == 1 and head_class(first.text) and not first.is_upper:
            if edition:
                return  # "the fourth Forum": another edition of a series named before, no name of its own
            span._.coop_short_form = True  # "the Center": resolved to the name it stands for
        yield span

    def _classify(self, doc: Doc, core: Span) -> tuple[str | None, str]:
        """The class of a name and the evidence that decided it."""
        text = name_text(core)
        entry = self.gazetteer.lookup(text) or self._place_in_capitals(core)
        if _person_reading(core, self.surnames, entry or None):
            return "Person", "person-reading"  # "Baker", "Bush": a surname that is also a place
        if entry:
            return entry.cls, "gazetteer"
        if _is_compound_of_known(self.gazetteer, core):
            return None, "compound-of-names"  # "Kenya-Finland" as in "Kenya-Finland cooperation"
        if (len(core) == 1 and core[0].ent_type_ == "NORP") or self._is_demonym(core):
            return None, "nationality"  # "Mexican", "British", "the Norlandic delegation": adjectives, not names
        if len(core) == 1 and self._is_post_or_its_field(core):
            return None, "post"  # "the Ambassador", "the Minister": a post, no name
        if len(core) >= 2 and core[0].text.lower() in HEADS_FIRST:
            # "Universidad Andina", "Empresa Brasileira de ...": the head comes first
            return head_class(core[0].text), "head-noun-first"
        body_head = _has_body_head(core)  # "Oberlin College": no person, whatever the recogniser says
        if all(t.ent_type_ == "PERSON" for t in core) and len(core) >= 2 and core[0].ent_iob_ == "B" and \
                (core.end >= len(doc) or doc[core.end].ent_iob_ != "I") and not body_head:
            return "Person", "ner"
        if _INITIAL_AND_SURNAME.match(core.text):
            return "Person", "initial-and-surname"  # "A.Petrov": an initial glued to a surname
        acronym = _is_acronym(core)
        if acronym and core.start >= 2 and doc[core.start - 1].text == "(" and doc[core.start - 2].is_lower:
            return None, "acronym-of-phrase"  # "research and development (R&D)": short for a common phrase
        if acronym and name_text(core) in self.defined_acronyms:
            return "Organization", "defined-acronym"  # the full name decides its class later
        if not acronym and not body_head and self._looks_like_person(doc, core):
            return "Person", "person-context"
        head = head_token(core)
        if head is not None:
            cls = head_class(head.text)
            if cls:
                return cls, "head-noun"
        if self._is_post_or_its_field(core):
            return None, "post"

        ner = _majority_ner(core)
        if ner in _NER_CLASS and not (acronym and ner == "PERSON"):
            if ner in {"GPE", "LOC"} and acronym:
                return "Organization", "ner"  # places the gazetteer does not know have no acronyms
            if ner in {"GPE", "LOC"}:
                # a place the gazetteer does not know is a small one-word place or a region
                # named after a known one ("East Africa"); a longer unknown "place" with a
                # hyphenated prefix is a body named after places
                if not any(t.text in {"-", "\u2013", "/"} for t in core):
                    return "Place", "ner"
                return "Organization", "ner"
            return _NER_CLASS[ner], "ner"
        if len(core) == 1 and core[0].is_upper and len(core[0]) >= 2:
            # an acronym; typed later from what it abbreviates, or as an Organization
            if core[0].ent_type_ in {"ORG", ""} and _defined_or_acting(core):
                return "Organization", "acting-acronym"
        return None, "no-evidence"

    def _country_abbreviation_before_words(self, doc: Doc, start: int, end: int) -> bool:
        """ "U.S. Buyers", "UK Wool Trade": a country written as an abbreviation before
        capitalised words that make no name with it: the recogniser does not read them as one
        name, or they have no head noun of a body, event or programme. ("U.S. Harbor Council"
        stays one name; resolution finds the country in it.)"""
        first = doc[start]
        if end - start < 2 or not is_acronym_text(first.text) or self.gazetteer.country(first.text) is None:
            return False
        if self.gazetteer.lookup(name_text(doc[start:end])):
            return False
        one_name = any(t.ent_type_ in _NAME_ENTITY_TYPES and t.ent_iob_ == "I" for t in doc[start + 1:end])
        head = head_token(doc[start + 1:end])
        return not (one_name and head is not None and head_class(head.text))

    def _state_after_city(self, doc: Doc, prev: Span | None, span: Span) -> Span:
        """ "Augusta, Georgia": after a city and a comma, a subdivision of the city's country is
        that subdivision, not a country of the same name."""
        if prev is None or span.label_ != "Country" or span.start != prev.end + 1 or doc[prev.end].text != ",":
            return span
        state = self.gazetteer.state_of_city(name_text(span), name_text(prev)) \
            if prev.label_ in PLACE_CLASSES - {"Country"} else None
        if state is None:
            return span
        relabelled = Span(doc, span.start, span.end, label=state.cls)
        relabelled._.coop_place = state.key
        return relabelled

    def _looks_like_person(self, doc: Doc, core: Span) -> bool:
        before = doc[core.start - 1] if core.start > 0 else None
        if before is not None and (before.text in PERSON_TITLES or (
                before.is_title and before.text.lower().rstrip(".") in PERSON_ROLES | HONORIFICS)):
            return True
        if not (2 <= len(core) <= 4) or any(not t.is_title for t in core):
            return False
        if any(head_class(t.text) for t in core) or self.gazetteer.lookup(core[0].text):
            return False
        if _majority_ner(core) == "PERSON":
            return True
        # "Zhang San, director of ...", "Zhang San, a professor at ..."
        k = core.end
        if k < len(doc) and doc[k].text == ",":
            for token in doc[k + 1:k + 6]:
                if token.lemma_.lower() in PERSON_ROLES:
                    return True
                if token.pos_ not in {"DET", "ADJ", "NOUN", "PROPN"}:
                    break
        # "... the Council's Ambassador to Norland, Ana Ruiz": a post, a comma, then the name
        k = core.start - 1
        if k > 0 and doc[k].text == ",":
            for token in reversed(doc[max(0, k - 6):k]):
                if token.text.lower().rstrip(".") in PERSON_ROLES:
                    return True
                if token.pos_ not in {"DET", "ADJ", "NOUN", "PROPN", "ADP", "PART"}:
                    break
        return False

    def _from_ner(self, doc: Doc, ent: Span, headline: set[int]) -> Span | None:
        cls = _NER_CLASS.get(ent.label_)
        if cls is None:
            return None
        start, end = ent.start, ent.end
        while start < end and (doc[start].lower_ in {"the", "a", "an"} or not _is_word_token(doc[start])):
            start += 1
        while end > start and not _is_word_token(doc[end - 1]):
            end -= 1
        if end <= start:
            return None
        start = _after_title(doc, start, end)
        span = doc[start:end]
        if any(t.is_space and t.text.count("\n") > 1 for t in span) or "\n\n" in span.text:
            return None
        numbered = _ORDINAL.match(span[0].text) and len(span) > 1 and span[1].text[:1].isupper()  # "9th Fleet"
        if not (span[0].text[:1].isupper() or numbered) or any(
                t.ent_type_ in {"DATE", "TIME"} or t.text in _MONTHS for t in span):
            return None
        if not any(t.pos_ == "PROPN" or (t.is_upper and len(t) > 1) for t in span):
            return None
        if (len(span) == 1 and span[0].ent_type_ == "NORP") or self._is_demonym(span):
            return None
        if (cls != "Person" or len(span) == 1) and self._is_post_or_its_field(span):
            return None  # "the Ambassador", "Minister of Education": a post, no name
        if _is_compound_of_known(self.gazetteer, span):
            return None  # "U.S.-Norland": two places, not a third name
        text = name_text(span)
        # capitals in datelines and headlines ("LIMA, Peru") say nothing of acronyms
        entry = self.gazetteer.lookup(text) or (start in headline and self._place_in_capitals(span))
        if entry and not _person_reading(span, self.surnames, entry):
            return Span(doc, start, end, label=entry.cls)
        if len(span) == 1 and span[0].is_upper:
            # acronyms: a body when explained or acting, whatever the NER guessed
            if not _defined_or_acting(span) or cls not in {"Organization", "Person"}:
                return None
            cls = "Organization"
        if start in headline:
            return None  # headlines are capitalised throughout; only known names count there
        if cls == "Place":
            # a town too small for the main gazetteer, when the NER also calls it a place
            small = self.gazetteer.small_place(name_text(span))
            return Span(doc, start, end, label=small.cls) if small else None
        if cls == "Organization" and not any(t.pos_ == "PROPN" or t.is_upper for t in span):
            return None
        if cls == "Person":
            start = self._person_start(doc, start, end)
        return Span(doc, start, end, label=cls)

    def _place_in_capitals(self, core: Span) -> GazetteerEntry | None:
        """ "LIMA", "EAST LANSING, Mich.": a place written in capitals, as datelines and
        headlines write them; a town too small for the main gazetteer where a dateline names it,
        or where the recogniser calls it a place and it has more than one word (one word in
        capitals is more often an acronym)."""
        text = name_text(core)
        if not (text.isupper() and len(text) > 3):
            return None
        entry = self.gazetteer.lookup(text.title())
        if entry is None and (is_dateline(core) or (len(text.split()) > 1 and _majority_ner(core) in {"GPE", "LOC"})):
            entry = self.gazetteer.small_place(text.title())
        return entry

    def _is_post_or_its_field(self, core: Span) -> bool:
        """ "Minister of Education", "Deputy Director": a post, no body; "Human Resources" in
        "Director of Human Resources": the field of a post, no body either (a name with a head
        noun of its own, "Director of the Norland Water Board", is one)."""
        head = head_token(core)
        if head is not None and head.text.lower().rstrip(".") in PERSON_ROLES | HONORIFICS:
            return True
        doc = core.doc
        k = core.start
        while k > 0 and doc[k - 1].lower_ in {"the", "a"}:
            k -= 1
        return (k >= 2 and doc[k - 1].lower_ in {"of", "for"} and doc[k - 2].lower_ in FIELD_POSTS
                and (head is None or head_class(head.text) is None) and not self._is_place(core.text)
                and not any(t.is_upper and len(t) > 1 for t in core))  # "Director of NORDA": a body

    def _is_demonym(self, core: Span) -> bool:
        """ "Kenyan", "Central Asian", "Kyrgyz": the adjective of a country or region (its
        name less an ending, plus a demonym ending), unless the gazetteer knows it as a name."""
        words = [t.text for t in core]
        if words and words[0] in _DIRECTIONS:
            words = words[1:]
        if len(words) != 1 or self._is_place(core.text):
            return False
        return is_demonym(words[0], self.gazetteer)

    def _person_start(self, doc: Doc, start: int, end: int) -> int:
        """Where a person's name starts after what may stand before it in the same capitals:
        forms of address ("H.E.", "Dato"), posts ("President"), nationalities and countries
        ("Norlandic Minister", "Ambassador to Norland"), a verb of saying ("Said Ana Ruiz")."""
        k = start
        while end - k >= 2:
            token = doc[k]
            word = token.text.lower().rstrip(".")
            lead_in = (word in HONORIFICS or word in PERSON_ROLES or token.text in PERSON_TITLES
                       or (word in SAYING_VERBS and k == start)
                       or (token.ent_type_ == "NORP" or token.tag_ == "JJ") and token.text[:1].isupper()
                       or (k > 0 and doc[k - 1].lower_ in {"to", "of"} and self.gazetteer.country(token.text)))
            if not lead_in:
                break
            k += 1
        return k


# -- helpers ---------------------------------------------------------------------------
_DEMONYM_ENDINGS = ("ian", "ean", "an", "ese", "ish", "ic", "i", "n", "")


@lru_cache(maxsize=4096)
def is_demonym(word: str, gaz) -> bool:
    """Is `word` formed from a country's or region's name ("Kuwaiti", "Brazilian",
    "Japanese", "Kazakh")? The stem left after a demonym ending must begin a known name."""
    if not (word[:1].isupper() and word.isalpha() and len(word) >= 4):
        return False
    for ending in _DEMONYM_ENDINGS:
        if ending and not word.endswith(ending):
            continue
        stem = word[: len(word) - len(ending)] if ending else word
        whole = _place_name_prefixes(gaz).get(stem.lower())
        # "Kazakh" is "Kazakhstan" cut short; "Kenya" itself is a name, not its adjective
        if len(stem) >= 4 and whole is not None and (ending or not whole):
            return True
    return False


@lru_cache(maxsize=1)
def _place_name_prefixes(gaz) -> dict[str, bool]:
    """The beginnings (4 letters or more) of country and region names: True where the
    beginning is a whole name."""
    prefixes: dict[str, bool] = {}
    for name, entry in gaz.by_name.items():
        if entry.cls not in {"Country", "Region"} or " " in name:
            continue
        lower = name.lower()
        for cut in range(4, len(lower) + 1):
            prefixes[lower[:cut]] = prefixes.get(lower[:cut], False) or cut == len(lower)
    return prefixes


def _after_title(doc: Doc, start: int, end: int) -> int:
    """Where a person's name starts after a title: "Finance Minister Tomas Okonkwo"."""
    name_start = None
    for k in range(start, end - 1):
        word = doc[k].text.rstrip(".").lower()
        if word in PERSON_ROLES or doc[k].text in PERSON_TITLES or word in {"rep", "sen", "gov", "gen", "prime"}:
            # the person's name is the first run of PERSON tokens after the title, past any
            # "of Energy" that belongs to the post
            for j in range(k + 1, end):
                if doc[j].ent_type_ == "PERSON":
                    name_start = j
                    break
                if not (doc[j].is_title or doc[j].lower_ in {"of", "for", "and", "&"}):
                    break
            else:
                # no word the recogniser calls a person: "President Anneke Holt" when only
                # one to three capitalised words follow the post
                rest = doc[k + 1:end]
                if 1 <= len(rest) <= 3 and all(t.is_title and t.pos_ == "PROPN" for t in rest) \
                        and not any(head_class(t.text) for t in rest):
                    name_start = k + 1
    return name_start if name_start is not None else start


_NAME_ENTITY_TYPES = {"ORG", "PERSON", "FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART"}


def _surnames(doc: Doc) -> set[str]:
    """Last words of the full names of people the recogniser finds ("Baker" of "James Baker")."""
    return {ent[-1].text for ent in doc.ents if ent.label_ == "PERSON" and len(ent) > 1}


def _person_reading(span: Span, surnames: set[str], place: GazetteerEntry | None) -> bool:
    """A place name that names a person here: the recogniser reads it as a person's name, and
    the place is a town (many are named after people: "Kennedy", "Lincoln"), or it is part of
    a full name ("James Baker"), a surname of someone the text names in full ("Baker said") or
    after a title ("President Norman"). For countries and provinces the recogniser alone is not
    enough: it calls many of them by their own names a person."""
    if not all(t.ent_type_ == "PERSON" for t in span) or _is_acronym(span):
        return False
    if place is not None and place.cls == "City":
        return True
    doc = span.doc
    before = doc[span.start - 1] if span.start > 0 else None
    start, end = span.start, span.end  # the person entity the span is part of
    while doc[start].ent_iob_ == "I" and start > 0:
        start -= 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    in_full_name = sum(map(_is_word_token, doc[start:end])) > sum(map(_is_word_token, span))
    after_title = before is not None and (before.text in PERSON_TITLES or before.lower_ in PERSON_ROLES)
    return in_full_name or after_title or name_text(span) in surnames


def _names_spelt_by_acronyms(doc: Doc, spans: list[Span], classify) -> list[Span]:
    """ "Bank in Norland (BiN)": a bracketed acronym after a place that it does not
    abbreviate, spelt by the initials of the words before it, makes those words one name (the
    acronym's), replacing the names inside it; the place alone never takes the acronym."""
    result: list[Span] = []
    for span in spans:
        result.append(span)
        k = span.end
        if span.label_ not in PLACE_CLASSES or k + 2 >= len(doc) or doc[k].text != "(" or doc[k + 2].text != ")":
            continue
        letters = "".join(c for c in doc[k + 1].text if c.isalpha())
        if not is_acronym_text(doc[k + 1].text) or _initials(doc[span.start:k]).lower() == letters.lower():
            continue
        start = k - 1
        while start > 0 and start > k - 1 - len(letters) and _is_word_token(doc[start - 1]) and not doc[start - 1].is_space:
            start -= 1
            if _initials(doc[start:k]).lower() == letters.lower() and doc[start].text[:1].isupper():
                cls, _ = classify(doc, doc[start:k])
                if cls and cls not in PLACE_CLASSES:
                    while result and result[-1].start >= start:
                        result.pop()
                    result.append(Span(doc, start, k, label=cls))
                break
    return result


def _spelt_by_bracketed_acronym(doc: Doc, start: int, end: int) -> bool:
    """Is doc[start:end] followed by "(ACR)" whose letters are its capitalised words' initials?"""
    if end + 2 >= len(doc) or doc[end].text != "(" or doc[end + 2].text != ")":
        return False
    letters = "".join(c for c in doc[end + 1].text if c.isalpha())
    initials = "".join(t.text[0] for t in doc[start:end] if t.text[:1].isupper())
    return len(letters) >= 3 and letters.isupper() and letters == initials


def _initials(tokens: Span) -> str:
    return "".join(t.text[0] for t in tokens if _is_word_token(t))




def _is_word_token(token: Token) -> bool:
    return any(c.isalnum() for c in token.text)


def _after_opening(token: Token) -> bool:
    """First word after an opening bracket, quote or dash: capitalised for reasons of its own."""
    if token.i == 0:
        return True
    prev = token.doc[token.i - 1]
    return prev.text in {"(", "[", ":"} or (prev.is_space and "\n" in prev.text)


def _inside_quotes(doc: Doc, j: int) -> bool:
    for k in range(j - 1, max(-1, j - 10), -1):
        if doc[k].text in _OPEN_QUOTES:
            return True
    return False


def head_token(core: Span) -> Token | None:
    """The head noun of a name: the last word before its first "of/on/for" phrase."""
    head = None
    for token in core:
        if token.text in {"of", "on", "for", "at", "in", "to"}:
            break
        if token.is_alpha or token.text.rstrip(".").isalpha():
            head = token
    return head


def _bracketed_acronyms(text: str) -> set[str]:
    """Acronyms the text explains: "Full Name (ACR)", "Full Name (ACR, City)"."""
    found = set()
    for match in re.finditer(r"[A-Z][\w.'-]*\s+\(([A-Za-z][\w&-]*(?: [A-Z][\w&-]*)?)[),]", text):
        letters = [c for c in match.group(1) if c.isalpha()]
        if letters and sum(c.isupper() for c in letters) >= max(2, len(letters) - 2):
            found.add(match.group(1))
    return found


def _acronyms_take_their_class(spans: list[Span], pairs: list[tuple[Span, Span]]):
    """Every use of an explained acronym gets the class of the name it stands for, so that
    rules over spans see "APEEP" as the programme it is."""
    classes = {name_text(short): long.label_ for long, short in pairs}
    relabelled: dict[tuple[int, int], Span] = {}
    for span in spans:
        cls = classes.get(name_text(span))
        if cls and cls != span.label_ and (_is_acronym(span) or len(span) == 1):
            new = Span(span.doc, span.start, span.end, label=cls)
            for attr in ("coop_alias", "coop_edition", "coop_short_form"):
                setattr(new._, attr, getattr(span._, attr))
            relabelled[(span.start, span.end)] = new
    if not relabelled:
        return spans, pairs
    fix = lambda s: relabelled.get((s.start, s.end), s)  # noqa: E731
    return [fix(s) for s in spans], [(fix(a), fix(b)) for a, b in pairs]


def is_acronym_text(text: str) -> bool:
    """ "NWRA", "e-WATER NET", "ANDES TEC": short, and capitals nearly throughout."""
    letters = [c for c in text if c.isalpha()]
    return 2 <= len(letters) <= 12 and len(text.split()) <= 3 and \
        sum(c.isupper() for c in letters) >= max(2, len(letters) - 2)


def _is_acronym(span: Span) -> bool:
    return len(span) <= 4 and is_acronym_text(name_text(span))


def _bracketed_aliases(doc: Doc, spans: list[Span]) -> list[tuple[Span, Span]]:
    """(full name, acronym) pairs written "Full Name (ACR)", "Full Name (ACR, City)" or
    "ACR (Full Name)" (or "(Norad)")."""
    pairs = []
    for a, b in zip(spans, spans[1:]):
        if b.start != a.end + 1 or doc[a.end].text != "(" or b.end >= len(doc) or doc[b.end].text not in {")", ","}:
            continue
        if _is_acronym(b) and not _is_acronym(a):
            pairs.append((a, b))
        elif _is_acronym(a) and not _is_acronym(b):
            pairs.append((b, a))
        elif len(b) == 1 and is_contraction(b.text, name_text(a)):
            pairs.append((a, b))
        elif len(a) == 1 and is_contraction(a.text, name_text(b)):
            pairs.append((b, a))
    return pairs


def is_contraction(short: str, full: str) -> bool:
    """ "Norad" for "Norwegian Agency for Development Cooperation", "Mercosur" for "Mercado
    Comun del Sur": one capitalised word spelt by the beginnings of at least two of the full
    name's words, in order (words may be skipped)."""
    if not re.fullmatch(r"[A-Z][a-z]{2,11}", short):
        return False
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", full)]
    letters = short.lower()
    if len(words) < 2 or words[0][0] != letters[0]:
        return False

    @lru_cache(maxsize=None)  # memoised: a hostile name cannot make the search exponential
    def spelt(i: int, word: int, at: int, jumped: bool) -> bool:
        if i == len(letters):
            return jumped
        if at < len(words[word]) and words[word][at] == letters[i] and spelt(i + 1, word, at + 1, jumped):
            return True
        return any(words[k][0] == letters[i] and spelt(i + 1, k, 1, True) for k in range(word + 1, len(words)))

    return spelt(1, 0, 1, False)


def _has_body_head(tokens: Span) -> bool:
    head = head_token(tokens)
    return head is not None and TOP_CLASS.get(head_class(head.text) or "") == "Organization"


def _is_compound_of_known(gaz, core: Span) -> bool:
    """ "Kenya-Finland", "NWC-Japan", "U.S.-Norland" (one token): hyphenated parts that are each
    a country or an acronym."""
    if len(core) == 1:
        return bool(compound_places(gaz, core.text))
    parts = [t for t in core if t.text not in {"-", "\u2013", "/"}]
    if len(parts) < 2 or len(parts) == len(core):
        return False
    return all(gaz.lookup(t.text) or (t.is_upper and len(t) > 1) for t in parts)


def compound_places(gaz, word: str) -> list[tuple[int, int]]:
    """Character offsets of the places in a word made of two or more places joined by hyphens
    ("U.S.-Norland"), or nothing."""
    if "-" not in word and "\u2013" not in word and "/" not in word:  # most words: asked of every token
        return []
    parts = [(m.start(), m.end()) for m in re.finditer(r"[^-\u2013/]+", word)]
    if len(parts) < 2 or not all(gaz.lookup(word[a:b]) for a, b in parts):
        return []
    return parts


def _majority_ner(span: Span) -> str:
    """The NER label most tokens carry; on a tie the first in the span (never a set's order,
    which changes from one process to the next)."""
    labels = Counter(t.ent_type_ for t in span if t.ent_type_)
    return labels.most_common(1)[0][0] if labels else ""


def _defined_or_acting(core: Span) -> bool:
    """An acronym that is explained in brackets or does something is a body."""
    doc = core.doc
    token = core[0]
    if token.i + 2 < len(doc) and doc[token.i + 1].text == "(":
        return doc[token.i + 2].text[:1].isupper()
    if token.i > 1 and doc[token.i - 1].text == "(":
        return doc[token.i - 2].text[:1].isupper()
    return token.dep_ in {"nsubj", "nsubjpass", "conj", "pobj", "dobj", "appos", "poss"} and token.ent_type_ == "ORG"


_BOILERPLATE = re.compile(
    r"^\s*(by|source|sources|editor|editors|reporter|reporters|photo|photos|photograph|image|credit|"
    r"written by|edited by|copyright|\u00a9|all rights reserved|share|related|tags|read more)\b[\s:,-]",
    re.IGNORECASE)


# "BEIJING, March 3 (Xinhua) --", "LIMA (Reuters) -": the agency credited in a dateline
_DATELINE_CREDIT = re.compile(
    r"^\s*[A-Z][A-Z .'-]*[A-Z](?:/[A-Z][A-Z .'-]*[A-Z])?"      # the place, in capitals
    r"(?:,\s*[A-Z][a-z]{2,}\.?\s+\d{1,2}(?:,?\s+\d{4})?)?"       # ", March 3" / ", Nov. 5, 2024"
    r"\s*\((?P<credit>[^()\n]{1,40})\)\s*(?:--|-|\u2013|\u2014)")


def _boilerplate_tokens(doc: Doc, text: str) -> set[int]:
    """Tokens of short lines that are bylines, credits or page furniture, not news; and the
    agency a dateline credits (`text`: the doc's)."""
    result: set[int] = set()
    for match in re.finditer(r"[^\n]+", text):
        line = match.group(0)
        credit = _DATELINE_CREDIT.match(line)
        initials = "".join(w[0] for w in credit.group("credit").split() if w[0].isupper()) if credit else ""
        if credit and initials != line[:credit.start("credit")].strip(" (").replace(".", ""):  # not "WHO (World Health Organization) -"
            span = doc.char_span(match.start() + credit.start("credit"), match.start() + credit.end("credit"),
                                 alignment_mode="expand")
            if span is not None:
                result.update(range(span.start, span.end))
        byline = re.match(r"^\s*by\s", line, re.IGNORECASE)
        if byline and (not re.match(r"^\s*by\s+[A-Z][a-z]", line) or line.rstrip().endswith(".")):
            continue  # "By 2023 the Network had ...", "By then, ..." are sentences
        if len(line.split()) <= 14 and _BOILERPLATE.match(line + " "):
            span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
            if span is not None:
                result.update(range(span.start, span.end))
    return result


def _headline_tokens(doc: Doc, text: str) -> set[int]:
    """Tokens of one-line paragraphs written in title case or capitals (headlines, menus),
    where capitals say nothing about names (`text`: the doc's)."""
    result: set[int] = set()
    small = {"a", "an", "the", "of", "and", "for", "on", "in", "to", "with", "at", "by", "&", "or", "from"}
    text_end = len(text.rstrip())  # past it only blanks: computed once, so the scan stays linear
    for match in re.finditer(r"[^\n]+", text):
        line = match.group(0)
        # a line that ends its paragraph; a line that runs on into the next is hard-wrapped text
        alone = match.end() >= text_end or text.startswith("\n\n", match.end())
        if not alone or line.rstrip().endswith((".", "?", "!", '"', "\u201d")):
            continue
        words = re.findall(r"[A-Za-z][\w'-]*", line)
        content = [w for w in words if w.lower() not in small]
        capital = [w for w in content if w[0].isupper()]
        if content and ((len(capital) / len(content) >= 0.75 and len(content) >= 2) or line.isupper()):
            span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
            if span is not None:
                result.update(range(span.start, span.end))
    return result
