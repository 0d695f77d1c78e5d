"""Detection metrics: AUC ROC, Average Precision, Card Precision@k.

AUC and AP follow scikit-learn's definitions (step-wise AP without
interpolation; ties in scores form one threshold; collinear ROC points
dropped) in the same order of floating-point operations, so they give the
same numbers to the last bit; a test checks it.

Card Precision@k is the Fraud Detection Handbook's: per day, the k cards
with the highest score that day (a card's score is its highest transaction
score), the share of them that really had fraud that day; cards already
found on earlier days are left out; the mean over days.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd


def _curve(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True and false positives at each distinct score threshold, highest first."""
    labels = np.asarray(labels, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(scores, kind="mergesort")[::-1]
    scores = scores[order]
    labels = labels[order]
    last_of_each_threshold = np.r_[np.flatnonzero(np.diff(scores)), labels.size - 1]
    true_positives = np.cumsum(labels)[last_of_each_threshold]
    false_positives = 1 + last_of_each_threshold - true_positives
    return true_positives, false_positives


def roc_auc(labels: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray):
    """Area under the ROC curve (trapezoids between distinct thresholds)."""
    true_positives, false_positives = _curve(np.asarray(labels), np.asarray(scores))
    if true_positives[-1] == 0 or false_positives[-1] == 0:
        raise ValueError("AUC needs both classes among the labels")
    if len(true_positives) > 2:
        # Points on a straight line between their neighbours add no area.
        corners = np.flatnonzero(
            np.r_[
                True,
                np.logical_or(np.diff(false_positives, 2), np.diff(true_positives, 2)),
                True,
            ]
        )
        true_positives = true_positives[corners]
        false_positives = false_positives[corners]
    tpr = np.r_[0, true_positives] / true_positives[-1]
    fpr = np.r_[0, false_positives] / false_positives[-1]
    return float(np.add.reduce(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


def average_precision(
    labels: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray
) -> float:
    """Average precision: sum over thresholds of (recall step) x precision."""
    true_positives, false_positives = _curve(np.asarray(labels), np.asarray(scores))
    positives = true_positives[-1]
    if positives == 0:
        raise ValueError("average precision needs at least one positive label")
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / positives
    # Highest threshold last, as scikit-learn sums them.
    precision = np.r_[precision[::-1], 1]
    recall = np.r_[recall[::-1], 0]
    return float(-np.sum(np.diff(recall) * precision[:-1]))


def card_precision_at_k(
    *,
    labels: Sequence[int] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    cards: Sequence[str] | np.ndarray,
    days: Sequence[object] | np.ndarray,
    k: int = 100,
    remove_detected: bool = True,
) -> float:
    """Card Precision@k averaged over days (the handbook's definition)."""
    frame = pd.DataFrame(
        {
            "label": np.asarray(labels, dtype=np.int64),
            "score": np.asarray(scores, dtype=np.float64),
            "card": np.asarray(cards, dtype=object),
            "day": np.asarray(days),
        }
    )
    detected: set[object] = set()
    precisions = []
    for _, day in frame.groupby("day", sort=True):
        if remove_detected and detected:
            day = day[~day["card"].isin(detected)]
        per_card = (
            day.groupby("card", sort=True)
            .agg(score=("score", "max"), label=("label", "max"))
            .reset_index()
            .sort_values(["score", "card"], ascending=[False, True], kind="mergesort")
        )
        top = per_card.head(k)
        found = top.loc[top["label"] == 1, "card"]
        precisions.append(len(found) / k)
        if remove_detected:
            detected.update(found)
    return float(np.mean(precisions)) if precisions else 0.0


def detection_metrics(
    *,
    labels: np.ndarray,
    scores: np.ndarray,
    cards: np.ndarray,
    days: np.ndarray,
    k: int = 100,
) -> dict[str, float]:
    """AUC ROC, AP and CP@k of one set of scores, rounded for reports."""
    return {
        "auc_roc": round(roc_auc(labels, scores), 4),
        "average_precision": round(average_precision(labels, scores), 4),
        f"card_precision_at_{k}": round(
            card_precision_at_k(
                labels=labels, scores=scores, cards=cards, days=days, k=k
            ),
            4,
        ),
    }
