"""one issued plate per vehicle

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 11:28:37.365415

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ISSUED = sa.text("status = 'ISSUED'")

# A bank that ran before the index may hold two issued plates of one VIN (an issue whose
# answer was lost, then another application's): the newest issue is the one a registration
# went on with, the older ones are annulled, with their archive entry, so the index can hold.
SUPERSEDED = """
    status = 'ISSUED' AND vin IS NOT NULL AND EXISTS (
        SELECT 1 FROM plates AS newer
        WHERE newer.vin = plates.vin AND newer.status = 'ISSUED'
          AND (newer.issued_at > plates.issued_at
               OR (newer.issued_at = plates.issued_at AND newer.plate > plates.plate)))
"""


def upgrade() -> None:
    op.execute(
        "INSERT INTO plate_events (plate, at, action, status, iin, bin, vin, machine_id) "
        "SELECT plate, status_since, 'ANNULLED', 'ANNULLED', iin, bin, vin, machine_id "
        f"FROM plates WHERE {SUPERSEDED}"
    )
    op.execute(f"UPDATE plates SET status = 'ANNULLED' WHERE {SUPERSEDED}")
    with op.batch_alter_table("plates", schema=None) as batch_op:
        batch_op.create_index(
            "uq_plates_issued_vin",
            ["vin"],
            unique=True,
            postgresql_where=ISSUED,
            sqlite_where=ISSUED,
        )


def downgrade() -> None:
    with op.batch_alter_table("plates", schema=None) as batch_op:
        batch_op.drop_index("uq_plates_issued_vin")
