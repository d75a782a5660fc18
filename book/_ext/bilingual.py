"""The two editions of the site: English at _build/html/, Korean at _build/html/ko/ (book/_ext/editions.py).

* Every page starts with a link to the same page in the other edition, and names it in its <head>
  (`<link rel="alternate" hreflang=…>`), so a reader and a search engine can move between the two.
* The Korean edition's exercise pages offer the Korean student notebook, exercises/<a>/<a>.ko.ipynb, as their
  .ipynb download, under the name a student hands in (<a>.ipynb); the English ones offer the English release.
  Their code cells read as that notebook's: docstrings, the visible tests' messages and comments in Korean.
* The theme speaks the edition's language. Its strings are one catalogue, locale/<language>/LC_MESSAGES/
  sphinx.po: Sphinx reads it itself for the templates' strings (the "sphinx" domain, before its built-in
  catalogue); here it also replaces sphinx-book-theme's own catalogue (whose Korean reads "으로 <author>" and
  "전체 화면으로보기"), gives the book's author, and, once the pages are written, translates the strings that
  the themes and myst-nb write in English whatever the language: attributes (tooltips, aria labels) and
  whole text nodes (the code cells' "Show code cell source" toggles). The site title in the header and in
  <title> is the root page's own translated title. The captions of the table of contents' parts, which
  sphinx-external-toc inserts after Sphinx has translated the page, are translated here from the root page's
  catalogue.
"""
import functools
import gettext
import html
import json
import os
import re
import shutil
import sys
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.locale import translators
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from autograder.i18n.translation import (book_messages, book_text, localized_chapter,  # noqa: E402
                                         localized_name, translate_markdown)

EDITIONS = {"en": ("", "English"), "ko": ("ko/", "한국어")}  # language: (folder under _build/html, its name)
SEARCH_BAR_TEXT = {"ko": "이 책에서 검색…"}
THEME_CATALOGUE = "sphinx"  # locale/<language>/LC_MESSAGES/sphinx.po
THEMED_ATTRIBUTES = ("title", "aria-label", "data-bs-title", "data-original-title", "placeholder")


def _language(app):
    return app.config.language if app.config.language in EDITIONS else "en"


def other_edition_url(pagename, language):
    """The other edition's copy of `pagename`, relative to this page."""
    up = "../" * pagename.count("/")
    here, _ = EDITIONS[language]
    other = "ko" if language == "en" else "en"
    there, _ = EDITIONS[other]
    root = up + "../" * here.count("/")  # from this page up to _build/html
    return other, f"{root}{there}{pagename}.html"


def _switch(app, pagename, templatename, context, doctree):
    language = _language(app)
    other, url = other_edition_url(pagename, language)
    name = EDITIONS[other][1]
    link = (f'<nav class="edition-switch" aria-label="{html.escape(EDITIONS[language][1])} / {html.escape(name)}">'
            f'<a href="{html.escape(url)}" hreflang="{other}" lang="{other}">{html.escape(name)}</a></nav>\n')
    context["body"] = link + context.get("body", "")
    context["metatags"] = context.get("metatags", "") + \
        f'<link rel="alternate" hreflang="{other}" href="{html.escape(url)}" />\n'


def _search_bar_text(app, config):
    text = SEARCH_BAR_TEXT.get(config.language)
    if text:
        config.html_theme_options = {**config.html_theme_options, "search_bar_text": text}


@functools.lru_cache(maxsize=None)
def theme_strings(locale_dir, language):
    """{English: translation} of the theme's catalogue for `language` ({} where there is none)."""
    import polib

    path = Path(locale_dir, language, "LC_MESSAGES", THEME_CATALOGUE + ".po")
    if not path.is_file():
        return {}
    return {e.msgid: e.msgstr for e in polib.pofile(str(path))
            if e.msgstr and not e.obsolete and "fuzzy" not in e.flags}


def _theme_strings(app):
    if _language(app) == "en":
        return {}
    found = {}
    for folder in reversed(app.config.locale_dirs):
        found.update(theme_strings(os.path.join(app.srcdir, folder), app.config.language))
    return found


def _title_and_author(app, config):
    """The site's title (header and <title>) and the author (footer) in the edition's language."""
    if _language(app) == "en":
        return
    strings = _theme_strings(app)
    config.author = strings.get(config.author, config.author)
    title = book_text("index", config.html_title, config.language) if config.html_title else None
    if title:
        config.html_title = title


class _Catalogue(gettext.NullTranslations):
    def __init__(self, messages):
        super().__init__()
        self._messages = messages

    def gettext(self, message):
        if message in self._messages:
            return self._messages[message]
        return self._fallback.gettext(message) if self._fallback else message


def _theme_catalogue(app):
    """sphinx-book-theme's strings from the theme catalogue, its own catalogue only where ours has nothing."""
    strings = _theme_strings(app)
    if not strings:
        return
    ours = _Catalogue(strings)
    theirs = translators.get(("general", "booktheme"))
    if theirs is not None:
        ours.add_fallback(theirs)
    translators[("general", "booktheme")] = ours


def localize_theme_html(text, strings):
    """`text` (a written page) with the theme's English attributes and whole text nodes translated. A text
    node is translated only when it is a whole phrase (has a space), so a word of code is never touched."""
    if not strings:
        return text
    escaped = {html.escape(english): html.escape(korean) for english, korean in strings.items()}
    attributes = re.compile(r'\b(%s)="(%s)"' % ("|".join(THEMED_ATTRIBUTES),
                                                   "|".join(map(re.escape, sorted(escaped, key=len, reverse=True)))))
    text = attributes.sub(lambda m: f'{m.group(1)}="{escaped[m.group(2)]}"', text)
    phrases = sorted((e for e in escaped if " " in e), key=len, reverse=True)
    if phrases:
        nodes_ = re.compile(r">(\s*)(%s)(\s*)<" % "|".join(map(re.escape, phrases)))
        text = nodes_.sub(lambda m: f">{m.group(1)}{escaped[m.group(2)]}{m.group(3)}<", text)
    return text


COPYBUTTON_MESSAGES = {"copy": "Copy", "copy_to_clipboard": "Copy to clipboard", "copy_success": "Copied!",
                       "copy_failure": "Failed to copy"}


def _localize_scripts(app, strings):
    """The scripts that write theme strings when the page runs: sphinx-togglebutton's label, and
    sphinx-copybutton's messages (it picks them by <html lang>, and has none for Korean)."""
    static = Path(app.outdir, "_static")
    toggle = static / "togglebutton.js"
    if toggle.is_file():
        toggle.write_text(localize_theme_html(toggle.read_text(encoding="utf-8"), strings), encoding="utf-8")
    copy = static / "copybutton.js"
    messages = {key: strings.get(english) for key, english in COPYBUTTON_MESSAGES.items()}
    if copy.is_file() and all(messages.values()):
        text = copy.read_text(encoding="utf-8")
        korean = json.dumps(messages, ensure_ascii=False)
        entry = f"const messages = {{\n  {json.dumps(app.config.language)}: {korean},\n"
        if "const messages = {\n" in text and entry not in text:
            copy.write_text(text.replace("const messages = {\n", entry, 1), encoding="utf-8")


def _localize_written_pages(app, exception):
    if exception or _language(app) == "en" or app.builder.name != "html":
        return
    strings = _theme_strings(app)
    _localize_scripts(app, strings)
    for page in Path(app.outdir).rglob("*.html"):
        if {"_static", "_sources", "_images"} & set(page.relative_to(app.outdir).parts):
            continue
        text = page.read_text(encoding="utf-8")
        localized = localize_theme_html(text, strings)
        if localized != text:
            page.write_text(localized, encoding="utf-8")


def _localized_notebooks(app, exception):
    """Put each page's notebook in this edition's language where its download buttons point: an exercise's
    Korean student notebook, a chapter's notebook and MyST source with their text from its catalogue."""
    import nbformat

    language = _language(app)
    if exception or language == "en" or app.builder.name != "html":
        return
    for docname in app.env.found_docs:
        folder, _, name = docname.rpartition("/")
        source = Path(app.srcdir, folder, localized_name(name, language))
        downloads = Path(app.outdir, "_sources", docname)
        if app.env.doc2path(docname).endswith(".ipynb") and source.is_file():
            shutil.copyfile(source, downloads.with_name(name + ".ipynb"))
        elif folder == "book" and app.env.doc2path(docname).endswith(".md") and book_messages(name, language):
            if downloads.with_name(name + ".ipynb").is_file():
                nbformat.write(localized_chapter(name, language), downloads.with_name(name + ".ipynb"))
            if downloads.with_name(name + ".md").is_file():
                text, _ = translate_markdown(Path(app.env.doc2path(docname)).read_text(encoding="utf-8"),
                                             book_messages(name, language))
                downloads.with_name(name + ".md").write_text(text, encoding="utf-8")


def _localized_launch_buttons(app, pagename, templatename, context, doctree):
    """The launch buttons (Binder, Colab) of a page that has a notebook in this edition's language in the
    repository (exercises/<a>/<a>.ko.ipynb, book/<chapter>.ko.ipynb) open that one."""
    language = _language(app)
    folder, _, name = pagename.rpartition("/")
    localized = localized_name(name, language)
    if language == "en" or not Path(app.srcdir, folder, localized).is_file():
        return
    english = [f"{pagename}{suffix}" for suffix in (".ipynb", ".md")]

    def relink(item):
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "url" and isinstance(value, str) and value.startswith("http"):  # not the downloads
                    for path in english:
                        if value.endswith(path) or f"{path}?" in value or f"={path}" in value:
                            item[key] = value.replace(path, f"{folder}/{localized}" if folder else localized)
                else:
                    relink(value)
        elif isinstance(item, list):
            for value in item:
                relink(value)

    relink(context.get("header_buttons", []))


class TranslateTocCaptions(SphinxTransform):
    """The table of contents' part captions ("Chapters", "Exercises") in the edition's language.

    sphinx-external-toc inserts the toctrees (priority 100) after Sphinx has translated the page (20), so
    their captions would stay English. The gettext builder does extract them, into the root page's
    catalogue; this applies that catalogue to them once they are in place.
    """

    default_priority = 110

    def apply(self):
        if _language(self.app) == "en":
            return
        dirs = [os.path.join(self.env.srcdir, folder) for folder in self.config.locale_dirs]
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        catalogue, found = init_locale(dirs, self.config.language, domain)
        if not found:
            return
        for toctree in self.document.findall(addnodes.toctree):
            if toctree.get("caption"):
                toctree["caption"] = toctree["rawcaption"] = catalogue.gettext(toctree["caption"])


class LocalizedExerciseCode(SphinxTransform):
    """An exercise page's code cells as the edition's student notebook has them (exercises/<a>/<a>.ko.ipynb):
    their prose in its language (autograder/i18n/code_prose.py), their code the English release's."""

    default_priority = 110

    def apply(self):
        import nbformat

        language = _language(self.app)
        folder, _, name = self.env.docname.rpartition("/")
        localized = Path(self.env.srcdir, folder, localized_name(name, language))
        if language == "en" or not folder.startswith("exercises/") or not localized.is_file():
            return
        self.env.note_dependency(str(localized))  # read the page again when the notebook is regenerated
        english = nbformat.read(self.env.doc2path(self.env.docname), as_version=4)
        table = {theirs.source: mine.source for theirs, mine in zip(english.cells, nbformat.read(localized, 4).cells)
                 if theirs.cell_type == "code" and theirs.source != mine.source}
        for source in self.document.findall(lambda node: isinstance(node, nodes.container)
                                            and node.get("nb_element") == "cell_code_source"):
            for block in source.findall(nodes.literal_block):
                if block.astext() in table:
                    block.rawsource = table[block.astext()]
                    block[:] = [nodes.Text(block.rawsource)]


def setup(app):
    app.setup_extension("korean_search")  # the Korean edition's search: stems without their particles
    app.setup_extension("korean_particles")  # 그림 1.3은, 식 (3.2)는: the particle that agrees with the number
    app.add_transform(TranslateTocCaptions)
    app.add_transform(LocalizedExerciseCode)
    app.connect("config-inited", _search_bar_text)
    app.connect("config-inited", _title_and_author)
    app.connect("builder-inited", _theme_catalogue)
    app.connect("html-page-context", _switch)
    app.connect("html-page-context", _localized_launch_buttons, priority=900)  # after the theme adds them
    app.connect("build-finished", _localized_notebooks)
    app.connect("build-finished", _localize_written_pages)
    app.add_css_file("edition-switch.css")
    app.connect("builder-inited", _add_static)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def _add_static(app):
    static = str(Path(__file__).parent / "static")
    if static not in app.config.html_static_path:
        app.config.html_static_path.append(static)
