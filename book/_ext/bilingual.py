"""The two editions of the site: English at _build/html/, Korean at _build/html/ko/ (book/_ext/editions.py).

* Every page starts with a link to the same page in the other edition, and names it in its <head>
  (`<link rel="alternate" hreflang=…>`), so a reader and a search engine can move between the two.
* The Korean edition's exercise pages offer the Korean student notebook, exercises/<a>/<a>.ko.ipynb, as their
  .ipynb download, under the name a student hands in (<a>.ipynb); the English ones offer the English release.
* The few theme strings that Jupyter Book sets itself, in English, get their Korean text here; the theme's
  own strings come from sphinx-book-theme's Korean catalogue; the captions of the table of contents' parts,
  which sphinx-external-toc inserts after Sphinx has translated the page, are translated here from the root
  page's catalogue.
"""
import html
import os
import shutil
import sys
from pathlib import Path

from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from autograder.i18n.translation import localized_name  # noqa: E402

EDITIONS = {"en": ("", "English"), "ko": ("ko/", "한국어")}  # language: (folder under _build/html, its name)
SEARCH_BAR_TEXT = {"ko": "이 책에서 검색…"}


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


def _localized_notebooks(app, exception):
    """Put each exercise's notebook in this edition's language where its page's download button points."""
    language = _language(app)
    if exception or language == "en" or app.builder.name != "html":
        return
    for docname in app.env.found_docs:
        folder, _, name = docname.rpartition("/")
        source = Path(app.srcdir, folder, localized_name(name, language))
        if app.env.doc2path(docname).endswith(".ipynb") and source.is_file():
            shutil.copyfile(source, Path(app.outdir, "_sources", docname + ".ipynb"))


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


def setup(app):
    app.add_transform(TranslateTocCaptions)
    app.connect("config-inited", _search_bar_text)
    app.connect("html-page-context", _switch)
    app.connect("build-finished", _localized_notebooks)
    app.add_css_file("edition-switch.css")
    app.connect("builder-inited", _add_static)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def _add_static(app):
    static = str(Path(__file__).parent / "static")
    if static not in app.config.html_static_path:
        app.config.html_static_path.append(static)
