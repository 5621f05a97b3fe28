"""Text helpers: title abbreviations, sentence splitting, whole-word phrase search."""

from __future__ import annotations

from pipeline.match.text import norm, norm_title, phrase_pattern, sentences


def test_title_abbreviations_are_expanded():
    assert norm_title("Sr. RN-CM") == "senior rn case manager"
    assert norm_title("Care Co-ordinator") == "care coordinator"
    assert norm_title("Case Mgr / UR Nurse") == "case manager utilization review nurse"


def test_sentences_split_on_punctuation_lines_and_bullets():
    text = "Requirements:\nActive RN license required. CCM preferred; BSN a plus\n • Epic - Cerner"
    assert sentences(text) == ["Requirements:", "Active RN license required.", "CCM preferred;",
                               "BSN a plus", "• Epic", "Cerner"]


def test_phrase_pattern_whole_words_longest_first_any_separator():
    pattern = phrase_pattern(["care plan", "care plans", "problem-solving", "rn"])
    found = [norm(m.group(1)) for m in pattern.finditer(
        "builds care plans; strong problem solving. turn rn-cm")]
    assert found == ["care plans", "problem solving", "rn"]
    assert not pattern.search("caretaker, learn, return")
