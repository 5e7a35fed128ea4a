"""projects: a personal project's description is empty (the console names it in the reader's language)

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-05 00:00:00
"""

from alembic import op

revision = "0018"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE projects SET description = '' "
        "WHERE is_personal AND description = 'Personal project'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE projects SET description = 'Personal project' "
        "WHERE is_personal AND description = ''"
    )
