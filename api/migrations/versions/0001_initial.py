"""Initial schema: territories, API keys, versioned inventories, scenarios, runs, results.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "territories",
        sa.Column("id", sa.String(64), primary_key=True),
        _ts("created_at"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("territory_id", sa.String(64), sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        _ts("created_at"),
        _ts("revoked_at", nullable=True),
    )
    op.create_index("ix_api_keys_territory_id", "api_keys", ["territory_id"])
    op.create_table(
        "inventories",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("territory_id", sa.String(64), sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("latest_version", sa.Integer, nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index("ix_inventories_territory_id", "inventories", ["territory_id"])
    op.create_table(
        "inventory_versions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("inventory_id", sa.String(32), sa.ForeignKey("inventories.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("etag", sa.String(80), nullable=False),
        sa.Column("source_format", sa.String(16), nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("n_sites", sa.Integer, nullable=False),
        sa.Column("n_links", sa.Integer, nullable=False),
        _ts("created_at"),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.UniqueConstraint("inventory_id", "version"),
    )
    op.create_index("ix_inventory_versions_inventory_id", "inventory_versions", ["inventory_id"])
    op.create_table(
        "scenarios",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("territory_id", sa.String(64), sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("inventory_id", sa.String(32), sa.ForeignKey("inventories.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("overrides", sa.JSON, nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_scenarios_territory_id", "scenarios", ["territory_id"])
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("territory_id", sa.String(64), sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("inventory_id", sa.String(32), nullable=True),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("scenario_id", sa.String(32), nullable=True),
        sa.Column("objective", sa.String(16), nullable=False),
        sa.Column("time_limit", sa.Float, nullable=False),
        sa.Column("rel_gap", sa.Float, nullable=False),
        sa.Column("input", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("incumbent", sa.Float, nullable=True),
        sa.Column("bound", sa.Float, nullable=True),
        sa.Column("mip_gap", sa.Float, nullable=True),
        sa.Column("elapsed", sa.Float, nullable=True),
        sa.Column("nodes", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("worker_pid", sa.Integer, nullable=True),
        _ts("created_at"),
        _ts("started_at", nullable=True),
        _ts("finished_at", nullable=True),
    )
    op.create_index("ix_runs_territory_id", "runs", ["territory_id"])
    op.create_index("ix_runs_state", "runs", ["state"])
    op.create_table(
        "run_results",
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("geojson", sa.Text, nullable=False),
        sa.Column("report", sa.LargeBinary, nullable=False),
        _ts("created_at"),
    )
    op.create_table(
        "comparisons",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("territory_id", sa.String(64), sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("run_ids", sa.JSON, nullable=False),
        sa.Column("totals", sa.JSON, nullable=False),
        sa.Column("exchanges", sa.JSON, nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_comparisons_territory_id", "comparisons", ["territory_id"])


def downgrade() -> None:
    """Drop every table."""
    for table in (
        "comparisons",
        "run_results",
        "runs",
        "scenarios",
        "inventory_versions",
        "inventories",
        "api_keys",
        "territories",
    ):
        op.drop_table(table)
