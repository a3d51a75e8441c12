"""one open application per plate

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:44:15.018324

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


HOLDS_PLATE = sa.text("plate IS NOT NULL AND state NOT IN ('REFUSED', 'DECLINED')")


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(
            "uq_applications_open_plate",
            ["plate"],
            unique=True,
            postgresql_where=HOLDS_PLATE,
            sqlite_where=HOLDS_PLATE,
        )


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("uq_applications_open_plate")
