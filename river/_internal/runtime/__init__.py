"""The runtime that starts and stops a client's services, its start/stop machinery, settings and
the seams to the client.
"""
