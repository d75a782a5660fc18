"""Feedback pages: the exporter renders the page nbconvert's HTMLExporter would, without re-parsing it; and the
course's page, as a graded class gets it, is in the student's language, links the book, shows no score output,
loads MathJax from beside it, sanitizes a student's markdown and colours its code legibly. The browser's view
of the same pages (math typeset, axe-core's WCAG rules) is tests/site/test_site.py's."""
import base64
import html
import os
import re
from types import SimpleNamespace

import nbformat
import pytest
from bs4 import BeautifulSoup
from bs4.element import Comment as HTMLComment
from nbconvert.exporters import HTMLExporter
from pygments.token import Comment

from autograder import hidden
from autograder.course import EXERCISES_DIR
from autograder.grading.student import prewarm
from autograder.grading.layout import Layout, autograded_notebook
from autograder.i18n.hints import hint
from autograder.i18n.labels import FEEDBACK_LABELS, feedback_labels
from autograder.i18n.sections import book_url, link_book_references, section_title, site_url
from autograder.pipeline import feedback
from autograder.pipeline.colours import CODE_BACKGROUND, READABLE_CODE, contrast
from autograder.pipeline.feedback import FeedbackExporter
from autograder.testing import exercise_notebook, feedback_class

# A 1x1 PNG, as a plot's output would carry one.
PIXEL = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")).decode()


def notebook():
    code = nbformat.v4.new_code_cell("def rnn_step(x, h):\n    return np.tanh(x @ W + h @ U)  # <b>not bold</b>")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="h = [0.1 0.2]\n"),
                    nbformat.v4.new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"}),
                    nbformat.v4.new_output("error", ename="AssertionError", evalue="h is wrong",
                                           traceback=["AssertionError: h is wrong"])]
    markdown = nbformat.v4.new_markdown_cell("The update is $h_t = \\tanh(W x_t + U h_{t-1})$.")
    return nbformat.v4.new_notebook(cells=[markdown, code])


def test_same_page_as_nbconverts_html_exporter():
    same_notebook = notebook()
    ours, _ = FeedbackExporter(template_name="classic").from_notebook_node(same_notebook)
    theirs, _ = HTMLExporter(template_name="classic").from_notebook_node(same_notebook)
    assert str(BeautifulSoup(ours, "html.parser")) == theirs


def test_images_get_nbconverts_placeholder_alt_text():
    page, _ = FeedbackExporter(template_name="classic").from_notebook_node(notebook())
    images = BeautifulSoup(page, "html.parser").find_all("img")
    assert images and all(img["alt"] == "No description has been provided for this image" for img in images)
    # On a page in another language, in that language (feedback.write_feedback gives the labels).
    page, _ = FeedbackExporter(template_name="classic").from_notebook_node(
        notebook(), resources={"feedback": {"language": "ko", "labels": feedback_labels("ko")}})
    images = BeautifulSoup(page, "html.parser").find_all("img")
    korean = feedback_labels("ko")["image_without_alt"]
    assert korean != FEEDBACK_LABELS["image_without_alt"] and images and all(img["alt"] == korean for img in images)


# ------------------------------------------------------------------------- the course's pages, as graded
A01 = "a01_rnn_forward"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{student: the feedback page as BeautifulSoup}, and the output folder, of feedback_class's a01 class."""
    root = tmp_path_factory.mktemp("feedback")
    rows = feedback_class(root / "subs", str(root / "out"))
    assert all(row.status == "ok" for row in rows.values()), rows
    layout = Layout(str(root / "out"))
    return {student: BeautifulSoup(open(layout.feedback(student, A01), encoding="utf-8").read(), "html.parser")
            for student in rows}, layout


def sign_flip():
    return next(m for m in hidden.mistakes(A01)["sigmoid"] if m.name == "sign flip")


def seen_text(page):
    """What a reader of the page sees or hears but the code: its text outside code blocks and comments, and its
    aria-label, alt and title attributes, spaces normalised."""
    texts = [node for node in page.find_all(string=True)
             if not isinstance(node, HTMLComment) and not node.find_parent(["pre", "script", "style", "title"])]
    texts += [tag[name] for tag in page.find_all(True) for name in ("aria-label", "alt", "title") if tag.get(name)]
    return " ".join(" ".join(texts).split())


def label_words(label):
    """The parts of a label that are words, without its placeholders: "Grade cell: {cell}" -> ["Grade cell:"]."""
    return [part.strip() for part in re.split(r"\{\w+\}", label) if re.search(r"[^\W\d_]", part)]


# The labels every page of feedback_class's notebooks shows (the others need a comment, a task, a late penalty, an
# execute_result or an image).
SHOWN_LABELS = ("score", "scores", "test_cell", "students_answer", "top", "grade_cell", "in_prompt")


def test_a_page_is_in_the_students_language(graded):
    pages, _ = graded
    assert pages["sign_flip_en"].html["lang"] == "en" and pages["untouched"].html["lang"] == "en"
    korean, english = pages["sign_flip_ko"], pages["sign_flip_en"]
    assert korean.html["lang"] == "ko"
    for page, language in ((korean, "ko"), (english, "en")):
        text, labels = seen_text(page), feedback_labels(language)
        missing = [labels[key] for key in SHOWN_LABELS if not all(w in text for w in label_words(labels[key]))]
        assert not missing, f"the {language} page lacks its labels {missing}"
        assert not page.select("body [lang]"), "nothing on the page is in another language"
    # Every label of the Korean page is Korean: no English label is left on it.
    korean_text = seen_text(korean)
    assert all(re.search("[\uac00-\ud7a3]", feedback_labels("ko")[key]) for key in FEEDBACK_LABELS)
    english_left = [words for label in FEEDBACK_LABELS.values() for words in label_words(label)
                    if words in korean_text]
    assert not english_left, english_left
    # Jupyter's prompt too, and the score in the page's heading.
    prompts = [prompt.get_text().replace("\xa0", " ") for prompt in korean.select(".input_prompt")]
    assert "입력 [1]:" in prompts and not any("In [" in prompt for prompt in prompts)
    assert "(점수: " in korean.h1.get_text()


@pytest.mark.parametrize("language", ["en", "ko"])
def test_book_references_link_the_published_book_in_the_students_edition(graded, language):
    pages, _ = graded
    page = pages[f"sign_flip_{language}"]
    mistake = sign_flip()
    title, number = section_title(mistake.section, language)
    site = "https://gate-by-gate.github.io/rnn-course/"
    assert site_url() == site, "the address is _config.yml's html.baseurl"
    links = [a for a in page.select(".verdict a") if a["href"].endswith(mistake.link)]
    assert links, "the diagnosis links the section that explains the mistake"
    edition = "" if language == "en" else "ko/"
    assert all(a["href"] == f"{site}{edition}{mistake.link}" and a.get_text() == title for a in links)
    assert all(a["hreflang"] == language for a in links)
    if language == "ko":
        assert re.search("[\uac00-\ud7a3]", title), "the Korean edition's title, in Korean"
    # Read as text, the diagnosis is the hint without its path: "See 2.3 Sigmoid versus tanh."
    text = " ".join(line.get_text() for line in page.select(".verdict-line"))
    path = f"({edition}{mistake.link})"
    assert hint(mistake, language).replace(f" {path}", "").replace(path, "") in text
    assert f"{number} " in text and "book/" not in text, "no raw path is left in the verdicts"


def test_a_reference_to_a_section_the_book_lacks_is_not_linked():
    line = html.escape("See (book/02_vanilla_rnn.html#no-such-section) and 2.3 Sigmoid versus tanh "
                       "(book/02_vanilla_rnn.html#sigmoid-versus-tanh).")
    linked = link_book_references(line)
    assert "(book/02_vanilla_rnn.html#no-such-section)" in linked
    assert linked.endswith(f'2.3 <a href="{book_url("book/02_vanilla_rnn.html#sigmoid-versus-tanh")}" '
                           'hreflang="en">Sigmoid versus tanh</a>.')


def test_no_score_output_under_a_test_cell_and_the_students_own_outputs_kept(graded):
    pages, layout = graded
    page = pages["sign_flip_en"]
    # sigmoid's test cell earned partial credit, which nbgrader read from an execute_result: the page leaves it out
    autograded = nbformat.read(autograded_notebook(layout.course("sign_flip_en"), A01), as_version=4)
    test_cell = next(cell for cell in autograded.cells if cell.metadata.get("nbgrader", {}).get("grade_id")
                     == "test_sigmoid")
    score = next(o for o in test_cell.outputs if o.output_type == "execute_result").data["text/plain"]
    assert 0 < float(score) < 1
    shown = page.find(id="test_sigmoid").find_parent(class_="cell").get_text(" ", strip=True)
    assert f"Score: {round(float(score), 2)} / 1.0" in shown
    assert all(not cell.select(".output_prompt") for cell in page.select(".cell")
               if cell.find(class_="nbgrader_cell") and "Grade cell" in cell.get_text())
    assert not re.search(r"Out\[\d*\]", page.get_text())
    # A cell of the student's own keeps its "Out[n]:" and value
    own = pages["own_cells"]
    shown = [cell for cell in own.select(".code_cell") if cell.select_one(".input_area").get_text().strip()
             == "sigmoid(0.0)"]
    assert len(shown) == 1 and shown[0].select_one(".output_prompt").get_text().startswith("Out[")
    assert "0.5" in shown[0].select_one(".output_subarea").get_text()


def test_pages_load_one_mathjax_beside_them(graded):
    pages, layout = graded
    installed = os.path.join(layout.mathjax, "tex-chtml.js")
    assert os.path.isfile(installed)
    assert os.path.isdir(os.path.join(layout.mathjax, "output", "chtml", "fonts", "woff-v2"))
    copies = [folder for folder, _, files in os.walk(layout.out) if "tex-chtml.js" in files]
    assert copies == [layout.mathjax], "one copy for the whole run"
    for student, page in pages.items():
        scripts = [s["src"] for s in page.find_all("script", src=True)]
        assert len(scripts) == 1 and not re.match(r"\w+:", scripts[0]), f"{student}: {scripts}"
        here = os.path.dirname(layout.feedback(student, A01))
        assert os.path.samefile(os.path.join(here, scripts[0]), installed)
        addresses = [tag.get("src") or tag.get("href") for tag in page.find_all(["script", "link", "img"])]
        assert not [a for a in addresses if a and re.match(r"(https?:)?//", a)], "nothing comes from the network"
        assert "\\sigma(x)" in page.get_text(), "the math is there, for MathJax to typeset"


def test_a_students_own_markdown_is_sanitized_and_the_release_is_not(graded):
    pages, _ = graded
    own = pages["own_cells"]
    notes = next(cell for cell in own.select(".text_cell") if "My notes" in cell.get_text())
    assert not notes.find("script") and not own.find("script", string=re.compile("alert"))
    assert not [tag for tag in own.find_all(True) if any(name.startswith("on") for name in tag.attrs)]
    assert not [a for a in own.find_all("a", href=True) if a["href"].lower().startswith("javascript")]
    assert "$\\sigma(0) = 1/2$" in notes.get_text(), "the student's math is left for MathJax"
    # The release's instructions keep what markdown made of them: headings with their anchors, tables.
    for page in (own, pages["sign_flip_ko"]):
        assert page.find("h1") and page.select("h2 a.anchor-link") and page.select(".rendered_html table th")


def test_prewarm_remembers_the_release_in_every_language():
    """What the grading run's parent prewarms: the release's markdown, English and Korean, shown unsanitized."""
    release = os.path.join(EXERCISES_DIR, A01, A01 + ".ipynb")
    prewarm(A01, SimpleNamespace(release=release))
    for language in ("en", "ko"):
        sources = [cell.source for cell in exercise_notebook(A01, language).cells if cell.cell_type == "markdown"]
        assert sources and all(source in feedback._REMEMBERED_MARKDOWN for source in sources), language


def test_code_colours_pass_wcag_aa():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # WCAG's well-known near miss
    colours = [word for definition in READABLE_CODE.styles.values() for word in (definition or "").split()
               if word.startswith("#")]
    assert colours and min(contrast(colour, CODE_BACKGROUND) for colour in colours) >= 4.5
    assert contrast("#3D7B7B", CODE_BACKGROUND) < 4.5, "pygments' own comment colour did not pass"


def test_plain_nbgrader_gets_the_same_page_in_english_without_math(graded):
    """`nbgrader generate_feedback --NbGrader.config_file=autograder/nbgrader_config.py` makes its own exporter
    from the course's configuration, without the grader's resources: the course's page, in English, sanitized."""
    from nbgrader.converters import GenerateFeedback

    from autograder.pipeline.config import course_config

    _, layout = graded
    course = layout.course("own_cells")
    converter = GenerateFeedback(config=course_config())
    exporter = HTMLExporter(config=converter.config)
    for preprocessor in converter.preprocessors:  # as GenerateFeedback.convert_single_notebook has them run
        exporter.register_preprocessor(preprocessor)
    notebook = nbformat.read(autograded_notebook(course, A01), as_version=4)
    resources = {"nbgrader": {"student": "student", "assignment": A01, "notebook": A01,
                              "db_url": "sqlite:///" + os.path.join(course, "gradebook.db")}}
    page = BeautifulSoup(exporter.from_notebook_node(notebook, resources=resources)[0], "html.parser")
    assert page.html["lang"] == "en" and not page.find("script", src=True)
    assert page.select(".verdict-line") and not page.find("script", string=re.compile("alert"))
    comment = READABLE_CODE.styles[Comment].split()[-1]
    assert f".highlight .c1 {{ color: {comment.upper()};" in str(page), "the code's colours that pass WCAG 2 AA"


def test_the_case_lines_of_a_korean_page_are_korean(graded):
    """What is wrong in each case, the headline of the failing cell and the counts: in the student's language."""
    pages, _ = graded
    english = " ".join(line.get_text() for line in pages["sign_flip_en"].select(".verdict-line"))
    korean = " ".join(line.get_text() for line in pages["sign_flip_ko"].select(".verdict-line"))
    assert "differs from the reference" in english and "hidden cases passed" in english
    assert "참조 구현과" in korean and "숨겨진 사례" in korean
    for words in ("differs from the reference", "hidden cases", "has shape", "the call raised", "FAIL"):
        assert words not in pages["sign_flip_ko"].get_text(), words
