"""Every table of the service's one database: the rooms' models joined to `Base.metadata`, for
Alembic (`migrations/env.py`) and for anything that needs the whole schema."""

from frontoffice_service.archive import models as archive
from frontoffice_service.machinery import models as machinery
from frontoffice_service.models import Base
from frontoffice_service.pickup import models as pickup
from frontoffice_service.provider import models as provider
from frontoffice_service.provider.digital_documents import models as digital_documents
from frontoffice_service.provider.machine_registry import models as machine_registry
from frontoffice_service.queue import models as queue
from frontoffice_service.sms import models as sms

metadata = Base.metadata

ROOMS = (archive, digital_documents, machine_registry, machinery, pickup, provider, queue, sms)
"""The modules whose tables `metadata` holds (imported for that)."""
