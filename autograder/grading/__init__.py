"""Grading a class: one run over the submissions (run.py), one student (student.py), the template gradebook
(template.py), the rows and saved results (records.py), every output path and the one atomic write (layout.py),
LMS intake (submissions.py), notebook repair (repair.py) and the class report (report.py)."""
