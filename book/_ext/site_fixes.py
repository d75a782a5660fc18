"""Two small fixes to the generated pages, found by the browser test (tests/site).

* sphinx-thebe and sphinx-togglebutton each register their inline configuration script twice under
  Jupyter Book 1.0.4 with Sphinx 7.4; the second `const THEBE_JS_URL` is a SyntaxError in every page.
  Identical inline scripts are kept once.
* pydata-sphinx-theme logs "Got invalid theme mode" as a console error on a first visit, because
  sphinx-book-theme leaves its `default_mode` empty; "auto" (follow the reader's system) is what it means.
"""


def _fix_page(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for script in context.get("script_files", []):
        body = getattr(script, "attributes", {}).get("body")
        key = ("body", body) if body else ("src", str(script))
        if key in seen:
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def setup(app):
    app.connect("html-page-context", _fix_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
