"""Sweeps: many solves of one inventory version, with their progress and robust toile.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the sweeps table."""
    op.create_table(
        "sweeps",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("territory_id", sa.String(64), sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("inventory_id", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_sweeps_territory_id", "sweeps", ["territory_id"])
    op.create_index("ix_sweeps_state", "sweeps", ["state"])


def downgrade() -> None:
    """Drop the sweeps table."""
    op.drop_index("ix_sweeps_state", "sweeps")
    op.drop_index("ix_sweeps_territory_id", "sweeps")
    op.drop_table("sweeps")
