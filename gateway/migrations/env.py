from gateway import async_store  # noqa: F401 — its table is part of the gateway's schema
from gateway.models import Base
from servicekit.migrations import run_env

run_env(Base.metadata)
