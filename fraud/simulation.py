"""A transaction simulator: a card population, its merchants, and fraud.

Pure numpy/pandas, no database: `Simulator.days()` yields one DataFrame per
day in time order (bulk history for `manage.py simulate`), and
`Simulator.transactions()` yields the same rows one by one, which is what a
live mode posting to the API will consume. The same seed gives the same
transactions, byte for byte.

Population: cardholders with a home country (and its time zone), a home
location, a daily rate of transactions, a typical amount, preferred hours
and channel habits (contactless, e-commerce, ATM); merchants with an MCC, a
country and a location, each cardholder shopping mostly at nearby favourites
and a few online shops. Genuine life includes travel abroad, the occasional
big purchase, CVV typos and declines.

Fraud scenarios, each labelled when the cardholder reports it (a delay of
hours to weeks, the same report time for a whole incident; the card is
blocked then, so nothing of that incident happens after it):

- stolen_card: a physical card spending spree at unfamiliar shops and ATMs
  in the home country, high-value MCCs, minutes apart;
- card_testing: a leaked card number tried with tiny amounts at online
  digital-goods shops (CVV failures, declines), then large online purchases;
- account_takeover: online purchases from a country the card never used,
  at the cardholder's night;
- amount_spike: compromised credentials used at the card's usual merchants
  with amounts far above its habit (the handbook's scenario 3);
- compromised_merchant: a merchant/terminal that, for weeks, pushes
  fraudulent charges on stolen card numbers (the handbook's scenario 2).
"""

import gzip
import heapq
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

DAY_SECONDS = 86_400
GENUINE_LABEL_DELAY_DAYS = 7

# (country, share of cardholders, UTC offset in hours)
HOME_COUNTRIES = (
    ("US", 0.80, -5),
    ("CA", 0.06, -5),
    ("GB", 0.05, 0),
    ("DE", 0.03, 1),
    ("FR", 0.03, 1),
    ("MX", 0.03, -6),
)
TRAVEL_COUNTRIES = ("ES", "IT", "NL", "IE", "JP", "AU", "PT", "GR", "TH")
FRAUD_COUNTRIES = ("NG", "RU", "UA", "RO", "ID", "VN", "PH", "BR")

# (mcc, share of genuine spend at that kind of merchant, amount factor)
PHYSICAL_MCCS = (
    ("5411", 0.28, 0.9),  # grocery
    ("5812", 0.14, 1.1),  # restaurants
    ("5814", 0.12, 0.35),  # fast food
    ("5541", 0.12, 0.8),  # fuel
    ("5912", 0.06, 0.6),  # pharmacy
    ("5311", 0.08, 1.6),  # department store
    ("5999", 0.10, 1.0),  # miscellaneous retail
    ("5732", 0.05, 3.0),  # electronics
    ("5944", 0.02, 4.5),  # jewelry
    ("7011", 0.03, 4.0),  # hotels
)
ONLINE_MCCS = (
    ("5999", 0.32, 1.2),  # marketplaces
    ("5816", 0.15, 0.3),  # digital goods, games
    ("5815", 0.10, 0.25),  # streaming, media
    ("4121", 0.15, 0.6),  # ride hailing
    ("4814", 0.10, 1.0),  # telecom
    ("5732", 0.12, 3.0),  # electronics
    ("4511", 0.06, 6.0),  # airlines
)
ATM_MCC = "6011"
STOLEN_CARD_MCCS = ("5732", "5944", "5311", "5999", "5541")
TESTING_MCCS = ("5816", "5815", "5999")
CASH_OUT_MCCS = ("5732", "5999", "4511")


@dataclass(frozen=True)
class SimulationConfig:
    cards: int = 5_000
    days: int = 60
    start: date = date(2026, 1, 1)
    seed: int = 42
    # Daily probability, per card, that an incident of each kind starts.
    stolen_card_rate: float = 0.0004
    card_testing_rate: float = 0.0003
    account_takeover_rate: float = 0.00025
    amount_spike_rate: float = 0.0002
    # Daily probability, per physical merchant, that it gets compromised.
    compromised_merchant_rate: float = 0.0006
    travel_rate: float = 0.002


@dataclass
class Population:
    """Cards and merchants, as parallel arrays (index = card or merchant)."""

    card_refs: np.ndarray
    card_country: np.ndarray  # index into HOME_COUNTRIES
    card_offset_hours: np.ndarray
    card_rate: np.ndarray  # mean transactions per day
    card_amount: np.ndarray  # typical amount, major units
    card_hour: np.ndarray  # preferred local hour
    card_hour_spread: np.ndarray
    card_ecommerce: np.ndarray  # share of e-commerce
    card_contactless: np.ndarray  # share of contactless among card-present
    card_atm: np.ndarray  # share of ATM withdrawals
    favourite_shops: np.ndarray  # cards x 12 physical merchants nearby
    favourite_online: np.ndarray  # cards x 8 online merchants
    favourite_atms: np.ndarray  # cards x 3 ATMs nearby
    merchant_refs: np.ndarray
    merchant_mcc: np.ndarray
    merchant_country: np.ndarray
    merchant_kind: np.ndarray  # "shop", "online", "atm"
    merchant_amount_factor: np.ndarray


class Simulator:
    """Deterministic generator of labelled card transactions, day by day."""

    def __init__(self, config: SimulationConfig) -> None:
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        self.population = self._population()
        cards = config.cards
        self._travel_until = np.full(cards, -1)
        self._travel_country = np.empty(cards, dtype=object)
        self._busy_until = np.zeros(cards)  # epoch seconds: one incident at a time
        self._spike_from = np.full(cards, np.inf)
        self._spike_until = np.full(cards, -np.inf)
        self._spike_report = np.zeros(cards)
        self._pending: list[tuple[float, int, tuple[Any, ...]]] = []
        self._pending_sequence = 0
        self._next_transaction = 1
        shops = self.population.merchant_kind == "shop"
        self._shops_by_country = self._group(shops)
        self._atms_by_country = self._group(self.population.merchant_kind == "atm")
        online = self.population.merchant_kind == "online"
        self._online_by_country = self._group(online)
        self._online = np.flatnonzero(online)

    # -- population -------------------------------------------------------

    def _group(self, mask: np.ndarray) -> dict[str, np.ndarray]:
        countries = self.population.merchant_country
        return {
            str(country): np.flatnonzero(mask & (countries == country))
            for country in np.unique(countries[mask])
        }

    def _population(self) -> Population:
        rng = self.rng
        cards = self.config.cards
        shares = np.array([share for _, share, _ in HOME_COUNTRIES])
        home = rng.choice(len(HOME_COUNTRIES), size=cards, p=shares / shares.sum())
        offsets = np.array([offset for _, _, offset in HOME_COUNTRIES])[home]
        home_codes = np.array([code for code, _, _ in HOME_COUNTRIES], dtype=object)

        shop_count = max(60, cards // 5)
        travel_shops = max(len(TRAVEL_COUNTRIES) * 4, shop_count // 12)
        shop_country = np.concatenate(
            [
                home_codes[
                    rng.choice(len(shares), shop_count, p=shares / shares.sum())
                ],
                rng.choice(np.array(TRAVEL_COUNTRIES, dtype=object), travel_shops),
            ]
        )
        # Every home country gets a few shops, however small its share.
        shop_country[: len(home_codes) * 12] = np.repeat(home_codes, 12)
        shop_mcc_index = rng.choice(
            len(PHYSICAL_MCCS),
            len(shop_country),
            p=self._weights(PHYSICAL_MCCS),
        )
        online_count = max(30, cards // 40)
        online_country = rng.choice(
            np.array(
                ["US"] * 10
                + list(home_codes[1:])
                + list(TRAVEL_COUNTRIES)
                + list(FRAUD_COUNTRIES),
                dtype=object,
            ),
            online_count,
        )
        online_mcc_index = rng.choice(
            len(ONLINE_MCCS), online_count, p=self._weights(ONLINE_MCCS)
        )
        atm_count = max(len(home_codes) * 3, cards // 50)
        atm_country = np.concatenate(
            [
                np.repeat(home_codes, 3),
                home_codes[rng.choice(len(shares), atm_count, p=shares / shares.sum())],
                np.array(TRAVEL_COUNTRIES, dtype=object),
            ]
        )
        merchant_country = np.concatenate([shop_country, online_country, atm_country])
        kinds = np.array(
            ["shop"] * len(shop_country)
            + ["online"] * online_count
            + ["atm"] * len(atm_country),
            dtype=object,
        )
        mcc = np.concatenate(
            [
                np.array([PHYSICAL_MCCS[i][0] for i in shop_mcc_index], dtype=object),
                np.array([ONLINE_MCCS[i][0] for i in online_mcc_index], dtype=object),
                np.full(len(atm_country), ATM_MCC, dtype=object),
            ]
        )
        factor = np.concatenate(
            [
                np.array([PHYSICAL_MCCS[i][2] for i in shop_mcc_index]),
                np.array([ONLINE_MCCS[i][2] for i in online_mcc_index]),
                np.full(len(atm_country), 2.0),
            ]
        )
        merchant_count = len(kinds)
        merchant_xy = rng.uniform(0, 100, size=(merchant_count, 2))
        card_xy = rng.uniform(0, 100, size=(cards, 2))

        favourite_shops = np.zeros((cards, 12), dtype=np.int64)
        favourite_atms = np.zeros((cards, 3), dtype=np.int64)
        for index, code in enumerate(home_codes):
            holders = np.flatnonzero(home == index)
            if not len(holders):
                continue
            for kind, favourites, pool_size in (
                ("shop", favourite_shops, 30),
                ("atm", favourite_atms, 3),
            ):
                pool = np.flatnonzero((kinds == kind) & (merchant_country == code))
                neighbours = NearestNeighbors(
                    n_neighbors=min(pool_size, len(pool))
                ).fit(merchant_xy[pool])
                _, nearest = neighbours.kneighbors(card_xy[holders])
                picks = rng.integers(
                    0, nearest.shape[1], size=(len(holders), favourites.shape[1])
                )
                favourites[holders] = pool[np.take_along_axis(nearest, picks, axis=1)]

        online = np.flatnonzero(kinds == "online")
        popularity = 1.0 / np.arange(1, len(online) + 1) ** 0.8
        popularity[np.isin(merchant_country[online], FRAUD_COUNTRIES)] *= 0.05
        favourite_online = online[
            rng.choice(len(online), size=(cards, 8), p=popularity / popularity.sum())
        ]
        return Population(
            card_refs=np.array(
                [f"C{i:05d}" for i in range(1, cards + 1)], dtype=object
            ),
            card_country=home,
            card_offset_hours=offsets,
            card_rate=rng.gamma(2.0, 0.8, cards),
            card_amount=rng.lognormal(np.log(35), 0.55, cards),
            card_hour=rng.normal(14, 2.0, cards),
            card_hour_spread=rng.uniform(2.0, 4.0, cards),
            card_ecommerce=rng.beta(2, 6, cards),
            card_contactless=rng.beta(3, 3, cards),
            card_atm=rng.uniform(0.0, 0.06, cards),
            favourite_shops=favourite_shops,
            favourite_online=favourite_online,
            favourite_atms=favourite_atms,
            merchant_refs=np.array(
                [f"M{i:06d}" for i in range(1, merchant_count + 1)], dtype=object
            ),
            merchant_mcc=mcc,
            merchant_country=merchant_country,
            merchant_kind=kinds,
            merchant_amount_factor=factor,
        )

    @staticmethod
    def _weights(table: tuple[tuple[str, float, float], ...]) -> np.ndarray:
        weights = np.array([share for _, share, _ in table])
        return weights / weights.sum()

    def home_country(self, card: int) -> str:
        return HOME_COUNTRIES[int(self.population.card_country[card])][0]

    # -- days --------------------------------------------------------------

    def days(self) -> Iterator[pd.DataFrame]:
        """One DataFrame of transactions per day, in time order."""
        start = datetime.combine(self.config.start, datetime.min.time(), tzinfo=UTC)
        for day in range(self.config.days):
            day_start = (start + timedelta(days=day)).timestamp()
            yield self._day(day, day_start)

    def transactions(self) -> Iterator[dict[str, Any]]:
        """The same transactions one at a time, in time order (a live feed)."""
        for frame in self.days():
            yield from frame.to_dict("records")

    def _day(self, day: int, day_start: float) -> pd.DataFrame:
        self._start_travel(day)
        self._start_incidents(day_start)
        genuine = self._genuine(day, day_start)
        frauds = []
        day_end = day_start + DAY_SECONDS
        while self._pending and self._pending[0][0] < day_end:
            frauds.append(heapq.heappop(self._pending)[2])
        columns = list(genuine)
        if frauds:
            injected = pd.DataFrame.from_records(frauds, columns=columns)
            genuine = pd.concat([genuine, injected], ignore_index=True)
        frame = genuine.sort_values("seconds", kind="stable").reset_index(drop=True)
        return self._finish(frame)

    def _start_travel(self, day: int) -> None:
        rng = self.rng
        idle = self._travel_until < day
        leaving = idle & (rng.random(self.config.cards) < self.config.travel_rate)
        count = int(leaving.sum())
        self._travel_until[leaving] = day + rng.integers(3, 11, count)
        self._travel_country[leaving] = rng.choice(
            np.array((*TRAVEL_COUNTRIES, "US", "CA", "GB", "MX"), dtype=object), count
        )

    def _genuine(self, day: int, day_start: float) -> pd.DataFrame:
        rng = self.rng
        people = self.population
        weekday = (datetime.fromtimestamp(day_start, UTC)).weekday()
        factor = {4: 1.1, 5: 0.9, 6: 0.8}.get(weekday, 1.0)
        counts = rng.poisson(people.card_rate * factor)
        card = np.repeat(np.arange(self.config.cards), counts)
        size = len(card)
        draw = rng.random(size)
        is_atm = draw < people.card_atm[card]
        is_online = ~is_atm & (
            draw < people.card_atm[card] + people.card_ecommerce[card]
        )
        is_shop = ~is_atm & ~is_online
        merchant = np.empty(size, dtype=np.int64)
        merchant[is_shop] = people.favourite_shops[
            card[is_shop], rng.integers(0, 12, is_shop.sum())
        ]
        merchant[is_online] = people.favourite_online[
            card[is_online], rng.integers(0, 8, is_online.sum())
        ]
        merchant[is_atm] = people.favourite_atms[
            card[is_atm], rng.integers(0, 3, is_atm.sum())
        ]
        travelling = (self._travel_until[card] >= day) & ~is_online
        for row in np.flatnonzero(travelling):
            pool = (
                self._atms_by_country if is_atm[row] else self._shops_by_country
            ).get(self._travel_country[card[row]])
            if pool is not None and len(pool):
                merchant[row] = pool[rng.integers(0, len(pool))]

        amount = (
            people.card_amount[card]
            * people.merchant_amount_factor[merchant]
            * rng.lognormal(0.0, 0.5, size)
        )
        splurge = rng.random(size) < 0.004
        amount[splurge] *= rng.uniform(4, 10, splurge.sum())
        amount[is_atm] = np.maximum(20, np.round(amount[is_atm] / 20) * 20)
        cents = np.maximum(50, np.round(amount * 100)).astype(np.int64)
        local_hour = rng.normal(people.card_hour[card], people.card_hour_spread[card])
        hour = np.mod(local_hour - people.card_offset_hours[card], 24)
        seconds = day_start + np.floor(hour * 3600)
        card_present = np.where(
            rng.random(size) < people.card_contactless[card], "contactless", "pos"
        )
        # Mail and telephone orders: hotels and shops taking card details by phone.
        card_present[rng.random(size) < 0.01] = "moto"
        channel = np.where(
            is_atm, "atm", np.where(is_online, "ecommerce", card_present)
        ).astype(object)
        cvv_failed = is_online & (rng.random(size) < 0.01)
        declined = cvv_failed | (rng.random(size) < 0.008)

        is_fraud = np.zeros(size, dtype=np.int8)
        label = seconds + GENUINE_LABEL_DELAY_DAYS * DAY_SECONDS
        scenario = np.full(size, "", dtype=object)
        spiked = (
            (seconds >= self._spike_from[card])
            & (seconds < self._spike_until[card])
            & (rng.random(size) < 1 / 3)
        )
        cents[spiked] = (cents[spiked] * rng.uniform(4, 8, spiked.sum())).astype(
            np.int64
        )
        is_fraud[spiked] = 1
        label[spiked] = self._spike_report[card[spiked]]
        scenario[spiked] = "amount_spike"
        return pd.DataFrame(
            {
                "seconds": seconds,
                "card": card,
                "merchant": merchant,
                "amount_minor": cents,
                "channel": channel,
                "cvv_failed": cvv_failed.astype(np.int8),
                "declined": declined.astype(np.int8),
                "is_fraud": is_fraud,
                "label_seconds": label,
                "scenario": scenario,
            }
        )

    def _finish(self, frame: pd.DataFrame) -> pd.DataFrame:
        people = self.population
        count = len(frame)
        numbers = np.arange(self._next_transaction, self._next_transaction + count)
        self._next_transaction += count
        merchant = frame["merchant"].to_numpy(dtype=np.int64)
        return pd.DataFrame(
            {
                "transaction_id": [f"T{number:010d}" for number in numbers],
                "timestamp": pd.to_datetime(
                    frame["seconds"], unit="s", utc=True
                ).astype("datetime64[us, UTC]"),
                "card_ref": people.card_refs[frame["card"].to_numpy(dtype=np.int64)],
                "merchant_ref": people.merchant_refs[merchant],
                "amount_minor": frame["amount_minor"].to_numpy(dtype=np.int64),
                "currency": "USD",
                "mcc": people.merchant_mcc[merchant],
                "merchant_country": people.merchant_country[merchant],
                "channel": frame["channel"].to_numpy(dtype=object),
                "cvv_failed": frame["cvv_failed"].to_numpy(dtype=np.int8),
                "declined": frame["declined"].to_numpy(dtype=np.int8),
                "is_fraud": frame["is_fraud"].to_numpy(dtype=np.int8),
                "label_time": pd.to_datetime(
                    frame["label_seconds"], unit="s", utc=True
                ).astype("datetime64[us, UTC]"),
                "scenario": frame["scenario"].to_numpy(dtype=object),
            }
        )

    # -- fraud incidents -----------------------------------------------------

    def _report_delay(self, median_days: float) -> float:
        days = self.rng.lognormal(np.log(median_days), 0.9)
        return float(np.clip(days, 2 / 24, 30)) * DAY_SECONDS

    def _free_cards(self, rate: float, now: float) -> np.ndarray:
        chosen = np.flatnonzero(self.rng.random(self.config.cards) < rate)
        chosen = chosen[self._busy_until[chosen] < now]
        return chosen

    def _schedule(
        self,
        *,
        card: int,
        events: list[tuple[float, int, int, str, int, int]],
        report: float,
        scenario: str,
    ) -> None:
        """Queue an incident's transactions that happen before its report."""
        report = float(np.floor(report))
        for moment, merchant, cents, channel, cvv_failed, declined in events:
            seconds = float(np.floor(moment))
            if seconds >= report:
                continue
            row = (
                seconds,
                card,
                merchant,
                cents,
                channel,
                cvv_failed,
                declined,
                1,
                report,
                scenario,
            )
            self._pending_sequence += 1
            heapq.heappush(self._pending, (seconds, self._pending_sequence, row))
        self._busy_until[card] = max(self._busy_until[card], report)

    def _start_incidents(self, day_start: float) -> None:
        config = self.config
        for card in self._free_cards(config.stolen_card_rate, day_start):
            self._stolen_card(int(card), day_start)
        for card in self._free_cards(config.card_testing_rate, day_start):
            self._card_testing(int(card), day_start)
        for card in self._free_cards(config.account_takeover_rate, day_start):
            self._account_takeover(int(card), day_start)
        for card in self._free_cards(config.amount_spike_rate, day_start):
            self._amount_spike(int(card), day_start)
        shops = np.flatnonzero(self.population.merchant_kind == "shop")
        compromised = shops[
            self.rng.random(len(shops)) < config.compromised_merchant_rate
        ]
        for merchant in compromised:
            self._compromised_merchant(int(merchant), day_start)

    def _pick(self, pool: np.ndarray, mccs: tuple[str, ...]) -> int:
        preferred = pool[np.isin(self.population.merchant_mcc[pool], mccs)]
        candidates = preferred if len(preferred) else pool
        return int(candidates[self.rng.integers(0, len(candidates))])

    def _stolen_card(self, card: int, day_start: float) -> None:
        rng = self.rng
        home = self.home_country(card)
        shops = self._shops_by_country[home]
        atms = self._atms_by_country.get(home, shops)
        moment = day_start + rng.uniform(0, DAY_SECONDS)
        report = moment + self._report_delay(1.5)
        events = []
        for _ in range(int(rng.integers(3, 13))):
            moment += rng.exponential(45 * 60)
            if rng.random() < 0.2:
                merchant = int(atms[rng.integers(0, len(atms))])
                cents = int(rng.integers(10, 26)) * 2000
                channel = "atm"
            else:
                merchant = self._pick(shops, STOLEN_CARD_MCCS)
                cents = int(rng.lognormal(np.log(250), 0.6) * 100)
                channel = "contactless" if rng.random() < 0.6 else "pos"
            events.append((moment, merchant, cents, channel, 0, 0))
        self._schedule(card=card, events=events, report=report, scenario="stolen_card")

    def _card_testing(self, card: int, day_start: float) -> None:
        rng = self.rng
        moment = day_start + rng.uniform(0, DAY_SECONDS)
        report = moment + self._report_delay(3.0)
        testers = [self._pick(self._online, TESTING_MCCS) for _ in range(2)]
        events = []
        for _ in range(int(rng.integers(3, 9))):
            moment += rng.uniform(30, 300)
            cvv_failed = int(rng.random() < 0.5)
            declined = int(cvv_failed or rng.random() < 0.2)
            cents = int(rng.integers(50, 300))
            events.append(
                (
                    moment,
                    testers[rng.integers(0, 2)],
                    cents,
                    "ecommerce",
                    cvv_failed,
                    declined,
                )
            )
        for _ in range(int(rng.integers(1, 4))):
            moment += rng.uniform(600, 12 * 3600)
            merchant = self._pick(self._online, CASH_OUT_MCCS)
            cents = int(rng.uniform(150, 1500) * 100)
            events.append((moment, merchant, cents, "ecommerce", 0, 0))
        self._schedule(card=card, events=events, report=report, scenario="card_testing")

    def _account_takeover(self, card: int, day_start: float) -> None:
        rng = self.rng
        people = self.population
        home = self.home_country(card)
        country = rng.choice([c for c in FRAUD_COUNTRIES if c != home])
        pool = self._online_by_country.get(str(country), self._online)
        report = day_start + DAY_SECONDS + self._report_delay(4.0)
        events = []
        day = day_start
        for _ in range(int(rng.integers(2, 7))):
            day += rng.integers(0, 2) * DAY_SECONDS
            # The cardholder's night: 0-5h local time.
            local_hour = rng.uniform(0, 5)
            hour = (local_hour - people.card_offset_hours[card]) % 24
            moment = day + hour * 3600 + rng.uniform(0, 600)
            merchant = int(pool[rng.integers(0, len(pool))])
            cents = int(people.card_amount[card] * rng.uniform(1.5, 6) * 100)
            events.append((moment, merchant, cents, "ecommerce", 0, 0))
        self._schedule(
            card=card, events=events, report=report, scenario="account_takeover"
        )

    def _amount_spike(self, card: int, day_start: float) -> None:
        start = day_start + self.rng.uniform(0, DAY_SECONDS)
        report = start + self._report_delay(5.0)
        self._spike_from[card] = start
        self._spike_until[card] = min(start + 14 * DAY_SECONDS, report)
        self._spike_report[card] = float(np.floor(report))
        self._busy_until[card] = max(self._busy_until[card], report)

    def _compromised_merchant(self, merchant: int, day_start: float) -> None:
        rng = self.rng
        people = self.population
        factor = people.merchant_amount_factor[merchant]
        days = int(rng.integers(7, 29))
        for day in range(days):
            for _ in range(int(rng.poisson(2.5))):
                card = int(rng.integers(0, self.config.cards))
                moment = day_start + day * DAY_SECONDS + rng.uniform(0, DAY_SECONDS)
                if self._busy_until[card] >= moment:
                    continue
                cents = int(people.card_amount[card] * factor * rng.uniform(1, 3) * 100)
                channel = str(rng.choice(["moto", "pos", "contactless"]))
                report = moment + self._report_delay(3.0)
                self._schedule(
                    card=card,
                    events=[(moment, merchant, cents, channel, 0, 0)],
                    report=report,
                    scenario="compromised_merchant",
                )


CSV_COLUMNS = (
    "transaction_id",
    "timestamp",
    "card_ref",
    "merchant_ref",
    "amount",
    "currency",
    "mcc",
    "merchant_country",
    "channel",
    "cvv_failed",
    "declined",
    "is_fraud",
    "label_time",
    "scenario",
)


def _iso(values: pd.Series) -> np.ndarray:
    seconds = values.to_numpy(dtype="datetime64[us]").astype("datetime64[s]")
    return np.char.add(np.datetime_as_string(seconds, unit="s"), "Z")


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A day of simulated transactions in the `import_transactions` format."""
    cents = frame["amount_minor"].to_numpy(dtype=np.int64)
    whole = (cents // 100).astype(str).astype(object)
    fraction = pd.Series(cents % 100).astype(str).str.zfill(2).to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "transaction_id": frame["transaction_id"],
            "timestamp": _iso(frame["timestamp"]),
            "card_ref": frame["card_ref"],
            "merchant_ref": frame["merchant_ref"],
            "amount": whole + "." + fraction,
            "currency": frame["currency"],
            "mcc": frame["mcc"],
            "merchant_country": frame["merchant_country"],
            "channel": frame["channel"],
            "cvv_failed": frame["cvv_failed"],
            "declined": frame["declined"],
            "is_fraud": frame["is_fraud"],
            "label_time": _iso(frame["label_time"]),
            "scenario": frame["scenario"],
        },
        columns=list(CSV_COLUMNS),
    )


def write_history_csv(simulator: Simulator, output: IO[str]) -> dict[str, int]:
    """Write every simulated day to `output` as CSV; return row and fraud counts."""
    totals = {"rows": 0, "frauds": 0}
    header = True
    for frame in simulator.days():
        csv_frame(frame).to_csv(output, header=header, index=False, lineterminator="\n")
        header = False
        totals["rows"] += len(frame)
        totals["frauds"] += int(frame["is_fraud"].sum())
    return totals


def simulate_to_path(config: SimulationConfig, path: Path) -> dict[str, int]:
    """Simulate into a CSV file (gzip-compressed when the name ends in .gz).

    The gzip header carries no name or time, so the bytes depend on the seed
    alone.
    """
    simulator = Simulator(config)
    if path.suffix == ".gz":
        with (
            path.open("wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) as packed,
            io.TextIOWrapper(packed, encoding="utf-8", newline="") as output,
        ):
            return write_history_csv(simulator, output)
    with path.open("w", encoding="utf-8", newline="") as output:
        return write_history_csv(simulator, output)
