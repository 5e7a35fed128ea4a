"""job kinds: a generic subject and payload per job, when it was last sent; dataset
conversions become jobs (their own claim columns go)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 18:10:00
"""

import sqlalchemy as sa
from alembic import op

import app.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("training_jobs") as batch:
        batch.alter_column(
            "kind",
            existing_type=sa.Enum("train", name="jobkind", native_enum=False, length=16),
            type_=sa.String(length=16),
            existing_nullable=False,
        )
        batch.add_column(sa.Column("subject_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("payload", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("last_sent_at", app.db.types.UTCDateTime(), nullable=True))
        batch.create_index("ix_training_jobs_kind", ["kind"])
        batch.create_index("ix_training_jobs_subject_id", ["subject_id"])
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("processing_attempts")


def downgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(
            sa.Column("processing_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("heartbeat_at", app.db.types.UTCDateTime(), nullable=True))
    op.execute("DELETE FROM training_jobs WHERE kind <> 'train'")
    with op.batch_alter_table("training_jobs") as batch:
        batch.drop_index("ix_training_jobs_subject_id")
        batch.drop_index("ix_training_jobs_kind")
        batch.drop_column("last_sent_at")
        batch.drop_column("payload")
        batch.drop_column("subject_id")
        batch.alter_column(
            "kind",
            existing_type=sa.String(length=16),
            type_=sa.Enum("train", name="jobkind", native_enum=False, length=16),
            existing_nullable=False,
        )
