"""Fraud scoring without the database: features in, score out.

Nothing here imports the ORM, so the same code runs online (one live
transaction), offline (training, backtests, batch scoring) and in tests.

- `records`: `Transaction`, the plain record of one card transaction, and
  the history DataFrame built from many.
- `features`: the feature definitions (`FEATURES`, with the handbook's 15 as
  `HANDBOOK_FEATURE_NAMES`), computed offline by `history_features(frame,
  encodings)` and online by `transaction_features(transaction,
  card_history=..., merchant_history=..., encodings=...)`; both give the
  same numbers to the last digit.
- `evaluators`: numpy-only models that score one row in microseconds, with
  explanations.
- `model`: `ScoringModel`, the joblib artifact (features, encodings,
  evaluator, tiers) with `score_transaction` (online) and `score_history`.
- `metrics`: AUC ROC, Average Precision (scikit-learn's, bit for bit) and
  the handbook's Card Precision@k.
- `training`: time split with label delay, candidates, thresholds.
"""
