"""Stage 3, the polarity vote (core/polarity.py): a guess leans on six half breaths, no fewer.

``guess`` (the calm part of a calibration whose halves are alike:
detector.finish(guess=True)) gives the way the evidence leans once as many
half breaths were weighed as any verdict needs (MIN_HALVES, six), and
nothing before.  Found by `make mutate` (docs/testing.md): the guess was
tested with four and eight half breaths, never at six.
"""

from __future__ import annotations

from breathcue.core.polarity import MIN_HALVES, PolarityVote


def alike(halves: int) -> PolarityVote:
    """A vote that weighed ``halves`` half breaths with nothing between rises and falls: no verdict."""
    vote = PolarityVote()
    for i in range(halves):
        vote.half(i % 2 == 0, 1.0, 1.0, 0.5)
    assert vote.sign is None and vote.z == 0.0
    return vote


def test_a_guess_needs_as_many_half_breaths_as_a_verdict():
    fewer = alike(MIN_HALVES - 1)
    assert fewer.guess() is False and fewer.sign is None
    enough = alike(MIN_HALVES)
    assert enough.guess() is True and enough.sign == 1  # normal on no evidence either way
