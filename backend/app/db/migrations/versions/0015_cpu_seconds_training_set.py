"""CPU-seconds of a job's child processes; a distillation's training-set counts

Revision ID: 0015
Revises: 0017
Create Date: 2026-12-04 20:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("training_jobs") as batch:
        batch.add_column(sa.Column("cpu_seconds", sa.Float(), nullable=True))
    with op.batch_alter_table("distillations") as batch:
        batch.add_column(sa.Column("training_rows", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("gold_overlap_removed", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("distillations") as batch:
        batch.drop_column("gold_overlap_removed")
        batch.drop_column("training_rows")
    with op.batch_alter_table("training_jobs") as batch:
        batch.drop_column("cpu_seconds")
