"""Named, seeded plans of what a simulated person does: calm breathing, holds, talking, a strap coming off.

A plan is a sequence of ``Spell``s, each one behaviour over a stretch of
time; ``SimulatedBreather`` turns it into a strap signal.  The spells are
the ground truth of a simulated run: ``timeline`` lists them, so a test or
``breathcue simulate`` can compare what the detector found with what
happened.  A plan depends only on its seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Iterator

HOUR = 3600.0

KINDS = {
    "calm": "ordinary breathing",
    "shallow": "breathing much shallower than usual, a little faster",
    "hold": "a breath held: the chest still but for the heartbeat",
    "recover": "the deeper, faster breaths after a hold",
    "talk": "speech breathing: quick inhales, long irregular exhales with a syllable ripple",
    "sigh": "one breath two to three times as deep, then a short pause",
    "motion": "moving about: large slow artefacts over the breathing",
    "adjust": "the strap adjusted: fumbling, then a new baseline and sensitivity",
    "loose": "the strap slipped loose: a tiny, noisy signal",
    "off": "the strap unplugged: the divider at its top rail",
}


@dataclass(frozen=True, slots=True)
class Spell:
    """One behaviour from ``start`` to ``end`` (seconds), with breath ``depth`` and ``rate`` as shares of the usual."""

    kind: str
    start: float
    end: float
    depth: float = 1.0
    rate: float = 1.0


Step = tuple[str, float, float, float]  # kind, seconds, depth, rate
Plan = Callable[[random.Random], Iterator[Step]]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    plan: Plan

    def spells(self, seed: int) -> Iterator[Spell]:
        """The endless sequence of spells for ``seed``."""
        rng = random.Random(f"{self.name}:{seed}")
        t = 0.0
        for kind, seconds, depth, rate in self.plan(rng):
            yield Spell(kind, t, t + seconds, depth, rate)
            t += seconds


def _calm(rng: random.Random) -> Iterator[Step]:
    while True:
        yield "calm", rng.uniform(120, 300), 1.0, 1.0


def _shallow(rng: random.Random) -> Iterator[Step]:
    while True:
        yield "calm", rng.uniform(60, 120), 1.0, 1.0
        yield "shallow", rng.uniform(40, 90), rng.uniform(0.3, 0.45), rng.uniform(1.1, 1.25)


def _hold(rng: random.Random) -> Iterator[Step]:
    """A concentration hold (10-40 s, a quarter of them shorter than a hold is called) and the recovery after."""
    seconds = rng.uniform(5, 9.5) if rng.random() < 0.25 else rng.uniform(10, 40)
    yield "hold", seconds, 1.0, 1.0
    yield "recover", rng.uniform(12, 20), rng.uniform(1.3, 1.6), rng.uniform(1.15, 1.3)


def _holds(rng: random.Random) -> Iterator[Step]:
    while True:
        yield "calm", rng.uniform(40, 90), 1.0, 1.0
        yield from _hold(rng)


def _talk(rng: random.Random, seconds: float) -> Iterator[Step]:
    """A conversation: talking turns with listening in between."""
    left = seconds
    while left > 0:
        turn = min(left, rng.uniform(15, 90))
        yield "talk", turn, rng.uniform(0.7, 1.2), rng.uniform(0.95, 1.2)
        pause = min(left - turn, rng.uniform(5, 25))
        if pause > 0:
            yield "calm", pause, 1.0, 1.0
        left -= turn + pause


def _talking(rng: random.Random) -> Iterator[Step]:
    while True:
        yield "calm", rng.uniform(30, 60), 1.0, 1.0
        yield from _talk(rng, rng.uniform(60, 180))


def _sigh() -> Step:
    return "sigh", 15.0, 2.5, 0.75


def _sighs(rng: random.Random) -> Iterator[Step]:
    while True:
        yield "calm", rng.uniform(40, 120), 1.0, 1.0
        yield _sigh()


def _motion(rng: random.Random) -> Iterator[Step]:
    while True:
        yield "calm", rng.uniform(30, 60), 1.0, 1.0
        yield "motion", rng.uniform(5, 20), 1.0, rng.uniform(1.0, 1.3)


def _strap_off(rng: random.Random) -> Iterator[Step]:
    while True:
        yield "calm", rng.uniform(60, 90), 1.0, 1.0
        yield "off", rng.uniform(20, 40), 1.0, 1.0
        yield "calm", rng.uniform(60, 90), 1.0, 1.0
        yield "loose", rng.uniform(40, 60), rng.uniform(0.08, 0.15), 1.0
        yield "adjust", rng.uniform(5, 10), 1.0, 1.0


def _demo(rng: random.Random) -> Iterator[Step]:
    """What `breathcue run --sim` shows first: calm, a hold long enough to be cued, recovery, a shallow spell."""
    while True:
        yield "calm", 30.0, 1.0, 1.0
        yield "hold", 20.0, 1.0, 1.0
        yield "recover", 15.0, 1.3, 1.15
        yield "calm", 10.0, 1.0, 1.0
        yield "shallow", 40.0, 0.4, 1.15
        yield "calm", 65.0, 1.0, 1.0


def _workday(rng: random.Random) -> Iterator[Step]:
    """A desk day: focused work with breath holds and shallow spells, calls, breaks, a strap adjustment, a loose strap.

    The first 8 hours hold one strap adjustment (at 1.5-2.5 h) and one
    loose-strap spell (at 5-6 h, 4-8 minutes, ended by tightening the
    strap); the same mix goes on after that.
    """
    t = 0.0
    adjusted = loosened = False
    adjust_at, loose_at = rng.uniform(1.5, 2.5) * HOUR, rng.uniform(5, 6) * HOUR

    def step(s: Step) -> Step:
        nonlocal t
        t += s[1]
        return s

    yield step(("calm", rng.uniform(120, 300), 1.0, 1.0))  # settling in
    while True:
        if not adjusted and t >= adjust_at:
            adjusted = True
            yield step(("adjust", rng.uniform(6, 12), 1.0, 1.0))
            continue
        if not loosened and t >= loose_at:
            loosened = True
            yield step(("loose", rng.uniform(240, 480), rng.uniform(0.08, 0.15), 1.0))
            yield step(("adjust", rng.uniform(6, 12), 1.0, 1.0))
            continue
        what = rng.choices(("focus", "shallow", "call", "break", "sigh"), weights=(10, 2, 1.2, 0.8, 1.5))[0]
        if what == "focus":  # concentrating: calm stretches broken by holds
            for _ in range(rng.randint(1, 4)):
                yield step(("calm", rng.uniform(60, 300), rng.uniform(0.8, 1.0), rng.uniform(0.9, 1.05)))
                if rng.random() < 0.6:
                    for hold in _hold(rng):
                        yield step(hold)
        elif what == "shallow":
            yield step(("shallow", rng.uniform(30, 150), rng.uniform(0.3, 0.45), rng.uniform(1.1, 1.3)))
            yield step(("calm", rng.uniform(30, 90), 1.0, 1.0))
        elif what == "call":
            for s in _talk(rng, rng.uniform(180, 1200)):
                yield step(s)
        elif what == "break":  # getting up, a coffee, sitting down again
            yield step(("motion", rng.uniform(10, 60), 1.0, rng.uniform(1.1, 1.4)))
            yield step(("calm", rng.uniform(120, 600), 1.0, 1.05))
            yield step(("motion", rng.uniform(5, 20), 1.0, 1.1))
        else:
            yield step(_sigh())


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("demo", "calm breathing, a 20 s hold at 0:30, recovery, a 40 s shallow spell; every 3 minutes", _demo),
        Scenario("calm", "steady breathing at about 11 breaths a minute", _calm),
        Scenario("shallow", "calm breathing with shallow spells of 40-90 s", _shallow),
        Scenario("holds", "calm breathing with breath holds of 5-40 s, each followed by recovery breaths", _holds),
        Scenario("talking", "conversations: speech breathing between calm stretches", _talking),
        Scenario("sighs", "calm breathing with a sigh every 1-2 minutes", _sighs),
        Scenario("motion", "calm breathing with bouts of moving about", _motion),
        Scenario("strap-off", "the strap unplugged (the top rail), then slipped loose (a tiny signal), then adjusted", _strap_off),
        Scenario("workday", "an 8-hour desk day: holds while concentrating, shallow spells, calls, breaks, a strap adjustment and a loose strap", _workday),
    )
}


def scenario(name: str) -> Scenario:
    """The named scenario; ValueError listing the names when there is none."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"no scenario {name!r}: expected one of {', '.join(SCENARIOS)}") from None


def timeline(name: str, seed: int, seconds: float) -> list[Spell]:
    """The spells of a scenario that begin before ``seconds``: what really happened in a simulated run."""
    spells = []
    for spell in scenario(name).spells(seed):
        if spell.start >= seconds:
            break
        spells.append(spell)
    return spells
