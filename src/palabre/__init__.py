"""palabre: a self-hosted social business platform."""

__version__ = "0.1.0"
