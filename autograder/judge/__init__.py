"""The judge: hidden cases and probes (checking.py, the only code pickled into the student's kernel), the
known mistakes (mistakes.py), the wire format of what travels in notebook outputs (wire.py), and the verdict
records and judging (verdicts.py). numpy only: no nbgrader, nbformat or jupyter_client (tests/test_layers.py)."""
