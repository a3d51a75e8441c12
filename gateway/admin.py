"""The gateway's admin routes use the kit's admin credential."""

from servicekit.admin import AdminOnly

__all__ = ["AdminOnly"]
