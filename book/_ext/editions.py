"""Build the Korean edition, or refresh the translation catalogues, with Jupyter Book 1's own Sphinx set-up.

    python book/_ext/editions.py ko           the Korean site, _build/html/ko (make book runs it)
    python book/_ext/editions.py catalogues   _build/gettext/*.pot, then locale/ko/LC_MESSAGES/*.po updated
                                              (make catalogues; see locale/README.md), with the grader's
                                              known-mistake messages as autograder.po and the prose of the
                                              exercises' code cells as exercises/<a>/<a>.code.po
    python book/_ext/editions.py quick        only the catalogues that need no build, in seconds: the code
                                              cells' (<a>.code.po, after an edit of solutions/ and `make
                                              exercises`) and the grader's (autograder.po)
    python book/_ext/editions.py notebooks    book/<chapter>.ko.ipynb from the catalogues, the notebooks the
                                              Korean chapters' launch buttons open (make book runs it)
    python book/_ext/editions.py student      the student edition's site, both languages, in
                                              _build/student-site/html: the same build, its repository, Binder
                                              and Colab buttons pointing at _config.yml's `student_edition`
                                              (make student runs it, after make book)

`jupyter-book build` cannot set Sphinx's `language`, so both go through `jupyter_book.sphinx.build_sphinx`, the
function behind that command, with the same _config.yml and _toc.yml and three overrides: the language, the
output folder and a doctree folder of their own. Each shares the English build's execution cache: a chapter the
English build (or book/_ext/prefill_cache.py) ran is never run again. Code and outputs are the English ones;
only the text around them comes from the catalogues.
"""
import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build"
LOCALE = ROOT / "locale"
sys.path.insert(0, str(ROOT))
from autograder.i18n.sections import book_url, site_url  # noqa: E402
from autograder.i18n.template import write_code_templates, write_grader_template  # noqa: E402
from autograder.i18n.translation import GRADER_DOMAIN, LANGUAGES, write_localized_chapters  # noqa: E402


def build(builder, outdir, doctreedir, config=ROOT / "_config.yml", **overrides):
    """Run one Sphinx build of the book as `jupyter-book build` would (with `config` for _config.yml); its exit
    status."""
    from jupyter_book.sphinx import build_sphinx

    overrides = {
        "external_toc_path": "_toc.yml",  # what `jupyter-book build` passes for a book
        "latex_individualpages": False,
        "nb_execution_cache_path": str(BUILD / ".jupyter_cache"),
        **overrides,
    }
    result = build_sphinx(str(ROOT), str(outdir), path_config=str(config), noconfig=True,
                          confoverrides=overrides, doctreedir=str(doctreedir), builder=builder,
                          warningiserror=True, keep_going=True, quiet=True)
    return result if isinstance(result, int) else 1


def html_choices_for(builder):
    """myst-nb's output choices of the HTML builder, for `builder`. The gettext builder would pick text/plain
    outputs, dropping the figures and so their alt text."""
    from myst_nb.core.render import base_render_priority

    return [(builder, mime, priority) for mime, priority in base_render_priority()["html"].items()]


def edition(language):
    """The site in `language`, at _build/html/<language>/, its text from locale/<language>/LC_MESSAGES; its
    pages' canonical addresses are under <language>/ of the site's (they would name the English pages)."""
    published = {"html_baseurl": book_url("", language)} if site_url() else {}
    return build("html", BUILD / "html" / language, BUILD / f".doctrees-{language}", language=language, **published)


def student_site():
    """Both editions of the site as make book builds them, into _build/student-site/html (Korean in its ko/),
    from _config.yml with the repository's address replaced by the student edition's: the repository, Binder and
    Colab buttons then open the student edition, never this repository."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    address = (config.get("student_edition") or {}).get("url")
    if not address:
        sys.exit("_config.yml has no student_edition: url: the student edition's address")
    config["repository"] = {**config["repository"], "url": address}
    folder = BUILD / "student-site"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                        encoding="utf-8")
    status = build("html", folder / "html", BUILD / ".doctrees-student", config=folder / "_config.yml")
    for language in LANGUAGES:
        published = {"html_baseurl": book_url("", language)} if site_url() else {}  # as edition(): its own pages
        status = status or build("html", folder / "html" / language, BUILD / f".doctrees-student-{language}",
                                 config=folder / "_config.yml", language=language, **published)
    return status


def catalogues():
    """Extract every page's messages, then update each language's catalogues (sphinx-intl marks a changed
    message fuzzy and keeps its old translation as a suggestion)."""
    status = build("gettext", BUILD / "gettext", BUILD / ".doctrees-gettext",
                   nb_mime_priority_overrides=html_choices_for("gettext"))
    if status:
        return status
    write_grader_template(BUILD / "gettext" / f"{GRADER_DOMAIN}.pot")  # the verdicts' words, cases, mistakes
    write_code_templates(BUILD / "gettext")  # the prose of the exercises' code cells, from exercises/
    update(BUILD / "gettext")
    return 0


def quick_catalogues():
    """Only the catalogues that need no Sphinx build: the exercises' code cells (exercises/<a>/<a>.code.po, from
    exercises/) and the grader's messages (autograder.po)."""
    templates = BUILD / "gettext-quick"
    shutil.rmtree(templates, ignore_errors=True)
    write_grader_template(templates / f"{GRADER_DOMAIN}.pot")
    write_code_templates(templates)
    update(templates)
    return 0


def update(templates):
    """Merge every template (.pot) under `templates` into each language's catalogue of the same name."""
    for language in LANGUAGES:
        subprocess.run([sys.executable, "-m", "sphinx_intl", "update", "--pot-dir", str(templates),
                        "--locale-dir", str(LOCALE), "--language", language, "--line-width", "-1"], check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=[*LANGUAGES, "catalogues", "quick", "notebooks", "student"])
    args = parser.parse_args()
    if args.what == "notebooks":
        for path in write_localized_chapters():
            print("wrote", Path(path).relative_to(ROOT))
        return 0
    if args.what == "quick":
        return quick_catalogues()
    if args.what == "student":
        return student_site()
    return catalogues() if args.what == "catalogues" else edition(args.what)


if __name__ == "__main__":
    sys.exit(main())
