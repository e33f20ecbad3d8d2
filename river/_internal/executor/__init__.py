"""The job executor and its colour-free decisions: outcomes, the attempt's log and the calls
into user code, deadlines, hook lookup, stuck jobs; and the seams: what the services need of
the client, and the executor of its completer.
"""
