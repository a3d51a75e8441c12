"""soap providers and signing senders

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 15:20:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("services", sa.Column("soap_endpoint", sa.String(length=500), nullable=True))
    op.add_column(
        "senders",
        sa.Column("require_signature", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("senders", "require_signature")
    op.drop_column("services", "soap_endpoint")
