"""Isolation of student code: the bubblewrap sandbox (sandbox.py), the kernel zygote (zygote.py), reading a
submission as plain files (safe_files.py), and the kernel shim, the only `autograder` a student's kernel sees.
Standard library only: sandbox.py and zygote.py also run as scripts."""
