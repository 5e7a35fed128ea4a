"""list indexes: a project's jobs, models and datasets newest first (keyset pages)

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-03 18:30:00
"""

from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_training_jobs_project_created", "training_jobs", ["project_id", "created_at", "id"]),
    (
        "ix_training_jobs_project_status_created",
        "training_jobs",
        ["project_id", "status", "created_at"],
    ),
    ("ix_model_versions_project_created", "model_versions", ["project_id", "created_at", "id"]),
    ("ix_datasets_project_created", "datasets", ["project_id", "created_at", "id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
