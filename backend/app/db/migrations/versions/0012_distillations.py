"""distillations: a student trained on a labeling run's output, with its report (reviewed by hand)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 16:25:21.047113
"""

from alembic import op
import sqlalchemy as sa
import app.db.types


revision = '0012'
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('distillations',
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('labeling_run_id', sa.Uuid(), nullable=True),
    sa.Column('training_dataset_id', sa.Uuid(), nullable=True),
    sa.Column('gold_dataset_id', sa.Uuid(), nullable=True),
    sa.Column('gold_text_column', sa.String(length=255), nullable=False),
    sa.Column('gold_label_column', sa.String(length=255), nullable=False),
    sa.Column('student', sa.JSON(), nullable=False),
    sa.Column('train_job_id', sa.Uuid(), nullable=True),
    sa.Column('eval_job_id', sa.Uuid(), nullable=True),
    sa.Column('model_version_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.Enum('training', 'evaluating', 'succeeded', 'failed', name='distillationstatus', native_enum=False, length=16), nullable=False),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_distillations_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['eval_job_id'], ['training_jobs.id'], name=op.f('fk_distillations_eval_job_id_training_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['gold_dataset_id'], ['datasets.id'], name=op.f('fk_distillations_gold_dataset_id_datasets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['labeling_run_id'], ['labeling_runs.id'], name=op.f('fk_distillations_labeling_run_id_labeling_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['model_version_id'], ['model_versions.id'], name=op.f('fk_distillations_model_version_id_model_versions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_distillations_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['train_job_id'], ['training_jobs.id'], name=op.f('fk_distillations_train_job_id_training_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['training_dataset_id'], ['datasets.id'], name=op.f('fk_distillations_training_dataset_id_datasets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_distillations'))
    )
    with op.batch_alter_table('distillations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_distillations_labeling_run_id'), ['labeling_run_id'], unique=False)
        batch_op.create_index('ix_distillations_project_created', ['project_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_distillations_train_job_id'), ['train_job_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('distillations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_distillations_train_job_id'))
        batch_op.drop_index('ix_distillations_project_created')
        batch_op.drop_index(batch_op.f('ix_distillations_labeling_run_id'))

    op.drop_table('distillations')
