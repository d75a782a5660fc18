"""What `make book` did: every chapter was executed two at a time before the build, none by the build itself."""
import os

import pytest

from conftest import REPO_ROOT

import prefill_cache  # book/_ext (pyproject.toml)

pytestmark = pytest.mark.skipif(not os.path.isdir(prefill_cache.CACHE), reason="no site built: run `make book`")


@pytest.mark.parametrize("chapter", [p.relative_to(REPO_ROOT).as_posix() for p in prefill_cache.chapters()])
def test_the_build_found_every_chapter_executed_in_the_cache(chapter):
    from jupyter_cache import get_cache

    record = get_cache(str(prefill_cache.CACHE)).match_cache_notebook(
        prefill_cache.read(prefill_cache.ROOT / chapter))
    # myst-nb stores the chapters it executes itself without this mark: it would mean the two readers
    # disagree on the notebook, and the build ran every chapter again, one at a time.
    assert record.data.get("prefilled"), f"{chapter} was executed by the build, not before it"
