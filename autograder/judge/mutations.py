"""Fault models inside the reference: the reference with one point of its code changed, each change of one kind.

The reference (and each private helper of its module that it calls: a loop, a derivative kept apart from the
graded function) is parsed, and every point where a student's typical slip can occur yields one model, the
reference with that point changed and nothing else:

    a + b, a - b     one side dropped          missing-term (the state a loop carries: time)
    a - b <-> a + b  the sign of a term        sign
    -a               the minus dropped         sign
    a * b            one factor dropped        missing-term (a number: scale; inside a derivative,
                                               1 - n for 1 - n ** 2: activation)
    a / b            the division dropped,     scale
                     or a multiplication
    a @ b, W.T       a transpose dropped,      transpose
                     or one too many
    tanh(a)          sigmoid for it, or        activation; missing-term
                     left out
    axis=k           another axis              axis
    x.sum(...)       a mean for the sum        scale
    [a, b], a, b =   two items exchanged       swap       (a concatenation, an unpacking, a returned tuple)
    x[..., -1]       the first for the last    time       (and the last for the first)
    x[:, ::-1]       the reversal dropped      time
    for t in range   walked the other way,     time
                     a step more or less
    if test:         always or never taken,    boundary   (activation where it picks a nonlinearity by name; a
                     > for >=                             mask's test never taken: missing-term)

The classes follow the catalogue's labels (FAULTS): a nonlinearity or derivative left out is a missing term, one
replaced by another is an activation fault. A model's `where` names only the function's parameters and the dict
keys (params['W_f'] -> W_f) in the changed code: what the student's docstring names, never the reference's code.
"""
from __future__ import annotations

import ast
import copy
import inspect
import textwrap
import types
from typing import Any, Callable, Iterator, NamedTuple

MAX_MUTANTS = 150  # per function; a point's alternatives come in the order of the code


class Mutant(NamedTuple):
    name: str
    fault: str
    where: str | None
    function: Callable      # the changed function (the reference itself, or one of its helpers)
    replaces: Callable      # the function it stands for


def mutants(reference: Callable, skip: set[int]) -> list[Mutant]:
    """The mutants of a reference and of the private helpers of its module it calls (functions whose id is in
    `skip`, the graded functions and the nonlinearities, are left to the other models). For a class (an
    nn.Module to write), its own methods but the constructor: each mutant is then a subclass."""
    if inspect.isclass(reference):
        return _class_mutants(reference)
    found: list[Mutant] = []
    for target in [reference, *_helpers(reference, skip | {id(reference)})]:
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(target)))
        except (OSError, TypeError, SyntaxError):
            continue
        definition = tree.body[0]
        if not isinstance(definition, ast.FunctionDef):
            continue
        _strip(definition)
        public = _public_names(definition, reference)
        for k, (changed, fault, names) in enumerate(_changes(definition)):
            function = _compiled(changed, target)
            if function is None:
                continue
            where = ", ".join(n for n in dict.fromkeys(names) if n in public) or None
            found.append(Mutant(f"{target.__name__}: change {k + 1} ({fault}{', ' + where if where else ''})",
                                fault, where, function, target))
            if len(found) >= MAX_MUTANTS:
                return found
    return found


def _class_mutants(cls: type) -> list[Mutant]:
    found = []
    for name, method in vars(cls).items():
        if name.startswith("__") or not isinstance(method, types.FunctionType):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
        except (OSError, TypeError, SyntaxError):
            continue
        definition = tree.body[0]
        if any(isinstance(n, ast.Name) and n.id == "super" for n in ast.walk(definition)):
            continue  # a zero-argument super() needs the class cell a recompiled method lacks
        _strip(definition)
        public = ({a.arg for a in definition.args.args} - {"self"}) | {
            n.attr for n in ast.walk(definition) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
            and n.value.id == "self"}
        for k, (changed, fault, names) in enumerate(_changes(definition)):
            function = _compiled(changed, method)
            if function is None:
                continue
            where = ", ".join(n for n in dict.fromkeys(names) if n in public) or None
            subclass = type(cls.__name__, (cls,), {name: function, "__module__": cls.__module__})
            found.append(Mutant(f"{cls.__name__}.{name}: change {k + 1} ({fault}{', ' + where if where else ''})",
                                fault, where, subclass, cls))
            if len(found) >= MAX_MUTANTS:
                return found
    return found


def _helpers(reference: Callable, skip: set[int]) -> list[Callable]:
    """Plain functions of the reference's own module that its body calls by name, but for those in `skip`."""
    module = reference.__module__
    found = []
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(reference)))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            target = reference.__globals__.get(node.func.id)
            if isinstance(target, types.FunctionType) and target.__module__ == module and id(target) not in skip \
                    and target not in found:
                found.append(target)
    return found


def _strip(definition: ast.FunctionDef) -> None:
    """Annotations and the docstring go: the first need the module's typing names, the second is no code."""
    definition.returns = None
    definition.decorator_list = []
    for arg in [*definition.args.args, *definition.args.kwonlyargs, *definition.args.posonlyargs,
                definition.args.vararg, definition.args.kwarg]:
        if arg is not None:
            arg.annotation = None
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        definition.body = body[1:] or [ast.Pass()]


def _public_names(definition: ast.FunctionDef, reference: Callable) -> set[str]:
    """The names a student knows: the graded function's parameters, and the string keys the code reads."""
    names = set(inspect.signature(reference).parameters) | {a.arg for a in definition.args.args}
    for node in ast.walk(definition):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and isinstance(node.slice.value, str):
            names.add(node.slice.value)
    return names


def _compiled(definition: ast.FunctionDef, original: Callable) -> Callable | None:
    """The changed definition as a function with the original's globals (the live module) and defaults."""
    module = ast.fix_missing_locations(ast.Module(body=[definition], type_ignores=[]))
    try:
        code = compile(module, f"<changed {original.__name__}>", "exec")
    except (SyntaxError, ValueError, TypeError):
        return None
    function_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    function = types.FunctionType(function_code, original.__globals__, original.__name__, original.__defaults__)
    function.__kwdefaults__ = original.__kwdefaults__
    return function


# ------------------------------------------------------------------------------------------------ the changes
def _changes(definition: ast.FunctionDef) -> Iterator[tuple[ast.FunctionDef, str, list[str]]]:
    """Every single-point change of the definition: (the changed copy, its class, the names it touches)."""
    carried = _loop_carried(definition)
    points = list(_points(definition))
    for index, (node, _) in enumerate(points):
        for replacement, fault, names in _alternatives(node, carried, _inside_derivative(node, definition)):
            changed = copy.deepcopy(definition)
            target = list(_points(changed))[index][0]
            if _replace(changed, target, replacement):
                yield changed, fault, names


def _points(tree: ast.AST) -> Iterator[tuple[ast.AST, None]]:
    """The nodes a change may touch, in the order of the code (ast.walk is breadth-first, which is stable)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Attribute, ast.Call, ast.List, ast.Subscript, ast.For,
                             ast.Assign, ast.Return, ast.If)):
            yield node, None


def _replace(tree: ast.AST, target: ast.AST, replacement: ast.AST) -> bool:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, field, replacement)
                return True
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is target:
                        value[i] = replacement
                        return True
    return False


def _names(node: ast.AST) -> list[str]:
    """Names and string keys a node reads (params['W_f'] -> params, W_f)."""
    found = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.append(sub.id)
        elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
            found.append(sub.attr)  # a module's own parameter, self.weight_ih
        elif isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Constant) \
                and isinstance(sub.slice.value, str):
            found.append(sub.slice.value)
    return found


def _loop_carried(definition: ast.FunctionDef) -> set[str]:
    """Names assigned inside a for loop's body and read there too: the state a loop carries from step to step."""
    carried = set()
    for loop in [n for n in ast.walk(definition) if isinstance(n, ast.For)]:
        assigned = {t.id for n in ast.walk(loop) if isinstance(n, (ast.Assign, ast.AugAssign))
                    for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                    for t in (t.elts if isinstance(t, ast.Tuple) else [t]) if isinstance(t, ast.Name)}
        read = {n.id for n in ast.walk(loop) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        carried |= assigned & read
    return carried


def _is_derivative(node: ast.AST) -> bool:
    """1 - y ** 2, 1 - y * y, y * (1 - y): the derivative of tanh or of the sigmoid, from its output."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and _is_one(node.left):
        right = node.right
        return isinstance(right, ast.BinOp) and (
            (isinstance(right.op, ast.Pow) and isinstance(right.right, ast.Constant) and right.right.value == 2)
            or (isinstance(right.op, ast.Mult) and ast.dump(right.left) == ast.dump(right.right)))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return any(isinstance(b, ast.BinOp) and isinstance(b.op, ast.Sub) and _is_one(b.left)
                   and ast.dump(b.right) == ast.dump(a) for a, b in ((node.left, node.right), (node.right, node.left)))
    return False


def _inside_derivative(node: ast.AST, definition: ast.FunctionDef) -> bool:
    """Whether the node lies strictly inside a derivative (n * n in 1 - n * n): a change there is a wrong derivative;
    the derivative dropped whole, a missing term."""
    return any(_is_derivative(candidate) and candidate is not node and any(sub is node for sub in ast.walk(candidate))
               for candidate in ast.walk(definition))


def _is_one(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in (1, 1.0)


def _is_number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


def _alternatives(node: ast.AST, carried: set[str], derivative: bool) -> list[tuple[ast.AST, str, list[str]]]:
    """The changes of one node: (replacement, class, names touched); `derivative`: the node lies inside one."""
    out: list[tuple[ast.AST, str, list[str]]] = []

    def dropped(kept: ast.AST, gone: ast.AST):
        names = _names(gone)
        if derivative:  # 1 - n for 1 - n ** 2: the derivative is wrong, not left out
            return kept, "activation", names
        if isinstance(gone, ast.Name) and gone.id in carried:
            return kept, "time", names
        return kept, "missing-term", names
    if isinstance(node, ast.BinOp):
        left, right = node.left, node.right
        if isinstance(node.op, ast.Add):
            out += [dropped(left, right), dropped(right, left),
                    (ast.BinOp(left, ast.Sub(), right), "sign", _names(right))]
        elif isinstance(node.op, ast.Sub) and not _is_number(left):
            out += [dropped(left, right), (ast.BinOp(left, ast.Add(), right), "sign", _names(right))]
        elif isinstance(node.op, ast.Sub):
            out += [(ast.BinOp(left, ast.Add(), right), "sign", _names(right))]
        elif isinstance(node.op, ast.Mult):
            for kept, gone in ((left, right), (right, left)):
                if _is_number(gone):
                    out.append((kept, "scale", _names(kept)))
                elif not _is_number(kept):
                    out.append(dropped(kept, gone))
        elif isinstance(node.op, ast.Div):
            out += [(left, "scale", _names(right)), (ast.BinOp(left, ast.Mult(), right), "scale", _names(right))]
        elif isinstance(node.op, ast.MatMult):  # an operand transposed that is not (a transpose too many)
            for k, operand in enumerate((left, right)):
                if not (isinstance(operand, ast.Attribute) and operand.attr == "T"):
                    transposed = ast.Attribute(copy.deepcopy(operand), "T", ast.Load())
                    pair = (transposed, right) if k == 0 else (left, transposed)
                    out.append((ast.BinOp(*pair[:1], ast.MatMult(), pair[1]), "transpose", _names(operand)))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and not _is_number(node.operand):
        out.append((node.operand, "sign", _names(node.operand)))
    elif isinstance(node, ast.Attribute) and node.attr == "T":
        out.append((node.value, "transpose", _names(node.value)))
    elif isinstance(node, ast.Call):
        out += _call_alternatives(node)
    elif isinstance(node, ast.List) and len(node.elts) == 2 and not any(isinstance(e, ast.Starred)
                                                                        for e in node.elts):
        out.append((ast.List(node.elts[::-1], node.ctx), "swap", _names(node)))
    elif isinstance(node, ast.Assign) and len(node.targets) == 1:
        for side in ("targets", "value"):  # a, b = ... unpacked in the wrong order; ... = a, b built so
            items = node.targets[0] if side == "targets" else node.value
            if isinstance(items, ast.Tuple) and 2 <= len(items.elts) <= 5:
                for changed in _pairs_exchanged(items):
                    statement = copy.deepcopy(node)
                    if side == "targets":
                        statement.targets = [changed]
                    else:
                        statement.value = changed
                    out.append((statement, "swap", _names(items)))
    elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and 2 <= len(node.value.elts) <= 5:
        out += [(ast.Return(changed), "swap", _names(node.value)) for changed in _pairs_exchanged(node.value)]
    elif isinstance(node, ast.Subscript):
        out += _index_alternatives(node)
    elif isinstance(node, ast.For) and isinstance(node.iter, ast.Call):
        out += _loop_alternatives(node)
    elif isinstance(node, ast.If):
        out += _branch_alternatives(node)
    return out


def _branch_alternatives(node: ast.If) -> list[tuple[ast.AST, str, list[str]]]:
    """A condition always taken or never, or its bound moved (> for >=): an edge handled wrongly; where the test
    picks a nonlinearity by name (== "tanh"), the nonlinearity is what goes wrong."""
    strings = {n.value for n in ast.walk(node.test) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    names = _names(node.test)
    fault = "activation" if strings & ACTIVATION_NAMES else "boundary"
    masked = any("mask" in n for n in names)
    test = node.test
    special = isinstance(test, ast.Compare) and all(isinstance(op, (ast.Eq, ast.Is)) for op in test.ops)
    out = []
    # A test for one special value (== 0, is None) never taken: that edge goes unhandled. Always taken, it is no
    # edge any more but the general case done wrong, which is not this class. A test that reads a mask, never
    # taken, leaves the masking out.
    for forced in ((False,) if special and fault == "boundary" else (True, False)):
        changed = copy.copy(node)
        changed.test = ast.Constant(forced)
        out.append((changed, "missing-term" if masked and not forced else fault, names))
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in STRICTNESS:
        changed = copy.copy(node)
        changed.test = ast.Compare(test.left, [STRICTNESS[type(test.ops[0])]()], test.comparators)
        out.append((changed, "boundary", _names(test)))
    return out


ACTIVATION_NAMES = {"sigmoid", "tanh", "relu", "softmax"}
STRICTNESS = {ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Lt: ast.LtE, ast.LtE: ast.Lt}


def _pairs_exchanged(items: ast.Tuple) -> Iterator[ast.Tuple]:
    """The tuple with each pair of its items exchanged, where neither is starred and they differ."""
    for i in range(len(items.elts)):
        for j in range(i + 1, len(items.elts)):
            a, b = items.elts[i], items.elts[j]
            if isinstance(a, ast.Starred) or isinstance(b, ast.Starred) or ast.dump(a) == ast.dump(b):
                continue
            elts = list(items.elts)
            elts[i], elts[j] = b, a
            yield ast.Tuple(elts, items.ctx)


NONLINEARITIES = {"sigmoid": "tanh", "tanh": "sigmoid"}


def _call_alternatives(node: ast.Call) -> list[tuple[ast.AST, str, list[str]]]:
    out = []
    function = node.func
    called = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
    if called in NONLINEARITIES and len(node.args) == 1 and not node.keywords:  # torch.sigmoid(a), np.tanh(c)
        other = copy.deepcopy(function)
        if isinstance(other, ast.Name):
            other.id = NONLINEARITIES[called]
        else:
            other.attr = NONLINEARITIES[called]
        out += [(ast.Call(other, node.args, []), "activation", _names(node.args[0])),
                (node.args[0], "missing-term", _names(node.args[0]))]  # left out
    for k, keyword in enumerate(node.keywords):
        if keyword.arg == "axis" and isinstance(keyword.value, (ast.Constant, ast.UnaryOp)):
            current = ast.literal_eval(keyword.value)
            for axis in (0, 1, -1, None):
                if axis != current and not (current in (-1, 2) and axis == -1):
                    changed = copy.deepcopy(node)
                    changed.keywords[k] = ast.keyword("axis", ast.Constant(axis))
                    out.append((changed, "axis", _names(node.func)))
    if isinstance(function, ast.Attribute) and function.attr == "sum":
        out.append((ast.Call(ast.Attribute(function.value, "mean", function.ctx), node.args, node.keywords), "scale",
                    _names(function.value)))
    if isinstance(function, ast.Name) and function.id == "reversed" and len(node.args) == 1:
        out.append((node.args[0], "time", []))
    return out


def _index_alternatives(node: ast.Subscript) -> list[tuple[ast.AST, str, list[str]]]:
    """x[:, -1] for x[:, 0] and back; x[:, ::-1] without its reversal."""
    out = []
    items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    for k, item in enumerate(items):
        value = _constant_index(item)
        if value in (0, -1):
            swapped = copy.deepcopy(node)
            new = ast.Constant(-1) if value == 0 else ast.Constant(0)
            if isinstance(swapped.slice, ast.Tuple):
                swapped.slice.elts[k] = new
            else:
                swapped.slice = new
            out.append((swapped, "time", _names(node.value)))
        if isinstance(item, ast.Slice) and item.lower is None and item.upper is None and item.step is not None \
                and _constant_index(item.step) == -1:
            plain = copy.deepcopy(node)
            whole = ast.Slice(None, None, None)
            if isinstance(plain.slice, ast.Tuple):
                plain.slice.elts[k] = whole
            else:
                plain.slice = whole
            out.append((plain, "time", _names(node.value)))
    return out


def _constant_index(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, int):
        return -node.operand.value
    return None


def _loop_alternatives(node: ast.For) -> list[tuple[ast.AST, str, list[str]]]:
    """A loop over range(...) walked the other way (or a reversed loop walked forwards: _call_alternatives)."""
    function = node.iter.func
    out = []
    if isinstance(function, ast.Name) and function.id == "range":
        changed = copy.copy(node)
        changed.iter = ast.Call(ast.Name("reversed", ast.Load()), [node.iter], [])
        out.append((changed, "time", []))
        for k, bound in enumerate(node.iter.args[:2]):  # a step too many or too few
            for op in (ast.Add(), ast.Sub()):
                changed = copy.copy(node)
                args = list(node.iter.args)
                args[k] = ast.BinOp(copy.deepcopy(bound), op, ast.Constant(1))
                changed.iter = ast.Call(function, args, [])
                out.append((changed, "time", []))
    return out
