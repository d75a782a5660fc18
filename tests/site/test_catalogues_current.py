"""The Korean catalogues translate the current English text: every message the English pages have now.

Extracting the messages needs the executed chapters (captions and alt text belong to their outputs), so this
runs after `make book`, from its execution cache. A message that changed in English and is not yet in its
page's catalogue fails here, named with its page; `make catalogues` then adds it, for a translator to
translate (locale/README.md). Whether the catalogues are translated is tests/test_korean_edition.py.
"""
import os

import polib
import pytest


import editions  # book/_ext (pyproject.toml)

pytestmark = pytest.mark.skipif(not os.path.isdir(editions.BUILD / ".jupyter_cache"),
                                reason="no site built: run `make book`")


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """{page: its messages now}, from a gettext build of the book into a folder of its own."""
    out = tmp_path_factory.mktemp("gettext")
    status = editions.build("gettext", out / "gettext", out / "doctrees",
                            nb_mime_priority_overrides=editions.html_choices_for("gettext"))
    assert status == 0, "the gettext build of the book failed"
    return {str(path.relative_to(out / "gettext").with_suffix("")): {e.msgid for e in polib.pofile(str(path)) if e.msgid}
            for path in (out / "gettext").rglob("*.pot")}


def test_every_page_has_a_catalogue(templates):
    for language in editions.LANGUAGES:
        folder = editions.LOCALE / language / "LC_MESSAGES"
        missing = [page for page in templates if not (folder / f"{page}.po").is_file()]
        assert not missing, f"pages without a {language} catalogue (run `make catalogues`): {missing}"


def test_every_current_english_message_is_in_its_catalogue_and_no_other(templates):
    problems = []
    for language in editions.LANGUAGES:
        for page, messages in sorted(templates.items()):
            path = editions.LOCALE / language / "LC_MESSAGES" / f"{page}.po"
            if not path.is_file():
                continue
            catalogue = {e.msgid for e in polib.pofile(str(path)) if not e.obsolete}
            problems += [f"{page} ({language}): new or changed English, not in the catalogue: {m[:90]!r}"
                         for m in sorted(messages - catalogue)]
            problems += [f"{page} ({language}): in the catalogue, no longer in the English: {m[:90]!r}"
                         for m in sorted(catalogue - messages)]
    assert not problems, "run `make catalogues`, then translate (locale/README.md):\n" + "\n".join(problems[:30])
