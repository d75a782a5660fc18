"""Execute the book's chapters two at a time into Jupyter Book's execution cache, before the build.

    python book/_ext/prefill_cache.py [--jobs N]      (make book runs it)

Jupyter Book executes chapters one after another while it reads them: sphinx-external-toc loads an extension
that does not declare itself safe for Sphinx's parallel reading, so `-j` falls back to a serial read. The
chapters are independent notebooks, though, and on two cores two of them run in little more than the time of
one. This script reads each chapter exactly as myst-nb does, executes those the cache does not hold yet with
jupyter-cache's own executor, in N processes, and stores them as myst-nb would. The build then finds every
chapter in the cache and executes nothing; a chapter that fails here is left out, and the build runs it
again and reports its error as usual.
"""
import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "_build" / ".jupyter_cache"  # where `jupyter-book build` keeps it


def chapters():
    """The table of contents' pages that myst-nb executes: MyST notebooks outside the excluded folders."""
    with open(ROOT / "_toc.yml") as handle:
        toc = yaml.safe_load(handle)

    def files(entries):
        for entry in entries:
            yield entry["file"]
            yield from files(entry.get("sections", []))

    for name in [toc["root"], *(f for part in toc["parts"] for f in files(part["chapters"]))]:
        path = ROOT / (name + ".md")
        if path.is_file() and path.read_text(encoding="utf-8").lstrip().startswith("---"):
            yield path


def read(path):
    """The notebook myst-nb makes of a MyST file, with the course's parser settings (_config.yml)."""
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    with open(ROOT / "_config.yml") as handle:
        extensions = yaml.safe_load(handle).get("parse", {}).get("myst_enable_extensions", [])
    config = MdParserConfig(enable_extensions=set(extensions))
    return read_myst_markdown_notebook(path.read_text(encoding="utf-8"), config=config, add_source_map=True,
                                       path=path)


def execute(path, timeout):
    from jupyter_cache.executors.utils import single_nb_execution

    notebook = read(path)
    result = single_nb_execution(notebook, cwd=str(path.parent), allow_errors=False, timeout=timeout,
                                 meta_override=True)
    return path, notebook, result.time, result.err and f"{type(result.err).__name__}: {result.err}"


def fill(cache_path=CACHE, jobs=None):
    """Execute every chapter the cache at cache_path does not hold yet, `jobs` at a time, and store it there.
    Returns {path: the chapter with its outputs} for every chapter cached or executed now, and the paths of
    those that failed (the build runs those again and reports their errors)."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    with open(ROOT / "_config.yml") as handle:
        timeout = yaml.safe_load(handle).get("execute", {}).get("timeout", 30)
    cache = get_cache(str(cache_path))
    done, pending, failed = {}, [], []
    for path in chapters():
        try:
            done[path] = cache.merge_match_into_notebook(read(path))[1]
        except KeyError:
            pending.append(path)
    if not pending:
        return done, failed
    jobs = jobs or os.cpu_count() or 1
    start = time.perf_counter()
    print(f"executing {len(pending)} chapters, {jobs} at a time", flush=True)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for path, notebook, seconds, error in pool.map(execute, pending, [timeout] * len(pending)):
            name = path.relative_to(ROOT)
            if error:  # the build executes it again and reports the error in full
                print(f"  {name}: failed ({error.splitlines()[0][:200]})", flush=True)
                failed.append(path)
                continue
            # "prefilled" lets tests/site/test_build.py check that the build executed nothing itself.
            bundle = CacheBundleIn(notebook, str(path), data={"execution_seconds": seconds, "prefilled": True})
            cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
            done[path] = notebook
            print(f"  {name}: {seconds:.1f} s", flush=True)
    print(f"executed in {time.perf_counter() - start:.0f} s" + (f", {len(failed)} failed" if failed else ""))
    return done, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--cache", default=str(CACHE), help="the build's execution cache (default: %(default)s)")
    args = parser.parse_args()
    fill(args.cache, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
