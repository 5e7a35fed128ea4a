"""llm providers: concurrency may be unlimited (null), like the RPM and TPM limits

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-04 20:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("llm_providers") as batch:
        batch.alter_column("concurrency", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE llm_providers SET concurrency = 4 WHERE concurrency IS NULL")
    with op.batch_alter_table("llm_providers") as batch:
        batch.alter_column("concurrency", existing_type=sa.Integer(), nullable=False)
