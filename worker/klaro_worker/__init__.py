"""klaro-worker: drives one MetaTrader 5 terminal per slot for klarod, over Redis (protocol v1)."""

__version__ = "0.1.0"
VERSION_STRING = f"klaro-worker {__version__}"
