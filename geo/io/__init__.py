"""Import and export of observations: GeoJSON, CSV and GeoPackage — validated, all or nothing.

The package: :mod:`~geo.io.formats` (names and numbers of the format), :mod:`~geo.io.read`
(the readers), :mod:`~geo.io.drafts` (one row to one draft), :mod:`~geo.io.importing`,
:mod:`~geo.io.export` and :mod:`~geo.io.refusals`.  Import from ``geo.io`` itself.

The interchange format
======================

One observation per point feature (GeoJSON, GeoPackage) or per row (CSV).  Coordinates are
WGS 84 longitude/latitude (EPSG:4326).

Columns / properties (the same names in every format, in this order on export):

=============== ============================================================================
``uuid``        optional on import; kept, so re-importing an export adds nothing (any
                standard UUID spelling; stored in canonical lower-case form).
``category``    required; a category id such as ``belysning``.
``description`` free text, at most 2,000 characters (no control characters other than tab
                and line breaks).
``observed_at`` required; ISO 8601 date and time WITH an offset, e.g.
                ``2019-10-15T18:42:00+02:00`` (``Z`` is accepted).  No offset → refused.
                Exports write Europe/Stockholm local time with its offset.
``feeling``     required; a whole number 1–5 (1 = safe, 5 = very unsafe).
``walk``        the walk's slug, or empty.
``activity``    a promise activity id such as ``halmstad-2019.1.6``, or empty.
``status``      an observation status id (``new``, ``assessed``, ``measure_planned``,
                ``in_progress``, ``resolved``, ``verified``, ``closed``); empty = ``new``.
``status_reason`` required when ``status`` is ``closed``.
``district``    export only, informative (the district the store placed the point in);
                ignored on import: the store places every point itself.
=============== ============================================================================

Unknown extra columns/properties are ignored.

**GeoJSON** (``.geojson``, ``.json``): a ``FeatureCollection`` of ``Point`` features in RFC 7946
order ``[lon, lat]``.  A ``crs`` member, if present, must name CRS84 or EPSG:4326; any other
system is refused, as are coordinates that are clearly projected metres (|x| > 180 or
|y| > 90, e.g. SWEREF 99 TM).  Exports have no ``crs`` member and one feature per line.

**CSV** (``.csv``): UTF-8 (a byte-order mark is tolerated on import and written on export, so
that Excel shows å, ä, ö), comma-separated, a header row, the columns above plus ``lat`` and
``lon`` with a decimal point.  Required columns: ``category``, ``observed_at``, ``feeling``,
``lat``, ``lon``.  Line numbers in messages count the header as line 1.  To keep spreadsheet
programs from running formulas, a text cell that (after any leading apostrophes) starts with
``=``, ``+``, ``-``, ``@``, tab or carriage return is written with one extra leading ``'``;
import removes exactly that apostrophe, so the round trip is exact.

**GeoPackage** (``.gpkg``): one layer ``observations`` (a file with a single layer of
another name is read too; one with several layers is refused, naming them, unless ``layer``
chooses one), Point geometry, the columns above.  A layer in another known CRS
(e.g. SWEREF 99 TM, EPSG:3006) is transformed to EPSG:4326; a layer without a CRS is refused.
Exports are EPSG:4326 with ``observed_at`` as text.

Exports write coordinates rounded to 7 decimals (about 1 cm).  Export, import into an empty
store and export again gives an identical GeoJSON or CSV file and the same GeoPackage rows.

Refusals
========

:func:`read_observations` checks the whole file and raises :class:`ImportRefused` on the
first problem, naming the CSV line (``Rad 4``) or the 1-based feature (``Objekt 2``), the
field and the value as the person wrote it (:func:`~geo.io.refusals.show`: a spreadsheet's
date as ``2019-10-15 19:30:00``, never Python's spelling), e.g. ``Rad 4, fältet 'feeling':
värdet 7 – ska vara ett heltal från 1 (tryggt) till 5 (mycket otryggt)``.  A file holds at
most :data:`MAX_IMPORT_ROWS` rows or features.  The rules for the values themselves are
:func:`geo.workflow.validate_observation`, the same as for the pin form.  :func:`import_file`
then saves every row in one short transaction (or none;
:meth:`geo.store.Store.import_observations`).  Nothing here evaluates file content.
"""

from .export import export_file, observations_frame
from .formats import CSV_COLUMNS, EXPORT_FIELDS, FIELDS, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from .importing import ImportResult, import_file
from .read import read_observations
from .refusals import ExportRefused, ImportRefused, show

__all__ = [
    "ImportRefused", "ExportRefused", "ImportResult", "MAX_IMPORT_BYTES", "MAX_IMPORT_ROWS", "FIELDS",
    "EXPORT_FIELDS", "CSV_COLUMNS", "read_observations", "import_file", "export_file",
    "observations_frame", "show",
]
