"""labeling review: review status, reviewed output and reviewer per row; threshold and gold set per run

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-04 16:40:00
"""

import sqlalchemy as sa
from alembic import op

import app.db.types

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

REVIEW_STATUS = sa.Enum(
    "pending",
    "accepted",
    "corrected",
    "skipped",
    name="reviewstatus",
    native_enum=False,
    length=16,
)


def upgrade() -> None:
    with op.batch_alter_table("labeling_rows", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_status", REVIEW_STATUS, nullable=False, server_default="pending")
        )
        batch_op.add_column(sa.Column("reviewed_output", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("reviewer_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("reviewed_at", app.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_labeling_rows_reviewer_id_users"),
            "users",
            ["reviewer_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            "ix_labeling_rows_run_review", ["run_id", "review_status", "row_index"], unique=False
        )
    with op.batch_alter_table("labeling_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_threshold", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("gold_dataset_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_labeling_runs_gold_dataset_id_datasets"),
            "datasets",
            ["gold_dataset_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("labeling_runs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_labeling_runs_gold_dataset_id_datasets"), type_="foreignkey"
        )
        batch_op.drop_column("gold_dataset_id")
        batch_op.drop_column("review_threshold")
    with op.batch_alter_table("labeling_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_labeling_rows_run_review")
        batch_op.drop_constraint(
            batch_op.f("fk_labeling_rows_reviewer_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewer_id")
        batch_op.drop_column("reviewed_output")
        batch_op.drop_column("review_status")
