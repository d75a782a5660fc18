"""The `autograder` that student kernels see while being graded: only `autograder.hidden`.

The real package (reference implementations, the grader) is not mounted in the sandbox. A hidden test
cell's `hidden.check(name, fn)` lands in hidden/__init__.py here: it runs the student's function on the
hidden inputs and emits the outputs; the verdict is reached outside the kernel (autograder/judge/verdicts.py).
"""
