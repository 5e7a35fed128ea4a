"""labeling jobs: a run links the `label` job that runs it

Revision ID: 0010
Revises: 0012
Create Date: 2026-12-04 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labeling_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_labeling_runs_job_id"), ["job_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_labeling_runs_job_id_training_jobs"),
            "training_jobs",
            ["job_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("labeling_runs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_labeling_runs_job_id_training_jobs"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_labeling_runs_job_id"))
        batch_op.drop_column("job_id")
