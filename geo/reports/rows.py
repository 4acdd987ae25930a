"""The reports' input: plain rows, every value already in words (the caller turns codes into
labels in one language; :mod:`geo.meeting` and :mod:`geo.protocol` do)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..progress import Figures


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One observation or measure in a list of the meeting report ("new", "resolved",
    "overdue", "waiting").  Every field is shown as it is; the caller turns codes into words.

    ``ref``          how the meeting names it, e.g. ``"I 12"`` (iakttagelse 12) or ``"Å 3"``.
    ``what``         the category label of an observation or the title of a measure.
    ``place``        district name, street or a short description of the place.
    ``status``       the status label, e.g. ``"Åtgärd planerad"``.
    ``when``         the date the list is about: received (new), resolved (resolved), due
                     (overdue), waiting since (waiting); a ``date``, a string or None.
    ``responsible``  owner, e.g. ``"Kommunen – Teknik- och fritidsförvaltningen"``.
    ``note``         free text: a description, "12 dagar sen", the reason to decide…
    """
    ref: str
    what: str
    place: str = ""
    status: str = ""
    when: date | str | None = None
    responsible: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One line of the promise-progress table: a label and its :class:`geo.progress.Figures`.

    ``label``     the activity's (or promise's, or medborgarlöfte's) text.
    ``figures``   what the line shows: observations, resolved, the share resolved (a whole
                  per cent, "–" for None), measures planned, in progress, done and overdue,
                  walks held.
    ``district``  the district name; "" for the total over all districts.
    ``level``     0 = medborgarlöfte total, 1 = promise, 2 = activity: 0 and 1 are set in
                  bold, 2 is indented.
    """
    label: str
    figures: Figures = Figures()
    district: str = ""
    level: int = 2


@dataclass(frozen=True, slots=True)
class ProgressSection:
    """One period of the promise-progress part of the meeting PDF.

    ``title``      e.g. ``"Sedan förra mötet"``; ``period`` the dates in words.
    ``rows``       the table, as :class:`ProgressRow`, in print order.
    ``chart_png``  a PNG (e.g. from :func:`geo.reports.activity_chart`) shown above the
                   table, or None.
    ``hidden``     how many activities with nothing to report were left out of ``rows``.
    """
    title: str
    period: str = ""
    rows: tuple[ProgressRow, ...] = ()
    chart_png: bytes | None = None
    hidden: int = 0


@dataclass(frozen=True, slots=True)
class MeetingReport:
    """Everything the follow-up meeting's PDF shows, as plain values.

    ``title``           e.g. ``"BRÅ Halmstad – uppföljning av trygghetsvandringar"``.
    ``last_meeting``    the date of the previous meeting (the period starts after it).
    ``meeting``         the date of this meeting (the period ends with it).
    ``districts``       the district names the report covers.
    ``map_png``         a PNG (e.g. from :func:`geo.reports.map_image`), or None for no map.
    ``new``, ``resolved``, ``overdue``, ``waiting``  the four lists, as :class:`ItemRow`
                        (``waiting`` holds observations and measures).
    ``guldkorn``        the safe places ("Guldkorn – platser som känns trygga").
    ``progress``        the promise-progress table, as :class:`ProgressRow`, in print order.
    ``sections``        the promise's progress by period (:class:`ProgressSection`), shown
                        instead of ``progress`` when given.
    ``decisions``       the decisions the meeting is to take, one sentence each.
    ``promise``         the medborgarlöfte's title, or "".
    ``progress_period`` the promise's period in words (``"2019-01-01 – 2019-12-31"``) or "".
    ``created``         when the report was made (shown, and the PDF's creation date); None
                        = now.  Give it to get the same bytes for the same report.
    """
    title: str
    last_meeting: date
    meeting: date
    districts: tuple[str, ...] = ()
    map_png: bytes | None = None
    new: tuple[ItemRow, ...] = ()
    resolved: tuple[ItemRow, ...] = ()
    overdue: tuple[ItemRow, ...] = ()
    waiting: tuple[ItemRow, ...] = ()
    progress: tuple[ProgressRow, ...] = ()
    decisions: tuple[str, ...] = ()
    promise: str = ""
    progress_period: str = ""
    created: datetime | None = None
    guldkorn: tuple[ItemRow, ...] = ()
    sections: tuple[ProgressSection, ...] = ()


@dataclass(frozen=True, slots=True)
class SummaryTable:
    """A titled table on the Excel list's "Sammanfattning" sheet: headings and rows of plain
    values (numbers stay numbers; None is written as "–")."""
    title: str
    headings: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class ActionRow:
    """One row of the Excel action list (labels already in words).

    ``observations`` are the linked observation ids (written as ``"12, 15"``) or a string;
    ``due`` a ``date`` (written as a real Excel date) or None; ``cost`` kronor or None;
    ``overdue`` True/False (written as "ja"/"nej").
    """
    id: int
    type: str
    title: str
    status: str
    responsible: str = ""
    who: str = ""
    due: date | None = None
    cost: int | float | None = None
    observations: tuple[int, ...] | str = ()
    activity: str = ""
    overdue: bool = False


@dataclass(frozen=True, slots=True)
class ProtocolRow:
    """One point of the walk protocol, as the page and the PDF
    (:func:`geo.reports.walk_protocol_pdf`) show it: ``number`` along the route, the
    ``category`` label, the ``place`` (coordinates for the owner who goes there), how many
    pins were ``flagged_by`` it (merged into one) and how many more people seconded it
    (``supporters``, "Jag håller med"; together :attr:`people`), their ``texts`` (one string or
    one each), ``responsible``, ``priority`` and ``deadline`` in words or as a date ("–" when
    not set); and the ``observation_id`` and ``feeling`` it stands for, when it comes from the
    store."""
    number: int
    category: str
    place: str = ""
    flagged_by: int = 1
    texts: tuple[str, ...] | str = ()
    responsible: str = ""
    priority: str = ""
    deadline: date | str | None = None
    observation_id: int | None = None
    feeling: int | None = None
    supporters: int = 0

    @property
    def people(self) -> int:
        """How many people flagged the spot: the pins merged into it and those who seconded it."""
        return self.flagged_by + self.supporters
