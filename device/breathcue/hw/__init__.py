"""Hardware adapters behind small protocols (ports.py), real and simulated.

Hardware libraries are imported only inside the functions that open real
devices, so this package imports cleanly on any machine.
"""
