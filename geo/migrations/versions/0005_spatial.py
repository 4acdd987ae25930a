"""Spatial columns and indexes.

On PostgreSQL, PostGIS geometry columns that the database keeps in step with the stored
coordinates (generated columns, so no code path can let them drift): every observation as a
WGS84 point and as a SWEREF 99 TM point (for distances in metres), every district boundary and
every measure's place; each with a GiST index.  The points-in-a-district placement, the
"within N metres" search and the map's bounding box run on these.  On every backend, an index
on (lat, lon) for the bounding box where there is no PostGIS.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

POINT = "ST_SetSRID(ST_MakePoint(lon, lat), 4326)"
GENERATED = {
    ("observation", "geom"): f"geometry(Point, 4326) GENERATED ALWAYS AS ({POINT}) STORED",
    # Transverse Mercator has no answer a quarter of the globe away from 15° E: such a row
    # (which validation never lets in) gets no metric point instead of failing the write
    # before the CHECK constraint can name what is wrong.
    ("observation", "geom_sweref"):
        "geometry(Point, 3006) GENERATED ALWAYS AS (CASE WHEN lon BETWEEN -60 AND 90"
        f" AND lat BETWEEN -90 AND 90 THEN ST_Transform({POINT}, 3006) END) STORED",
    ("district", "geom"):
        "geometry(Geometry, 4326) GENERATED ALWAYS AS "
        "(ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326)) STORED",
    ("measure", "geom"):
        "geometry(Geometry, 4326) GENERATED ALWAYS AS "
        "(ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326)) STORED",
}


def upgrade() -> None:
    op.create_index("ix_observation_lat_lon", "observation", ["lat", "lon"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    # A no-op where the extension is installed already (a server whose owner created it for
    # an unprivileged application role); otherwise the role needs the right to create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    for (table, column), definition in GENERATED.items():
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        op.execute(f"CREATE INDEX ix_{table}_{column} ON {table} USING gist ({column})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in GENERATED:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.drop_index("ix_observation_lat_lon", table_name="observation")
