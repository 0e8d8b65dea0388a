"""Tests of genai_design.corpora.news: the BBC News corpus and its splits (step 0)."""

from collections import Counter
from pathlib import Path

import pytest

from genai_design.corpora.news import (
    TOPIC_FOLDERS,
    Article,
    load_bbc_news,
    stratified_split,
    take_per_topic,
)

COUNTS = {"business": 510, "entertainment": 386, "politics": 417, "sport": 511, "tech": 401}


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return load_bbc_news()


def _fake_corpus(root: Path, per_topic: int = 3) -> Path:
    """``per_topic`` tiny articles in each topic folder, written in reverse name order."""
    for topic, folder in TOPIC_FOLDERS.items():
        (root / folder).mkdir(parents=True)
        for i in reversed(range(per_topic)):
            (root / folder / f"{i:03d}.txt").write_text(
                f"  {topic} headline {i}  \nFirst paragraph.\n\nSecond paragraph.\n\n",
                encoding="utf-8")
    return root


def test_corpus_has_2225_articles_in_five_topics(articles):
    assert len(articles) == 2225
    assert Counter(a.topic for a in articles) == COUNTS
    assert set(COUNTS) == set(TOPIC_FOLDERS)


def test_ids_are_unique_stable_and_in_topic_order(articles):
    ids = [a.id for a in articles]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "business/001" and articles[0].topic == "business"
    assert all(a.id.startswith(a.topic + "/") for a in articles)
    topics = [a.topic for a in articles]
    assert topics == sorted(topics)  # topic order, then file order
    assert ids == [a.id for a in load_bbc_news()]  # a second read gives the same order


def test_title_is_the_first_line_of_the_file(articles):
    first = articles[0]
    assert first.title == "Ad sales boost Time Warner profit"
    assert first.body.startswith("Quarterly profits at US media giant TimeWarner")
    assert first.text == f"{first.title}\n\n{first.body}"
    assert all(a.title and "\n" not in a.title and a.body for a in articles)


def test_load_from_a_folder_sorts_files_and_splits_title(tmp_path):
    loaded = load_bbc_news(_fake_corpus(tmp_path))
    assert len(loaded) == 15
    assert [a.id for a in loaded[:3]] == ["business/000", "business/001", "business/002"]
    # "sport" is read from the folder "sports" but keeps its label
    assert [a.id for a in loaded if a.topic == "sport"] == ["sport/000", "sport/001", "sport/002"]
    assert loaded[0].title == "business headline 0"  # stripped
    assert loaded[0].body == "First paragraph.\n\nSecond paragraph."


def test_load_raises_on_a_missing_or_empty_topic_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no articles"):
        load_bbc_news(tmp_path)
    root = _fake_corpus(tmp_path / "corpus")
    for path in (root / "tech").iterdir():
        path.unlink()
    with pytest.raises(FileNotFoundError, match="tech"):
        load_bbc_news(root)


def test_stratified_split_holds_out_n_per_topic(articles):
    train, test = stratified_split(articles, 40, seed=0)
    assert Counter(a.topic for a in test) == {topic: 40 for topic in COUNTS}
    assert Counter(a.topic for a in train) == {t: n - 40 for t, n in COUNTS.items()}
    assert not {a.id for a in train} & {a.id for a in test}
    assert len(train) + len(test) == len(articles)
    position = {a.id: i for i, a in enumerate(articles)}
    assert [position[a.id] for a in test] == sorted(position[a.id] for a in test)  # corpus order
    assert [position[a.id] for a in train] == sorted(position[a.id] for a in train)


def test_stratified_split_depends_only_on_the_seed(articles):
    _, first = stratified_split(articles, 20, seed=3)
    _, again = stratified_split(articles, 20, seed=3)
    _, other = stratified_split(articles, 20, seed=4)
    assert [a.id for a in first] == [a.id for a in again]
    assert {a.id for a in first} != {a.id for a in other}


def test_stratified_split_rejects_bad_sizes(tmp_path):
    small = load_bbc_news(_fake_corpus(tmp_path))  # 3 per topic
    with pytest.raises(ValueError, match=">= 1"):
        stratified_split(small, 0)
    with pytest.raises(ValueError, match="too few"):
        stratified_split(small, 3)  # nothing left to train on
    train, test = stratified_split(small, 2)
    assert (len(train), len(test)) == (5, 10)


def test_take_per_topic_caps_each_topic(tmp_path):
    small = load_bbc_news(_fake_corpus(tmp_path))
    two = take_per_topic(small, 2, seed=1)
    assert Counter(a.topic for a in two) == {topic: 2 for topic in COUNTS}
    assert [a for a in small if a in two] == two  # corpus order kept
    assert take_per_topic(small, 10) == small  # fewer than n: all of them
    assert [a.id for a in take_per_topic(small, 2, seed=1)] == [a.id for a in two]
    assert take_per_topic(small, 0) == []
