"""The grader's shape, read from its own imports: packages in layers that import only downward, no cycle.

    course        where the course lives (standard library only): every layer may know it
    judge         cases, probes, comparison, known mistakes, the wire format, verdict records (numpy only)
    reference     the reference implementations
    hidden        each assignment's hidden cases and known mistakes
    isolation     the sandbox, the zygote, safe file reading, the kernel shim (standard library only)
    i18n          catalogues, translated notebooks, book section titles, the words of a verdict
    student       the student edition's check on practice cases (the check package's front: only course, judge
                  and isolation below it, so that the package is those layers copied whole)
    pipeline      nbgrader's configuration, preprocessors, kernel client, gradebook and feedback exporter
    grading       a class run, one student, the template, the output layout, intake, repair, the report
    (top level)   cli, release, selfcheck, lms, testing, the nbgrader config file

Every import counts, those inside functions too (read with `ast`, so nothing is executed).
"""
import ast
import importlib
import os
import subprocess
import sys

import pytest

from autograder.course import REPO_ROOT, list_assignments

PACKAGE = os.path.join(REPO_ROOT, "autograder")
SHIM = os.path.join(PACKAGE, "isolation", "kernel_shim")
# Which of the grader's layers each may import (itself included).
MAY_IMPORT = {
    "course": set(),
    "judge": {"judge"},
    "reference": {"reference"},
    "hidden": {"hidden", "judge", "reference"},
    "isolation": {"isolation"},
    "i18n": {"i18n", "course", "judge", "hidden"},
    "student": {"student", "course", "judge", "isolation"},
    "pipeline": {"pipeline", "course", "judge", "hidden", "isolation", "i18n"},
    "grading": {"grading", "course", "judge", "hidden", "isolation", "i18n", "pipeline"},
    "top": {"top", "course", "judge", "reference", "hidden", "isolation", "i18n", "pipeline", "grading", "student"},
}
# Outside the standard library, what a layer may import at all (None: anything).
THIRD_PARTY = {
    "course": set(),
    "judge": {"numpy", "torch"},  # torch only to decode an emitted tensor (wire.py), never nbgrader & co.
    "isolation": {"ipykernel"},   # only in the zygote's forked kernel, which serves ipykernel
    # what the check package requires (autograder/edition.py, CHECK_REQUIREMENTS)
    "student": {"numpy", "nbformat", "nbclient", "jupyter_client"},
}
NEVER_IN_JUDGE = ("nbgrader", "nbformat", "nbconvert", "nbclient", "jupyter_client", "traitlets")
# Imports of the grader's own modules inside a function: each buys measured start-up time (the figure is in the
# comment above it). Any other belongs at the top of its module.
LAZY = {("autograder", "autograder.selfcheck"), ("autograder", "autograder.diagnosis"),
        ("autograder.cli", "autograder.release"),
        ("autograder.grading.run", "autograder.grading.student"),
        ("autograder.grading.run", "autograder.grading.template")}


def module_name(path):
    name = os.path.relpath(path, REPO_ROOT)[:-3].replace(os.sep, ".")
    return name[:-len(".__init__")] if name.endswith(".__init__") else name


def grader_modules():
    """{module name: path} of every module of the grader, but the kernel shim (the kernel's own package)."""
    found = {}
    for folder, _, files in os.walk(PACKAGE):
        if folder.startswith(SHIM):
            continue
        for name in files:
            if name.endswith(".py"):
                found[module_name(os.path.join(folder, name))] = os.path.join(folder, name)
    return found


MODULES = grader_modules()


def layer(module):
    parts = module.split(".")
    if module == "autograder.course":
        return "course"
    if len(parts) == 1:
        return "top"
    if len(parts) > 2 or os.path.isdir(os.path.join(PACKAGE, *parts[1:2])):
        return parts[1]
    return "top"


def imports(module):
    """[(imported module, line, inside a function)] of a module: every import statement, wherever it stands."""
    path = MODULES[module]
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    package = module if path.endswith("__init__.py") else module.rsplit(".", 1)[0]
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(id(sub) for sub in ast.walk(node) if sub is not node)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in inside) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            for alias in node.names:  # `from . import hidden` imports a module; `from .x import f` the module x
                candidate = f"{target}.{alias.name}"
                found.append((candidate if candidate in MODULES else target, node.lineno, id(node) in inside))
    return found


def grader_edges():
    """{module: {grader module it imports}}, a package's face counting as the package."""
    edges = {}
    for module in MODULES:
        edges[module] = set()
        for target, _, _ in imports(module):
            while target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in MODULES and target != module and target != "autograder":
                edges[module].add(target)
    return edges


def cycles(edges):
    """The strongly connected components of more than one node (Tarjan), sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def test_every_import_goes_down_the_layers():
    wrong = [f"{module} ({layer(module)}) imports {target} ({layer(target)})"
             for module, targets in grader_edges().items() for target in targets
             if layer(target) not in MAY_IMPORT[layer(module)]]
    assert not wrong, "\n".join(wrong)


def test_no_cycle_of_modules_or_of_packages():
    edges = grader_edges()
    assert cycles(edges) == []
    packages = {}
    for module, targets in edges.items():
        packages.setdefault(layer(module), set()).update(layer(t) for t in targets if layer(t) != layer(module))
    assert cycles(packages) == []


@pytest.mark.parametrize("chosen", sorted(THIRD_PARTY))
def test_a_layer_imports_only_what_it_may_from_outside(chosen):
    allowed = THIRD_PARTY[chosen] | set(sys.stdlib_module_names) | {"__future__", "autograder"}
    wrong = [f"{module}:{line} imports {target}" for module in MODULES if layer(module) == chosen
             for target, line, _ in imports(module) if target.split(".")[0] not in allowed]
    assert not wrong, "\n".join(wrong)


def test_the_judge_knows_nothing_of_nbgrader_or_jupyter():
    wrong = [f"{module}:{line} imports {target}" for module in MODULES if layer(module) == "judge"
             for target, line, _ in imports(module) if target.split(".")[0] in NEVER_IN_JUDGE]
    assert not wrong, "\n".join(wrong)


def test_the_grader_imports_its_own_modules_at_the_top_but_where_it_buys_start_up_time():
    lazy = set()
    for module in MODULES:
        for target, line, in_function in imports(module):
            if in_function and target.startswith("autograder"):
                lazy.add((module, target))
                above = open(MODULES[module], encoding="utf-8").read().splitlines()[max(0, line - 6):line - 1]
                assert any("s of CPU" in text for text in above), f"{module}:{line}: no measured figure above it"
    assert lazy == LAZY


def test_no_private_name_is_imported_from_another_module():
    wrong = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("autograder")):
                wrong += [f"{module}: {alias.name}" for alias in node.names if alias.name.startswith("_")]
    assert not wrong, "\n".join(wrong)


def test_every_dotted_name_in_the_nbgrader_configuration_resolves():
    from autograder.pipeline.config import course_config

    names = []
    for section in course_config().values():
        for value in section.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and item.split(".")[0] in ("autograder", "nbgrader", "nbconvert"):
                    names.append(item)
    assert len(names) >= 12, names
    for name in names:
        module, _, attribute = name.rpartition(".")
        assert hasattr(importlib.import_module(module), attribute), name


@pytest.mark.parametrize("practice", [False, True], ids=["hidden", "practice"])
@pytest.mark.parametrize("assignment", list_assignments())
def test_cases_run_in_a_kernel_without_the_autograder_package(assignment, practice, tmp_path):
    """The grader pickles the cases by value; a kernel with no autograder package must be able to run them. So
    must a student's, with the student edition's practice cases."""
    from autograder import hidden

    path = tmp_path / "cases.pkl"
    hidden.write_cases_file(assignment, str(path), practice_cases=practice)
    script = f"""
import pickle, sys
assert not any("autograder" in m for m in sys.modules)
cases = pickle.load(open({str(path)!r}, "rb"))[{assignment!r}]
def student(*args, **kwargs):
    return args[0]
ran = 0
for name, function_cases in cases.items():
    for case in function_cases:
        try:
            case.outputs(student)
        except (AssertionError, TypeError, KeyError, ValueError, AttributeError, IndexError, RuntimeError):
            pass  # a wrong answer may fail inside a probe; a missing module may not
        ran += 1
assert not any(m.startswith("autograder") for m in sys.modules), [m for m in sys.modules if "autograder" in m]
print(ran)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    module = hidden.practice(assignment) if practice else hidden.load(assignment)
    assert int(result.stdout) == sum(len(c) for c in module.CHECKS.values())


def test_every_test_file_a_source_names_exists():
    """A docstring that sends its reader to a test must name one that is there."""
    import re

    named = set()
    for folder in ("autograder", "book", "benchmarks", "tests"):
        for root, _, files in os.walk(os.path.join(REPO_ROOT, folder)):
            for name in files:
                if name.endswith(".py"):
                    text = open(os.path.join(root, name), encoding="utf-8").read()
                    named |= set(re.findall(r"\btests/[\w/]+\.py\b", text))
    assert named and all(os.path.isfile(os.path.join(REPO_ROOT, path)) for path in named), \
        sorted(path for path in named if not os.path.isfile(os.path.join(REPO_ROOT, path)))


def public_functions(tree):
    """The public functions of a module and the public methods of its public classes, those defined under a
    top-level `if` or `try` (e.g. `if torch is not None:`) included."""
    nodes = []
    for node in tree.body:
        nodes += [node] if not isinstance(node, (ast.If, ast.Try)) else \
            [n for block in (node.body, node.orelse, getattr(node, "finalbody", [])) for n in block]
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in nodes:
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            yield from (n for n in node.body if isinstance(n, functions) and not n.name.startswith("_"))
        elif isinstance(node, functions) and not node.name.startswith("_"):
            yield node


def test_the_graders_public_functions_are_annotated():
    """Every public function and method of the grader says what it takes and returns: every layer, the reference
    implementations and the hidden modules included. The known mistakes' implementations (hidden/*_mistakes.py)
    are left out: they are entries of a catalogue, not an interface, and their docstrings say what each gets
    wrong."""
    missing = []
    for module, path in MODULES.items():
        if module.startswith("autograder.hidden.") and module.endswith("_mistakes"):
            continue
        tree = ast.parse(open(path, encoding="utf-8").read())
        for function in public_functions(tree):
            arguments = [a for a in function.args.posonlyargs + function.args.args + function.args.kwonlyargs
                         + [function.args.vararg, function.args.kwarg] if a and a.arg not in ("self", "cls")]
            if function.returns is None or any(a.annotation is None for a in arguments):
                missing.append(f"{module}.{function.name}")
    assert not missing, missing
