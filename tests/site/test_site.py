"""The built website, as a reader's browser sees it, with no network: `make test-site` (after `make book`).

Headless Debian chromium, driven by selenium, loads every page from a server on 127.0.0.1; every other host
name fails to resolve, so a page that needs the network shows up as a console error or a missing resource.
The grader's pages (a feedback page in each language, the class report) are checked the same way, opened as
files, and with axe-core's WCAG 2 A/AA rules (axe-core from npm: tests/site/package.json, which `make
test-site` installs into tests/site/node_modules with `npm ci`).
"""
import functools
import html
import http.server
import json
import os
import re
import shutil
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

from autograder.i18n.sections import book_url, section_title
from conftest import REPO_ROOT

import catalogue_check  # book/_ext (pyproject.toml)

SITE = os.environ.get("SITE_DIR", os.path.join(REPO_ROOT, "_build", "html"))
SCREENSHOTS = os.path.join(REPO_ROOT, "_build", "screenshots")
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
AXE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_modules", "axe-core", "axe.min.js")
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # axe-core's tags for WCAG 2.0 and 2.1, levels A and AA

pytestmark = [
    pytest.mark.skipif(not os.path.isfile(os.path.join(SITE, "index.html")), reason="no site built: run `make book`"),
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="needs Debian's chromium and chromium-driver"),
]


def pages():
    skip = {"genindex.html", "search.html"}
    found = []
    for folder, _, files in os.walk(SITE):
        if {"_static", "_sources", "_images", "reports"} & set(os.path.relpath(folder, SITE).split(os.sep)):
            continue
        found += [os.path.relpath(os.path.join(folder, f), SITE) for f in files if f.endswith(".html") and f not in skip]
    return sorted(found)


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(QuietHandler, directory=SITE)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,1600", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def load(browser, url):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
    # MathJax typesets after load: wait until it has (or there is nothing to typeset).
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return document.querySelectorAll('.math, .MathJax_Preview').length === 0 ||"
        " document.querySelectorAll('mjx-container').length > 0"))


def axe_violations(browser):
    """axe-core's violations of the WCAG 2 A/AA rules on the page open in `browser`, each as one line."""
    if not os.path.isfile(AXE):
        pytest.skip("axe-core is not installed: `make test-site` installs it (npm ci in tests/site)")
    with open(AXE, encoding="utf-8") as handle:
        browser.execute_script(handle.read())
    found = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations.map(v => [v.id, v.impact, v.help, v.nodes.map(n => n.target.join(' '))])))"
        ".catch(e => done([['axe failed', '', String(e), []]]));", WCAG_A_AA)
    return [f"{rule} ({impact}): {help_text}: {len(nodes)} elements, e.g. {nodes[:3]}"
            for rule, impact, help_text, nodes in found]


def console_errors(browser):
    # A browser asks every server for /favicon.ico on its own; the redirect page at the root has none.
    return [entry["message"] for entry in browser.get_log("browser")
            if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]]


def test_every_page_renders_offline(browser, server):
    checked = pages()
    assert len(checked) >= 5, checked
    problems = []
    for page in checked:
        load(browser, f"{server}/{page}")
        errors = console_errors(browser)
        if errors:
            problems.append(f"{page}: console errors {errors[:3]}")
        broken = browser.execute_script(
            "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        if broken:
            problems.append(f"{page}: images that did not load {broken[:3]}")
        has_math = browser.execute_script("return document.querySelectorAll('.math').length > 0")
        typeset = browser.execute_script("return document.querySelectorAll('mjx-container').length")
        if has_math and not typeset:
            problems.append(f"{page}: math is not typeset (MathJax did not run)")
        raw_tex = browser.execute_script(
            "return [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container'))"
            ".map(e => e.textContent.slice(0, 40))")
        if raw_tex:
            problems.append(f"{page}: raw TeX left on the page {raw_tex[:2]}")
    print(f"{len(checked)} pages checked in the browser")
    assert not problems, "\n".join(problems)


def test_every_figure_has_alt_text_and_a_caption(browser, server):
    missing = []
    for page in pages():
        load(browser, f"{server}/{page}")
        missing += [f"{page}: {src}" for src in browser.execute_script(
            "return [...document.querySelectorAll('.cell_output img, figure img')]"
            ".filter(i => !(i.alt && i.alt.trim())).map(i => i.src.split('/').pop())")]
        missing += [f"{page}: figure without caption" for _ in range(browser.execute_script(
            "return [...document.querySelectorAll('figure')].filter(f => !f.querySelector('figcaption')).length"))]
    assert not missing, "\n".join(missing[:10])


HANGUL_CHECK = """
const text = arguments[0], family = arguments[1], most = arguments[2] || 40;
const canvas = document.createElement('canvas'); canvas.width = 64; canvas.height = 64;
const ctx = canvas.getContext('2d');
function draw(ch) { ctx.clearRect(0, 0, 64, 64); ctx.font = '40px ' + family; ctx.fillText(ch, 4, 48);
                    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(','); }
const missing = draw('\\uFFFF');  // a noncharacter: drawn as the missing-glyph box in any font
const hangul = [...new Set([...text].filter(ch => /[\\uAC00-\\uD7A3]/.test(ch)))].slice(0, most);
const drawings = hangul.map(draw);
return {count: hangul.length, tofu: hangul.filter((ch, i) => drawings[i] === missing),
        distinct: new Set(drawings).size};
"""


def test_korean_glossary_renders_without_tofu(browser, server):
    load(browser, f"{server}/book/glossary.html")
    element = browser.find_element("css selector", "dl.glossary")
    family = browser.execute_script("return getComputedStyle(arguments[0]).fontFamily", element)
    result = browser.execute_script(HANGUL_CHECK, element.text, family)
    assert result["count"] >= 20, "the glossary should give Korean for its terms"
    assert not result["tofu"], f"Korean characters drawn as missing-glyph boxes: {result['tofu'][:10]}"
    assert result["distinct"] == result["count"], "distinct Hangul syllables should look distinct"


def test_glossary_terms_are_linked_from_the_chapters(browser, server):
    load(browser, f"{server}/book/02_vanilla_rnn.html")
    links = browser.execute_script("return [...document.querySelectorAll('a')].filter(a => "
                                   "a.getAttribute('href') && a.getAttribute('href').includes('glossary.html#term-'))"
                                   ".length")
    assert links > 0


def downloaded_notebook(browser, url):
    """(address, text) of the .ipynb an exercise page offers for download."""
    load(browser, url)
    hrefs = browser.execute_script(
        "return [...document.querySelectorAll('a')].map(a => a.href)"
        ".filter(h => h.startsWith(location.origin) && h.endsWith('.ipynb'))")
    assert hrefs, f"no .ipynb download link on {url}"
    with urllib.request.urlopen(hrefs[0]) as response:
        return hrefs[0], response.read().decode()


def test_exercise_page_offers_the_student_notebook_for_download(browser, server):
    _, text = downloaded_notebook(browser, f"{server}/exercises/a01_rnn_forward/a01_rnn_forward.html")
    notebook = nbformat.reads(text, as_version=4)
    graded = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded, "the download is not the nbgrader student notebook"
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder"):
        assert marker not in text, f"the downloaded exercise contains {marker!r}"
    assert "raise NotImplementedError()" in text


def test_search_finds_a_term(browser, server):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}/search.html?q=forget+gate")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return document.querySelectorAll('#search-results li, ul.search li').length > 0"))


def test_no_solution_or_hidden_test_reaches_the_site():
    leaks = []
    for folder, _, files in os.walk(SITE):
        for name in files:
            if name.endswith((".html", ".ipynb", ".md", ".txt", ".js")):
                with open(os.path.join(folder, name), errors="ignore") as handle:
                    text = handle.read()
                if "BEGIN HIDDEN TESTS" in text or "BEGIN SOLUTION" in text:
                    leaks.append(os.path.relpath(os.path.join(folder, name), SITE))
    assert not leaks, leaks
    assert not os.path.exists(os.path.join(SITE, "solutions"))


def test_screenshot_of_a_chapter(browser, server):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    load(browser, f"{server}/book/02_vanilla_rnn.html")
    path = os.path.join(SCREENSHOTS, "02_vanilla_rnn.png")
    browser.save_screenshot(path)
    assert os.path.getsize(path) > 10_000
    with open(os.path.join(SCREENSHOTS, "pages.json"), "w") as handle:
        json.dump(pages(), handle, indent=1)


def test_the_class_report_opens_offline(browser, tmp_path):
    """report.html, as a grading run writes it, in the browser: plots load, tables filled, nothing fetched, the book
    linked on the published site, and no WCAG 2 A/AA violation that axe-core finds."""
    from autograder import hidden
    from autograder.grading.records import GradeRow
    from autograder.grading.report import write_class_report

    mistake = hidden.mistakes("a01_rnn_forward")["sigmoid"][0]
    cases = [{"function": "sigmoid", "name": f"case {k}", "passed": k > 0, "message": "" if k else "differs"}
             for k in range(4)]
    wrong = {"cell": "test_sigmoid", "score": 0.75, "max_score": 1.0, "passed": False, "message": "differs",
             "cases": cases, "mistakes": [{"function": "sigmoid", **mistake.as_dict()}], "visible_passed": True}
    right = dict(wrong, score=1.0, passed=True, mistakes=[], cases=[dict(c, passed=True) for c in cases])
    rows = [GradeRow(f"s{k:02d}", "a01_rnn_forward", 9.75 if k % 3 else 10.0, 10.0, "ok",
                     tests=[wrong if k % 3 else right]) for k in range(12)]
    rows.append(GradeRow("학생", "a01_rnn_forward", 0.0, 10.0, "timeout"))
    write_class_report(str(tmp_path), "a01_rnn_forward", rows)
    browser.get((tmp_path / "report.html").as_uri())
    assert not console_errors(browser)
    plots = browser.execute_script("return [...document.querySelectorAll('svg[role=img]')].map(s => "
                                   "[s.getAttribute('aria-label'), s.getBoundingClientRect().width, "
                                   "s.querySelectorAll('rect').length])")
    assert len(plots) == 2 and all(label and width > 100 and bars for label, width, bars in plots), plots
    histogram = browser.execute_script("return document.querySelector('#histogram').textContent")
    assert "13 students" in histogram
    mistakes = browser.execute_script("return document.querySelector('#mistakes').innerText")
    assert mistake.name in mistakes and "8" in mistakes  # 8 of the 12 students made it
    statuses = browser.execute_script("return document.querySelector('#statuses').innerText")
    assert "timeout" in statuses and "ok" in statuses
    links = browser.execute_script("return [...document.querySelectorAll('#mistakes a')].map(a => [a.href, a.text])")
    title, _ = section_title(mistake.section)
    assert links and all(href == book_url(mistake.link) and text == title for href, text in links), links
    assert browser.execute_script("return document.documentElement.lang") == "en"
    violations = axe_violations(browser)
    assert not violations, "the class report fails WCAG 2 A/AA:\n" + "\n".join(violations)


# ------------------------------------------------------------------------------ the grader's feedback pages
A01 = "a01_rnn_forward"
# Once MathJax has typeset the page (or at once, where the page loads no MathJax): true.
MATHJAX_DONE = """
const done = arguments[arguments.length - 1];
const wait = () => window.MathJax && MathJax.startup && MathJax.startup.promise
  ? MathJax.startup.promise.then(() => done(true)) : setTimeout(wait, 50);
if (!document.querySelector('script[src$="tex-chtml.js"]')) done(false); else wait();
"""
# Text of the instructions that is still TeX: a $ or a \command outside code and outside what MathJax wrote.
RAW_TEX = r"""
const found = [];
for (const area of document.querySelectorAll('.rendered_html')) {
  const walker = document.createTreeWalker(area, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('code, pre, mjx-container')) continue;
    if (/\$|\\[a-zA-Z]+/.test(node.textContent)) found.push(node.textContent.trim().slice(0, 60));
  }
}
return found;
"""
# Boxes that scroll sideways, and lines cut off by their box.
SCROLLING = """
return [...document.querySelectorAll('body *')].filter(e => e.scrollWidth > e.clientWidth + 1
  && ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX))
  .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 50));
"""


@pytest.fixture(scope="module")
def feedback_pages(tmp_path_factory):
    """The output folder of a small graded a01 class (autograder.testing.feedback_class)."""
    from autograder.grading.layout import Layout
    from autograder.testing import feedback_class

    root = tmp_path_factory.mktemp("feedback-pages")
    rows = feedback_class(root / "subs", str(root / "out"))
    assert all(row.status == "ok" for row in rows.values()), rows
    return Layout(str(root / "out"))


@pytest.mark.parametrize("student, language", [("sign_flip_en", "en"), ("sign_flip_ko", "ko"), ("own_cells", "en")])
def test_a_feedback_page_typesets_math_offline_wraps_and_passes_axe(browser, feedback_pages, student, language):
    """A student's feedback page, opened from the grading run's folder with no network: MathJax (installed beside
    the pages) typesets every formula, no line is cut off, the book is linked in the student's language, and
    axe-core finds no WCAG 2 A/AA violation."""
    from selenium.webdriver.common.by import By

    page = Path(feedback_pages.feedback(student, A01))
    browser.get(page.as_uri())
    assert browser.execute_async_script(MATHJAX_DONE), "the page loads no MathJax"
    os.makedirs(SCREENSHOTS, exist_ok=True)
    browser.save_screenshot(os.path.join(SCREENSHOTS, f"feedback-{student}.png"))
    assert not console_errors(browser)
    assert browser.execute_script("return document.documentElement.lang") == language
    typeset = browser.execute_script("return document.querySelectorAll('mjx-container').length")
    assert typeset >= 10, f"only {typeset} formulas typeset"
    assert not browser.execute_script("return document.querySelectorAll('mjx-merror').length"), "TeX errors"
    assert not browser.execute_script(RAW_TEX), "raw TeX left on the page"
    assert "$$" not in browser.find_element(By.TAG_NAME, "body").text
    assert not browser.execute_script(SCROLLING), "boxes that scroll sideways or cut their lines off"
    padding = browser.execute_script("return [...document.querySelectorAll('.rendered_html th')]"
                                     ".map(th => parseFloat(getComputedStyle(th).paddingLeft))")
    assert padding and min(padding) >= 8, "table headers run together"
    if student.startswith("sign_flip"):
        links = browser.execute_script("return [...document.querySelectorAll('.verdict a')].map(a => a.href)")
        edition = "" if language == "en" else "ko/"
        assert links and all(href.startswith(f"{book_url('', 'en')}{edition}book/") for href in links), links
    violations = axe_violations(browser)
    assert not violations, f"{page.name} of {student} fails WCAG 2 A/AA:\n" + "\n".join(violations)


# ------------------------------------------------------------------------------------------ the Korean edition
def korean_pages():
    return [page for page in pages() if page.startswith("ko/")]


def switch_target(browser):
    links = browser.execute_script(
        "return [...document.querySelectorAll('nav.edition-switch a')].map(a => [a.href, a.hreflang])")
    assert len(links) == 1, f"expected one language switch, found {links}"
    return links[0]


def test_the_korean_edition_has_every_english_page():
    english = [page for page in pages() if not page.startswith("ko/")]
    assert english and not set(f"ko/{page}" for page in english) ^ set(korean_pages())


def test_every_page_names_its_published_address_as_canonical():
    """html.baseurl in _config.yml is where the site is published: each page's canonical address is its own
    there, the Korean edition's under ko/ (not the English page's)."""
    wrong = []
    for page in pages():
        if page in ("index.html", "ko/index.html"):  # redirects to the landing page
            continue
        with open(os.path.join(SITE, page), encoding="utf-8") as handle:
            found = re.search(r'<link rel="canonical" href="([^"]+)"', handle.read())
        if not found or html.unescape(found.group(1)) != book_url(page):
            wrong.append(f"{page}: {found and found.group(1)}")
    assert not wrong, "\n".join(wrong[:10])


def test_the_language_switch_leads_to_the_same_page_both_ways(browser, server):
    problems = []
    for page in (p for p in pages() if not p.startswith("ko/")):
        load(browser, f"{server}/{page}")
        page = browser.current_url[len(server) + 1:]  # the root index.html redirects to the landing page
        href, language = switch_target(browser)
        if (href, language) != (f"{server}/ko/{page}", "ko"):
            problems.append(f"{page}: the switch leads to {href} ({language})")
            continue
        load(browser, href)
        back, language = switch_target(browser)
        if (back, language) != (f"{server}/{page}", "en"):
            problems.append(f"ko/{page}: the switch leads back to {back} ({language})")
        if browser.execute_script("return document.documentElement.lang") != "ko":
            problems.append(f"ko/{page}: <html lang> is not ko")
    assert not problems, "\n".join(problems)


def test_korean_pages_are_in_korean_without_missing_glyphs(browser, server):
    problems = []
    for page in korean_pages():
        if page == "ko/index.html":  # a redirect to the landing page
            continue
        load(browser, f"{server}/{page}")
        element = browser.find_element("css selector", "article, main")
        family = browser.execute_script("return getComputedStyle(arguments[0]).fontFamily", element)
        result = browser.execute_script(HANGUL_CHECK, element.text, family, 2000)
        if result["count"] < 100 and not page.endswith("bibliography.html"):
            problems.append(f"{page}: only {result['count']} distinct Hangul syllables: not translated?")
        if result["tofu"]:
            problems.append(f"{page}: drawn as missing-glyph boxes: {result['tofu'][:10]}")
    assert not problems, "\n".join(problems)


def test_the_theme_speaks_korean_in_the_korean_edition(browser, server):
    load(browser, f"{server}/ko/book/04_lstm.html")
    placeholder = browser.execute_script("return document.querySelector('input[name=q]').placeholder")
    assert "검색" in placeholder, placeholder
    assert "내용" in browser.find_element("css selector", ".bd-sidebar-secondary, .bd-toc").get_attribute("textContent")
    captions = browser.execute_script("return [...document.querySelectorAll('.caption-text')].map(c => c.textContent)")
    assert captions and all(catalogue_check.HANGUL.search(c) for c in captions), captions


def test_searching_a_korean_term_finds_the_lstm_chapter(browser, server):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}/ko/search.html?q=망각+게이트")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return document.querySelectorAll('#search-results li, ul.search li').length > 0"))
    found = browser.execute_script("return [...document.querySelectorAll('ul.search li a')].map(a => a.href)")
    assert any(href.split("?")[0].endswith("/ko/book/04_lstm.html") for href in found), found


def test_the_korean_exercise_page_offers_the_korean_notebook(browser, server):
    href, text = downloaded_notebook(browser, f"{server}/ko/exercises/a01_rnn_forward/a01_rnn_forward.html")
    assert nbformat.reads(text, as_version=4).metadata.get("gatebygate", {}).get("language") == "ko"
    assert href.endswith("/a01_rnn_forward.ipynb"), "offered under the name a student hands in"


# ------------------------------------------------------------------------------------------ Korean search
# Each query, the word a page must use to be expected among its results (the query without its particle; a
# page that uses it with any particle counts), and for two-word queries the chapter that defines the term.
KOREAN_QUERIES = [
    ("게이트", "게이트", None), ("게이트는", "게이트", None), ("기울기", "기울기", None), ("기울기가", "기울기", None),
    ("역전파", "역전파", None), ("역전파를", "역전파", None), ("LSTM의", "LSTM", None), ("GRU의", "GRU", None),
    ("망각 게이트", "망각 게이트", "book/04_lstm"), ("갱신 게이트", "갱신 게이트", "book/05_gru"),
    ("기울기 소멸", "기울기 소멸", "book/03_training_rnns"),
]
SEARCH_RESULTS = """
const summary = document.querySelector('#search-results p.search-summary');
return summary && summary.innerText.trim() ?
  [...document.querySelectorAll('#search-results ul.search > li > a')].map(a => a.getAttribute('href')) : null;
"""


def korean_chapter_and_exercise_pages():
    """{docname: text} of the Korean chapters and exercise pages, as the reader sees their main text."""
    from bs4 import BeautifulSoup

    found = {}
    for page in korean_pages():
        docname = page[len("ko/"):-len(".html")]
        if not (docname.startswith("book/0") or docname.startswith("exercises/")):
            continue
        with open(os.path.join(SITE, page), encoding="utf-8") as handle:
            article = BeautifulSoup(handle.read(), "html.parser").select_one("article")
        found[docname] = " ".join(article.get_text(" ").split())
    return found


def uses(text, word):
    """Whether `text` uses `word` as a word of its own, with or without a particle after it (LSTM의, not
    LSTMCell; 게이트는, not 출력게이트 run together)."""
    latin = word[-1].isascii()
    before = r"(?<![\w])" if latin else r"(?<![\uac00-\ud7a3A-Za-z0-9_])"
    after = r"(?![A-Za-z0-9_])" if latin else ""
    return re.search(before + re.escape(word) + after, text) is not None


def korean_search(browser, server, query):
    """The docnames the Korean site's own search lists for `query`, in its order (from its results page)."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}/ko/search.html?q={urllib.parse.quote(query)}")
    hrefs = WebDriverWait(browser, 60).until(lambda d: d.execute_script(SEARCH_RESULTS))
    return [href.split("#")[0].split("?")[0].removesuffix(".html") for href in hrefs]


def test_korean_search_understands_particles(browser, server):
    pages = korean_chapter_and_exercise_pages()
    assert len(pages) >= 14, sorted(pages)
    rows, problems = [], []
    for query, word, defining in KOREAN_QUERIES:
        expected = {docname for docname, text in pages.items() if uses(text, word)}
        results = korean_search(browser, server, query)
        missed = sorted(expected - set(results))
        first = results[0] if results else "-"
        rows.append(f"| {query} | {len(expected & set(results))} of {len(expected)} | {len(set(results))} | {first} |")
        if missed:
            problems.append(f"{query!r} misses {missed}")
        if defining and first != defining:
            problems.append(f"{query!r} lists {first} first, not {defining}, the chapter that defines it")
    table = "| query | pages found | pages listed | first |\n|---|---|---|---|\n" + "\n".join(rows)
    os.makedirs(os.path.join(REPO_ROOT, "_build"), exist_ok=True)
    with open(os.path.join(REPO_ROOT, "_build", "korean-search.md"), "w", encoding="utf-8") as handle:
        handle.write(table + "\n")
    print(table)
    assert not problems, "\n".join(problems)


# What the theme writes on a Korean page: everything outside the article (header, sidebars, footer), the
# toggles and permalink tooltips inside it, every tooltip and label, and <title>.
THEME_STRINGS = """
const article = document.querySelector('article.bd-article') || document.querySelector('article');
const inTheme = (el) => !(article && article.contains(el)) ||
  el.closest('details.hide > summary, a.headerlink, button.toggle-button, button.copybtn') !== null;
const found = [document.title];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const el = node.parentElement;
  if (!el || el.closest('script, style, pre, code, .math, mjx-container') || !inTheme(el)) continue;
  if (getComputedStyle(el).display === 'none' && !el.closest('details')) continue;
  const text = node.textContent.trim();
  if (text) found.push(text);
}
for (const el of document.querySelectorAll('[title], [aria-label], [placeholder], [data-bs-title]')) {
  if (!inTheme(el) || el.closest('.bibtex, .citation, a[href*="bibliography"]')) continue;
  for (const name of ['title', 'aria-label', 'placeholder', 'data-bs-title'])
    if (el.getAttribute(name)) found.push(el.getAttribute(name));
}
return found;
"""
# Names that stay as they are in Korean: the book's, the other edition's, the services' and the models'.
KEPT_NAMES = re.compile(r"Gate by Gate|English|Ctrl|Binder|Colab|JupyterHub|GitHub|PDF|LSTM|GRU|IRNN|SCRN|RNN|BPTT|"
                        r"PyTorch|torch|numpy|Bach|ABC|a0\d_\w+|\.ipynb|\.md|\bnn\.\w+", re.I)


def english_left(strings):
    """The strings that are English: a Latin word of three letters or more, no Hangul, once the names that
    stay English are taken out."""
    return sorted({s for s in strings if not catalogue_check.HANGUL.search(s)
                   and re.search(r"[A-Za-z]{3,}", KEPT_NAMES.sub(" ", s))})


def test_no_english_theme_string_on_a_korean_page(browser, server):
    problems = []
    for page in ("ko/book/04_lstm.html", "ko/book/05_gru.html", "ko/exercises/a03_lstm/a03_lstm.html",
                 "ko/book/index.html", "ko/book/glossary.html", "ko/search.html"):
        load(browser, f"{server}/{page}")
        left = english_left(browser.execute_script(THEME_STRINGS))
        if left:
            problems.append(f"{page}: {left[:12]}")
    assert not problems, "\n".join(problems)
    load(browser, f"{server}/ko/book/04_lstm.html")
    assert browser.title.endswith("Gate by Gate: 밑바닥부터 만드는 순환 신경망"), browser.title
    footer = browser.execute_script("return document.querySelector('.bd-footer-content').innerText")
    assert "지은이: Gate by Gate 강좌 팀" in footer, footer
    toggles = browser.execute_script("return [...document.querySelectorAll('details.hide summary')]"
                                     ".map(s => s.innerText.trim())")
    assert toggles and all("코드 셀" in t for t in toggles), toggles[:3]


def test_the_korean_pages_download_and_launch_korean_notebooks(browser, server):
    problems = []
    for page, notebook in (("ko/book/04_lstm.html", "book/04_lstm.ko.ipynb"),
                           ("ko/exercises/a03_lstm/a03_lstm.html", "exercises/a03_lstm/a03_lstm.ko.ipynb")):
        href, text = downloaded_notebook(browser, f"{server}/{page}")
        if nbformat.reads(text, as_version=4).metadata.get("gatebygate", {}).get("language") != "ko":
            problems.append(f"{page}: the .ipynb download ({href}) is not the Korean notebook")
        launches = browser.execute_script("return [...document.querySelectorAll('a')].map(a => a.href)"
                                          ".filter(h => /mybinder|colab/.test(h))")
        if len(launches) != 2 or not all(notebook in h for h in launches):
            problems.append(f"{page}: launch buttons {launches}, not {notebook}")
        if not os.path.isfile(os.path.join(REPO_ROOT, notebook)):
            problems.append(f"{notebook}, which the launch buttons open, is not in the repository")
    load(browser, f"{server}/ko/book/04_lstm.html")
    source = browser.execute_script("return [...document.querySelectorAll('a')].map(a => a.href)"
                                    ".find(h => h.endsWith('_sources/book/04_lstm.md'))")
    with urllib.request.urlopen(source) as response:
        if "게이트별로 살펴보는 LSTM" not in response.read().decode():
            problems.append("the .md download of the Korean LSTM chapter is not Korean")
    assert not problems, "\n".join(problems)
