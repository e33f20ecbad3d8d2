"""The job executor and its colour-free decisions: outcomes, job log, worker calls, deadlines, hook
lookup, stuck jobs.
"""
