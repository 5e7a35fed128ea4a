"""dataset status: background conversion of large uploads

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 18:40:00
"""

import sqlalchemy as sa
from alembic import op

import app.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATUS = sa.Enum("processing", "ready", "failed", name="datasetstatus", native_enum=False, length=16)


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("status", STATUS, nullable=False, server_default="ready"))
        batch.add_column(sa.Column("error", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("processing_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("heartbeat_at", app.db.types.UTCDateTime(), nullable=True))
        batch.create_index("ix_datasets_status", ["status"])


def downgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.drop_index("ix_datasets_status")
        batch.drop_column("heartbeat_at")
        batch.drop_column("processing_attempts")
        batch.drop_column("error")
        batch.drop_column("status")
