"""Back and forward between records, as in a web browser; how a stub names the pages listing it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from refman.domain.records import Neighbour
from refman.services.navigation import DEFAULT_LIMIT, History, stub_relations


def visited(*reference_ids: int, limit: int = DEFAULT_LIMIT) -> History:
    history = History(limit)
    for reference_id in reference_ids:
        history.visit(reference_id)
    return history


def test_a_new_history_is_empty_and_goes_nowhere():
    history = History()
    assert history.current is None
    assert not history.can_go_back and not history.can_go_forward
    assert history.back() is None
    assert history.forward() is None
    assert len(history) == 0


def test_the_first_visit_becomes_current_with_nowhere_to_go():
    history = visited(7)
    assert history.current == 7
    assert not history.can_go_back and not history.can_go_forward


def test_back_and_forward_walk_the_trail_and_stop_at_its_ends():
    history = visited(1, 2, 3)
    assert history.back() == 2
    assert history.back() == 1
    assert history.back() is None
    assert history.current == 1
    assert history.forward() == 2
    assert history.forward() == 3
    assert history.forward() is None
    assert history.current == 3


def test_can_go_back_and_forward_follow_the_position():
    history = visited(1, 2)
    assert (history.can_go_back, history.can_go_forward) == (True, False)
    history.back()
    assert (history.can_go_back, history.can_go_forward) == (False, True)


def test_visiting_after_going_back_drops_what_lay_ahead():
    history = visited(1, 2, 3, 4)
    history.back()
    history.back()
    history.visit(9)
    assert history.entries == (1, 2, 9)
    assert not history.can_go_forward
    assert history.back() == 2


def test_visiting_the_current_record_again_changes_nothing():
    history = visited(1, 2, 2, 2)
    assert history.entries == (1, 2)
    history.back()
    history.visit(1)
    assert history.entries == (1, 2)
    assert history.can_go_forward


def test_a_record_visited_again_later_is_a_new_entry():
    history = visited(1, 2, 1)
    assert history.entries == (1, 2, 1)
    assert history.back() == 2
    assert history.back() == 1


def test_the_oldest_entries_are_dropped_beyond_the_limit():
    history = visited(*range(1, 8), limit=3)
    assert history.entries == (5, 6, 7)
    assert history.current == 7
    assert history.back() == 6
    assert history.back() == 5
    assert history.back() is None


def test_the_default_limit_is_500():
    history = visited(*range(1, 601))
    assert len(history) == DEFAULT_LIMIT == 500
    assert history.entries[0] == 101 and history.current == 600


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError):
        History(0)


def test_forgetting_a_record_behind_keeps_the_current_one():
    history = visited(1, 2, 3)
    history.forget(2)
    assert history.entries == (1, 3)
    assert history.current == 3
    assert history.back() == 1


def test_forgetting_the_current_record_falls_back_to_the_one_before():
    history = visited(1, 2, 3)
    history.back()
    history.forget(2)
    assert history.current == 1
    assert history.entries == (1, 3)
    assert history.forward() == 3


def test_forgetting_the_first_and_current_record_moves_on_to_the_next():
    history = visited(1, 2)
    history.back()
    history.forget(1)
    assert history.current == 2
    assert not history.can_go_back and not history.can_go_forward


def test_forgetting_removes_every_visit_and_merges_neighbours_that_become_equal():
    history = visited(1, 2, 1, 2, 3)
    history.forget(2)
    assert history.entries == (1, 3)
    assert history.current == 3
    assert history.back() == 1
    assert history.back() is None


def test_forgetting_keeps_the_position_among_merged_entries():
    history = visited(1, 2, 1, 3, 4)
    history.back()
    history.back()  # at the second visit of 1
    history.forget(2)
    assert history.entries == (1, 3, 4)
    assert history.current == 1
    assert history.forward() == 3


def test_forgetting_the_only_record_empties_the_history():
    history = visited(5, 5)
    history.forget(5)
    assert history.current is None
    assert len(history) == 0
    history.visit(6)
    assert history.current == 6


def test_forgetting_an_unknown_record_changes_nothing():
    history = visited(1, 2, 3)
    history.back()
    history.forget(42)
    assert history.entries == (1, 2, 3)
    assert history.current == 2


def test_clear_empties_the_trail():
    history = visited(1, 2)
    history.clear()
    assert history.current is None and not history.can_go_back


# -- what a stub says of the pages that list it ------------------------------------------

def _page(reference_id: int) -> Neighbour:
    return Neighbour(reference_id, str(reference_id), None, f"Page {reference_id}", None, None, False)


def _grouped(*listed_in: tuple[str, int]) -> list[tuple[str, list[int]]]:
    stub = SimpleNamespace(listed_in=tuple((key, _page(i)) for key, i in listed_in))
    return [(heading, [n.reference_id for n in pages]) for heading, pages in stub_relations(stub)]


def test_relations_come_in_a_fixed_order_whatever_order_the_lists_were_read_in():
    assert _grouped(("retraction_of", 4), ("similar", 3), ("cited_by", 2), ("references", 1)) == [
        ("Cited by:", [1]), ("Cites:", [2]), ("Listed as similar by:", [3]), ("Retraction in:", [4]),
    ]


def test_a_page_is_once_under_a_heading_and_under_every_heading_it_earns():
    assert _grouped(("references", 1), ("references", 1), ("comment_in", 1), ("references", 2)) == [
        ("Cited by:", [1, 2]), ("Comment on:", [1]),
    ]


def test_a_list_this_version_does_not_know_is_still_shown_last():
    assert _grouped(("expression_of_concern_in", 5), ("similar", 6)) == [
        ("Listed as similar by:", [6]), ("Listed by:", [5]),
    ]


def test_a_record_no_page_lists_has_no_relations():
    assert _grouped() == []
