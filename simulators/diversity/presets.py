"""Example response sets for the diversity analyzer, written for this site.

The "model" sets are assembled from a few stock openings and continuations, the way the
Hivemind paper describes open-ended answers collapsing onto a couple of ideas ("time is a
river", "time is a weaver"). The varied set was written line by line to differ.
"""

from __future__ import annotations

SEPARATOR = "\n---\n"

_RIVER = (
    ["Time is a river", "Time is like a river", "Time is a quiet river", "Time is an endless river", "Time is a river"],
    ["that flows forward without pause,", "that never stops flowing,", "flowing steadily in one direction,",
     "that runs only one way,", "whose current never rests,", "that keeps moving,", "that flows on and on,"],
    ["carrying every moment away from us.", "carrying us forward whether we are ready or not.",
     "and we can never step into the same moment twice.", "carrying our memories downstream like leaves.",
     "and no one can swim back upstream."],
)
_WEAVER = (
    ["Time is a weaver", "Time is a patient weaver", "Time is like a weaver", "Time is a silent weaver"],
    ["threading our moments together,", "weaving each day into the next,", "working thread by thread,"],
    ["into the tapestry of a life.", "until a tapestry of memories appears.", "into a pattern we only see when we step back."],
)


def _collapsed(count: int, river_share: float, shift: int = 0) -> list[str]:
    """`count` distinct responses, most about a river, the rest about a weaver: the same few
    ideas in slightly different words (strides through the phrase lists avoid repeats)."""
    rivers = round(count * river_share)
    out = []
    for i in range(count):
        parts = _RIVER if i < rivers else _WEAVER
        j = i + shift
        out.append(" ".join(part[(j * stride) % len(part)] for part, stride in zip(parts, (1, 3, 2))))
    return out


VARIED = [
    "Time is a pickpocket who lifts an afternoon while you are busy looking at your phone.",
    "An hour is a borrowed coat: it fits strangely, and somebody always wants it back.",
    "Time is the dough on a baker's bench, stretched thin on Mondays and rising fast on holidays.",
    "My grandmother kept time in jars of plum jam, one shelf for every summer.",
    "Time is a cat that refuses to come when called and then sits on the exact page you are reading.",
    "Years are trains at a rural station; you only hear them once they have already gone.",
    "Time is sand in a shoe, unnoticed until the walk home.",
    "The clock is a metronome for a song nobody remembers agreeing to play.",
    "Time is compound interest paid in wrinkles and inside jokes.",
    "Each minute is a coin dropped in a fountain whose wishes are never read aloud.",
    "Time is the tide that erases the sandcastle and keeps the shells.",
    "A week is a suitcase: pack it carefully and it holds more than you expect.",
    "Time is a landlord collecting rent in the currency of attention.",
    "Deadlines are the gravity of time, bending every plan toward them.",
    "Time is an old film projector; the reel clicks on even when the audience leaves.",
    "Childhood summers were elastic, adulthood summers are paper-thin receipts.",
    "Time is a glacier, carving valleys so slowly that we mistake it for stillness.",
    "The past is a library with no catalogue, and memory is a tired librarian.",
    "Time is a chess clock both players forgot to stop.",
    "Morning is a blank spreadsheet; by evening every cell is full of small errands.",
    "Time is a candle that lights the room precisely by disappearing.",
    "A decade is a playlist on shuffle; the songs only make sense in hindsight.",
    "Time is a patient gardener pruning what we thought we could not lose.",
    "Waiting rooms are where time goes to practise being slow.",
    "Time is a courier that never rings the bell, it simply leaves packages of change.",
    "Our schedules are fences built around a field of wild hours.",
    "Time is a recipe with no quantities; everyone improvises the seasoning.",
    "An anniversary is a bookmark placed by someone who skipped the middle chapters.",
    "Time is static on a radio between stations, full of voices if you listen.",
    "Time is a staircase in the dark: you count the steps only after you stumble.",
]

_MOTTO_A = [
    "Grow your wealth, shape your future.", "Build your future, one smart step at a time.",
    "Your money, your future, your way.", "Empower your savings, unlock your future.",
    "Smart money for a brighter future.", "Grow your wealth, build your future.",
    "Take control of your money, shape your future.", "Save smarter, grow faster, live freer.",
    "Your future starts with one smart step.", "Unlock your financial future today.",
    "Grow your money, grow your future.", "Build wealth, build freedom, build your future.",
    "Smart steps today, a brighter future tomorrow.", "Empower your money, transform your future.",
    "Your journey to financial freedom starts here.", "Grow smarter, save better, live brighter.",
    "Take the first step toward your financial future.", "Build your wealth with confidence.",
    "Your money, working smarter for your future.", "Unlock your wealth, empower your future.",
]
_MOTTO_B = [
    "Shape your future, grow your wealth.", "One smart step at a time toward your future.",
    "Your future, your money, your way.", "Unlock your future, empower your savings.",
    "A brighter future with smarter money.", "Build your future, grow your wealth.",
    "Shape your future by taking control of your money.", "Live freer: save smarter and grow faster.",
    "One smart step starts your future.", "Today, unlock your financial future.",
    "Grow your future as you grow your money.", "Build freedom and wealth for your future.",
    "A brighter tomorrow from smart steps today.", "Transform your future, empower your money.",
    "Financial freedom: your journey starts here.", "Save better, grow smarter, live brighter.",
    "Your financial future begins with the first step.", "With confidence, build your wealth.",
    "Smarter money working for your future.", "Empower your future, unlock your wealth.",
]

PRESETS = {
    "time metaphors: one model vs varied writers": (_collapsed(30, 0.6), VARIED),
    "mottos: two models": (_MOTTO_A, _MOTTO_B),
    "time metaphors: two models": (_collapsed(25, 0.7, shift=0), _collapsed(25, 0.5, shift=2)),
}


def joined(responses: list[str]) -> str:
    return SEPARATOR.join(responses)
