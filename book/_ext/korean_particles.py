"""The particle after a number, right for the number as it is read: 그림 1.3은, 식 (3.2)는, 그림 1.10은, 식 (8.1)로.

A Korean particle has two forms, chosen by the last sound of the word before it: 은/는, 이/가, 을/를, 과/와,
으로/로 (with 로 after ㄹ as well). A number is read in Sino-Korean, so its last digit decides: 2, 4, 5 and 9 (이,
사, 오, 구) end in a vowel; 1, 7 and 8 (일, 칠, 팔) in ㄹ; 0, 3 and 6 (영/십/백, 삼, 육) in another consonant.

A figure's or an equation's number exists only when Sphinx has numbered the pages, so a catalogue cannot
write the particle right: `{numref}`그림 %s <fig-x>`는` renders as "그림 1.3는". The post-transform below runs on
every page of the Korean edition once references are resolved and puts the form that agrees with the number
in the text right after it. tests/test_korean_termbase.py checks the numbers a catalogue writes itself.
"""
import re

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

# (form after a consonant, form after a vowel); 으로/로 also takes 로 after ㄹ. (The copula's 이다 is right after
# either, 2이다 as well as 2다, so it is not among them.)
PAIRS = (("은", "는"), ("이", "가"), ("을", "를"), ("과", "와"), ("으로", "로"))
VOWEL_DIGITS, RIEUL_DIGITS = set("2459"), set("178")
# A particle at the start of the text after a number, as a whole word (은 in 은닉 is not one).
PARTICLE = re.compile(r"^(%s)(?![\uac00-\ud7a3])" % "|".join(
    sorted({p for pair in PAIRS for p in pair}, key=len, reverse=True)))
NUMBER_END = re.compile(r"(\d)\)?$")


def ending(number):
    """'vowel', 'rieul' or 'consonant': how `number` ("1.3", "(3.10)") ends when read aloud; None if it is
    not a number."""
    match = NUMBER_END.search(number.strip())
    if not match:
        return None
    digit = match.group(1)
    return "vowel" if digit in VOWEL_DIGITS else "rieul" if digit in RIEUL_DIGITS else "consonant"


def agreeing(particle, number):
    """The form of `particle` that agrees with `number` (은 -> 는 after 1.2, 로 -> 으로 after 3.3)."""
    sound = ending(number)
    for consonant, vowel in PAIRS:
        if particle in (consonant, vowel) and sound:
            if consonant == "으로":
                return "으로" if sound == "consonant" else "로"
            return vowel if sound == "vowel" else consonant
    return particle


def fix_text_after(number, text):
    """`text`, the words right after `number`, with its leading particle made to agree."""
    match = PARTICLE.match(text)
    if not match:
        return text
    return agreeing(match.group(1), number) + text[match.end():]


def fix_particles(document):
    """Make the particle after every numbered reference in `document` agree with the number it shows."""
    for reference in list(document.findall(nodes.reference)):
        parent = reference.parent
        if parent is None:
            continue
        index = parent.index(reference)
        if index + 1 >= len(parent.children) or not isinstance(parent[index + 1], nodes.Text):
            continue
        number = reference.astext()
        if ending(number) is None:
            continue
        following = parent[index + 1]
        fixed = fix_text_after(number, str(following))
        if fixed != str(following):
            parent.replace(following, nodes.Text(fixed))


class ParticlesAfterNumbers(SphinxPostTransform):
    """In a Korean page, the particle after each numbered reference (figure, table, equation, section)."""

    default_priority = 20  # after the references are resolved (10)

    def run(self, **kwargs):
        if (self.config.language or "").startswith("ko"):
            fix_particles(self.document)


def setup(app):
    app.add_post_transform(ParticlesAfterNumbers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# A number a catalogue writes itself, with a particle right after it: 그림 1.3은, 식 (3)은, 값은 0.5를. A number in
# parentheses is the number read only after 식 (an equation's); elsewhere the particle agrees with the word
# before the parentheses (Zaremba et al. (2014)은, 기본값(1e-6)를), which is not checked.
LITERAL_NUMBER = re.compile(r"(?<![\w.$(])(\d+(?:\.\d+)*)(?=[\uac00-\ud7a3])"
                            r"|(?<=식 )(\(\d+(?:\.\d+)*\))(?=[\uac00-\ud7a3])")
MATH_OR_CODE = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|(`+)(?!`).+?(?<!`)\1", re.S)


def literal_number_slips(text):
    """[(as written, as it should be), ...] for each number in `text` (outside math and code) whose particle
    does not agree with it."""
    slips = []
    prose = MATH_OR_CODE.sub(" ", text)
    for match in LITERAL_NUMBER.finditer(prose):
        number = match.group(1) or match.group(2)
        rest = prose[match.end():match.end() + 4]
        fixed = fix_text_after(number, rest)
        if fixed != rest:
            slips.append((number + rest, number + fixed))
    return slips
