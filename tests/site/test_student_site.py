"""The whole student edition, its site included, as `make student` builds it in _build/student (make test-site).

The same search as tests/test_student_edition.py (tests/edition_leaks.py), over the site too; and every button of
the student site (repository, Binder, Colab) opens the student edition, whose address is _config.yml's
`student_edition`, never this repository; and what a launch button opens is in the edition. The browser test
(tests/site/test_site.py) then runs on the student site as well: `make test-site` runs it with SITE_DIR set.
"""
import os
import re

import pytest
import yaml

from conftest import REPO_ROOT

import edition_leaks

EDITION = os.path.join(REPO_ROOT, "_build", "student")
SITE = os.path.join(EDITION, "site")

pytestmark = pytest.mark.skipif(not os.path.isfile(os.path.join(SITE, "index.html")),
                                reason="no student edition with its site: run `make student`")


def config():
    with open(os.path.join(REPO_ROOT, "_config.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_nothing_in_the_student_edition_gives_an_answer_away():
    findings = edition_leaks.search(EDITION)
    print(f"searched {findings.files} files, {findings.bytes / 2 ** 20:.1f} MiB")
    assert not findings.leaks, "\n".join(findings.leaks)


def test_every_button_opens_the_student_edition():
    student = config()["student_edition"]["url"].rstrip("/")
    instructors = config()["repository"]["url"].rstrip("/")
    owner_and_name = student.split("github.com/")[1]
    branch = config()["repository"]["branch"]
    pages, problems, launched = 0, [], set()
    for folder, _, names in os.walk(SITE):
        for name in names:
            if not name.endswith(".html"):
                continue
            pages += 1
            text = open(os.path.join(folder, name), encoding="utf-8").read()
            for href in re.findall(r'href="(https://[^"]+)"', text):
                if instructors in href and not href.startswith(student):
                    problems.append(f"{name}: {href}")
                binder = re.match(rf"https://mybinder.org/v2/gh/{owner_and_name}/{branch}\?urlpath=tree/(.+)", href)
                colab = re.match(rf"https://colab.research.google.com/github/{owner_and_name}/blob/{branch}/(.+)",
                                 href)
                if binder or colab:
                    launched.add((binder or colab).group(1))
                elif "mybinder" in href or "colab.research" in href:
                    problems.append(f"{name}: a launch button elsewhere: {href}")
    assert pages >= 40 and len(launched) > 10, (pages, sorted(launched))
    missing = sorted(path for path in launched if not os.path.isfile(os.path.join(EDITION, path)))
    assert not problems and not missing, "\n".join(problems + [f"launched but not in the edition: {m}"
                                                                for m in missing])
