"""The cardholder's credit scores, each account's newest first, with the
points of its history chart."""

from dataclasses import dataclass

from accounts.models import Cardholder, CreditAccount, CreditScore

SCORE_MIN = 300
SCORE_MAX = 850
CHART_WIDTH = 600
CHART_HEIGHT = 200
HISTORY_LENGTH = 24


@dataclass(frozen=True)
class ChartPoint:
    x: int
    y: int
    score: CreditScore


@dataclass(frozen=True)
class ScoreHistory:
    account: CreditAccount
    scores: list[CreditScore]  # newest first

    @property
    def current(self) -> CreditScore | None:
        return self.scores[0] if self.scores else None

    @property
    def points(self) -> list[ChartPoint]:
        """The history oldest first, placed in a CHART_WIDTH x CHART_HEIGHT box
        (300 at the bottom, 850 at the top)."""
        oldest_first = list(reversed(self.scores))
        step = CHART_WIDTH // max(len(oldest_first) - 1, 1)
        return [
            ChartPoint(
                x=index * step,
                y=round(
                    CHART_HEIGHT * (SCORE_MAX - score.score) / (SCORE_MAX - SCORE_MIN)
                ),
                score=score,
            )
            for index, score in enumerate(oldest_first)
        ]

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x},{point.y}" for point in self.points)


def cardholder_score_histories(*, cardholder: Cardholder) -> list[ScoreHistory]:
    """Each of the cardholder's accounts with its last scores."""
    return [
        ScoreHistory(
            account=account,
            scores=list(
                CreditScore.objects.filter(account=account).order_by(
                    "-computed_at", "-pk"
                )[:HISTORY_LENGTH]
            ),
        )
        for account in CreditAccount.objects.filter(cardholder=cardholder).order_by(
            "pk"
        )
    ]
