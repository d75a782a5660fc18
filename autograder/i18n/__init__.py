"""The course in other languages: catalogue lookups and notebook translation (translation.py), book section
titles (sections.py), the words of a verdict (hints.py) and the grader's catalogue template (template.py)."""
