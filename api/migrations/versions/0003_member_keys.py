"""Member keys: a key may be bound to one site of its territory (the ``member`` role).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the site a member key is bound to (null for coordinators and viewers)."""
    # batch mode: SQLite cannot alter a table in place; on PostgreSQL it is a plain ALTER.
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("site_id", sa.String(100), nullable=True))


def downgrade() -> None:
    """Drop the site column."""
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("site_id")
