"""The record shown, Back and Forward, and the row to select: plain state, tested without a window."""

from __future__ import annotations

from refman.services.browsing import Browsing


def test_showing_records_visits_them_and_back_and_forward_do_not():
    browsing = Browsing()
    for reference_id in (1, 2, 3):
        browsing.show(reference_id)
    assert browsing.history.entries == (1, 2, 3) and browsing.shown == 3
    back = browsing.back()
    assert back == 2
    with browsing.moving():
        browsing.show(back)
    assert browsing.history.entries == (1, 2, 3) and browsing.history.can_go_forward
    browsing.show(4)  # a new visit drops what lay ahead
    assert browsing.history.entries == (1, 2, 4)


def test_a_row_the_window_selects_itself_is_not_the_users_choice():
    browsing = Browsing()
    browsing.show(1)
    assert browsing.row_chosen(2)
    assert not browsing.row_chosen(1)  # already shown
    assert not browsing.row_chosen(None)
    with browsing.selecting():
        assert not browsing.row_chosen(2)
    assert browsing.row_chosen(2)


def test_the_row_to_select_later_is_taken_once_and_a_new_record_replaces_it():
    browsing = Browsing()
    browsing.select_later(5)
    assert browsing.pending == 5
    browsing.show(6)  # moved on before the list caught up
    assert browsing.pending is None
    browsing.select_later(7)
    assert browsing.take_pending() == 7 and browsing.take_pending() is None


def test_forgetting_the_shown_record_clears_it_and_its_visits():
    browsing = Browsing()
    for reference_id in (1, 2, 3):
        browsing.show(reference_id, is_stub=reference_id == 3)
    assert browsing.shown_is_stub
    assert not browsing.forget([2])
    assert browsing.history.entries == (1, 3) and browsing.shown == 3
    assert browsing.forget([3])
    assert browsing.shown is None and not browsing.shown_is_stub and browsing.history.entries == (1,)


def test_drawing_the_shown_record_again_is_no_visit():
    browsing = Browsing()
    browsing.show(1)
    browsing.show(2)
    browsing.displayed(2, is_stub=True)
    assert browsing.history.entries == (1, 2) and browsing.shown_is_stub
