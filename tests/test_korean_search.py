"""The Korean edition's search language (book/_ext/korean_search.py): the particle stripper, and its JavaScript
twin on the query side giving the same stems. The site's real search is tested in the browser (tests/site)."""
import json
import os
import shutil
import subprocess

import pytest

import korean_search  # book/_ext (pyproject.toml)

# (word, stem): the queries of the browser test, and words whose last syllable only looks like a particle
STEMS = [
    ("게이트", "게이트"), ("게이트는", "게이트"), ("게이트들의", "게이트"), ("게이트에서는", "게이트"),
    ("기울기", "기울기"), ("기울기가", "기울기"), ("역전파", "역전파"), ("역전파를", "역전파"), ("역전파하면", "역전파"),
    ("LSTM의", "lstm"), ("GRU의", "gru"), ("gates", "gate"), ("층에서", "층"), ("알고리즘으로", "알고리즘"),
    ("정규화된", "정규화"), ("계산한다", "계산"),
    ("경로", "경로"), ("결과", "결과"), ("차이", "차이"), ("평가", "평가"), ("정의", "정의"), ("대한", "대한"),
    ("위한", "위한"), ("은닉", "은닉"), ("하는", "하는"),
]


@pytest.mark.parametrize("word, stem", STEMS)
def test_the_index_side_strips_particles_and_keeps_stems(word, stem):
    assert korean_search.KoreanSearch({}).stem(word) == stem


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the query side's JavaScript")
def test_the_query_side_javascript_gives_the_same_stems():
    script = korean_search.KoreanSearch.js_stemmer_code + (
        "\nconst stemmer = new Stemmer();\n"
        f"console.log(JSON.stringify({json.dumps([w for w, _ in STEMS], ensure_ascii=False)}"
        ".map(w => stemmer.stemWord(w))));\n")
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(result.stdout) == [korean_search.KoreanSearch({}).stem(w) for w, _ in STEMS]


def test_the_korean_build_registers_the_language_and_its_scorer():
    from types import SimpleNamespace

    registered, hooks = [], []
    app = SimpleNamespace(add_search_language=registered.append, connect=lambda event, f: hooks.append((event, f)),
                          add_config_value=lambda *args: None)
    korean_search.setup(app)
    assert registered == [korean_search.KoreanSearch] and korean_search.KoreanSearch.lang == "ko"
    config = SimpleNamespace(language="ko", html_search_language=None, html_search_scorer="")
    dict(hooks)["config-inited"](app, config)
    assert config.html_search_scorer.endswith("korean_scorer.js") and os.path.isfile(config.html_search_scorer)
