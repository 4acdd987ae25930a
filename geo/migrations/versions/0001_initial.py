"""Initial schema: municipalities, districts, the promise catalogue, walks, observations,
photos, measures and the status history.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

import geo.store

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('category',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('sv', sa.String(length=120), nullable=False),
    sa.Column('en', sa.String(length=120), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.Column('icon', sa.String(length=60), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('positive', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category'))
    )
    op.create_table('measure_type',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('sv', sa.String(length=120), nullable=False),
    sa.Column('en', sa.String(length=120), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.Column('icon', sa.String(length=60), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('geometry', sa.String(length=10), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measure_type'))
    )
    op.create_table('municipality',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kommunkod', sa.String(length=4), nullable=False),
    sa.Column('county', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality')),
    sa.UniqueConstraint('kommunkod', name=op.f('uq_municipality_kommunkod'))
    )
    op.create_table('status_change',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('at', geo.store.UTCDateTime(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.CheckConstraint("entity IN ('observation', 'measure')", name=op.f('ck_status_change_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_change'))
    )
    op.create_index('ix_status_change_entity', 'status_change', ['entity', 'entity_id'], unique=False)
    op.create_table('district',
    sa.Column('id', sa.String(length=60), nullable=False),
    sa.Column('municipality_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('regsokod', sa.String(length=120), nullable=False),
    sa.Column('parent_id', sa.String(length=60), nullable=True),
    sa.Column('area_km2', sa.Float(), nullable=False),
    sa.Column('centre_lon', sa.Float(), nullable=False),
    sa.Column('centre_lat', sa.Float(), nullable=False),
    sa.Column('geojson', sa.Text(), nullable=False),
    sa.Column('attribution', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_district_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['parent_id'], ['district.id'], name=op.f('fk_district_parent_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district'))
    )
    op.create_table('medborgarlofte',
    sa.Column('id', sa.String(length=60), nullable=False),
    sa.Column('municipality_id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_medborgarlofte_period')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_medborgarlofte_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medborgarlofte'))
    )
    op.create_table('promise',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('medborgarlofte_id', sa.String(length=60), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['medborgarlofte_id'], ['medborgarlofte.id'], name=op.f('fk_promise_medborgarlofte_id_medborgarlofte')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promise'))
    )
    op.create_table('activity',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('promise_id', sa.String(length=80), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('physical', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['promise_id'], ['promise.id'], name=op.f('fk_activity_promise_id_promise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity'))
    )
    op.create_table('measure',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('type_id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('district_id', sa.String(length=60), nullable=True),
    sa.Column('activity_id', sa.String(length=80), nullable=True),
    sa.Column('geojson', sa.Text(), nullable=False),
    sa.Column('responsible', sa.String(length=20), nullable=False),
    sa.Column('responsible_name', sa.Text(), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('cost_sek', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', geo.store.UTCDateTime(), nullable=False),
    sa.Column('updated_at', geo.store.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("responsible IN ('kommun', 'polis', 'fastighetsagare', 'trafikverket', 'annan')", name=op.f('ck_measure_responsible')),
    sa.CheckConstraint("status IN ('proposed', 'decided', 'in_progress', 'done', 'verified', 'cancelled')", name=op.f('ck_measure_status')),
    sa.CheckConstraint('cost_sek IS NULL OR cost_sek >= 0', name=op.f('ck_measure_cost')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_measure_activity_id_activity')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_measure_district_id_district')),
    sa.ForeignKeyConstraint(['type_id'], ['measure_type.id'], name=op.f('fk_measure_type_id_measure_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measure'))
    )
    op.create_index(op.f('ix_measure_district_id'), 'measure', ['district_id'], unique=False)
    op.create_table('walk',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('district_id', sa.String(length=60), nullable=False),
    sa.Column('activity_id', sa.String(length=80), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('starts_at', geo.store.UTCDateTime(), nullable=False),
    sa.Column('ends_at', geo.store.UTCDateTime(), nullable=True),
    sa.Column('meeting_point', sa.Text(), nullable=False),
    sa.Column('groups', sa.Text(), nullable=False),
    sa.Column('leader', sa.Text(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('route', sa.Text(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', geo.store.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'open', 'closed')", name=op.f('ck_walk_status')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_walk_activity_id_activity')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_walk_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_walk')),
    sa.UniqueConstraint('slug', name=op.f('uq_walk_slug'))
    )
    op.create_table('observation',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('walk_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.String(length=60), nullable=True),
    sa.Column('activity_id', sa.String(length=80), nullable=True),
    sa.Column('category_id', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('feeling', sa.Integer(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('observed_at', geo.store.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('reported_by', sa.String(length=80), nullable=False),
    sa.Column('group_id', sa.String(length=40), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', geo.store.UTCDateTime(), nullable=False),
    sa.Column('updated_at', geo.store.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('new', 'assessed', 'measure_planned', 'in_progress', 'resolved', 'verified', 'closed')", name=op.f('ck_observation_status')),
    sa.CheckConstraint('feeling BETWEEN 1 AND 5', name=op.f('ck_observation_feeling')),
    sa.CheckConstraint('lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90', name=op.f('ck_observation_lonlat')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_observation_activity_id_activity')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_observation_category_id_category')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_observation_district_id_district')),
    sa.ForeignKeyConstraint(['walk_id'], ['walk.id'], name=op.f('fk_observation_walk_id_walk')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observation')),
    sa.UniqueConstraint('uuid', name=op.f('uq_observation_uuid'))
    )
    op.create_index(op.f('ix_observation_district_id'), 'observation', ['district_id'], unique=False)
    op.create_index(op.f('ix_observation_walk_id'), 'observation', ['walk_id'], unique=False)
    op.create_table('measure_observation',
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['measure_id'], ['measure.id'], name=op.f('fk_measure_observation_measure_id_measure'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['observation_id'], ['observation.id'], name=op.f('fk_measure_observation_observation_id_observation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('measure_id', 'observation_id', name=op.f('pk_measure_observation'))
    )
    op.create_table('photo',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('mime', sa.String(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', geo.store.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('before', 'after')", name=op.f('ck_photo_kind')),
    sa.ForeignKeyConstraint(['observation_id'], ['observation.id'], name=op.f('fk_photo_observation_id_observation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo'))
    )
    op.create_index(op.f('ix_photo_observation_id'), 'photo', ['observation_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_photo_observation_id'), table_name='photo')
    op.drop_table('photo')
    op.drop_table('measure_observation')
    op.drop_index(op.f('ix_observation_walk_id'), table_name='observation')
    op.drop_index(op.f('ix_observation_district_id'), table_name='observation')
    op.drop_table('observation')
    op.drop_table('walk')
    op.drop_index(op.f('ix_measure_district_id'), table_name='measure')
    op.drop_table('measure')
    op.drop_table('activity')
    op.drop_table('promise')
    op.drop_table('medborgarlofte')
    op.drop_table('district')
    op.drop_index('ix_status_change_entity', table_name='status_change')
    op.drop_table('status_change')
    op.drop_table('municipality')
    op.drop_table('measure_type')
    op.drop_table('category')
