/*
 * The Korean edition's search scores (html_search_scorer, set by book/_ext/korean_search.py): Sphinx's
 * defaults, plus one rule. A page scores the best of its words' scores, so for a two-word query such as
 * 갱신 게이트 every chapter with 게이트 in a heading ties, and the tie goes to the alphabetically first title.
 * A result that is a section whose heading holds the whole query (Sphinx lists those on their own, with the
 * section's anchor) is where the term is defined: it goes first.
 */
var Scorer = {
  score: (result) => {
    const [docname, title, anchor, descr, score, filename] = result;
    const isSectionHeading = anchor !== "" && descr === null && title.includes(" > ");
    return isSectionHeading ? score + Scorer.sectionHeading : score;
  },
  sectionHeading: 30,
  // Sphinx 7.4's defaults (searchtools.js)
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: {0: 15, 1: 5, 2: -5},
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
