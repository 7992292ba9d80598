"""A stand-in for `python -m mt5linux` in Wine: an RPyC classic server where `MetaTrader5` is the sim.

Usage: python rpyc_sim_server.py PORT SCENARIO_FILE
"""

import sys

from rpyc.core import SlaveService
from rpyc.utils.server import ThreadedServer

import klaro_worker.mt5sim as sim

sim.configure(sys.argv[2])
sys.modules["MetaTrader5"] = sim
# Exactly how mt5linux's generated server serves (no extra protocol configuration).
ThreadedServer(SlaveService, hostname="127.0.0.1", port=int(sys.argv[1]), reuse_addr=True).start()
