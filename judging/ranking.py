"""The ranking of a contest's finalists from the jury's scorecards: a pure function, without the database.

`rank_clips` takes the rubric and the submitted scorecards and returns a `RankingResult` that explains itself:
each clip's score, how its position was decided, and the ties nobody may resolve but the committee.

The rules, as the committee reads them:

- A scorecard's total is the sum of points × weight over the criteria, computed exactly (Decimal).
- A clip's score combines its scorecards' totals by the contest's method: the mean; the trimmed mean (one highest
  and one lowest total dropped when there are at least 4 scorecards, otherwise the plain mean); the median (the
  mean of the middle two for an even count); or "zscore": each total becomes the judge's z-score, (total − the
  judge's mean) / the judge's population standard deviation, over every clip the judge scored; the clip's z-score
  is the mean of its judges' z-scores, put back on the points scale as mean of all totals + z × their standard
  deviation. A judge who scored one clip, or gave every clip the same total, says nothing about which clip is
  better: their z-scores are 0. The raw mean of the totals is always shown beside the score.
- Scores are compared as they are shown: rounded to 6 decimal places (halves up). The mean, the trimmed mean and
  the median are exact fractions before that rounding; the z-score method involves square roots, so its numbers
  are computed to 34 significant digits. In the z-score method the clips are ranked by their z-score; the score
  on the points scale is for reading.
- Clips with equal scores are separated by the contest's chain, in order: each tie-breaking criterion in the
  rubric's order (the clip's aggregate, by the same method, of that criterion's weighted points; higher wins);
  then count-back: more first places across judges, then more top-3 places. A judge's places are competition
  ranks among the clips being ranked that the judge scored: clips with equal totals share the better place, so a
  judge who cannot separate two clips gives each the first place. Top-3 places include first places.
- Clips still equal share a rank number (the next rank skips, as in 1, 2, 2, 4), each naming the clips it is tied
  with: the committee decides, the program never does. `decided_by` says which step separated each clip from its
  neighbours: "score", "criterion:<id>", "first_places", "top3_places" or "unresolved".
- A scorecard from a judge with a conflict of interest on the clip does not count. A clip with fewer counted
  scorecards than `min_scorecards` is listed as incomplete, with how many it has and needs, and is not ranked;
  it takes no place in count-back either, but its scorecards still tell how severe each judge is (z-score).
- A clip's judges disagree highly when the spread of its totals (highest − lowest) is more than
  `disagreement_threshold` × the highest possible total.

The result never names a judge, so renaming judges or reordering scorecards gives byte-equal JSON.
Clip and criterion ids should be str or int: they go into that JSON as they are.
"""

import heapq
import operator
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import (
    ROUND_FLOOR,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from functools import reduce
from typing import NamedTuple

METHODS = ("mean", "trimmed_mean", "median", "zscore")
PLACES = 6

# Sums and products of scores must never be rounded: this context raises instead.
_EXACT = Context(prec=100, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])
# Square roots and divisions of the z-score method, the only inexact steps.
_APPROXIMATE = Context(prec=34)
_SCALE = 10**PLACES
_UNIT = Decimal(1).scaleb(-PLACES)
# Rounding to PLACES, halves up, is the floor of value + half a unit.
_HALF_UNIT = _UNIT / 2
_FLOOR = Context(prec=100, rounding=ROUND_FLOOR)


@dataclass(frozen=True)
class Criterion:
    id: Hashable
    max_points: Decimal | int
    weight: Decimal | int = 1
    breaks_ties: bool = False


class Scorecard(NamedTuple):
    """A submitted scorecard: the judge's points on every criterion for one clip, as Decimals, ints or decimal
    text ("7.50", as a database or JSON gives them back), never floats."""

    judge: Hashable
    clip: Hashable
    points: Mapping[Hashable, Decimal | int | str]


@dataclass(frozen=True)
class ClipRank:
    clip: Hashable
    rank: int
    score: Decimal
    raw_mean: Decimal
    zscore: Decimal | None
    scorecards: int
    abstentions: int
    conflicts: int
    spread: Decimal
    high_disagreement: bool
    criterion_scores: Mapping[Hashable, Decimal]
    first_places: int
    top3_places: int
    decided_by: str
    tied_with: tuple = ()

    def to_dict(self):
        return {
            "clip": self.clip,
            "rank": self.rank,
            "score": str(self.score),
            "raw_mean": str(self.raw_mean),
            "zscore": None if self.zscore is None else str(self.zscore),
            "scorecards": self.scorecards,
            "abstentions": self.abstentions,
            "conflicts": self.conflicts,
            "spread": str(self.spread),
            "high_disagreement": self.high_disagreement,
            "criterion_scores": {str(id_): str(score) for id_, score in self.criterion_scores.items()},
            "first_places": self.first_places,
            "top3_places": self.top3_places,
            "decided_by": self.decided_by,
            "tied_with": list(self.tied_with),
        }


@dataclass(frozen=True)
class IncompleteClip:
    clip: Hashable
    scorecards: int
    needed: int
    abstentions: int
    conflicts: int

    def to_dict(self):
        return {
            "clip": self.clip,
            "scorecards": self.scorecards,
            "needed": self.needed,
            "abstentions": self.abstentions,
            "conflicts": self.conflicts,
        }


@dataclass(frozen=True)
class RankingResult:
    method: str
    min_scorecards: int
    disagreement_threshold: Decimal | None
    max_total: Decimal
    ranked: tuple[ClipRank, ...]
    incomplete: tuple[IncompleteClip, ...]

    def to_dict(self):
        return {
            "method": self.method,
            "places": PLACES,
            "min_scorecards": self.min_scorecards,
            "disagreement_threshold": (
                None if self.disagreement_threshold is None else str(self.disagreement_threshold)
            ),
            "max_total": str(self.max_total),
            "ranked": [clip.to_dict() for clip in self.ranked],
            "incomplete": [clip.to_dict() for clip in self.incomplete],
        }


class _Table(NamedTuple):
    """The scorecards that count, column by column (row i is one scorecard): a contest's scores run to hundreds
    of thousands, and whole columns are checked and summed far faster than one value at a time.

    The rows are in the order of their clips, so a clip's scorecards are one slice of every column (`rows`).
    Points × weight are integers counting 10 ** -places, enough places to keep every one of them exact: integers
    add, compare and sort the same as the Decimals they stand for, several times faster."""

    judges: list
    clips: list
    weighted: list  # one column per criterion: points × weight × scale
    totals: list  # × scale
    places: int
    rows: dict  # clip -> the slice of its rows

    @property
    def scale(self):
        return 10**self.places


class _Scores(NamedTuple):
    score: Decimal
    zscore: Decimal | None
    criterion_scores: dict
    key: tuple


def rank_clips(
    *,
    criteria: Iterable[Criterion],
    scorecards: Iterable[Scorecard],
    method: str = "mean",
    min_scorecards: int = 1,
    conflicts: Collection[tuple[Hashable, Hashable]] = (),
    assigned: Mapping[Hashable, Collection[Hashable]] | None = None,
    disagreement_threshold: Decimal | int | str | None = Decimal("0.25"),
) -> RankingResult:
    """Ranks the clips of `scorecards` (submitted ones only); see the module's documentation for the rules.

    `conflicts` holds (judge, clip) pairs whose scorecards do not count. `assigned` maps a clip to the judges
    expected to score it: those who did not, without a conflict, are counted as abstentions, and an assigned clip
    without any scorecard is listed as incomplete rather than forgotten.
    """
    if method not in METHODS:
        raise ValueError(f"Unknown ranking method {method!r}; choose one of {', '.join(METHODS)}.")
    if min_scorecards < 1:
        raise ValueError("At least one scorecard is needed to rank a clip.")
    criteria = _checked_criteria(criteria)
    threshold = None if disagreement_threshold is None else Decimal(str(disagreement_threshold))
    if threshold is not None and not threshold >= 0:
        raise ValueError(f"The disagreement threshold must be a share of the maximum total, not {threshold}.")
    conflicts = frozenset(conflicts)
    assigned = {clip: frozenset(judges) for clip, judges in (assigned or {}).items()}

    with localcontext(_EXACT):
        max_total = sum((criterion.max_points * criterion.weight for criterion in criteria), Decimal(0))
        table, clips = _counted_table(criteria, scorecards, conflicts)
        clips |= assigned.keys() | {clip for _, clip in conflicts}
        conflicts_on = Counter(clip for _, clip in conflicts)
        no_rows = slice(0, 0)

        def count(clip):
            rows = table.rows.get(clip, no_rows)
            return rows.stop - rows.start

        def abstentions(clip):
            scored = set(table.judges[table.rows.get(clip, no_rows)])
            return sum(1 for judge in assigned.get(clip, frozenset()) - scored if (judge, clip) not in conflicts)

        complete = sorted(clip for clip in clips if count(clip) >= min_scorecards)
        incomplete = tuple(
            IncompleteClip(clip, count(clip), min_scorecards, abstentions(clip), conflicts_on[clip])
            for clip in sorted(clips)
            if count(clip) < min_scorecards
        )
        if method == "zscore":
            scores = _zscore_scores(criteria, table, complete)
        else:
            scores = _exact_scores(_AGGREGATES[method], criteria, table, complete)
        first_places, top3_places = _count_back(table, complete)
        keys = {clip: (*scores[clip].key, first_places[clip], top3_places[clip]) for clip in complete}
        levels = (
            "score",
            *(f"criterion:{criterion.id}" for criterion in criteria if criterion.breaks_ties),
            "first_places",
            "top3_places",
        )
        limit = None if threshold is None else threshold * max_total * table.scale
        ranked = []
        for clip, rank, decided_by, tied_with in _positions(keys, levels):
            totals = table.totals[table.rows[clip]]
            spread = max(totals) - min(totals)
            ranked.append(
                ClipRank(
                    clip=clip,
                    rank=rank,
                    score=scores[clip].score,
                    raw_mean=_rounded(sum(totals), len(totals) * table.scale),
                    zscore=scores[clip].zscore,
                    scorecards=len(totals),
                    abstentions=abstentions(clip),
                    conflicts=conflicts_on[clip],
                    spread=_rounded(spread, table.scale),
                    high_disagreement=limit is not None and spread > limit,
                    criterion_scores=scores[clip].criterion_scores,
                    first_places=first_places[clip],
                    top3_places=top3_places[clip],
                    decided_by=decided_by,
                    tied_with=tied_with,
                )
            )
        return RankingResult(
            method=method,
            min_scorecards=min_scorecards,
            disagreement_threshold=threshold,
            max_total=_rounded(max_total),
            ranked=tuple(ranked),
            incomplete=incomplete,
        )


def _checked_criteria(criteria):
    checked, seen = [], set()
    for criterion in criteria:
        if criterion.id in seen:
            raise ValueError(f"Criterion {criterion.id!r} appears twice in the rubric.")
        seen.add(criterion.id)
        max_points = _decimal(criterion.max_points, f"the maximum of criterion {criterion.id!r}")
        weight = _decimal(criterion.weight, f"the weight of criterion {criterion.id!r}")
        if not max_points > 0:
            raise ValueError(f"The maximum of criterion {criterion.id!r} must be above 0, not {max_points}.")
        if weight < 0:
            raise ValueError(f"The weight of criterion {criterion.id!r} must not be negative, not {weight}.")
        checked.append(Criterion(criterion.id, max_points, weight, bool(criterion.breaks_ties)))
    if not checked:
        raise ValueError("The rubric has no criteria.")
    return tuple(checked)


def _decimal(value, what):
    # Floats would bring binary fractions into sums that must be exact; decimal text is exact.
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise TypeError(f"{what} must be an int, a Decimal or decimal text, not {type(value).__name__}.")
    try:
        value = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{what} is not a number: {value!r}.") from None
    if not value.is_finite():
        raise ValueError(f"{what} is not a number: {value}.")
    return value


def _counted_table(criteria, scorecards, conflicts):
    """The scorecards that count, as a _Table, and every clip mentioned (conflicted ones too)."""
    scorecards = list(scorecards)
    pairs = [(card.judge, card.clip) for card in scorecards]
    if len(set(pairs)) < len(pairs):
        seen = set()
        for judge, clip in pairs:
            if (judge, clip) in seen:
                raise ValueError(f"Judge {judge!r} has two scorecards for clip {clip!r}.")
            seen.add((judge, clip))
    clips = {clip for _, clip in pairs}
    if conflicts:
        scorecards = [card for card, pair in zip(scorecards, pairs, strict=True) if pair not in conflicts]
    columns = _points_columns(criteria, scorecards)
    if columns is None:
        # Something is off, or merely not a Decimal: the scorecards one by one say what, or convert.
        checked = list(zip(*[_checked_points(card, criteria) for card in scorecards], strict=True))
        columns = [(column, {points: points for points in column}) for column in checked]
    weighted, places = _scaled(criteria, columns)
    # In the order of the clips (one clip's in the order given), so that a clip's rows are one slice.
    card_clips = [card.clip for card in scorecards]
    order = sorted(range(len(scorecards)), key=card_clips.__getitem__)
    judges = [scorecards[row].judge for row in order]
    card_clips = [card_clips[row] for row in order]
    weighted = [[column[row] for row in order] for column in weighted]
    totals = [0] * len(scorecards)
    for column in weighted:
        totals = list(map(operator.add, totals, column))
    rows = {clip: slice(bisect_left(card_clips, clip), bisect_right(card_clips, clip)) for clip in set(card_clips)}
    return _Table(judges, card_clips, weighted, totals, places, rows), clips


def _points_columns(criteria, scorecards):
    """Each criterion's points over all scorecards, with the Decimal each distinct value stands for, when every
    value is decimal text or a Decimal within the criterion's bounds on exactly the rubric's criteria; None
    otherwise. A contest's points take a few dozen values: each is converted and checked once."""
    if any(len(card.points) != len(criteria) for card in scorecards):
        return None
    columns = []
    for criterion in criteria:
        try:
            column = [card.points[criterion.id] for card in scorecards]
            distinct = set(column)
            types = set(map(type, distinct))
            if types == {str}:
                points_of = {text: Decimal(text) for text in distinct}
            elif types <= {Decimal}:
                points_of = {points: points for points in distinct}
            else:
                return None
            # A NaN makes the comparisons raise; an infinity is out of bounds.
            if not all(0 <= points <= criterion.max_points for points in points_of.values()):
                return None
        except (KeyError, TypeError, InvalidOperation):
            return None
        columns.append((column, points_of))
    return columns


def _checked_points(card, criteria):
    """One scorecard's points in the rubric's order, as Decimals, each checked with a message that says which
    judge, clip and criterion it is."""
    if len(card.points) != len(criteria):
        _refuse_other_criteria(card, criteria)
    checked = []
    for criterion in criteria:
        points = card.points.get(criterion.id)
        if points is None:
            _refuse_other_criteria(card, criteria)
        if type(points) is not Decimal or not points.is_finite():
            points = _decimal(
                points,
                f"The points of judge {card.judge!r} for clip {card.clip!r} on criterion {criterion.id!r}",
            )
        if not 0 <= points <= criterion.max_points:
            raise ValueError(
                f"Judge {card.judge!r} gave clip {card.clip!r} {points} points on criterion {criterion.id!r}, "
                f"outside 0 to {criterion.max_points}."
            )
        checked.append(points)
    return checked


def _scaled(criteria, columns):
    """The columns' points × weight as integers counting 10 ** -places, and places: the fewest that make every
    product a whole number. Each distinct value is multiplied once."""
    products = [
        {value: points * criterion.weight for value, points in points_of.items()}
        for criterion, (_column, points_of) in zip(criteria, columns, strict=True)
    ]
    places = max([0, *(-product.as_tuple().exponent for table in products for product in table.values())])
    scale = 10**places
    weighted = []
    for table, (column, _points_of) in zip(products, columns, strict=True):
        scaled = {value: int(product * scale) for value, product in table.items()}
        weighted.append(list(map(scaled.__getitem__, column)))
    return weighted, places


def _refuse_other_criteria(card, criteria):
    ids = [criterion.id for criterion in criteria]
    unknown = [id_ for id_ in card.points if id_ not in ids]
    if unknown:
        raise ValueError(
            f"Judge {card.judge!r} scored clip {card.clip!r} on {unknown[0]!r}, which is not a criterion of this contest."
        )
    missing = next(id_ for id_ in ids if card.points.get(id_) is None)
    raise ValueError(
        f"The scorecard of judge {card.judge!r} for clip {card.clip!r} has no points for criterion {missing!r}."
    )


# An aggregate is returned as (exact sum, count) standing for the fraction sum / count: nothing is rounded
# before `_rounded`.
def _mean(values):
    return sum(values), len(values)


def _trimmed_mean(values):
    if len(values) < 4:
        return _mean(values)
    return _mean(sorted(values)[1:-1])


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle], 1
    return ordered[middle - 1] + ordered[middle], 2


_AGGREGATES = {"mean": _mean, "trimmed_mean": _trimmed_mean, "median": _median}


def _rounded(value, count=1):
    """value / count (an integer or a Decimal, over an integer) to PLACES decimal places, halves up, as a Decimal
    with exactly PLACES digits after the point."""
    if count == 1 and isinstance(value, Decimal):
        # The z-score method's 34-digit numbers: three times faster than by their integer ratio. Flooring to 100
        # digits first leaves the floor to PLACES as it is; plus() makes a floor of -0 the integers' 0.
        return _EXACT.plus(_FLOOR.quantize(_FLOOR.add(value, _HALF_UNIT), _UNIT))
    numerator, denominator = value.as_integer_ratio()
    denominator *= count
    # floor(numerator / denominator × 10 ** PLACES + ½)
    return Decimal((2 * numerator * _SCALE + denominator) // (2 * denominator)).scaleb(-PLACES)


def _exact_scores(aggregate, criteria, table, clips):
    breaking = [index for index, criterion in enumerate(criteria) if criterion.breaks_ties]
    scale = table.scale

    def exact(values):
        total, count = aggregate(values)
        return _rounded(total, count * scale)

    scores = {}
    for clip in clips:
        rows = table.rows[clip]
        score = exact(table.totals[rows])
        per_criterion = [exact(column[rows]) for column in table.weighted]
        scores[clip] = _Scores(
            score=score,
            zscore=None,
            criterion_scores={
                criterion.id: value for criterion, value in zip(criteria, per_criterion, strict=True)
            },
            key=(score, *(per_criterion[index] for index in breaking)),
        )
    return scores


def _zscore_scores(criteria, table, clips):
    """Scores of the z-score method: the totals, then each criterion's weighted points, as z-scores per judge."""
    if not clips:
        return {}
    columns = [table.totals, *table.weighted]
    by_judge = defaultdict(list)
    for row, judge in enumerate(table.judges):
        by_judge[judge].append(row)
    zscores = []
    for column in columns:
        # A judge gives the same value to many clips: each value's z-score is computed once.
        of_judge = {judge: _zscores([column[row] for row in rows]) for judge, rows in by_judge.items()}
        zscores.append([of_judge[judge][value] for judge, value in zip(table.judges, column, strict=True)])
    on_points = [_points_scale(column, table.places) for column in columns]
    breaking = [index for index, criterion in enumerate(criteria, start=1) if criterion.breaks_ties]
    scores = {}
    for clip in clips:
        rows = table.rows[clip]
        mean_z = [_approximate_mean(column[rows]) for column in zscores]
        rounded_z = [_rounded(z) for z in mean_z]
        scores[clip] = _Scores(
            score=_rounded(on_points[0](mean_z[0])),
            zscore=rounded_z[0],
            criterion_scores={
                criterion.id: _rounded(on_points[index](mean_z[index]))
                for index, criterion in enumerate(criteria, start=1)
            },
            key=(rounded_z[0], *(rounded_z[index] for index in breaking)),
        )
    return scores


def _zscores(values):
    """One judge's values, each mapped to its z-score; all 0 when the judge scored one clip or gave every clip
    the same."""
    count = len(values)
    total = sum(values)
    # count² × the judge's variance, exact; z = (count × value − total) / its square root.
    # Adding a constant to every value of the judge leaves both unchanged, digit for digit; so does the scale.
    dispersion = count * sum([value * value for value in values]) - total * total
    if dispersion == 0:
        return dict.fromkeys(values, Decimal(0))
    root = _APPROXIMATE.sqrt(dispersion)
    return {value: _APPROXIMATE.divide(count * value - total, root) for value in set(values)}


def _approximate_mean(values):
    # Adding in sorted order makes the rounded sum independent of the order of judges and scorecards.
    return _APPROXIMATE.divide(reduce(_APPROXIMATE.add, sorted(values), Decimal(0)), len(values))


def _points_scale(values, places):
    """The map from a z-score to points: mean of the values + z × their population standard deviation, the
    values counting 10 ** -places."""
    count = len(values)
    total = sum(values)
    dispersion = count * sum([value * value for value in values]) - total * total
    mean = _APPROXIMATE.divide(total, count)
    deviation = _APPROXIMATE.divide(_APPROXIMATE.sqrt(dispersion), count)
    # Moving the point is exact: the digits are those the values in points would give.
    return lambda z: _APPROXIMATE.add(mean, _APPROXIMATE.multiply(z, deviation)).scaleb(-places)


def _count_back(table, clips):
    """How many judges placed each clip first, and in their top 3, ranking the clips each judge scored among
    `clips`. A judge's place for a clip is 1 + how many of their clips have a higher total: a clip is first at
    the judge's best total, and in the top 3 at or above the judge's third-best total."""
    by_judge = defaultdict(list)
    for clip in clips:
        rows = table.rows[clip]
        for judge, total in zip(table.judges[rows], table.totals[rows], strict=True):
            by_judge[judge].append((total, clip))
    first_places, top3_places = Counter(), Counter()
    for scored in by_judge.values():
        top = heapq.nlargest(3, [total for total, _clip in scored])
        best, third = top[0], top[-1]
        top3_places.update([clip for total, clip in scored if total >= third])
        first_places.update([clip for total, clip in scored if total == best])
    return first_places, top3_places


def _positions(keys, levels):
    """(clip, rank, decided_by, tied_with) in rank order, from each clip's key (score, tie-breakers...)."""
    order = sorted(keys)
    order.sort(key=keys.__getitem__, reverse=True)

    def shared(index, other):
        if not 0 <= other < len(order):
            return 0
        count = 0
        for mine, theirs in zip(keys[order[index]], keys[order[other]], strict=True):
            if mine != theirs:
                break
            count += 1
        return count

    ties = defaultdict(list)
    for clip in order:
        ties[keys[clip]].append(clip)
    positions, rank = [], 0
    for index, clip in enumerate(order):
        if index == 0 or keys[clip] != keys[order[index - 1]]:
            rank = index + 1
        # Sorted, a clip's nearest key is a neighbour's: how much of it they share says which step decided.
        step = max(shared(index, index - 1), shared(index, index + 1))
        decided_by = levels[step] if step < len(levels) else "unresolved"
        tied_with = tuple(other for other in ties[keys[clip]] if other != clip)
        positions.append((clip, rank, decided_by, tied_with))
    return positions
