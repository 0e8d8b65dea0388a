"""Tests of data/shop_help/build.py: the content files rebuild the committed outputs exactly,
and malformed content is refused with a message that names the file and the problem."""

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

DATA = Path(__file__).resolve().parents[2] / "data"
SOURCE = DATA / "shop_help"
OUTPUTS = ("shop_help/v1.jsonl", "shop_help/v2.jsonl", "shop_help/CHANGES.md",
           "eval/shop_help.jsonl")


@pytest.fixture(scope="module")
def builder() -> Iterator[ModuleType]:
    """build.py imported by path: data/ is not a package."""
    spec = importlib.util.spec_from_file_location("shop_help_build", SOURCE / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def built(builder: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("data")
    assert builder.main(["--out", str(out)]) == 0
    return out


def _first_difference(committed: str, rebuilt: str) -> str:
    """Where two texts first differ: the line, the column, and both texts around that point."""
    old, new = committed.split("\n"), rebuilt.split("\n")
    number = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    if number == min(len(old), len(new)):
        return f"the first {number} lines agree; committed has {len(old)}, rebuilt {len(new)}"
    a, b = old[number], new[number]
    column = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(column - 60, 0)
    return (f"first difference at line {number + 1}, column {column + 1}:\n"
            f"  committed: ...{a[start:column + 100]!r}\n"
            f"  rebuilt:   ...{b[start:column + 100]!r}")


@pytest.mark.parametrize("name", OUTPUTS)
def test_rebuild_matches_committed_output(built: Path, name: str) -> None:
    committed, rebuilt = (DATA / name).read_bytes(), (built / name).read_bytes()
    assert rebuilt == committed, (
        f"{name} differs from what build.py writes: edit the content files and run "
        "python data/shop_help/build.py\n"
        + _first_difference(committed.decode("utf-8"), rebuilt.decode("utf-8")))


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    """A copy of the content files only, to break on purpose."""
    copy = tmp_path / "shop_help"
    shutil.copytree(SOURCE / "articles", copy / "articles")
    for name in ("contents.yaml", "changes.yaml", "questions.yaml"):
        shutil.copy(SOURCE / name, copy / name)
    return copy


@pytest.mark.parametrize("file, old, new, message", [
    ("changes.yaml", "find: free for orders of €50 or more", "find: free for orders of €55",
     r"changes.yaml edited shipping-netherlands: each find must occur exactly once .* "
     r"found 0 times: 'free for orders of €55'"),
    ("changes.yaml", "slug: price-promise", "slug: price-promises",
     r"changes.yaml edited: 'price-promises' is not an article of version 1"),
    ("articles/cookies.md", "updated: ", "date: ",
     r"articles/cookies.md front matter: missing fields \['updated'\]"),
    ("questions.yaml", "gold: [cancel-an-order]", "gold: [cancel-an-order, same-day-delivery]",
     r"questions.yaml shop-002: .* not in version 1: \['same-day-delivery'\]"),
    ("changes.yaml", 'old: "17:00"', "old: 17:00", r"old must be a str, got 1020 \(quote it\)"),
], ids=["edit-text-not-found", "unknown-slug", "missing-front-matter-field",
        "gold-not-in-version", "unquoted-time"])
def test_malformed_content_is_refused(builder: ModuleType, source_copy: Path, file: str,
                                      old: str, new: str, message: str) -> None:
    path = source_copy / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the test's edit no longer fits {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(builder.ContentError, match=message):
        builder.render(builder.load_content(source_copy))


def test_unchanged_copy_builds(builder: ModuleType, source_copy: Path) -> None:
    """The copy alone is complete, so each refusal above comes from its one edit."""
    outputs = builder.render(builder.load_content(source_copy))
    assert outputs["shop_help/CHANGES.md"] == (DATA / "shop_help" / "CHANGES.md").read_text(
        encoding="utf-8")
