"""quotas: per-project limits, job priority and GPU need (fair scheduling)

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-04 16:40:00
"""

import sqlalchemy as sa
from alembic import op

import app.db.types

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_quotas",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("running_jobs", sa.Integer(), nullable=True),
        sa.Column("queued_jobs", sa.Integer(), nullable=True),
        sa.Column("gpu_jobs", sa.Integer(), nullable=True),
        sa.Column("storage_bytes", sa.BigInteger(), nullable=True),
        sa.Column("monthly_teacher_spend", sa.Numeric(18, 8), nullable=True),
        sa.Column("updated_at", app.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_quotas_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_project_quotas")),
    )
    with op.batch_alter_table("training_jobs") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(
            sa.Column("needs_gpu", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_index(
        "ix_training_jobs_project_started", "training_jobs", ["project_id", "started_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_training_jobs_project_started", table_name="training_jobs")
    with op.batch_alter_table("training_jobs") as batch:
        batch.drop_column("needs_gpu")
        batch.drop_column("priority")
    op.drop_table("project_quotas")
