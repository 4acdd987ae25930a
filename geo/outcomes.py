"""What became of a participant's pins after the walk: "participants hear what happened".

After a walk is closed, a participant's own link shows each of their pins with today's status
and the measures that answer it, in plain words.  At the walk protocol the leader may have
merged their pin into another person's pin of the same spot (``Observation.merged_into``);
the kept pin then carries the status and the measure links, so the participant is told what
the kept pin says.  A kept pin may itself have been merged later: the chain is followed to
the pin that speaks for it today.

:func:`participant_outcomes` is pure (observations and measures in, plain rows out); the
``*_text`` helpers turn a row into the catalogue's words (``outcome.*`` and
``close_reason.*`` in ``data/strings.toml``).  The page reads the walk's pins and measures once
and hands them here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from . import i18n
from .i18n import EMPTY
from .model import Measure, MeasureStatus, Observation, ObservationStatus


@dataclass(frozen=True, slots=True)
class MeasureOutcome:
    """A measure that answers a pin, as a participant may see it."""
    id: int
    title: str
    type: str  # measure type id (label from the catalogue)
    status: str  # MeasureStatus
    status_reason: str
    responsible: str  # Responsible id
    responsible_name: str
    due: date | None

    @property
    def status_key(self) -> str:
        return f"outcome.measure.{self.status}"


@dataclass(frozen=True, slots=True)
class PinOutcome:
    """One of the participant's own pins and what it says today.

    ``category``, ``description`` and ``observed_at`` are the participant's own; ``status``,
    ``status_reason`` and ``measures`` come from the pin that speaks for it (``kept_id``: the
    pin itself, or the pin it was merged into)."""
    observation_id: int
    category: str
    description: str
    observed_at: datetime
    status: str  # ObservationStatus
    status_reason: str
    kept_id: int
    measures: tuple[MeasureOutcome, ...] = ()

    @property
    def merged(self) -> bool:
        return self.kept_id != self.observation_id

    @property
    def status_key(self) -> str:
        return f"outcome.observation.{self.status}"


def _measure_outcome(m: Measure) -> MeasureOutcome:
    return MeasureOutcome(id=m.id, title=m.title, type=m.type, status=m.status,
                          status_reason=m.status_reason, responsible=m.responsible,
                          responsible_name=m.responsible_name, due=m.due)


def kept_chain(obs: Observation, by_id: Mapping[int, Observation]) -> list[Observation]:
    """``obs`` and the pins it was merged into, in order, ending at the pin that is not
    merged (or the last one known, when a link leads to a pin that is not in ``by_id``).
    A loop (which the store never makes) ends the chain instead of hanging."""
    chain, seen = [obs], {obs.id}
    while (nxt := chain[-1].merged_into) is not None and nxt in by_id and nxt not in seen:
        chain.append(by_id[nxt])
        seen.add(nxt)
    return chain


def participant_outcomes(participant_id: int | None, observations: Iterable[Observation],
                         measures: Iterable[Measure]) -> list[PinOutcome]:
    """The participant's own pins, oldest first, each with today's status and its measures.

    Parameters
    ----------
    participant_id : the participant (``Actor.participant_id``); ``None`` has no pins.
    observations : the walk's pins *including merged ones*
        (``store.observations(walk_id=…, include_merged=True)``); pins of other people are
        needed as the kept pins of merged ones and are never returned.
    measures : measures, at least those linked to the walk's pins (others are ignored).

    Returns
    -------
    list of PinOutcome: status and status reason of the kept pin; the measures linked to the
    pin or to any pin of its chain (the store copies links to the kept pin, but an old link
    still counts), each once, by id.
    """
    if participant_id is None:
        return []
    observations = list(observations)
    by_id = {o.id: o for o in observations}
    answering: dict[int, dict[int, Measure]] = {}
    for m in measures:
        for oid in m.observation_ids:
            answering.setdefault(oid, {})[m.id] = m
    rows = []
    own = sorted((o for o in observations if o.participant_id == participant_id),
                 key=lambda o: (o.observed_at, o.id))
    for o in own:
        chain = kept_chain(o, by_id)
        kept = chain[-1]
        linked = {mid: m for p in chain for mid, m in answering.get(p.id, {}).items()}
        rows.append(PinOutcome(
            observation_id=o.id, category=o.category, description=o.description,
            observed_at=o.observed_at, status=kept.status, status_reason=kept.status_reason,
            kept_id=kept.id, measures=tuple(_measure_outcome(linked[k]) for k in sorted(linked))))
    return rows


def linked_measures(observation_ids: Iterable[int], measures: Iterable[Measure]) -> list[Measure]:
    """The measures linked to any of ``observation_ids``, by id: what the page keeps of all
    measures when it reads them for one walk."""
    wanted = set(observation_ids)
    return [m for m in measures if wanted.intersection(m.observation_ids)]


# --- words ----------------------------------------------------------------------------
def reason_text(reason: str | None, lang: str | None = None) -> str:
    """A status reason in words: a code with a catalogue text (``close_reason.<code>``, e.g.
    ``duplicate``) becomes that text; anything else (a reason typed by hand) stays as is."""
    text = (reason or "").strip()
    if text and "." not in text and i18n.has(f"close_reason.{text}"):
        return i18n.t(f"close_reason.{text}", lang)
    return text


def _status_text(entity: str, closing: str, status: str, reason: str, lang: str | None,
                 escape: Callable[[str], str]) -> str:
    """``outcome.<entity>.<status>`` in words; the closing status (closed, cancelled) with
    its reason through ``escape``; the plain status label, or "–", for anything else."""
    if status == closing:
        why = escape(reason_text(reason, lang))
        return (i18n.t(f"outcome.{entity}.{closing}", lang, reason=why) if why
                else i18n.t(f"outcome.{entity}.{closing}_no_reason", lang))
    for key in (f"outcome.{entity}.{status}", f"status.{entity}.{status}"):
        if i18n.has(key):
            return i18n.t(key, lang)
    return EMPTY


def observation_status_text(status: str, reason: str = "", lang: str | None = None,
                            escape: Callable[[str], str] = str) -> str:
    """Today's status of a pin as a sentence a resident understands; ``escape`` is applied to
    the reason (which may be typed text) and to nothing else."""
    return _status_text("observation", ObservationStatus.CLOSED, status, reason, lang, escape)


def measure_status_text(status: str, reason: str = "", lang: str | None = None,
                        escape: Callable[[str], str] = str) -> str:
    """A measure's status in plain words (a cancelled one with its reason, through
    ``escape``)."""
    return _status_text("measure", MeasureStatus.CANCELLED, status, reason, lang, escape)


def responsible_text(m: MeasureOutcome, lang: str | None = None) -> str:
    """Who is responsible: the body (Kommunen, Polisen …) and, when given, the name."""
    body = i18n.t(f"responsible.{m.responsible}", lang) if (
        m.responsible and i18n.has(f"responsible.{m.responsible}")) else ""
    name = (m.responsible_name or "").strip()
    if body and name:
        return f"{body} ({name})"
    return body or name or EMPTY


def due_text(m: MeasureOutcome) -> str:
    return m.due.isoformat() if m.due else EMPTY
