"""Everything tied to nbgrader's and jupyter_client's internals: the course's nbgrader configuration
(config.py), its preprocessors (execute.py, hidden_tests.py, outputs.py), the kernel client
(kernel_client.py), the gradebook (gradebook.py) and the feedback exporter (feedback.py)."""
