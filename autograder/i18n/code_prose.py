"""The prose inside a student notebook's code cells, translated without changing a single piece of code.

A student reads more than the markdown: the docstring above `# YOUR CODE HERE`, the visible tests' comments and
messages, the read-only helpers' docstrings. Each assignment has a code catalogue of that prose,

    exercises/<a>/<a>.ipynb  ->  locale/<language>/LC_MESSAGES/exercises/<a>/<a>.code.po
                                 (make catalogues, or python book/_ext/editions.py quick)

beside the catalogue of its markdown (<a>.po). Its messages are pieces of the release's code cells, found with
Python's own tokenizer and parser, never by searching the text:

  docstrings   of the cell, a function or a class, in every cell nbgrader marks (answer, test, read-only);
  messages     the string or f-string literal that an assert, a print or a raise gives, in test and read-only
               cells (an answer cell is the student's code: only its docstrings and comments are prose);
  comments     whole comments (a block of full-line comments is one message), but nbgrader's markers.

Nothing else: no identifier, no other string ("tanh", a dict key), no code cell without nbgrader's metadata (the
grader runs that as the student left it), nothing of the hidden tests (the release has none).

Translating writes each piece's translation where the piece stands, in its own quotes (an f-string keeps its
placeholders, which are code), and checks the cell: its translated source must parse, and its syntax tree with
the translated pieces blanked (an f-string's text parts, never its placeholders) must equal the English one's.
A translation that breaks this is not written: the English piece stays, and it is reported.

Grading never reads these pieces. The grader records the English release in its gradebook, and nbgrader's
OverwriteCells restores every test and read-only cell from it before the notebook runs (pipeline/config.py has
it in autograde's preprocessors); the answer cells are the student's, and a docstring does not change what a
function returns. tests/test_korean_code_cells.py grades the same answers in both languages and compares.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from typing import NamedTuple

# nbgrader's own lines: the release and the grader look for them as written
NBGRADER_MARKER = re.compile(r"^#+\s*(?:YOUR CODE HERE|YOUR ANSWER HERE|BEGIN SOLUTION|END SOLUTION|"
                             r"BEGIN HIDDEN TESTS|END HIDDEN TESTS)\s*$")
STRING_START = re.compile(r"(?i)([rbuf]*)('''|\"\"\"|'|\")")
ANSWER, GIVEN = "answer", "given"  # a cell the student writes in; a test or read-only cell the grader restores


KINDS = {"docstring": "a docstring", "assert": "an assert's message", "print": "what a print shows",
         "raise": "an error's message", "comment": "a comment"}


@dataclass(frozen=True)
class Piece:
    """One piece of prose in a cell's source: where it stands, what a catalogue translates, how it is written."""
    kind: str        # "docstring", "assert", "print", "raise" (the message each gives), "comment"
    start: int       # its characters in the source: source[start:end], the whole token(s)
    end: int
    message: str     # the catalogue's msgid: the text between the quotes (a docstring dedented), a comment's text
    opening: str     # "f\"" or "\"\"\"" before the text; "# " before each line of a comment
    closing: str     # the closing quote; "" for a comment
    indent: str      # what starts each further line: a docstring's indentation, a comment block's column
    tail: str = ""   # a docstring's last line before its closing quotes ("\n    ")
    joint: str = ""  # of a literal written as adjacent strings ("a "\n    "b"): what stands between two of them
    width: int = 0   # and the longest one's text: a translation is wrapped to it, at spaces

    @property
    def is_fstring(self) -> bool:
        return "f" in self.opening.lower()

    def written(self, text: str) -> str:
        """`text` (this piece's message or its translation) as it stands in the source, in place of the piece."""
        lines = text.split("\n")
        if self.kind == "comment":
            return ("\n" + self.indent).join((self.opening + line).rstrip() for line in lines)
        if self.joint:
            return self.opening + (self.closing + self.joint + self.opening).join(_wrapped(text, self.width)) \
                + self.closing
        further = "".join("\n" + (self.indent + line if line.strip() else "") for line in lines[1:])
        return self.opening + lines[0] + further + self.tail + self.closing


def cell_role(cell: dict) -> str | None:
    """ANSWER for a cell the student writes in, GIVEN for a test or read-only cell (nbgrader restores those
    before grading), None for a cell nbgrader does not mark (the student's as it stands: never translated)."""
    nbgrader = cell.get("metadata", {}).get("nbgrader") or {}
    if cell.get("cell_type") != "code" or not nbgrader.get("grade_id"):
        return None
    if nbgrader.get("solution"):
        return ANSWER
    return GIVEN if nbgrader.get("grade") or nbgrader.get("locked") else None


def _docstrings(tree: ast.AST) -> list[ast.Constant]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                found.append(first.value)
    return found


def _is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _messages(tree: ast.AST) -> list[tuple[str, ast.expr]]:
    """(kind, literal) that an assert, a print or a raise gives: what a student reads when a test fails or passes."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and _is_text(node.msg):
            found.append(("assert", node.msg))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            found += [("print", arg) for arg in node.args if _is_text(arg)]
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args \
                and _is_text(node.exc.args[0]):
            found.append(("raise", node.exc.args[0]))
    return found


def prose_nodes(tree: ast.AST, role: str) -> list[tuple[str, ast.expr]]:
    """(kind, node) of the literals of a parsed cell that are prose: its docstrings, and in a GIVEN cell also
    the messages of its asserts, prints and raises."""
    nodes = [("docstring", node) for node in _docstrings(tree)]
    return nodes + _messages(tree) if role == GIVEN else nodes


def _string_tokens(tokens: list[tokenize.TokenInfo]) -> list[tuple[tuple[int, int], tuple[int, int], str]]:
    """(start, end, text) of every whole string literal; Python 3.12 splits an f-string into several tokens."""
    found, depth, opened = [], 0, None
    for token in tokens:
        name = tokenize.tok_name[token.type]
        if name == "FSTRING_START":
            depth += 1
            opened = opened or token.start
        elif name == "FSTRING_END":
            depth -= 1
            if depth == 0:
                found.append((opened, token.end, None))
                opened = None
        elif token.type == tokenize.STRING and depth == 0:
            found.append((token.start, token.end, token.string))
    return found


class _Source:
    """A cell's source with its line starts, to turn (row, column) positions into character offsets."""

    def __init__(self, source: str):
        self.text = source
        self.lines = source.splitlines(keepends=True) or [""]
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, row: int, column: int) -> int:
        """The offset of a tokenizer position (row from 1, column in characters)."""
        return self.starts[row - 1] + column

    def node_span(self, node: ast.AST) -> tuple[int, int]:
        """A node's characters; the parser counts columns in UTF-8 bytes."""
        def at(row, byte_column):
            line = self.lines[row - 1] if row - 1 < len(self.lines) else ""
            return self.starts[row - 1] + len(line.encode("utf-8")[:byte_column].decode("utf-8"))
        return at(node.lineno, node.col_offset), at(node.end_lineno, node.end_col_offset)


def _wrapped(text: str, width: int) -> list[str]:
    """`text` cut after spaces into pieces of about `width` characters; never inside an f-string's {...}."""
    pieces, current, depth = [], "", 0
    for character in text:
        current += character
        depth += {"{": 1, "}": -1}.get(character, 0)
        if character == " " and depth == 0 and len(current) >= width:
            pieces.append(current)
            current = ""
    return [*pieces, current] if current or not pieces else pieces


def _string_piece(kind: str, span: tuple[int, int], texts: list[str], joint: str = "") -> Piece:
    """The piece of one string literal, made of one or more adjacent tokens of the same kind ("a" "b")."""
    openings, bodies = set(), []
    for text in texts:
        prefix, quote = STRING_START.match(text).groups()
        openings.add((prefix, quote))
        bodies.append(text[len(prefix) + len(quote):len(text) - len(quote)])
    if len(openings) != 1:
        raise ValueError(f"a literal made of strings of different kinds ({' '.join(texts)[:60]}...): write its "
                         "message as one literal, so that it can be translated")
    prefix, quote = openings.pop()
    body = "".join(bodies)
    if len(texts) > 1:
        return Piece(kind, *span, body, prefix + quote, quote, "", joint=joint, width=max(map(len, bodies)))
    if kind != "docstring" or "\n" not in body:
        return Piece(kind, *span, body, prefix + quote, quote, "")
    first, *rest = body.split("\n")
    tail = ""
    if rest and not rest[-1].strip():  # the closing quotes' own line
        tail = "\n" + rest.pop()
    indents = [len(line) - len(line.lstrip()) for line in rest if line.strip()]
    width = min(indents, default=0)
    indent = next((line[:width] for line in rest if line.strip()), "")
    message = "\n".join([first, *(line[width:] if line.strip() else "" for line in rest)])
    return Piece(kind, *span, message, prefix + quote, quote, indent, tail)


def prose_pieces(source: str, role: str | None) -> list[Piece]:
    """The pieces of prose of a cell's source, in the order they stand; [] for a cell that is not marked, or
    whose source does not parse (a student's; the release always parses)."""
    if role is None:
        return []
    try:
        tree = ast.parse(source)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (SyntaxError, tokenize.TokenError, ValueError):
        return []
    text = _Source(source)
    strings = [(text.offset(*start), text.offset(*end), token) for start, end, token in _string_tokens(tokens)]
    pieces = []
    for kind, node in prose_nodes(tree, role):
        start, end = text.node_span(node)
        inside = [(s, e, token if token is not None else source[s:e]) for s, e, token in strings
                  if start <= s and e <= end]
        if inside:
            joint = source[inside[0][1]:inside[1][0]] if len(inside) > 1 else ""
            pieces.append(_string_piece(kind, (inside[0][0], inside[-1][1]), [token for _, _, token in inside],
                                        joint))
    pieces += _comment_pieces(tokens, text)
    return sorted(pieces, key=lambda piece: piece.start)


def _comment_pieces(tokens: list[tokenize.TokenInfo], text: _Source) -> list[Piece]:
    """Comments as pieces: consecutive full-line comments at one column are one message, a line each; a comment
    after code is one of its own."""
    pieces, block = [], []

    def close():
        if block:
            line = block[0].line
            indent = line[:len(line) - len(line.lstrip())]
            message = "\n".join(re.sub(r"^#+ ?", "", token.string).rstrip() for token in block)
            pieces.append(Piece("comment", text.offset(*block[0].start), text.offset(*block[-1].end), message,
                                "# ", "", indent))
            block.clear()

    for token in tokens:
        if token.type != tokenize.COMMENT or NBGRADER_MARKER.match(token.string.strip()):
            continue
        whole_line = not token.line[:token.start[1]].strip()
        if not (whole_line and block and not block[-1].line[:block[-1].start[1]].strip()
                and token.start == (block[-1].start[0] + 1, block[-1].start[1])):
            close()
        block.append(token)
    close()
    return pieces


class Broken(NamedTuple):
    """A translation that would change the code: its message, and how (code_change's words)."""
    message: str
    change: str


def translate_source(source: str, role: str | None,
                     translations: dict[str, str]) -> tuple[str, list[str], list[Broken]]:
    """`source` with each piece of prose that `translations` has written in its translation.

    Returns (source, messages without a translation, broken translations): a translation that would change the
    code is left out, its English piece stays."""
    pieces = prose_pieces(source, role)
    if not pieces:
        return source, [], []
    chosen = {piece: translations[piece.message] for piece in pieces
              if translations.get(piece.message) not in (None, piece.message)}
    untranslated = [piece.message for piece in pieces if piece.message not in translations]
    english, broken = code_skeleton(source, role), []
    translated = _written(source, chosen)
    if not chosen or not code_change(english, translated, role):
        return translated, untranslated, broken
    for piece, translation in list(chosen.items()):  # which translation breaks it: each one alone
        change = code_change(english, _written(source, {piece: translation}), role)
        if change:
            broken.append(Broken(piece.message, change))
            del chosen[piece]
    translated = _written(source, chosen)
    change = code_change(english, translated, role)
    if change:  # each translation alone keeps the code, so this is this module's fault, not a translator's
        raise AssertionError(f"the translated cell {change}:\n{translated}")
    return translated, untranslated, broken


def _written(source: str, translations: dict[Piece, str]) -> str:
    for piece in sorted(translations, key=lambda piece: piece.start, reverse=True):
        source = source[:piece.start] + piece.written(translations[piece]) + source[piece.end:]
    return source


def code_skeleton(source: str, role: str) -> str:
    """The cell's syntax tree with its prose blanked: the docstrings' and messages' text (an f-string keeps its
    placeholders, their conversions and format specs, in order). Comments are never in the tree."""
    tree = ast.parse(source)
    for _, node in prose_nodes(tree, role):
        if isinstance(node, ast.Constant):
            node.value = ""
        else:
            node.values = [value for value in node.values if isinstance(value, ast.FormattedValue)]
    return ast.dump(tree)


def code_change(english_skeleton: str, translated: str, role: str) -> str:
    """How `translated` differs, in anything but its prose, from the English cell whose code_skeleton is
    `english_skeleton`, in words; "" when it does not."""
    try:
        skeleton = code_skeleton(translated, role)
    except SyntaxError as error:
        return f"does not parse ({error.msg}, line {error.lineno})"
    if skeleton != english_skeleton:
        return "changes the code (compare the placeholders {...}, quotes and line breaks with the English)"
    return ""


# ----------------------------------------------------------------------------- English left in a translation
# Words a translation keeps as they are: docstring section labels (read by tools), library and type names,
# math functions. A word that is code (has _ . or a digit, is followed by ( or [, is in capitals, or is a name
# the notebook's code uses) is kept too; the English function words below never are, whatever the code calls
# its variables ("expected", "got").
KEPT_WORDS = frozenset("""Args Returns Raises Yields numpy Python PyTorch torch float int bool str dict tuple list
None True False inf nan NaN ln exp log sqrt sum max min abs tanh relu sigmoid softmax argmax onehot eps ReLU
id""".split())
FUNCTION_WORDS = frozenset("""the an of and or is are was be been must should would will can with for to in on at by
from not each every its it has have had gave got expected this that than these those same as into over after
before only all no one two three your you when where which what""".split())
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
QUOTED = re.compile(r"(['\"])[^'\"\n]*\1")
CITATION = re.compile(r"\b[A-Z][A-Za-z-]+ (?:et al\.|& [A-Z][A-Za-z-]+)")  # Cho et al., Gers & Schmidhuber
PLACEHOLDER = re.compile(r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")


def code_names(sources: list[str]) -> set[str]:
    """Every name the code of `sources` uses or defines, its strings that are names ("W_f", "after"), and the
    names its docstrings list (arguments, return values)."""
    names = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            for field in ("id", "arg", "attr", "name"):
                value = getattr(node, field, None)
                if isinstance(value, str):
                    names.add(value)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
                names.add(node.value)
        for docstring in _docstrings(tree):  # what a docstring lists: "x_t, h_prev: ..."
            for entry in re.findall(r"^\s*([A-Za-z_]\w*(?:,\s*[A-Za-z_]\w*)*)\s*:", docstring.value, re.M):
                names.update(re.split(r",\s*", entry))
    return names


def english_words(text: str, names: set[str], fstring: bool = False) -> list[str]:
    """The English words of a translated piece, in order: what is neither code, nor a quoted string, nor an
    f-string's placeholder, nor a citation (Cho et al.), nor a word kept on purpose (KEPT_WORDS); [] when it
    reads as Korean."""
    if fstring:
        text = PLACEHOLDER.sub(" ", text)
    text = CITATION.sub(" ", QUOTED.sub(" ", text))
    found = []
    for match in WORD.finditer(text):
        word, before, after = match.group(), text[max(match.start() - 1, 0):match.start()], text[match.end():]
        if word.lower() in FUNCTION_WORDS:
            found.append(word)
            continue
        entry = re.fullmatch(r"\s*", text[text.rfind("\n", 0, match.start()) + 1:match.start()]) and \
            after.startswith(":")  # a docstring's argument or return value: "grad: ..."
        code = ("_" in word or "." in word or any(c.isdigit() for c in word) or after[:1] in tuple("([/^")
                or re.match(r" \([A-Z0-9]", after)  # a name and its shape: "dx (N, D)"
                or before in ("/", "^") or len(word) == 1 or word.isupper() or any(c.isupper() for c in word[1:]))
        code = code or bool(entry)
        if not (code or word in names or word in KEPT_WORDS):
            found.append(word)
    return found


# ----------------------------------------------------------------------------- what the messages printed
MESSAGE_KINDS = ("assert", "print", "raise")


def literal_parts(literal: str) -> list[str | None]:
    """A message literal's text as it prints: its constant parts, None where an f-string's placeholder stands."""
    node = ast.parse(f"({literal})", mode="eval").body
    if isinstance(node, ast.Constant):
        return [node.value]
    return [value.value if isinstance(value, ast.Constant) else None for value in node.values]


def placeholder_values(text: str, parts: list[str | None]) -> list[str] | None:
    """What each placeholder printed, if `text` is what a message of these parts prints; else None. Read in one
    pass, each placeholder up to the first place the next constant part stands (never a regular expression:
    the text is the student's kernel's, of any length)."""
    values, position = [], 0
    for index, part in enumerate(parts):
        if part is not None:
            if not text.startswith(part, position):
                return None
            position += len(part)
            continue
        following = parts[index + 1] if index + 1 < len(parts) else None
        if index + 1 < len(parts) and following is None:
            return None  # two placeholders side by side: where one ends is anyone's guess
        if following is None:
            end = len(text)
        elif index + 2 == len(parts):  # the last constant part ends the text
            end = len(text) - len(following) if text.endswith(following) else -1
        else:
            end = text.find(following, position)
        if end < position:
            return None
        values.append(text[position:end])
        position = end
    return values if position == len(text) else None


def printed_in(text: str, english: list[str | None], translated: list[str | None]) -> str | None:
    """`text`, printed by the message of parts `english`, as the message of parts `translated` prints it (the
    same values in its placeholders, in order); None when the message did not print `text`."""
    values = placeholder_values(text, english)
    if values is None or len(values) != translated.count(None):
        return None
    remaining = iter(values)
    return "".join(next(remaining) if part is None else part for part in translated)
