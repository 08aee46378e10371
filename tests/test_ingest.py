from pathlib import Path

import pytest

from kg.ingest import IngestError, find_files, iter_documents, read_document
from kg.model import Document


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_text_document_has_title_source_and_date(tmp_path):
    path = write(tmp_path, "a.txt", "Kenya and Chile open a joint laboratory\n\nNAIROBI, March 3, 2025 -- Text.\n\nSource: Ministry of Energy\n")
    doc = read_document(path)
    assert doc.name == "a.txt"
    assert doc.title == "Kenya and Chile open a joint laboratory"
    assert doc.date == "2025-03-03"
    assert doc.source == "Ministry of Energy"
    assert len(doc.sha256) == 64


def test_html_drops_scripts_styles_and_keeps_title(tmp_path):
    path = write(tmp_path, "a.html", "<html><head><title>Big News</title><style>p{color:red}</style></head>"
                 "<body><script>alert('Ministry of Nothing')</script><p>Brunei &amp; Chile signed.</p></body></html>")
    doc = read_document(path)
    assert doc.title == "Big News"
    assert "Brunei & Chile signed." in doc.text
    assert "alert" not in doc.text and "color" not in doc.text


def test_markdown_markup_is_removed(tmp_path):
    path = write(tmp_path, "a.md", "# A **bold** heading\n\nSee [the site](http://example.org) for *more*.\n")
    doc = read_document(path)
    assert doc.title == "A bold heading"
    assert "See the site for more." in doc.text


@pytest.mark.parametrize(
    "name, data, problem",
    [
        ("empty.txt", b"  \n\n", "empty"),
        ("binary.txt", b"\x00\x01\x02PK", "binary"),
        ("latin.txt", "Société Générale".encode("latin-1"), "not UTF-8"),
        ("a.pdf", b"%PDF-1.4", "unsupported file type"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path, name, data, problem):
    path = write(tmp_path, name, data)
    with pytest.raises(IngestError) as info:
        read_document(path)
    assert problem in str(info.value)
    assert str(path) in str(info.value)


def test_large_file_is_refused_by_size(tmp_path):
    path = write(tmp_path, "big.txt", "word " * 1000)
    with pytest.raises(IngestError, match="over the limit"):
        read_document(path, max_bytes=1000)


def test_folder_is_walked_and_bad_files_do_not_stop_the_others(tmp_path):
    write(tmp_path, "good.txt", "Chile signed an agreement.")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "also.md", "Peru joined.")
    write(tmp_path, "bad.txt", b"\x00\x00")
    write(tmp_path, "notes.csv", "a,b")
    items = list(iter_documents([tmp_path, tmp_path / "missing.txt"]))
    docs = [i for i in items if isinstance(i, Document)]
    problems = [str(i) for i in items if not isinstance(i, Document)]
    assert sorted(d.name for d in docs) == ["good.txt", "sub/also.md"]  # named by their path in the folder
    assert any("missing.txt: no such file" in p for p in problems)
    assert any("bad.txt: binary" in p for p in problems)


def test_find_files_deduplicates(tmp_path):
    path = write(tmp_path, "a.txt", "x")
    files, problems = find_files([path, tmp_path])
    assert files == [path] and problems == []


NAMES = ["東京.txt", "北京.txt", "Москва.txt", "a b.txt", "a_b.txt", "A.B.txt", "sub/a b.txt"]


def test_different_names_give_different_document_iris(tmp_path):
    """Issue 17, item 7: non-Latin names all became doc/txt, and "a b.txt", "a_b.txt" and
    "A.B.txt" all doc/a-b-txt, so one replaced the other."""
    from kg.namespace import document_iri

    (tmp_path / "sub").mkdir()
    for name in NAMES:
        write(tmp_path, name, f"Text of {name}.")
    docs = [i for i in iter_documents([tmp_path]) if isinstance(i, Document)]
    assert sorted(d.name for d in docs) == sorted(NAMES)
    iris = {document_iri(d.name) for d in docs}
    assert len(iris) == len(NAMES)
    assert document_iri("東京.txt").endswith("/doc/東京.txt")  # readable, and the same every run
    assert document_iri("a b.txt").endswith("/doc/a%20b.txt")


def test_the_same_name_from_two_folders_in_one_build_is_reported(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        write(tmp_path / folder, "same.txt", f"Text in {folder}.")
    items = list(iter_documents([tmp_path / "a", tmp_path / "b"]))
    assert [i.name for i in items if isinstance(i, Document)] == ["same.txt"]
    assert [str(i) for i in items if not isinstance(i, Document)] == [
        f"{tmp_path / 'b' / 'same.txt'}: same document name 'same.txt' as {tmp_path / 'a' / 'same.txt'} "
        "(documents are known by their path inside the folder given, so one would replace the other); "
        "give the folder that holds both instead, or rename one of them"]


def test_links_to_nothing_are_reported_and_names_cannot_forge_lines(tmp_path):
    write(tmp_path, "good.txt", "Chile signed an agreement.")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    items = list(iter_documents([tmp_path]))
    problems = sorted(str(i) for i in items if not isinstance(i, Document))
    assert [i.name for i in items if isinstance(i, Document)] == ["good.txt"]
    assert [p.rsplit("/", 1)[1] for p in problems] == [
        "gone.txt: a link that leads to no file (dangling, or a loop)",
        "loop.txt: a link that leads to no file (dangling, or a loop)"]
    from kg.ingest import Problem
    assert str(Problem("a\nwritten: b.txt", "bad")) == "a\\nwritten: b.txt: bad"


def test_script_in_an_html_title_is_not_the_title(tmp_path):
    path = write(tmp_path, "t.html", "<html><title>Water talks<script>alert(1)</script></title>"
                 "<body><p>Chile and Peru met.</p></body></html>")
    assert read_document(path).title == "Water talks"
