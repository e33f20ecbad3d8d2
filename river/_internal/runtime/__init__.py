"""The runtime that starts and stops a client's services, its start/stop machinery and
settings.
"""
