"""Search for the Korean edition: a Sphinx search language that splits a word into its stem and its particle.

Korean writes a noun and its particle as one word: 게이트는, 역전파를, LSTM의. Sphinx's English search (what a
language it does not know gets) indexes each of those as a word of its own, so a reader who types 게이트는 finds
only the pages that happen to use that exact form. Here both sides strip the particle the same way:

* the index (Python, `KoreanSearch.stem`, run by Sphinx on every word of every page), and
* the query (JavaScript, `Stemmer.stemWord` in the page's language_data.js, run by Sphinx's searchtools.js on
  every word typed), generated from the same list, PARTICLES, so the two cannot drift apart.

A particle is stripped only when a real stem is left: at least two syllables for a one-syllable particle (경로,
결과, 차이 and 평가 keep their last syllable), one for a longer one (층에서 -> 층), or any stem that ends in a
Latin letter or a digit (LSTM의 -> lstm, 식 (3)은 -> 3). So is the ending of a noun made a verb with 하다 or 되다
(역전파하면 -> 역전파, 정규화된 -> 정규화), after a stem of two syllables or more. A plural 들 goes too (게이트들의 -> 게이트). What is left
in Latin letters goes through the English Porter stemmer, as on the English site, so that "gates" in a Korean
page still finds "gate". A section headed by the whole query ranks first (korean_scorer.js). Register with
`app.setup_extension("korean_search")` (book/_ext/bilingual.py does).
"""
import json
import re
from pathlib import Path

from sphinx.search import SearchLanguage
from sphinx.search.en import SearchEnglish, english_stopwords

# Particles (조사) and the copula's commonest forms, longest first so that 에서는 goes before 는.
PARTICLES = tuple(sorted({
    "이", "가", "은", "는", "을", "를", "의", "에", "와", "과", "도", "로", "만",
    "으로", "에서", "에게", "까지", "부터", "마다", "처럼", "보다", "만큼", "이나", "나", "란", "이란", "이라",
    "에는", "에도", "에서는", "에서도", "으로는", "으로도", "로는", "로도", "와는", "과는", "와의", "과의", "에서의",
    "으로의", "로의", "까지의", "부터는", "만으로", "만의", "이다", "이며", "이고", "이지만", "이라는", "라는",
}, key=lambda p: (-len(p), p)))
# The endings of a noun made a verb with 하다/되다 (역전파하면, 계산한다, 정규화된): stripped only after two
# syllables or more, as such nouns are (한 in 대한, 위한 stays).
LIGHT_VERB_ENDINGS = tuple(sorted({
    "하다", "한다", "하는", "하면", "하고", "하여", "해서", "하기", "했다", "하지", "하며", "한", "할", "해",
    "된다", "되는", "되면", "되고", "되어", "돼", "된", "될", "되지", "하려면", "하므로", "되므로",
}, key=lambda p: (-len(p), p)))
# (suffix, the fewest syllables the stem must keep), longest suffix first
SUFFIXES = tuple(sorted([(p, 2 if len(p) == 1 else 1) for p in PARTICLES] + [(e, 2) for e in LIGHT_VERB_ENDINGS],
                        key=lambda pair: (-len(pair[0]), pair[0])))
PLURAL = "들"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9_]")


def strip_particle(word: str) -> str:
    """게이트는 -> 게이트, LSTM의 -> LSTM, 역전파하면 -> 역전파, 경로 -> 경로 (the rule above; the JavaScript mirrors it)."""
    for suffix, shortest_stem in SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            stem = word[:-len(suffix)]
            if LATIN_OR_DIGIT.match(stem[-1]) or len(stem) >= shortest_stem:
                word = stem
                break
    if word.endswith(PLURAL) and len(word) >= 3 and HANGUL.match(word[-2]):
        word = word[:-1]
    return word


class KoreanSearch(SearchLanguage):
    lang = "ko"
    language_name = "Korean"
    stopwords = english_stopwords  # the pages quote English (terms in parentheses, code)

    def init(self, options):
        self._english = SearchEnglish(options)

    def stem(self, word: str) -> str:
        word = strip_particle(word.lower())
        return self._english.stem(word) if word.isascii() else word

    # The query side: Sphinx's Porter stemmer for what is Latin, under another name, and the same particle rule.
    js_stemmer_code = (SearchEnglish.js_stemmer_code.replace("var Stemmer = function", "var PorterStemmer = function")
                       + """
var KOREAN_SUFFIXES = %s;
var KOREAN_PLURAL = %s;
var Stemmer = function() {
  var porter = new PorterStemmer();
  this.stripParticle = function(word) {
    for (var i = 0; i < KOREAN_SUFFIXES.length; i++) {
      var suffix = KOREAN_SUFFIXES[i][0], shortestStem = KOREAN_SUFFIXES[i][1];
      if (word.endsWith(suffix) && word.length > suffix.length) {
        var stem = word.slice(0, word.length - suffix.length);
        if (/[A-Za-z0-9_]/.test(stem[stem.length - 1]) || stem.length >= shortestStem) {
          word = stem;
          break;
        }
      }
    }
    if (word.endsWith(KOREAN_PLURAL) && word.length >= 3 && /[\\uac00-\\ud7a3]/.test(word[word.length - 2]))
      word = word.slice(0, -1);
    return word;
  };
  this.stemWord = function(word) {
    word = this.stripParticle(word.toLowerCase());
    return /^[\\x00-\\x7f]*$/.test(word) ? porter.stemWord(word) : word;
  };
};
""" % (json.dumps(SUFFIXES, ensure_ascii=False), json.dumps(PLURAL, ensure_ascii=False)))


SCORER = Path(__file__).with_name("korean_scorer.js")


def _korean_scorer(app, config):
    """The Korean edition ranks the section that is headed by the whole query first (korean_scorer.js)."""
    if (config.html_search_language or config.language or "").startswith("ko") and not config.html_search_scorer:
        config.html_search_scorer = str(SCORER)


def setup(app):
    app.add_search_language(KoreanSearch)
    # The stems are in the pickled environment: a changed rule must re-read every page ("env").
    app.add_config_value("korean_search_rules", json.dumps([SUFFIXES, PLURAL], ensure_ascii=False), "env")
    app.connect("config-inited", _korean_scorer)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
