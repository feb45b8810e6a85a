"""Identifiers: deterministic per seed; Salesforce ids with real prefixes and checksum."""

import pytest

from omni_harness.fakes.core import IdFactory, sf_checksum, sf_is_id, sf_to18


@pytest.mark.parametrize("id15,suffix", [("0JR5i000001OXSg", "GAO"), ("0Bz5i0000011r27", "CAA"),
                                         ("001D000000IqhSL", "IAZ"), ("a00D0000008pQSN", "IA2")])
def test_checksum_matches_real_ids(id15, suffix):
    assert sf_checksum(id15) == suffix


def test_to18_accepts_15_and_18_and_normalises_suffix_case():
    assert sf_to18("0JR5i000001OXSg") == "0JR5i000001OXSgGAO"
    assert sf_to18("0JR5i000001OXSgGAO") == "0JR5i000001OXSgGAO"
    assert sf_to18("0JR5i000001OXSggao") == "0JR5i000001OXSgGAO"


@pytest.mark.parametrize("bad", ["", "short", "0JR5i000001OXSgXXX", "0JR5i000001OXS!", None, 42,
                                 "0JR5i000001OXSgGA"])
def test_to18_refuses_what_is_not_an_id(bad):
    with pytest.raises(ValueError):
        sf_to18(bad)
    assert not sf_is_id(bad)


def test_same_seed_same_ids_other_seed_other_ids():
    a, b, c = IdFactory(7), IdFactory(7), IdFactory(8)
    seq_a = [a.uuid(), a.sf_id("0Bz"), a.token()]
    seq_b = [b.uuid(), b.sf_id("0Bz"), b.token()]
    seq_c = [c.uuid(), c.sf_id("0Bz"), c.token()]
    assert seq_a == seq_b
    assert seq_a[0] != seq_c[0]


def test_sf_ids_are_unique_valid_and_keep_their_prefix():
    ids = IdFactory(0)
    made = [ids.sf_id("0JR") for _ in range(500)]
    assert len(set(made)) == 500
    assert all(m.startswith("0JR") and len(m) == 18 and sf_to18(m) == m for m in made)


def test_prefix_must_have_three_characters():
    with pytest.raises(ValueError):
        IdFactory(0).sf_id("00")


def test_18_character_ids_are_case_insensitive():
    assert sf_to18("0jr5i000001oxsggao") == "0JR5i000001OXSgGAO"
    assert sf_to18("0JR5I000001OXSGGAO") == "0JR5i000001OXSgGAO"
