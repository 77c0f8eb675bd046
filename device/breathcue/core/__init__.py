"""The pure, deterministic core: no I/O, no sleeping, no threads, no hardware.

Every function here is a function of its inputs and explicit state, so the
whole device can be replayed on a virtual clock and tested to the sample.
"""
