"""llm providers, prices, calls, answer cache, labeling runs (reviewed by hand)

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-03 18:03:25.853998
"""

from alembic import op
import sqlalchemy as sa
import app.db.types


revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('llm_providers',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('qwen', 'deepseek', 'doubao', 'openai_compatible', name='providerkind', native_enum=False, length=32), nullable=False),
    sa.Column('base_url', sa.String(length=500), nullable=False),
    sa.Column('models', sa.JSON(), nullable=False),
    sa.Column('api_key_encrypted', sa.Text(), nullable=True),
    sa.Column('api_key_last4', sa.String(length=4), nullable=True),
    sa.Column('rpm_limit', sa.Integer(), nullable=True),
    sa.Column('tpm_limit', sa.Integer(), nullable=True),
    sa.Column('concurrency', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_llm_providers_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_llm_providers')),
    sa.UniqueConstraint('name', name=op.f('uq_llm_providers_name'))
    )
    op.create_table('llm_answer_cache',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('provider_id', sa.Uuid(), nullable=True),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('finish_reason', sa.String(length=32), nullable=True),
    sa.Column('mean_logprob', sa.Float(), nullable=True),
    sa.Column('usage', sa.JSON(), nullable=False),
    sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['llm_providers.id'], name=op.f('fk_llm_answer_cache_provider_id_llm_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_llm_answer_cache'))
    )
    with op.batch_alter_table('llm_answer_cache', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_llm_answer_cache_provider_id'), ['provider_id'], unique=False)

    op.create_table('llm_prices',
    sa.Column('provider_id', sa.Uuid(), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('input_per_m', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.Column('cached_input_per_m', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.Column('output_per_m', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['llm_providers.id'], name=op.f('fk_llm_prices_provider_id_llm_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_llm_prices')),
    sa.UniqueConstraint('provider_id', 'model', 'effective_from', name=op.f('uq_llm_prices_provider_id'))
    )
    with op.batch_alter_table('llm_prices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_llm_prices_provider_id'), ['provider_id'], unique=False)

    op.create_table('labeling_runs',
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('dataset_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('text_columns', sa.JSON(), nullable=False),
    sa.Column('task', sa.JSON(), nullable=False),
    sa.Column('template', sa.Text(), nullable=False),
    sa.Column('teachers', sa.JSON(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('estimate', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'running', 'succeeded', 'stopped_budget', 'cancelled', 'failed', name='labelingstatus', native_enum=False, length=16), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('input_tokens', sa.Integer(), nullable=False),
    sa.Column('output_tokens', sa.Integer(), nullable=False),
    sa.Column('cost', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.Column('output_dataset_id', sa.Uuid(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_labeling_runs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['output_dataset_id'], ['datasets.id'], name=op.f('fk_labeling_runs_output_dataset_id_datasets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_labeling_runs_dataset_id_datasets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_labeling_runs_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_labeling_runs'))
    )
    with op.batch_alter_table('labeling_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_labeling_runs_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_labeling_runs_project_id'), ['project_id'], unique=False)

    op.create_table('labeling_rows',
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('row_index', sa.Integer(), nullable=False),
    sa.Column('output', sa.JSON(), nullable=True),
    sa.Column('votes', sa.JSON(), nullable=False),
    sa.Column('agreement', sa.Float(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['labeling_runs.id'], name=op.f('fk_labeling_rows_run_id_labeling_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_labeling_rows')),
    sa.UniqueConstraint('run_id', 'row_index', name=op.f('uq_labeling_rows_run_id'))
    )
    with op.batch_alter_table('labeling_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_labeling_rows_run_id'), ['run_id'], unique=False)

    op.create_table('llm_calls',
    sa.Column('provider_id', sa.Uuid(), nullable=True),
    sa.Column('run_id', sa.Uuid(), nullable=True),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('cache_key', sa.String(length=64), nullable=False),
    sa.Column('input_tokens', sa.Integer(), nullable=False),
    sa.Column('cached_input_tokens', sa.Integer(), nullable=False),
    sa.Column('output_tokens', sa.Integer(), nullable=False),
    sa.Column('latency_ms', sa.Integer(), nullable=False),
    sa.Column('cost', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('created_at', app.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['llm_providers.id'], name=op.f('fk_llm_calls_provider_id_llm_providers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['labeling_runs.id'], name=op.f('fk_llm_calls_run_id_labeling_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_llm_calls'))
    )
    with op.batch_alter_table('llm_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_llm_calls_cache_key'), ['cache_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_llm_calls_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_llm_calls_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('llm_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_llm_calls_run_id'))
        batch_op.drop_index(batch_op.f('ix_llm_calls_provider_id'))
        batch_op.drop_index(batch_op.f('ix_llm_calls_cache_key'))

    op.drop_table('llm_calls')
    with op.batch_alter_table('labeling_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_labeling_rows_run_id'))

    op.drop_table('labeling_rows')
    with op.batch_alter_table('labeling_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_labeling_runs_project_id'))
        batch_op.drop_index(batch_op.f('ix_labeling_runs_dataset_id'))

    op.drop_table('labeling_runs')
    with op.batch_alter_table('llm_prices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_llm_prices_provider_id'))

    op.drop_table('llm_prices')
    with op.batch_alter_table('llm_answer_cache', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_llm_answer_cache_provider_id'))

    op.drop_table('llm_answer_cache')
    op.drop_table('llm_providers')
