"""The Korean termbase (locale/ko/termbase.tsv) holds in every catalogue, autograder.po included, and its rules
are exact: they catch the slips the native review found and leave alone the longer words that contain them."""

import polib
import pytest

import termbase  # book/_ext (pyproject.toml)

RULES = termbase.load()


def _catalogue(tmp_path, pairs, name="autograder.po"):
    """A catalogue at LC_MESSAGES/<name> holding the (English, Korean) pairs."""
    path = tmp_path / "ko" / "LC_MESSAGES" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    po = polib.POFile()
    for english, korean in pairs:
        po.append(polib.POEntry(msgid=english, msgstr=korean))
    po.save(str(path))
    return path


@pytest.mark.parametrize("path", termbase.catalogues(), ids=lambda p: termbase._catalogue_name(p))
def test_every_catalogue_follows_the_termbase(path):
    found = termbase.violations(path, RULES)
    assert not found, "\n".join(found)


def test_the_grader_catalogue_is_among_those_checked():
    names = [termbase._catalogue_name(p) for p in termbase.catalogues()]
    assert "autograder.po" in names and "book/04_lstm.po" in names
    assert any(n.startswith("exercises/") for n in names)


# (catalogue, English, Korean, a slip the rules must report)
SLIPS = [
    ("autograder.po", "the source's combine = h + x", "원 강의 노트의 combine = h + x", "원 강의"),
    ("autograder.po", "torch's convention, which the course uses.", "torch의 규약이며, 이 강의도 이 규약을 쓴다.", "이 강의"),
    ("autograder.po", "W_xh has shape (H, D).", "W_xh의 모양은 (H, D)이다.", "모양"),
    ("book/04_lstm.po", "The weights, shape $(H, D)$.", "가중치, 모양 $(H, D)$.", "모양"),
    ("autograder.po", "torch's layout is [forward, backward].", "torch의 배치는 [순방향, 역방향]이다.", "배치는"),
    ("autograder.po", "the backward pass needs it", "역방향 계산에 필요하다", "역방향 계산"),
    ("autograder.po", "Your step overwrites c_prev.", "제출한 스텝 함수는 c_prev를 덮어쓴다.", "스텝 함수"),
    ("book/02_vanilla_rnn.po", "in the assignment", "실습에서", "실습"),
    ("autograder.po", "Use the stable sigmoid.", "안정한 시그모이드를 써라.", "안정한"),
    ("autograder.po", "Use the stable sigmoid.", "안정적인 시그모이드를 써라.", "써라"),
    ("book/05_gru.po", "Do not move the test cells.", "테스트 셀을 옮기지 마라.", "마라"),
    ("book/05_gru.po", "the cell's equations", "셀의 방정식", "방정식"),
    ("book/05_gru.po", "on this machine", "이 기계에서", "기계"),
    ("book/07_polyphonic_music.po", "about 20 000 parameters", "약 20 000개의 파라미터", "20 000"),
    ("book/04_lstm.po", r"\Big|_\text{along the cell state}", r"\Big|_\text{along the cell state}", "along"),
]


@pytest.mark.parametrize("name, english, korean, slip", SLIPS, ids=lambda v: str(v)[:20])
def test_the_rules_report_each_kind_of_slip_naming_catalogue_and_message(tmp_path, name, english, korean, slip):
    found = termbase.violations(_catalogue(tmp_path, [(english, korean)], name), RULES)
    assert any(f.startswith(f"{name}: {termbase._excerpt(english)!r}: ") and slip in f for f in found), found


def test_a_fixed_label_has_one_wording(tmp_path):
    found = termbase.violations(_catalogue(tmp_path, [("Answer", "풀이")], "book/04_lstm.po"), RULES)
    assert found and "'Answer'" in found[0] and "답" in found[0]


def test_learning_objectives_end_alike(tmp_path):
    pairs = [("Learning objectives", "학습 목표"), ("After this chapter you can", "이 장을 마치면 다음을 할 수 있다."),
             ("derive the backward pass;", "역전파를 유도할 수 있다."),
             ("check it against torch.", "torch와 대조하기"),
             ("The vanilla cell", "기본 셀")]
    found = termbase.violations(_catalogue(tmp_path, pairs, "book/08_folk_tunes.po"), RULES)
    assert len(found) == 1 and "check it against torch." in found[0], found


# Legitimate Korean that contains a forbidden wording, or English that looks like a rule's without being it.
FINE = [
    ("book/02_vanilla_rnn.po", "Numerically unstable code fails.", "수치적으로 불안정한 코드는 실패한다."),
    ("book/05_gru.po", "within a few machine epsilons", "기계 엡실론의 몇 배 이내"),
    ("book/08_folk_tunes.po", "this layout relates to the lecture's",
     "이 레이아웃이 강의의 레이아웃과 어떻게 대응하는지"),
    ("book/02_vanilla_rnn.po", "an S-shaped sigmoid", "S자 모양의 시그모이드"),
    ("book/06_deep_and_variants.po", "the forward and backward directions", "순방향과 역방향"),
    ("autograder.po", "Use np.add.at.", "np.add.at을 쓰라."),
    ("book/01_sequences.po", "from start to end", "처음부터 끝까지"),
    ("exercises/a06_char_lm/a06_char_lm.po", "numpy's fancy-index assignment is buffered",
     "numpy의 팬시 인덱스 대입은 버퍼링된다"),
    ("book/04_lstm.po", r"dc_t^\text{next}", r"dc_t^\text{next}"),
    ("book/index.po", "Gate by Gate: recurrent networks from scratch", "Gate by Gate: 밑바닥부터 만드는 순환 신경망"),
    ("book/06_deep_and_variants.po", "In {term}`forget gate` terms", "{term}`망각 게이트 <forget gate>`로 말하면"),
    ("book/04_lstm.po", "run `python -m autograder` to see 20 000 lines", "`python -m autograder`를 실행하면"),
]


@pytest.mark.parametrize("name, english, korean", FINE, ids=lambda v: str(v)[:20])
def test_the_rules_leave_legitimate_wordings_alone(tmp_path, name, english, korean):
    assert termbase.violations(_catalogue(tmp_path, [(english, korean)], name), RULES) == []


def test_a_broken_pattern_fails_loading_with_its_line(tmp_path, monkeypatch):
    bad = tmp_path / "ko" / "termbase.tsv"
    bad.parent.mkdir(parents=True)
    bad.write_text("english\tkorean\tforbidden\twhere\tterm\n\t\t(unclosed\t\tbroken\n", encoding="utf-8")
    monkeypatch.setattr(termbase, "LOCALE", tmp_path)
    with pytest.raises(ValueError, match="line 2"):
        termbase.load()


# ------------------------------------------------------------------------------------------ numbers and particles
import korean_particles  # noqa: E402


@pytest.mark.parametrize("number, particle, agreeing", [
    ("1.3", "는", "은"), ("1.10", "는", "은"), ("(3.1)", "를", "을"), ("(3.3)", "는", "은"), ("(3.6)", "는", "은"),
    ("3.1", "는", "은"), ("4.12", "은", "는"), ("(6.4)", "과", "와"), ("7.8", "는", "은"), ("(5.9)", "을", "를"),
    ("(8.1)", "를", "을"), ("8.1", "으로", "로"), ("3.3", "로", "으로"), ("2", "이", "가"), ("2.5", "가", "가"),
])
def test_the_particle_after_a_number_agrees_with_how_it_is_read(number, particle, agreeing):
    """The slips of the review's rendered pages: 그림 1.3는, (8.1)를, 그림 4.12은, (6.4)과 ..."""
    assert korean_particles.agreeing(particle, number) == agreeing
    assert korean_particles.fix_text_after(number, particle + " 보여 준다") == agreeing + " 보여 준다"
    assert korean_particles.fix_text_after(number, "은닉 상태") == "은닉 상태"  # 은 of 은닉 is no particle


@pytest.mark.parametrize("path", termbase.catalogues(), ids=lambda p: termbase._catalogue_name(p))
def test_numbers_a_catalogue_writes_take_the_particle_that_agrees(path):
    slips = [f"{termbase._excerpt(e.msgid)!r}: {wrong!r} should be {right!r}"
             for e in polib.pofile(str(path)) for wrong, right in korean_particles.literal_number_slips(e.msgstr)]
    assert not slips, "\n".join(slips)


def test_a_numbered_reference_gets_the_agreeing_particle_in_the_korean_build():
    from docutils import nodes
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document

    document = new_document("test", get_default_settings(Parser))
    paragraph = nodes.paragraph()
    for number, after in (("그림 1.3", "는 셀을 그린다. "), ("(8.1)", "를 풀면 "), ("그림 4.12", "은 "),
                          ("(6.4)", "과 같다.")):
        paragraph += [nodes.reference("", number, refuri="#x"), nodes.Text(after)]
    document += paragraph
    korean_particles.fix_particles(document)  # what ParticlesAfterNumbers runs on a Korean page
    assert paragraph.astext() == "그림 1.3은 셀을 그린다. (8.1)을 풀면 그림 4.12는 (6.4)와 같다."
