import frontoffice_service.machinery_models  # noqa: F401  (its tables join Base.metadata)
from frontoffice_service.models import Base
from servicekit.migrations import run_env

run_env(Base.metadata)
