"""Known mistakes: feedback that names what a failing function got wrong, and where the book explains it.

Each assignment's hidden module lists, per graded function, the typical wrong implementations:

    MISTAKES = {
        "sigmoid": [
            Mistake("tanh instead of sigmoid", np.tanh,
                    "Your sigmoid returns values in (-1, 1): that is tanh. A gate must lie in (0, 1) ...",
                    "02_vanilla_rnn#sigmoid-versus-tanh"),
            ...
        ],
    }

The same list serves the tests (each mistake must be rejected by the hidden cases, and recognised as itself)
and the grader: when a function fails, its outputs on the hidden cases are compared, outside the kernel, with
each mistake's outputs on the same cases (computed once per grading run). A mistake is named only if it
agrees with the student's outputs on EVERY case; otherwise the feedback says that no known mistake matches.

`section` is "<chapter file in book/, without .md>#<section anchor>"; the anchor is the id Jupyter Book gives
the section heading (tests/test_diagnosis.py checks that each one exists in the book's sources).
"""
import functools
import importlib
import os
import re
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import translation
from .checking import Raised, judge_case, observe_safely

BOOK_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "book")


@dataclass(frozen=True)
class Mistake:
    name: str       # what the code does, in a few words: "tanh instead of sigmoid"
    fn: Callable    # an implementation that makes exactly this mistake
    message: str    # for the student: what the code did, why it is wrong
    section: str    # where the book explains it: "04_lstm#the-input-gate-and-the-candidate"

    @property
    def link(self):
        """The section's address relative to the site root (an exercise page reaches it as ../../<link>)."""
        chapter, _, anchor = self.section.partition("#")
        return f"book/{chapter}.html#{anchor}"

    def hint(self, language="en"):
        """What the student reads, in `language` where the grader's catalogue has this mistake, else English."""
        name, message, sentence = (translation.grader_text(text, language)
                                   for text in (self.name, self.message, translation.HINT))
        if not (name and message and sentence):
            name, message, sentence, language = self.name, self.message, translation.HINT, "en"
        title, number = section_title(self.section, language)
        link = self.link if language == "en" else f"{language}/{self.link}"  # that edition's page
        return sentence.format(name=name, message=message, number=number, title=title, link=link)

    def as_dict(self):
        return {"name": self.name, "message": self.message, "section": self.section, "link": self.link}


def catalogue(module_or_name):
    """{function: [Mistake, ...]} of an assignment's hidden module; {} if it has none."""
    module = (importlib.import_module(f"autograder.hidden.{module_or_name}") if isinstance(module_or_name, str)
              else module_or_name)
    return getattr(module, "MISTAKES", {})


def observations(cases, mistakes):
    """Each mistake's observations on the cases, as the kernel shim would report them: computed once per run.

    A wrong implementation may overflow on purpose; its numpy warnings would only clutter the grader's terminal.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # a strict case still raises: it sets its own
        warnings.simplefilter("ignore", RuntimeWarning)
        return [[observe_safely(case, mistake.fn) for case in cases] for mistake in mistakes]


def agrees(cases, got, theirs):
    """True when the student's observations equal a mistake's on every case: numbers within the case's
    tolerance, in both directions (same shapes, dtypes, keys), and, where both raised, the same exception
    with the same message (the probes' structural checks, a matmul's shape error)."""
    if not len(got) == len(theirs) == len(cases):
        return False
    for case, mine, other in zip(cases, got, theirs):
        if isinstance(mine, Raised) or isinstance(other, Raised):
            if not (isinstance(mine, Raised) and isinstance(other, Raised)
                    and (mine.kind, mine.message) == (other.kind, other.message)):
                return False
            continue
        if judge_case(case, mine, other, "", "") is not None or judge_case(case, other, mine, "", "") is not None:
            return False
    return True


def diagnose(cases, got, mistakes, mistake_observations):
    """The known mistakes that agree with the student on every case (normally none or one)."""
    return [m for m, theirs in zip(mistakes, mistake_observations) if agrees(cases, got, theirs)]


# ------------------------------------------------------------------------------------------ book sections
@functools.lru_cache(maxsize=None)
def book_headings(chapter):
    """{anchor: (title, number, heading as written)} of a chapter's sections, read from book/<chapter>.md
    (outside code fences). The heading as written is its message in the chapter's translation catalogue."""
    from docutils.nodes import make_id

    path = os.path.join(BOOK_DIR, chapter + ".md")
    sections, in_fence, count = {}, False, 0
    chapter_number = int(chapter.split("_")[0]) if chapter[:2].isdigit() else 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("```") or line.startswith("~~~"):
                in_fence = not in_fence
                continue
            heading = re.match(r"^##\s+(.*\S)", line)
            if heading and not in_fence:
                count += 1
                title = re.sub(r"[`*$]", "", heading.group(1))
                sections[make_id(title)] = (title, f"{chapter_number}.{count}", heading.group(1))
    return sections


def book_sections(chapter):
    """{anchor: (title, number)} of a chapter's sections."""
    return {anchor: (title, number) for anchor, (title, number, _) in book_headings(chapter).items()}


def section_title(section, language="en"):
    """(title, number) of a "<chapter>#<anchor>" section, e.g. ("The input gate and the candidate", "4.5"); the
    title in `language` where the chapter's catalogue translates it."""
    chapter, _, anchor = section.partition("#")
    try:
        title, number, written = book_headings(chapter).get(anchor, (anchor.replace("-", " "), "", None))
    except OSError:
        return anchor.replace("-", " "), ""
    translated = written and translation.book_text(chapter, written, language)
    return (re.sub(r"[`*$]", "", translated) if translated else title), number


def catalogue_of(mutants, notes):
    """MISTAKES from {function: {name: implementation}} and {function: {name: (section, message)}}.

    Every implementation must have its note and every note its implementation: a mistake without a message
    could not be explained, a message without an implementation could never be shown.
    """
    if {f: set(m) for f, m in mutants.items()} != {f: set(n) for f, n in notes.items()}:
        missing = sorted((f, m) for f in mutants for m in mutants[f] if m not in notes.get(f, {}))
        extra = sorted((f, m) for f in notes for m in notes[f] if m not in mutants.get(f, {}))
        raise ValueError(f"mistakes without a note: {missing}; notes without a mistake: {extra}")
    return {function: [Mistake(name, fn, notes[function][name][1], notes[function][name][0])
                       for name, fn in named.items()]
            for function, named in mutants.items()}


# ---------------------------------------------------------------------------------------- student's check
SELFCHECK_TAG = "gatebygate-selfcheck-diagnosis"


def add_selfcheck_probe(notebook, path):
    """For `python -m autograder check`, after a visible test failed: append to the copy being run a cell that
    sends the student's functions' outputs on the hidden cases out of the kernel, as grading does. The cases
    travel inside the cell (the sandbox's working folder is a copy made when the kernel started).

    Nothing of it reaches the student but, after the run, the name of a known mistake that agrees with their
    outputs on every case (selfcheck_hints): no case's verdict, and no expected value. Returns (the
    assignment, the cell), or (None, None) for a notebook that is not a known assignment with a catalogue.
    """
    import base64
    import tempfile

    import nbformat

    from . import sandbox
    from .assignments import list_assignments
    from .verdicts import write_cases_file

    from .translation import assignment_of

    assignment = assignment_of(path)
    if assignment not in list_assignments():
        return None, None
    module = importlib.import_module(f"autograder.hidden.{assignment}")
    if not catalogue(module):
        return None, None
    with tempfile.TemporaryDirectory() as scratch:
        write_cases_file(assignment, os.path.join(scratch, "cases.pkl"))
        with open(os.path.join(scratch, "cases.pkl"), "rb") as handle:
            cases = base64.b64encode(handle.read()).decode("ascii")
    shim = os.path.join(sandbox.SHIM_DIR, "autograder", "hidden", "__init__.py")
    source = (f"import base64 as _b64, importlib.util as _util, os as _os, tempfile as _tf\n"
              f"_cases = _os.path.join(_tf.mkdtemp(), 'cases.pkl')\n"
              f"with open(_cases, 'wb') as _handle:\n    _handle.write(_b64.b64decode({cases!r}))\n"
              f"_os.environ['AUTOGRADER_CASES'] = _cases\n"
              f"_spec = _util.spec_from_file_location('_gatebygate_probe', {shim!r})\n"
              f"_probe = _util.module_from_spec(_spec)\n_spec.loader.exec_module(_probe)\n"
              f"for _name in {list(module.CHECKS)!r}:\n"
              f"    if callable(globals().get(_name)):\n"
              f"        try:\n            _probe.__getattr__({assignment!r}).check(_name, globals()[_name])\n"
              f"        except Exception:\n            pass\n")
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [SELFCHECK_TAG]})
    notebook.cells.append(cell)
    return assignment, cell


def selfcheck_hints(notebook, assignment):
    """{test cell grade_id: the known mistake's hint} from the probe cell's outputs, judged outside the kernel."""
    if assignment is None:
        return {}
    from .verdicts import MIME_TYPE, JudgeHiddenTests  # nbgrader's preprocessors: paid only when diagnosing

    probe = next((c for c in notebook.cells if SELFCHECK_TAG in c.get("metadata", {}).get("tags", [])), None)
    notebook.cells = [c for c in notebook.cells if c is not probe]
    if probe is None:
        return {}
    judge, hints = JudgeHiddenTests(), {}
    for output in probe.get("outputs", []):
        emission = output.get("data", {}).get(MIME_TYPE) if output.get("output_type") == "display_data" else None
        function = emission.get("function") if isinstance(emission, dict) else None
        if function not in judge._cases(assignment):
            continue
        verdict = judge._judge(assignment, function, emission)
        if verdict["failed"] and verdict["mistakes"]:
            mistake = next(m for m in catalogue(assignment)[function] if m.name == verdict["mistakes"][0]["name"])
            hints[f"test_{function}"] = f"{function}: {mistake.hint(translation.notebook_language(notebook))}"
    return hints
