"""PII scrubbing (genai_design.guardrails.pii and .pii_patterns): validators, name rules,
placeholders, the labelled set, metrics, and both scrubbers on hostile input. The examples here
are written for the tests; none is taken from the labelled set."""

from __future__ import annotations

import collections

import pytest

from genai_design.guardrails.pii import (
    ENTITY_TYPES,
    SPLITS,
    CourseScrubber,
    PiiItem,
    PiiSpan,
    PresidioScrubber,
    find_cards,
    find_ibans,
    iban_valid,
    load_pii_set,
    luhn_valid,
    pii_metrics,
    pseudonymise,
    recall_interval,
    restore,
)
from genai_design.guardrails.pii_patterns import (find_addresses, find_cue_names, find_listed_names,
                                                  find_signature)


@pytest.fixture(scope="module")
def course() -> CourseScrubber:
    return CourseScrubber().load()


@pytest.fixture(scope="module")
def presidio() -> PresidioScrubber:
    return PresidioScrubber().load()


def test_luhn() -> None:
    assert luhn_valid("4111111111111111") and luhn_valid("371471049746500")
    assert not luhn_valid("4111111111111112") and not luhn_valid("5012345678901234")
    assert not luhn_valid("") and not luhn_valid("4111-1111")


def test_cards_need_luhn_and_an_issuer_digit() -> None:
    text = "pay with 4526 0181 5908 3012 or 4526-0181-5908-3013, not 0000000000000000"
    assert [text[s:e] for s, e, *_ in find_cards(text)] == ["4526 0181 5908 3012"]


def test_iban() -> None:
    assert iban_valid("NL91ABNA0417164300") and iban_valid("NL91 ABNA 0417 1643 00")
    assert iban_valid("be21439796360227")
    assert not iban_valid("NL91ABNA0417164301")  # check digits broken
    assert not iban_valid("NL91ABNA041716430")  # one character short for NL
    assert not iban_valid("XX91ABNA0417164300")  # no such country
    text = "refund to NL91 ABNA 0417 1643 00 please, not NL92ABNA0417164300"
    assert [text[s:e] for s, e, *_ in find_ibans(text)] == ["NL91 ABNA 0417 1643 00"]


def _texts(finder, text: str) -> list[str]:
    return [text[s:e] for s, e, *_ in finder(text)]


@pytest.mark.parametrize(("text", "address"), [
    ("send it to Lindenlaan 14b, 4811 KX Breda thanks", "Lindenlaan 14b, 4811 KX Breda"),
    # a postcode anchors any capitalised street name
    ("new address Oude Vest 2 3011 ab rotterdam", "Oude Vest 2 3011 ab rotterdam"),
    ("to Hoge Brug 12, 9000 Gent please", "Hoge Brug 12, 9000 Gent"),  # the city stops at a lower-case word
    ("Chaussée de Louvain 88 bus 4, 1210 Saint-Josse!", "Chaussée de Louvain 88 bus 4, 1210 Saint-Josse"),
    ("at Beukenweg 3, Hilvarenbeek.", "Beukenweg 3, Hilvarenbeek"),  # without a postcode the city ends it
    ("at Beukenweg 3, Can you call first", "Beukenweg 3"),
    # house-number additions: floor (III), ground floor (hs), bis
    ("now Rijnstraat 40 II, 1078 RJ Amsterdam", "Rijnstraat 40 II, 1078 RJ Amsterdam"),
    ("naar Kerkpad 9-III, 3512 HG Utrecht", "Kerkpad 9-III, 3512 HG Utrecht"),
    ("mijn adres: tulpstraat 17 hs, haarlem. dank", "tulpstraat 17 hs, haarlem"),  # lower case, a listed city
    ("Rue Haute 5 bis, 1000 Bruxelles", "Rue Haute 5 bis, 1000 Bruxelles"),
    # a postcode on the next line; slash and floor additions; a Belgian box written "b7"
    ("Adres:\nVeldstraat 61-II\n6512 AB Nijmegen\nDank", "Veldstraat 61-II\n6512 AB Nijmegen"),
    ("Molenlaan 3/2, 3000 Leuven", "Molenlaan 3/2, 3000 Leuven"),
    ("to Singelweg 80 2 hoog, 2513 XT Den Haag", "Singelweg 80 2 hoog, 2513 XT Den Haag"),
    ("Avenue des Arts 19 b7, 1000 Bruxelles", "Avenue des Arts 19 b7, 1000 Bruxelles"),
    # a street that is only a street word, an ordinal first, a country before the postcode
    ("it's Grote Markt 12, Breda", "Grote Markt 12, Breda"),
    ("at 3e Oosterparkstraat 9, 1091 HW Amsterdam", "3e Oosterparkstraat 9, 1091 HW Amsterdam"),
    ("Beukenlaan 7, NL-5061 AB Oisterwijk", "Beukenlaan 7, NL-5061 AB Oisterwijk"),
    # a listed city need not end the clause
    ("it should be Dorpsweg 2, Dongen instead, sorry", "Dorpsweg 2, Dongen"),
])
def test_addresses(text: str, address: str) -> None:
    assert _texts(find_addresses, text) == [address]


def test_no_address_without_a_house_number_or_a_street() -> None:
    for text in ("I live in 5038 AB Tilburg", "is the Stadsring open on Sunday?", "To 1000 Brussel please",
                 "I paid 3, 4000 Liège charged twice", "I am ordering 4, maybe 5"):
        assert _texts(find_addresses, text) == [], text


@pytest.mark.parametrize(("text", "names"), [
    ("Hello, Femke here. Where is my parcel?", ["Femke"]),
    ("Hoi, Lodewijk hier, waar blijft mijn pakket?", ["Lodewijk"]),
    ("my neighbour Gerrit signed for it", ["Gerrit"]),
    ("ask for Mevr. Op de Beeck at the desk", ["Op de Beeck"]),
    ("this is tobias koster, order QM-12345678", ["tobias koster"]),
    ("kind regards, Ilse van Damme", ["Ilse van Damme"]),
    ("I'm travelling until Monday. I'm fine with a later date", []),  # the stop list after "I'm"
    ("This is unacceptable, thanks for nothing", []),
    ("My husband is away, my daughter will sign", []),  # a relation cue needs a name after it
    ("name on card DOROTA NOWAK please", ["DOROTA NOWAK"]),
    ("ik ben bereikbaar na vijven, groetjes", []),  # a Dutch cue takes no unlisted lower-case word
    ("ik ben tom, bedankt voor alles", ["tom"]),
    ("the invoice says Ben Haddou, not Haddad", ["Ben Haddou"]),  # an Arabic particle opens a surname
    ("Van: Selma el Idrissi <s@example.org>", ["Selma el Idrissi"]),  # an e-mail header; a lower-case "el"
    ("my aunt lives with Frau Becker next door", ["Becker"]),  # honorifics of other languages
    ("drop it at familie van 't Veld, number 4", ["van 't Veld"]),  # a household and the particle 't
    ("your colleague Annelot said it was fine", ["Annelot"]),  # the shop's own staff
    ("bel aan bij Wouters aub", ["Wouters"]),
    ("op naam van Claes graag", ["Claes"]),
    ("a parcel for Jan van der Meer", []),  # no cue here (spaCy and the first names find it) ...
    ("my neighbour Jan van der Meer took it", ["Jan van der Meer"]),  # ... after a particle a word is a surname
    ("it's near Breda, the second street", []),  # a preposition after "it's" is no name
])
def test_cue_names(text: str, names: list[str]) -> None:
    assert _texts(find_cue_names, text) == names


def test_listed_first_names_and_signatures() -> None:
    text = "The courier gave it to Wilma Jacobs and Ruud"
    assert _texts(find_listed_names, text) == ["Wilma Jacobs", "Ruud"]
    assert _texts(find_listed_names, "In May the Rose garden set") == []  # names that are words need a cue
    assert _texts(find_signature, "Where is my refund?\nHanneke Smulders") == ["Hanneke Smulders"]
    assert _texts(find_signature, "Where is my refund? Thanks!") == []
    assert _texts(find_signature, "It went to Antwerpen. Tilburg") == []  # a place is no signature
    assert _texts(find_signature, "refund please — Maxime Dubois") == ["Maxime Dubois"]  # after a dash
    assert _texts(find_signature, "Order QM-12345678 came. Merci!") == []
    assert _texts(find_signature, "refund twice please\n- Gwen Alder-Price") == ["Gwen Alder-Price"]
    assert _texts(find_signature, "for our firm, Studio Noord B.V.") == []  # a single letter is no name


def test_names_joined_to_a_found_name_and_what_spacy_takes_for_one(course: CourseScrubber) -> None:
    found = [s.text for s in course.find("you can leave it with Femke or Sanne at the desk")]
    assert found == ["Femke", "Sanne"]  # the second has no cue of its own
    assert "Sanne" not in [s.text for s in course.find("leave it with Femke or the neighbours")]
    assert [s.text for s in course.find("Invoice to Delta Meubel BV please, attn Joost")][-1] == "Joost"
    assert all("BV" not in s.text for s in course.find("Invoice to Delta Meubel BV please, attn Joost"))


def test_what_spacy_takes_for_a_name_is_trimmed(course: CourseScrubber) -> None:
    found = lambda text: [s.text for s in course.find(text)]  # noqa: E731
    assert found("De levering van gisteren was te laat") == []  # a Dutch function word alone
    assert found("Onderwerp: retour\nHallo, de kast is kapot") == []  # a label before a colon
    assert found("Verzenden jullie ook naar Duitsland?") == []  # a verb before its subject
    assert found("het staat op naam van Pieter Smet") == ["Pieter Smet"]  # no "van" before a first name
    assert "Bakkerij" not in " ".join(found("factuur aan Bakkerij De Zon BV, Tilburg"))  # a company
    assert found("ik ben de zus van Marije Jansen") == ["Marije Jansen"]


def test_an_address_may_hold_what_looks_like_a_date(course: CourseScrubber) -> None:
    # "12-3" and "4/2" alone read as dates; inside a checked address they are house numbers
    assert [s.text for s in course.find("ship to Parkweg 12-3, 5611 AB Eindhoven")] == [
        "Parkweg 12-3, 5611 AB Eindhoven"]
    assert [s.text for s in course.find("order QM-12345678 placed 12-3")] == []
    assert [s.text for s in course.find("can I place an order 2 weeks ahead")] == []  # "place" is no street here


def test_quoted_words_are_products(course: CourseScrubber) -> None:
    assert [s.text for s in course.find("the stool 'Lotte' came without screws, says Lotte")] == ["Lotte"]
    assert [s.text for s in course.find("Is the \"Daan\" vloerkleed back in stock?")] == []


def test_recall_interval_resamples_messages() -> None:
    items = [PiiItem(f"t-{n}", "Jan and Piet", (PiiSpan("PERSON", 0, 3, "Jan", "gold"),
                                                PiiSpan("PERSON", 8, 12, "Piet", "gold")), "test", "")
             for n in range(20)]
    hit = [PiiSpan("PERSON", 0, 3, "Jan", "x"), PiiSpan("PERSON", 8, 12, "Piet", "x")]
    predicted = [hit] * 15 + [[]] * 5  # 15 messages right, 5 wholly missed
    r = recall_interval(predicted, items)
    assert r.estimate == pytest.approx(pii_metrics(predicted, items).recall) == 0.75
    assert r.low < 0.75 < r.high and r.high - r.low > 0.2  # 20 clusters, not 40 independent spans
    assert recall_interval([hit] * 20, items).low == 1.0
    with pytest.raises(ValueError, match="predictions"):
        recall_interval(predicted[:3], items)


def test_a_date_does_not_split_a_phone_number(course: CourseScrubber) -> None:
    spans = course.find("call me on 0476/38.22.15 after 12.30")
    assert [(s.type, s.text) for s in spans] == [("PHONE", "0476/38.22.15")]


def test_product_names_are_not_people(course: CourseScrubber) -> None:
    text = "The Sofie floor lamp and the Bram 2 armchair arrived; Sofie loves them"
    assert [s.text for s in course.find(text)] == ["Sofie"]
    assert [s.text for s in course.find("Please send the Olaf sofa cover to my sister Greet")] == ["Greet"]


def test_pseudonymise_round_trip() -> None:
    text = "Jan (jan@x.nl) wrote: mail jan@x.nl or Piet."
    spans = [PiiSpan("PERSON", 0, 3, "Jan", "t"), PiiSpan("EMAIL", 5, 13, "jan@x.nl", "t"),
             PiiSpan("EMAIL", 27, 35, "jan@x.nl", "t"), PiiSpan("PERSON", 39, 43, "Piet", "t")]
    redacted, mapping = pseudonymise(text, spans)
    assert redacted == "<PERSON_1> (<EMAIL_1>) wrote: mail <EMAIL_1> or <PERSON_2>."
    assert mapping == {"<PERSON_1>": "Jan", "<EMAIL_1>": "jan@x.nl", "<PERSON_2>": "Piet"}
    assert restore(redacted, mapping) == text
    assert restore("Dear <PERSON_1>, <PERSON_9> stays", mapping) == "Dear Jan, <PERSON_9> stays"
    with pytest.raises(ValueError):
        pseudonymise(text, [PiiSpan("PERSON", 0, 3, "Jan", "t"), PiiSpan("PERSON", 2, 5, "n (", "t")])


def test_course_scrubber_round_trip_and_order_numbers(course: CourseScrubber) -> None:
    text = ("Hi, my name is Rose de Vries. Order QM-20481736 of EUR 49,95 on 12 March: refund to "
            "NL91 ABNA 0417 1643 00, or call 06-12345678. Thanks, Rose de Vries")
    spans = course.find(text)
    assert {s.type for s in spans} == {"PERSON", "IBAN", "PHONE"}
    redacted, mapping = pseudonymise(text, spans)
    assert "QM-20481736" in redacted and "EUR 49,95" in redacted and "12 March" in redacted
    assert redacted.count("<PERSON_1>") == 2 and "Rose" not in redacted
    assert restore(redacted, mapping) == text


def test_spans_are_sorted_and_disjoint(course: CourseScrubber, presidio: PresidioScrubber) -> None:
    text = "I'm Jan de Vries, jan.devries@example.brussels, 4526 0181 5908 3012, Kerkstraat 12, 5038 AB Tilburg"
    for scrubber in (course, presidio):
        spans = scrubber.find(text)
        assert spans and all(a.end <= b.start for a, b in zip(spans, spans[1:]))
        assert all(text[s.start:s.end] == s.text for s in spans)


HOSTILE = {
    "empty": "",
    "control characters": "na\x00me\x07 Jan\x1b[31m de Vries\x7f 06-12345678\r\n\x0c",
    "zero-width": "mail jan\u200b@example.com, card 4526\u200b0181 5908 3012, Rose\ufeff de Vries",
    "lone surrogates": "my name is Jan \udcff\udc80 de Vries, 06-12345678 \ud800",
    "only surrogates": "\udcff" * 10,
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_input_returns_spans(case: str, course: CourseScrubber, presidio: PresidioScrubber) -> None:
    text = HOSTILE[case]
    for scrubber in (course, presidio):
        spans = scrubber.find(text)
        assert isinstance(spans, list) and all(0 <= s.start < s.end <= len(text) for s in spans)
    if case == "zero-width":  # the course scrubber reads through invisible characters
        found = {s.type: s.text for s in course.find(text)}
        assert found["EMAIL"] == "jan\u200b@example.com" and found["CARD"] == "4526\u200b0181 5908 3012"


def test_a_megabyte() -> None:
    """NER reads only the first ner_max_chars characters; the validators read everything. A
    megabyte of filler with a name at the start and a card and an order number at the end."""
    head = "Hi, my name is Saskia Verbeek. "
    tail = " card 4526 0181 5908 3012 order QM-20481736"
    filler = "the parcel came late and the box was dented. " * 23_000
    text = head + filler[:1_000_000 - len(head) - len(tail)] + tail
    assert len(text) == 1_000_000
    for scrubber in (CourseScrubber(ner_max_chars=2_000), PresidioScrubber(ner_max_chars=2_000)):
        spans = scrubber.find(text)
        assert any(s.type == "CARD" and s.text == "4526 0181 5908 3012" for s in spans), scrubber.name
        assert any(s.type == "PERSON" and "Verbeek" in s.text for s in spans), scrubber.name
        assert isinstance(scrubber, PresidioScrubber) or not any("QM-20481736" in s.text for s in spans)


def test_load_pii_set_rejects_a_value_not_in_the_text(tmp_path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text("items:\n- {id: x-1, split: dev, text: 'Hi, Jan here', pii: [{type: PERSON, text: Jan}]}\n"
                    "- {id: x-2, split: test, text: 'Hi, Jan here', pii: [{type: PERSON, text: Piet}]}\n")
    with pytest.raises(ValueError, match="x-2"):
        load_pii_set(path)
    path.write_text("items:\n- {id: x-3, split: dev, text: 'Jan and Jan', "
                    "pii: [{type: PERSON, text: Jan, occurrence: 1}]}\n")
    (item,) = load_pii_set(path)
    assert (item.spans[0].start, item.spans[0].end) == (8, 11)


def test_metrics_on_a_hand_made_example() -> None:
    text = "Jan de Vries, QM-20481736, 06-12345678 ok"  # 41 characters
    gold = (PiiSpan("PERSON", 0, 12, "Jan de Vries", "gold"), PiiSpan("PHONE", 27, 38, "06-12345678", "gold"))
    item = PiiItem("t-1", text, gold, "test", "")
    predicted = [PiiSpan("PERSON", 0, 3, "Jan", "x"),  # covers 3 of 12 characters: not found
                 PiiSpan("ORDER", 14, 25, "QM-20481736", "x"),  # no gold there, and an order number
                 PiiSpan("PHONE", 27, 38, "06-12345678", "x")]
    m = pii_metrics([predicted], [item])
    assert m.recall == 0.5 and m.recall_by_type == {"PERSON": 0.0, "PHONE": 1.0}
    assert m.precision == pytest.approx(2 / 3)
    assert m.precision_by_type == {"ORDER": 0.0, "PERSON": 1.0, "PHONE": 1.0}
    assert m.kept == pytest.approx((41 - 23 - 11) / (41 - 23))
    assert m.order_numbers_kept == 0.0 and m.n_order_numbers == 1
    assert (m.n_gold, m.n_predicted) == (2, 3)
    nothing = pii_metrics([[]], [item])
    assert nothing.recall == 0.0 and nothing.kept == 1.0 and nothing.order_numbers_kept == 1.0
    assert nothing.to_dict()["n_gold_by_type"] == {"PERSON": 1, "PHONE": 1}


def test_load_pii_set_accepts_the_five_splits_only(tmp_path) -> None:
    path = tmp_path / "set.yaml"
    rows = "".join(f"- {{id: x-{n}, split: {split}, text: 'Hi, Jan here', pii: []}}\n"
                   for n, split in enumerate(SPLITS))
    path.write_text("items:\n" + rows)
    assert [i.split for i in load_pii_set(path)] == ["dev", "test", "seen-holdout", "seen-holdout-2", "holdout"]
    path.write_text("items:\n- {id: x-9, split: train, text: 'Hi', pii: []}\n")
    with pytest.raises(ValueError, match="x-9"):
        load_pii_set(path)


def test_the_set_holds_together() -> None:
    items = load_pii_set()
    assert len(items) >= 60
    assert len({i.id for i in items}) == len(items)
    present = {i.split for i in items}
    assert {"dev", "test"} <= present <= set(SPLITS)
    for split in [s for s in SPLITS if s in present]:  # the holdout only once it is written
        counts = collections.Counter(s.type for i in items if i.split == split for s in i.spans)
        assert set(counts) == set(ENTITY_TYPES), f"{split} lacks {set(ENTITY_TYPES) - set(counts)}"
    assert sum(not i.spans for i in items) >= 15  # hard negatives
    assert all(i.text[s.start:s.end] == s.text for i in items for s in i.spans)
