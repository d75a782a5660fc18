"""No stale numbers in figures: every number a figure's alt text or caption states comes from the page's code.

A figure's alt text and caption are written by hand, but they describe what the code drew, and a change to
the code or a re-run with another library version can leave them stating numbers the page no longer
computes. MyST-NB's `glue` cannot reach alt text: it is a cell option that MyST-NB 1.4 copies into the image
node unparsed (myst_nb/core/render.py, render_image). So this test checks each number of alt texts and
captions against the executed page instead. A number passes if it is

* a value printed by the code cells that make the figure (those after the previous figure, up to and
  including the figure's own), at the precision the text states it (``1.3e-10`` matches a printed
  ``1.27e-10``; ``0.40`` a printed ``0.3987``; ``50`` matches 45 to 54 and ``500`` 450 to 549), or
* if the text states it plainly, not as a measurement ("about 50", "near 1e12", "≈ 0.5" are measurements):
  a value printed earlier on the page, or a number literal of the page's code (a parameter the text names:
  ``spectral radius 1.5``, ``30 time steps``).

Numbers inside names (``x_1``, ``h_{t-1}``, ``C6``, ``a04``) are not quantities and are skipped. A result the
text needs but the page does not print is printed by the page, so the reader can check it too.

The chapters are executed into Jupyter Book's own execution cache (`_build/.jupyter_cache`) when it does not
hold them yet, two at a time (book/_ext/prefill_cache.py): on a clean clone `make test` executes them once,
and the `make book` that follows finds them cached and executes nothing.
"""
import io
import math
import re
import tokenize

import pytest

from conftest import REPO_ROOT

import prefill_cache  # book/_ext (pyproject.toml)

CHAPTERS = [p.relative_to(REPO_ROOT).as_posix() for p in prefill_cache.chapters()]

# A number as prose writes it: optional sign (ASCII or Unicode minus), digits, decimals, an exponent, or a
# LaTeX/Unicode power of ten ("3 \cdot 10^{-6}", "10^{12}", "10⁻²"); "thousand"/"million" scale it.
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
STATED = re.compile(
    r"(?<![\w.^{\\])(?P<sign>[-−+]?)(?:(?P<mantissa>\d+(?:\.\d+)?)\s*(?:\\cdot|\\times|·|×)\s*)?"
    r"(?:10(?:\^\{?(?P<power>[-−]?\d+)\}?|(?P<unicode_power>[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))"
    r"|(?P<number>\d+(?:\.\d+)?(?:e[-+]?\d+)?))"
    r"(?P<scale>\s+(?:thousand|million))?(?![\w])")
# A printed number: "7.0e+13", "-0.947", "18,768" (thousands separated by commas), ".5".
PRINTED = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+(?![\d.])|\d+(?:\.\d+)?|(?<![\d.])\.\d+)(?:[eE][-+]?\d+)?")


# "about 0.5", "near 1e12", "≈ 44": a number so introduced is a measurement, never a parameter of the code.
APPROXIMATE = re.compile(r"(?:about|near|around|roughly|almost|nearly|approximately|≈|\\approx|~)\s*\$?$")


class Stated:
    """A number in text and the precision it is stated to: does a computed value round to it?"""

    def __init__(self, match):
        self.text = match.group(0).strip()
        self.approximate = bool(APPROXIMATE.search(match.string[:match.start()]))
        sign = -1.0 if match.group("sign") in ("-", "−") else 1.0
        scale = {"": 1.0, "thousand": 1e3, "million": 1e6}[(match.group("scale") or "").strip()]
        if match.group("number") is not None:
            body = match.group("number")
            self.value = sign * float(body) * scale
            if "e" in body:
                mantissa, exponent = body.split("e")
                self.significant = len(mantissa.replace(".", "").lstrip("0")) or 1
            elif "." in body:
                self.decimals = len(body.split(".")[1]) - round(math.log10(scale))
                self.significant = None
            else:  # an integer: its trailing zeros are not significant ("about 500")
                self.significant = None
                trailing_zeros = len(body) - len(body.rstrip("0")) if body.strip("0") else 0
                self.decimals = -trailing_zeros - round(math.log10(scale))
        else:
            power = match.group("power") or match.group("unicode_power").translate(SUPERSCRIPTS)
            mantissa = match.group("mantissa") or "1"
            self.value = sign * float(mantissa) * 10.0 ** int(power.replace("−", "-")) * scale
            self.significant = len(mantissa.replace(".", "").lstrip("0")) or 1

    def rounds_to(self, value):
        """Whether value, rounded to the precision of the text, is the stated number."""
        if not math.isfinite(value):
            return False
        if self.significant is not None:           # scientific notation: significant digits
            if value == 0 or self.value == 0:
                return value == self.value
            return math.isclose(float(f"{value:.{self.significant - 1}e}"), self.value, rel_tol=1e-9)
        return math.isclose(round(value, self.decimals), self.value, rel_tol=1e-9, abs_tol=1e-12)


def stated_numbers(text):
    """The quantities in a piece of alt text or caption (LaTeX markup kept: its powers of ten are numbers)."""
    text = re.sub(r"\{(?:numref|ref|doc|cite|cite:t|term)\}`[^`]*`", " ", text)   # cross-references
    text = re.sub(r"(?<=\()(?:19|20)\d\d(?=\))|(?<=, )(?:19|20)\d\d(?=\))", " ", text)  # (2014), (Cho, 2014)
    text = re.sub(r"\\(?:mathrm|operatorname|text|mathbf)\{[^}]*\}", " ", text)
    text = re.sub(r"[A-Za-z]+_\{[^}]*\}|[A-Za-z]+_\w+", " ", text)              # x_1, h_{t-1}, W_hh
    return [Stated(m) for m in STATED.finditer(text)]


def code_literals(source):
    """Every number literal of a code cell, with both signs (a parameter is often written -2 or 1 / 6)."""
    values = set()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return values
    for token in tokens:
        if token.type == tokenize.NUMBER:
            try:
                number = float(token.string.replace("_", "").rstrip("jJ"))
            except ValueError:
                continue
            values.update({number, -number})
    return values


def printed_values(cell):
    """The numbers a code cell printed (streams and plain-text results, not images)."""
    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            texts.append(output.get("text", ""))
        elif "data" in output and "text/plain" in output["data"]:
            texts.append(output["data"]["text/plain"])
    values = []
    for text in texts:
        for token in PRINTED.findall("".join(text)):
            try:
                values.append(float(token.replace(",", "")))
            except ValueError:
                pass
    return values


def figure_texts(cell):
    """(what, text) for the alt text and caption a code cell's figure options give."""
    options = cell.get("metadata", {}).get("mystnb", {})
    found = []
    if isinstance(options.get("image"), dict) and options["image"].get("alt"):
        found.append(("alt text", options["image"]["alt"]))
    if isinstance(options.get("figure"), dict) and options["figure"].get("caption"):
        found.append(("caption", options["figure"]["caption"]))
    return found


@pytest.fixture(scope="module")
def executed_chapters():
    """{chapter: the notebook with its outputs}, from the build's cache, executing there what it lacks."""
    done, failed = prefill_cache.fill()
    assert not failed, f"chapters that failed to execute (`make book` shows the error): {failed}"
    return {path.relative_to(REPO_ROOT).as_posix(): notebook for path, notebook in done.items()}


def unsupported_numbers(notebook):
    """For every figure of the notebook: (figure name, what, number) for each stated number that the page does
    not support; and how many numbers were checked. A measurement ("about 50") must be printed by a code cell
    of the figure's section: the cells after the previous figure, up to and including its own. A number stated
    plainly ("26 tokens", "spectral radius 1.5") may also be printed earlier or be a literal of the page's code."""
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    literals = set().union(*(code_literals(cell.source) for cell in code_cells))
    problems, checked, printed_before, printed = [], 0, [], []
    for cell in code_cells:
        printed.extend(printed_values(cell))
        texts = figure_texts(cell)
        if not texts:
            continue
        name = cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name", "unnamed figure")
        for what, text in texts:
            for number in stated_numbers(text):
                checked += 1
                if any(number.rounds_to(v) for v in printed):
                    continue
                if not number.approximate and (number.value in literals or
                                               any(number.rounds_to(v) for v in printed_before)):
                    continue
                problems.append(f"{name}, {what}: {number.text!r} (value {number.value:g})")
        printed_before.extend(printed)
        printed = []
    return problems, checked


def test_stated_numbers_are_parsed_to_their_precision():
    (rounded,) = stated_numbers("about 0.40")
    assert rounded.rounds_to(0.3987) and not rounded.rounds_to(0.41)
    (scientific,) = stated_numbers("falls to 2.2e-22")
    assert scientific.rounds_to(2.2449e-22) and not scientific.rounds_to(1e-23)
    (latex,) = stated_numbers(r"$3 \cdot 10^{-6}$")
    assert latex.rounds_to(3.2e-6) and not latex.rounds_to(4e-6)
    (fifty,) = stated_numbers("rises to about 50")
    assert fifty.rounds_to(47.5) and not fifty.rounds_to(44.06)
    (thousands,) = stated_numbers("about 18.1 thousand")
    assert thousands.rounds_to(18112) and not thousands.rounds_to(18200)
    (minus,) = stated_numbers("falls to −0.96")
    assert minus.rounds_to(-0.9613) and not minus.rounds_to(0.96)
    assert stated_numbers("x_1 to x_4, h_{t-1}, notes C2 and C6, W_hh, Chung et al. (2014)") == []
    assert PRINTED.findall("recurrent 18,768 at 1.45e+20, steps 5..60") == ["18,768", "1.45e+20", "5", "60"]
    assert [n.approximate for n in stated_numbers("radius 1.5 stays near 0.1, then about $10^{12}$")] == \
        [False, True, True]


def test_a_stale_measurement_is_caught_and_a_parameter_is_not():
    import nbformat

    def figure(alt):
        cell = nbformat.v4.new_code_cell("plt.plot(norms)")
        cell.metadata["mystnb"] = {"figure": {"name": "fig-x", "caption": "Spectral radius 1.5."},
                                   "image": {"alt": alt}}
        return cell

    printing = nbformat.v4.new_code_cell("rho = 1.5\nprint(norms[-1])")
    printing.outputs = [nbformat.v4.new_output("stream", name="stdout", text="7.0e+13\n")]
    notebook = nbformat.v4.new_notebook(cells=[printing, figure("rises to about 7.0e13 at radius 1.5")])
    assert unsupported_numbers(notebook) == ([], 3)
    stale = nbformat.v4.new_notebook(cells=[printing, figure("rises to about 1e12 at radius 1.5")])
    assert unsupported_numbers(stale)[0] == ["fig-x, alt text: '1e12' (value 1e+12)"]
    # A measurement printed in an earlier figure's section does not support this figure's text.
    earlier = nbformat.v4.new_notebook(cells=[printing, figure("radius 1.5"), figure("about 7.0e13")])
    assert unsupported_numbers(earlier)[0] == ["fig-x, alt text: '7.0e13' (value 7e+13)"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_number_a_figure_states_is_computed_by_its_page(chapter, executed_chapters):
    problems, _ = unsupported_numbers(executed_chapters[chapter])
    assert not problems, (f"{chapter}: numbers in figure texts that the page does not compute (a measurement "
                          "must be printed, to the stated precision, by the cells that make the figure; a "
                          "plain number may also be printed before them or be a literal of the page's "
                          "code):\n  " + "\n  ".join(problems))
