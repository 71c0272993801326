"""wh: a wheelhouse manager for multi-platform Python dependencies."""

__version__ = "0.1.0"
