"""Positions: the index's map of provider id to position, held in one array by id."""

from array import array

import pytest

from providers.directory.positions import WIDEST_ID, Positions, id_array


def test_positions_answer_as_the_dict_of_an_order_would():
    order = array("q", [40, 7, 12])
    positions = Positions.of(order)
    expected = {40: 0, 7: 1, 12: 2}
    assert dict(positions.items()) == expected
    assert len(positions) == 3
    for pk, place in expected.items():
        assert positions[pk] == place and positions.get(pk) == place and pk in positions
    for missing in (0, 8, 41, 10**6, -1):
        assert positions.get(missing) is None and missing not in positions
        assert positions.get(missing, "none") == "none"
        with pytest.raises(KeyError):
            positions[missing]
    assert Positions.of([]) == Positions.of(array("q")) and len(Positions.of([])) == 0


def test_a_copy_is_written_without_touching_the_original():
    original = Positions.of([5, 3, 9])
    copy = original.copy()
    assert copy.pop(3) == 1 and copy.pop(3) is None
    copy.update([(9, 1), (200, 2)])  # a new id past the array's end grows it
    assert dict(copy.items()) == {5: 0, 9: 1, 200: 2} and len(copy) == 3
    assert dict(original.items()) == {5: 0, 3: 1, 9: 2} and len(original) == 3
    assert copy != original and copy == Positions.of([5, 9, 200])


def test_positions_iterate_and_refuse_what_is_not_an_id_as_a_dict_would():
    positions = Positions.of(array("i", [9, 4]))  # any array of ids, not only 64-bit ones
    assert list(positions) == [4, 9] and sorted(positions) == [4, 9]
    assert positions.get(None) is None and None not in positions


def test_many_ids_are_placed_at_once_as_one_at_a_time_would_be():
    positions = Positions.of([40, 7, 12])
    asked = [12, 5, 40, 10**6, -3, 7]
    one_by_one = [positions.get(pk) for pk in asked if positions.get(pk) is not None]
    assert positions.places(asked) == one_by_one == [2, 0, 1]
    assert positions.places([]) == []


def test_ids_are_held_in_four_bytes_and_an_id_past_them_is_refused_clearly():
    narrow = id_array([40, 7, WIDEST_ID])
    assert narrow.typecode == "i" and list(narrow) == [40, 7, WIDEST_ID]
    assert id_array([]).typecode == "i" and id_array(iter([3, 1])) == array("i", [3, 1])
    with pytest.raises(ValueError, match="past 2147483647"):
        id_array([40, WIDEST_ID + 1])
