"""The local dashboard: a small HTTP server inside the daemon, and the page it serves.

server.py holds the server and the Sink that feeds it; static/ the page,
its script and the vendored chart library (uPlot, MIT).  Nothing is
fetched from the internet: every file the page needs is in the package.
"""
